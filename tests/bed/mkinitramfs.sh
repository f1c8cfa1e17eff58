#!/bin/bash
# mkinitramfs.sh KVER OUT PLAN [FILE...]
# Build the guest's initramfs: static busybox, the stock modules the tests
# need (with their dependencies, indexed by depmod), our modules built
# from kernel/ and tests/kmod/ (installed under extra/), the test binary,
# the plan, and any further FILEs (copied to /bed; a directory with its
# contents, as /bed/DIRNAME).
# BED_MODROOT takes the stock modules from $BED_MODROOT/lib/modules/KVER
# (a kernel built by mk/debug-kernel.sh) instead of /lib/modules/KVER.
set -euo pipefail
kver=$1 out=$2 plan=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kmod=/lib/modules/$kver
src=${BED_MODROOT:-}$kmod
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,bed,proc,sys,dev,tmp,run,host,etc}
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod +x "$root/init"
cp "$here/lib.sh" "$here/cases.sh" "$here/bed.conf" "$root/bed/"
cp "$plan" "$root/bed/plan.sh"

# Stock modules, resolved through modules.dep.
want="vfio vfio_iommu_type1 vfio-pci-core vfio-pci mdev irqbypass virtio_pci"
# modules of some kernels only (vfio_virqfd is part of vfio.ko since 6.2;
# iommufd on kernels built with it; the bed's iommufd kernel has no
# networking, so no e1000 and no 9p: its plan needs neither; the mtty
# sample where the kernel built it)
maybe="vfio_virqfd fuse pci-pf-stub iommufd e1000 9pnet_virtio 9p mtty"
declare -A have=()
add() {
	local rel=$1 dep
	[ -n "${have[$rel]:-}" ] && return
	have[$rel]=1
	mkdir -p "$root/$kmod/$(dirname "$rel")"
	# busybox loads plain .ko files only (6.12 ships .ko.xz)
	case $rel in
	*.ko.xz) xz -dc "$src/$rel" > "$root/$kmod/${rel%.xz}" ;;
	*) cp "$src/$rel" "$root/$kmod/$rel" ;;
	esac
	for dep in $(grep "^$rel:" "$src/modules.dep" | cut -d: -f2); do
		add "$dep"
	done
}
for m in $want $maybe; do
	rel=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$src/modules.dep" | cut -d: -f1 || true)
	if [ -z "$rel" ]; then
		case " $maybe " in *" $m "*) continue ;; esac
		# built into this kernel (virtio_pci in 6.12)
		grep -qE "/$m\.ko$" "$src/modules.builtin" && continue
		echo "module $m not in $src" >&2
		exit 1
	fi
	add "$rel"
done
cp "$src/modules.order" "$src/modules.builtin" "$root/$kmod/"
[ -f "$src/modules.builtin.modinfo" ] &&
	cp "$src/modules.builtin.modinfo" "$root/$kmod/"

# Our modules (kernel/ and tests/kmod/), built for $kver by mk/modules.sh.
mkdir -p "$root/$kmod/extra"
for ko in "$top/build/mod-$kver"/kernel/*.ko "$top/build/mod-$kver"/kmod/*.ko; do
	[ -f "$ko" ] && cp "$ko" "$root/$kmod/extra/"
done
depmod -b "$root" "$kver"

cp "$top/build/vt" "$root/bed/vt"
mkdir -p "$root/bed/e2e"
cp "$top"/tests/e2e/*.sh "$root/bed/e2e/"
for f in "$@"; do
	cp -r "$f" "$root/bed/"
done

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
