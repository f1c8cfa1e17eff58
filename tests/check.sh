#!/bin/bash
# check.sh PLAN...: host unit tests, then the VM suites; one closing total.
top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
u=$("$top/tests/unit/run.sh")
echo "$u" | sed '$d'
v=$("$top/tests/run-vm.sh" "$@")
echo "$v" | sed '$d'
sum() { echo "$1" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'; }
read -r up uf <<<"$(sum "$u")"
read -r vp vf <<<"$(sum "$v")"
echo "(make check took $(($(date +%s) - start)) s)"
echo "$((up + vp)) passed, $((uf + vf)) failed"
[ $((uf + vf)) = 0 ] && [ -n "$up" ] && [ -n "$vp" ]
