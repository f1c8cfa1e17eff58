#!/bin/bash
# debian-kernel.sh SERIES: Debian 13's own kernel of SERIES (6.12 from
# trixie; 7.2 and 7.3 from trixie-backports), the newest build Debian's
# registry has, unpacked (dpkg-deb -x, nothing installed) into the
# Debian 13 root of mk/trixie-root.sh: the image and its modules, its
# headers and Kbuild, and drivers/vfio/vfio.h taken from the same
# version's linux-source tarball, against which vim_layout.c proves the
# container backend's copy of the core's private ops table.
# Prints, on its last line, "KREL ROOT IMAGE": the kernel release, the
# root and the kernel image in it.
set -eo pipefail
series=${1:?usage: debian-kernel.sh SERIES (6.12, 7.2, 7.3)}
top=$(cd "$(dirname "$0")/.." && pwd)
root=$("$top/mk/trixie-root.sh" | tail -n 1)
suite=trixie-backports	# its lists hold trixie's and trixie-backports'
pkgs() { "$top/mk/debian-pkg.sh" --cache "$suite" "$@"; }
# the newest release of the series: linux-image-SERIES.N+deb13-amd64
# (the backports ship only the signed image package)
img=$(pkgs pkgnames "linux-image-$series." |
	{ grep -E "^linux-image-$series\.[0-9]+\+deb13-amd64(-unsigned)?$" || true; } |
	sort -V | tail -n 1)
[ -n "$img" ] || { echo "debian-kernel: no Debian 13 $series image" >&2; exit 1; }
krel=${img#linux-image-}
krel=${krel%-unsigned}
abi=${krel%-amd64}
mark=$root/usr/src/.vmp-$krel
exec 9> "$root/usr/src/.vmp-kernel.lock"
flock 9
if [ ! -f "$mark" ]; then
	ver=$(pkgs show "$img" |
		sed -n 's/^Version: //p' | sort -V | tail -n 1)
	# from 7.x the image package only depends on linux-binary-KREL (the
	# image), linux-modules-KREL and linux-base-KREL (modules.builtin...)
	parts=$("$top/mk/debian-pkg.sh" "$suite" "$img")
	parts="$parts $(dpkg-deb -f "$parts" Depends | tr ',' '\n' |
		sed -n "s/^ *\(linux-\(base\|binary\|modules\)-$krel\) .*/\1/p" |
		xargs -r "$top/mk/debian-pkg.sh" "$suite")"
	debs="$parts $("$top/mk/debian-pkg.sh" "$suite" \
		"linux-headers-$krel" "linux-headers-$abi-common" \
		"linux-kbuild-$abi" "linux-source-$series=$ver")"
	for d in $debs; do
		case $d in
		*/linux-source-*) src=$d ;;
		*) dpkg-deb -x "$d" "$root" ;;
		esac
	done
	# the tree's drivers/vfio/vfio.h, for vim_layout.c
	t=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$src" |
		tar -x -C "$t" --wildcards '*/linux-source-*.tar.xz'
	mkdir -p "$root/usr/src/vfio-h-$krel"
	tar -xJf "$t"/usr/src/linux-source-*.tar.xz -C "$t" \
		--wildcards '*/drivers/vfio/vfio.h'
	cp "$t"/linux-source-*/drivers/vfio/vfio.h "$root/usr/src/vfio-h-$krel/"
	rm -rf "$t"
	[ -d "$root/lib/modules/$krel/kernel/drivers/vfio" ] &&
		[ -f "$root/usr/src/linux-headers-$krel/Makefile" ] ||
		{ echo "debian-kernel: $krel incomplete in $root" >&2; exit 1; }
	# what the package's postinst would have made: modules.dep
	chroot "$root" depmod "$krel"
	touch "$mark"
fi
# 6.12 ships the image in /boot, 7.x in the modules' directory
image=$root/boot/vmlinuz-$krel
[ -f "$image" ] || image=$root/lib/modules/$krel/vmlinuz
[ -f "$image" ] || { echo "debian-kernel: no image of $krel in $root" >&2; exit 1; }
echo "$krel $root $image"
