#!/bin/bash
# The fast layer, first in make check, in seconds: the pure arithmetic of
# kernel/ (IOVA ranges, the GET_INFO capability chain) built on the host (tests/unit/host/ stands in for the few kernel
# headers it includes), and the docs checked against the tree
# (tests/unit/docs.sh).  PASS/FAIL lines, then the total.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/unit
mkdir -p "$out"
tp=0 tf=0
add() {
	local p f
	read -r p f <<<"$(echo "$1" | tail -n 1 |
		sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')"
	[ -n "$p" ] || { p=0 f=1; }
	echo "$1" | sed '$d'
	tp=$((tp + p)) tf=$((tf + f))
}
# host_test NAME KERNEL_FILE: tests/unit/NAME.c with kernel/KERNEL_FILE
host_test() {
	if gcc -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
		-I"$top/tests/unit/host" -o "$out/$1" "$top/tests/unit/$1.c" \
		"$top/kernel/$2" 2> "$out/$1.err"; then
		add "$("$out/$1" 2>&1)"
	else
		add "FAIL  unit/$1: kernel/$2 builds on the host
$(sed 's/^/      /' "$out/$1.err" | head -n 20)
0 passed, 1 failed"
	fi
}
host_test ranges vim_range.c
host_test caps vim_cap.c
add "$("$top/tests/unit/docs.sh")"
echo "$tp passed, $tf failed"
[ "$tf" = 0 ]
