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
v=$("$top/tests/run-vm.sh" "$@")
echo "$v" | sed '$d'
sum() { echo "$1" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'; }
read -r up uf <<<"$(sum "$u")"
read -r vp vf <<<"$(sum "$v")"
echo "(make check took $(($(date +%s) - start)) s)"
echo "$((up + vp + lp)) passed, $((uf + vf + lf)) failed"
[ $((uf + vf + lf)) = 0 ] && [ -n "$up" ] && [ -n "$vp" ]
