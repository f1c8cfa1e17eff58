#!/bin/bash
# trixie-root.sh: a Debian 13 (trixie) root, made once by debootstrap from
# Debian's registry: the compiler that built Debian 13's kernels (gcc-14)
# and what Kbuild runs for an out-of-tree module (pahole: 7.x writes the
# modules' BTF).  Debian 13's kernels (mk/debian-kernel.sh) are unpacked
# into it, and our modules build for them inside it (mk/modules.sh with
# CHROOT=).  Nothing is installed on the host, whose apt sources stay
# untouched.
# The root also holds Debian 13's clients, which the bed's guests run in
# it (plan e2e-trixie): QEMU 10.0, mdevctl 1.4 and libvirt 11.3.
#
# The root is kept outside the clone, in
#   ${VMP_CACHE:-${XDG_CACHE_HOME:-~/.cache}/vfio-mdev-pci}/roots/trixie-KEY
# (KEY: a hash of this script's lines that are not comments; roots of other
# keys go once unused for a day), and build/trixie-root points to it.
# Prints its path.
set -eo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$(realpath -m "${VMP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-mdev-pci}")
key=$(grep -v '^[[:space:]]*#' "$0" | sha256sum | cut -c1-16)
root=$cache/roots/trixie-$key
mkdir -p "$cache/roots" "$top/build"
exec 9> "$cache/roots/.trixie.lock"
flock 9
if [ ! -f "$root/.done" ]; then
	command -v debootstrap > /dev/null ||
		{ echo "trixie-root: no debootstrap: run 'make deps'" >&2; exit 1; }
	rm -rf --one-file-system "$root"
	log=$top/build/logs/trixie-root.log
	mkdir -p "$top/build/logs"
	echo "trixie-root: debootstrap of Debian 13 into $root (a few minutes, once)" >&2
	if ! debootstrap --variant=minbase \
		--include=gcc-14,make,libelf1t64,xz-utils,kmod,dwarves \
		trixie "$root" http://deb.debian.org/debian > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		exit 1
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends \
		qemu-system-x86 mdevctl libvirt-daemon-system libvirt-clients \
		libvirt-daemon-driver-qemu >> "$log" 2>&1; then
		tail -n 20 "$log" >&2
		exit 1
	fi
	chroot "$root" apt-get clean
	touch "$root/.done"
fi
# Every call marks its root used.  Roots of other keys (other versions of
# this script) unused for a day are removed, unless something is mounted
# below them (a killed debootstrap's /proc): another clone may still run
# with one, but not for a day.
touch "$root/.used"
for old in "$cache"/roots/trixie-*; do
	[ "$old" != "$root" ] || continue
	[ -z "$(find "$old/.used" "$old/.done" -maxdepth 0 -mmin -1440 2>/dev/null)" ] ||
		continue
	findmnt -rno TARGET | grep -q "^$old/" && continue
	rm -rf --one-file-system "$old"
done
ln -sfn "$root" "$top/build/trixie-root"
echo "$root"
