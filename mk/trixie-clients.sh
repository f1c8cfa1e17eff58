#!/bin/bash
# trixie-clients.sh: for plan e2e-trixie (# bed: files=): the Debian 13
# root of mk/trixie-root.sh, whose QEMU, mdevctl and libvirt the guest runs
# through the host's 9p share.  Writes its path (a path of the host) into
# build/trixie-clients/root and prints that directory, which the guest
# finds as /bed/trixie-clients.
set -eo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=$("$top/mk/trixie-root.sh" | tail -n 1)
d=$top/build/trixie-clients
mkdir -p "$d"
echo "$root" > "$d/root"
echo "$d"
