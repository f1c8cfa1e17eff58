#!/bin/sh
# Install from Debian's registry everything the build, the tests, the demo,
# the linters and the bed's kernels (mk/bed-kernel.sh) need.  Idempotent:
# silent when all is there.
pkgs="gcc make libc6-dev kmod cpio gzip xz-utils busybox-static
      linux-image-amd64 linux-headers-amd64 linux-source-6.1 linux-source-6.12
      linux-image-6.12-amd64 linux-headers-6.12-amd64
      qemu-system-x86 sparse mdevctl pciutils
      flex bison bc libelf-dev patch dkms openssl uuid-dev debootstrap"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null &&
	apt-get install -y -qq $missing >/dev/null ||
	{ echo "deps: apt-get install$missing failed" >&2; exit 1; }
