#!/bin/bash
# Host-side tests of the test bed itself: the console-log parser on canned
# logs, and one real boot proving that a WARN in the guest fails a run.
top=$(cd "$(dirname "$0")/../.." && pwd)
parse=$top/tests/bed/parse.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
res() {
	if [ "$1" = 0 ]; then echo "PASS  unit/$2"; pass=$((pass + 1))
	else echo "FAIL  unit/$2"; fail=$((fail + 1)); fi
}
good='BED: start
K: [    0.1] DMAR: IOMMU enabled
ok 1 - a
# note
ok 2 - b
BED: end 2'
# case NAME EXPECT_RC GREP LOG
case_() {
	printf '%s\n' "$4" > "$tmp/log"
	out=$("$parse" "$tmp/log" u)
	rc=$?
	[ "$rc" = "$2" ] && echo "$out" | grep -qE "$3"
	res $? "$1"
}
case_ "parser: clean log passes" 0 '^4 passed, 0 failed$' "$good"
case_ "parser: not ok fails the run" 1 '^FAIL  u/b' \
	"$(echo "$good" | sed 's/^ok 2/not ok 2/')"
for k in 'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1' 'BUG: kernel NULL pointer dereference' \
	 'Oops: 0000 [#1] SMP' 'INFO: task vt:90 blocked for more than 20 seconds.' \
	 'watchdog: BUG: soft lockup - CPU#0 stuck for 22s!' 'Call Trace:'; do
	case_ "parser: '${k%% *}' in the kernel log fails the run" 1 \
		'^FAIL  u/guest kernel log clean' \
		"$(echo "$good" | sed "3a K: [    2.0] $k")"
done
for k in 'BUG: KASAN: use-after-free in vfio_iommu_type1_ioctl+0x1c/0x90' \
	 'WARNING: possible circular locking dependency detected' \
	 'Disabling lock debugging due to kernel taint' \
	 'INFO: trying to register non-static key.'; do
	case_ "parser: lockdep/KASAN '${k:0:28}' fails the run" 1 \
		'^FAIL  u/guest kernel log clean' \
		"$(echo "$good" | sed "3a K: [    2.0] $k")"
done
# a guest that wedged before dumping its log: the report is only on the
# console, without the K: prefix
case_ "parser: a lockdep report on the console alone fails the run" 1 \
	'^FAIL  u/guest kernel log clean' \
	"$(echo "$good" | sed '3a [    8.8] WARNING: possible recursive locking detected')"
# expect.sh: a plan that declares "# bed: expect=KASAN use-after-free"
expect=$top/tests/bed/expect.sh
uaf='BED: start
ok 1 - setup
[   20.1] ==================================================================
[   20.1] BUG: KASAN: use-after-free in __mutex_lock+0x9f/0x8d0
[   20.1] Read of size 8 at addr ffff888004f1e430 by task vt/95
[   20.1]  vfio_iommu_type1_ioctl+0x2a/0x1a0 [vfio_iommu_type1]
[   20.1]  vfio_fops_unl_ioctl+0x5c/0x80 [vfio]
[   20.1] ==================================================================
[   20.1] Kernel panic - not syncing: kasan.fault=panic set ...'
xcase() {
	printf '%s\n' "$3" > "$tmp/log"
	out=$("$expect" "$tmp/log" u "KASAN use-after-free" "the race")
	rc=$?
	[ "$rc" = "$2" ] && echo "$out" | grep -qE "$4"
	res $? "expect: $1"
}
xcase "a use-after-free report naming vfio passes" 0 "$uaf" '^PASS  u/the race$'
xcase "a clean run to the end fails" 1 "$good" '^FAIL  u/the race$'
xcase "a report that does not name vfio fails" 1 "$(echo "$uaf" | sed '/vfio/d')" \
	'does not name vfio'
case_ "parser: a guest that never ends fails the run" 1 \
	'^FAIL  u/guest reached the end' "$(echo "$good" | sed '$d')"
case_ "parser: a terminal reset before 'BED: start' is ignored" 0 '^4 passed' \
	"$(echo "$good" | sed "1s/^/$(printf '\033')c$(printf '\033')[?7l$(printf '\033')[2J/")"
case_ "parser: a DMAR fault alone is not a kernel error" 0 '^4 passed' \
	"$(echo "$good" | sed '3a K: [ 3.9] DMAR: [DMA Write NO_PASID] Request device [00:04.0] fault addr 0x200000 [fault reason 0x05] PTE Write access is not set')"

# One real boot: a test comparing the wrong bytes must fail, its correct
# twin must pass, and a WARN in the guest kernel must fail the run.
if [ -n "${KVER:-}" ] && [ -f "$top/build/mod-$KVER/kmod/bed_warn.ko" ]; then
	cat > "$tmp/plan.sh" <<'PLAN'
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
t "DMA round trip" /bed/vt stock.dma "$EDU_SINGLE"
t "DMA round trip comparing the wrong bytes" \
	env VT_SELFTEST_WRONG_BYTES=1 /bed/vt stock.dma "$EDU_SINGLE"
t "load bed_warn" sh -c "insmod /lib/modules/$(uname -r)/extra/bed_warn.ko; true"
PLAN
	if "$top/tests/bed/mkinitramfs.sh" "$KVER" "$tmp/initrd.gz" "$tmp/plan.sh" &&
	   "$top/tests/bed/boot.sh" "$KVER" "$tmp/initrd.gz" "$tmp/self.log" 120; then
		out=$("$parse" "$tmp/self.log" selftest)
		rc=$?
		[ "$rc" = 1 ] && echo "$out" | grep -q '^PASS  selftest/DMA round trip$' &&
			echo "$out" | grep -q '^FAIL  selftest/DMA round trip comparing the wrong bytes' &&
			echo "$out" | grep -q 'bytes differ after round trip'
		res $? "bed: a test comparing the wrong bytes fails the run"
		[ "$rc" = 1 ] && echo "$out" | grep -q '^PASS  selftest/load bed_warn' &&
			echo "$out" | grep -q '^FAIL  selftest/guest kernel log clean' &&
			grep -q 'bed_warn: deliberate warning' "$tmp/self.log"
		res $? "bed: a WARN in a real guest fails the run"
	else
		res 1 "bed: self-test guest (boot failed)"
		res 1 "bed: self-test guest (boot failed)"
	fi
else
	res 1 "bed: self-test guest (KVER or bed_warn.ko missing)"
	res 1 "bed: self-test guest (KVER or bed_warn.ko missing)"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
