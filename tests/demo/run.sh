#!/bin/bash
# make demo: boot the test bed and walk through the story in plain words,
# with the real output of each step; a one-line verdict; non-zero if any
# step did not behave.  Part 1 (plan demo) on Debian 12's kernel KVER with
# its QEMU 7.2 and mdevctl; part 2 (plan demo-libvirt) on Debian 13's
# kernel 6.12 with its libvirt 11.3 and QEMU 10.0 (mk/d13-series.sh: the
# Debian 13 root, made once and cached, and our modules built in it).
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:?}
mkdir -p "$top/build/logs"
start=$(date +%s)
bad=0
# show LOG: the story's lines and each step's verdict from a guest's log
show() {
	tr -d '\r' < "$1" | sed -n -e 's/^\(# \)\{0,1\}DEMO: //p' \
		-e 's/^ok [0-9]* - demo: \(.*\)/   [ok] \1/p' \
		-e 's/^not ok [0-9]* - \(.*\)/   [FAILED] \1/p'
}

echo "Part 1: booting Debian's $kver under QEMU with an emulated Intel IOMMU..."
log=$top/build/logs/demo.log
"$top/tests/bed/mkinitramfs.sh" "$kver" "$top/build/initrd-demo.gz" \
	"$top/tests/plans/demo.sh" || exit 1
"$top/tests/bed/boot.sh" "$kver" "$top/build/initrd-demo.gz" "$log" 240
show "$log"
if ! out=$("$top/tests/bed/parse.sh" "$log" demo); then
	echo "$out" | grep FAIL
	echo "   (part 1's full log: build/logs/demo.log)"
	bad=1
fi

echo
echo "Part 2: Debian 13 and libvirt. Preparing Debian 13's 6.12 kernel and"
echo "the Debian 13 root with libvirt and QEMU 10 (a few minutes the first time)..."
if ! out=$("$top/mk/d13-series.sh" 6.12); then
	echo "VERDICT: part 2 could not start: Debian 13's kernel or our modules for it (above)."
	exit 1
fi
read -r krel root image <<<"$(echo "$out" | tail -n 1)"
echo "Booting Debian 13's $krel..."
log=$top/build/logs/demo-libvirt-d13-6.12.log
rm -f "$log"
KVER=$krel BED_KIMAGE=$image BED_MODROOT=$root BED_SUFFIX=-d13-6.12 \
	"$top/tests/run-vm.sh" "$top/tests/plans/demo-libvirt.sh" \
	> "$top/build/logs/demo-libvirt.out" 2>&1
r=$?
[ -f "$log" ] && show "$log"
# a plan that did not run at all (skipped, or no boot) passed nothing
grep -q '^[1-9][0-9]* passed' "$top/build/logs/demo-libvirt.out" || r=1
if [ "$r" != 0 ]; then
	grep FAIL "$top/build/logs/demo-libvirt.out"
	echo "   (part 2's full log: build/logs/demo-libvirt-d13-6.12.log)"
	bad=1
fi

if [ "$bad" = 0 ]; then
	echo "VERDICT: every step behaved ($(($(date +%s) - start)) s)."
else
	echo "VERDICT: something did not behave; the logs are named above."
	exit 1
fi
