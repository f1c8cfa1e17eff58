#!/bin/bash
# trixie-clients.sh: for plan e2e-trixie (# bed: files=): the Debian 13
# root of mk/trixie-root.sh, whose QEMU, mdevctl and libvirt the guest runs
# through the host's 9p share.  Writes its path (a path of the host) into
# build/trixie-clients/root and prints that directory, which the guest
# finds as /bed/trixie-clients.
set -eo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=$("$top/mk/trixie-root.sh" | tail -n 1)
# the guest sees the host's root through 9p with its own /tmp, /run, /dev,
# /proc and /sys over it (tests/bed/lib.sh, chroot_ready); trixie-root.sh
# gives the root's path resolved
case $root in
/tmp/*|/run/*|/dev/*|/proc/*|/sys/*)
	echo "trixie-clients: the Debian 13 root $root is under /tmp, /run, /dev, /proc or /sys, which the guest cannot see: set VMP_CACHE to a directory elsewhere" >&2
	exit 1
	;;
esac
d=$top/build/trixie-clients
mkdir -p "$d"
echo "$root" > "$d/root"
echo "$d"
