#!/bin/bash
# check.sh PLAN...: host unit tests, then the VM suites; one closing total.
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build/logs"
start=$(date +%s)
u=$("$top/tests/unit/run.sh")
echo "$u" | sed '$d'
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
tp=$((up + lp)) tf=$((uf + lf))
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
echo "(make check took $(($(date +%s) - start)) s)"
echo "$tp passed, $tf failed"
[ "$tf" = 0 ] && [ -n "$up" ]
