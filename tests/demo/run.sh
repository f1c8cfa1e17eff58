#!/bin/bash
# make demo: boot the test bed and walk through the story in plain words.
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:?}
mkdir -p "$top/build/logs"
"$top/tests/bed/mkinitramfs.sh" "$kver" "$top/build/initrd-demo.gz" \
	"$top/tests/demo/plan.sh" || exit 1
"$top/tests/bed/boot.sh" "$kver" "$top/build/initrd-demo.gz" \
	"$top/build/logs/demo.log" 120
tr -d '\r' < "$top/build/logs/demo.log" | sed -n 's/^DEMO: //p'
out=$("$top/tests/bed/parse.sh" "$top/build/logs/demo.log" demo)
if [ $? = 0 ]; then
	echo "VERDICT: every step behaved"
else
	echo "$out"
	echo "VERDICT: something did not behave (log: build/logs/demo.log)"
	exit 1
fi
