#!/bin/bash
# make demo: boot the test bed and walk through the story in plain words,
# with the real output of each step; a one-line verdict; non-zero if any
# step did not behave.
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:?}
log=$top/build/logs/demo.log
mkdir -p "$top/build/logs"
echo "Booting Debian's $kver under QEMU with an emulated Intel IOMMU..."
"$top/tests/bed/mkinitramfs.sh" "$kver" "$top/build/initrd-demo.gz" \
	"$top/tests/plans/demo.sh" || exit 1
start=$(date +%s)
"$top/tests/bed/boot.sh" "$kver" "$top/build/initrd-demo.gz" "$log" 240
tr -d '\r' < "$log" | sed -n -e 's/^\(# \)\{0,1\}DEMO: //p' \
	-e 's/^ok [0-9]* - demo: \(.*\)/   [ok] \1/p' \
	-e 's/^not ok [0-9]* - \(.*\)/   [FAILED] \1/p'
out=$("$top/tests/bed/parse.sh" "$log" demo)
if [ $? = 0 ]; then
	echo "VERDICT: every step behaved ($(($(date +%s) - start)) s in the VM)."
else
	echo "$out" | grep FAIL
	echo "VERDICT: something did not behave; full log: build/logs/demo.log"
	exit 1
fi
