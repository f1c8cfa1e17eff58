#!/bin/bash
# d13-series.sh VERSION: Debian 13's kernel VERSION (6.12, 7.2 or 7.3)
# made ready for the bed: its image unpacked into the Debian 13 root
# (mk/debian-kernel.sh) and our modules and the tests' kmods built for it
# inside that root with Debian 13's compiler (mk/modules.sh CHROOT=),
# into build/mod-KREL.  Prints "KREL ROOT IMAGE" as its last line, what
# tests/run-vm.sh takes as KVER, BED_MODROOT and BED_KIMAGE.  On failure
# says which step failed and where its log is, and exits non-zero.
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
v=${1:?usage: d13-series.sh 6.12|7.2|7.3}
logs=$top/build/logs
mkdir -p "$logs"
if ! out=$("$top/mk/debian-kernel.sh" "$v" 2> "$logs/d13-$v-kernel.err"); then
	echo "d13-series: Debian 13's $v kernel (mk/debian-kernel.sh) failed; build/logs/d13-$v-kernel.err:" >&2
	tail -n 15 "$logs/d13-$v-kernel.err" >&2
	exit 1
fi
read -r krel root image <<<"$(echo "$out" | tail -n 1)"
if ! CHROOT=$root VIM_VFIO_H_DIR=/usr/src/vfio-h-$krel \
     "$top/mk/modules.sh" "/usr/src/linux-headers-$krel" \
	"$top/build/mod-$krel" > "$logs/d13-$v-modules.log" 2>&1; then
	echo "d13-series: building kernel/ and tests/kmod/ for $krel with Debian 13's compiler failed; build/logs/d13-$v-modules.log:" >&2
	tail -n 15 "$logs/d13-$v-modules.log" >&2
	exit 1
fi
echo "$krel $root $image"
