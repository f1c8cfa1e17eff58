#!/bin/bash
# check.sh PLAN...: host unit tests, then the VM suites on Debian's 6.1 and
# 6.12 kernels and on the debug kernel (DEBUG_PLANS); one closing total.
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build/logs"
start=$(date +%s)
u=$("$top/tests/unit/run.sh")
echo "$u" | sed '$d'
k=$("$top/tests/unit/dkms.sh")
echo "$k" | sed '$d'
if "$top/mk/lint.sh" > "$top/build/logs/lint.log" 2>&1; then
	echo "PASS  lint/checkpatch --strict and sparse clean over kernel/"
	lp=1 lf=0
else
	echo "FAIL  lint/checkpatch --strict and sparse clean over kernel/"
	sed 's/^/      /' "$top/build/logs/lint.log" | tail -n 20
	lp=0 lf=1
fi
sum() { echo "$1" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'; }
read -r up uf <<<"$(sum "$u")"
read -r kp kf <<<"$(sum "$k")"
[ -n "$kp" ] || { kp=0 kf=1; }
tp=$((up + kp + lp)) tf=$((uf + kf + lf))
# Every plan on the default kernel (KVER, 6.1), then on 6.12; a missing
# kernel is a failure, never a skip.
for series in default 6.12; do
	if [ "$series" = default ]; then
		v=$("$top/tests/run-vm.sh" "$@")
	elif kv=$("$top/mk/kver.sh" "$series"); then
		v=$(KVER=$kv BED_SUFFIX=-$series "$top/tests/run-vm.sh" "$@")
	else
		v="FAIL  vm-$series/no Debian $series kernel with headers: run 'make deps'
0 passed, 1 failed"
	fi
	echo "$v" | sed '$d'
	read -r vp vf <<<"$(sum "$v")"
	[ -n "$vp" ] || { vp=0 vf=1; }
	tp=$((tp + vp)) tf=$((tf + vf))
done
# Third: the debug kernel (lockdep, KASAN, full preemption), built once by
# mk/debug-kernel.sh and cached; our modules built against its tree; then
# DEBUG_PLANS (default: the plans that declare "# bed: also=debug",
# "# bed: kernel=debug" or "# bed: expect=...", else the stock plan).  A
# build failure is a FAIL.
debug_series() {
	local krel d=$top/build/debug-6.1 plans p
	if ! krel=$("$top/mk/debug-kernel.sh" 2> "$top/build/logs/debug-kernel.err") ||
	   [ -z "$krel" ]; then
		echo "FAIL  vm-debug/build the debug kernel (mk/debug-kernel.sh)"
		tail -n 15 "$top/build/logs/debug-kernel.err" | sed 's/^/      /'
		echo "0 passed, 1 failed"
		return
	fi
	krel=$(echo "$krel" | tail -n 1)
	if ! make -s -C "$top" modules KDIR="$d/linux" MODDIR="build/mod-$krel" \
		> "$top/build/logs/debug-modules.log" 2>&1; then
		echo "FAIL  vm-debug/build kernel/ and tests/kmod/ against $krel"
		tail -n 15 "$top/build/logs/debug-modules.log" | sed 's/^/      /'
		echo "0 passed, 1 failed"
		return
	fi
	plans=${DEBUG_PLANS:-}
	if [ -z "$plans" ]; then
		for p in "$top"/tests/plans/*.sh; do
			grep -qE '^# bed: (also=debug|kernel=debug|expect=)' "$p" &&
				plans="$plans $p"
		done
		[ -n "$plans" ] || plans=$top/tests/plans/stock.sh
	fi
	# shellcheck disable=SC2086 # a list of plans
	KVER=$krel BED_KERNEL=debug BED_SUFFIX=-debug \
		BED_KIMAGE=$d/bzImage BED_MODROOT=$d/modroot \
		BED_MODROOT_PATCHED=$d/modroot-patched \
		BED_BOUND=${DEBUG_BOUND:-1800} \
		BED_APPEND="${BED_APPEND:-} BED_TIMEOUT=${DEBUG_CASE_TIMEOUT:-900} RACE_SECONDS=${DEBUG_RACE_SECONDS:-60}" \
		"$top/tests/run-vm.sh" $plans
}
v=$(debug_series)
echo "$v" | sed '$d'
read -r vp vf <<<"$(sum "$v")"
[ -n "$vp" ] || { vp=0 vf=1; }
tp=$((tp + vp)) tf=$((tf + vf))
echo "(make check took $(($(date +%s) - start)) s)"
echo "$tp passed, $tf failed"
[ "$tf" = 0 ] && [ -n "$up" ]
