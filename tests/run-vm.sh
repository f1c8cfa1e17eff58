#!/bin/bash
# run-vm.sh PLAN...
# For each plan (tests/plans/NAME.sh): build an initramfs, boot the guest
# once, run every case of the plan in that boot, parse the console log.
# Logs go to build/logs/NAME$BED_SUFFIX.log (BED_SUFFIX tells the runs of
# several kernels apart).  Prints the total "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${KVER:?KVER not set}
mkdir -p "$top/build/logs"
tp=0 tf=0
for plan in "$@"; do
	name=$(basename "$plan" .sh)${BED_SUFFIX:-}
	initrd=$top/build/initrd-$name.gz
	log=$top/build/logs/$name.log
	if ! "$top/tests/bed/mkinitramfs.sh" "$kver" "$initrd" "$plan"; then
		echo "FAIL  $name/build the initramfs"
		tf=$((tf + 1))
		continue
	fi
	start=$(date +%s)
	"$top/tests/bed/boot.sh" "$kver" "$initrd" "$log" \
		"${BED_BOUND:-240}"
	out=$("$top/tests/bed/parse.sh" "$log" "$name")
	echo "$out" | sed '$d'
	last=$(echo "$out" | tail -n 1)
	p=${last%% passed*}
	f=${last#*, }
	f=${f%% failed*}
	echo "      ($name: $p passed, $f failed in $(($(date +%s) - start)) s;" \
	     "log: build/logs/$name.log)"
	tp=$((tp + p))
	tf=$((tf + f))
done
echo "$tp passed, $tf failed"
[ "$tf" = 0 ]
