#!/bin/bash
# The fast layer, first in make check, in seconds: the pure arithmetic of
# kernel/ built on the host (tests/unit/host/ stands in for the few kernel
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
if gcc -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-I"$top/tests/unit/host" -o "$out/ranges" \
	"$top/tests/unit/ranges.c" "$top/kernel/vim_range.c" 2> "$out/ranges.err"; then
	add "$("$out/ranges" 2>&1)"
else
	add "FAIL  unit/ranges: kernel/vim_range.c builds on the host
$(sed 's/^/      /' "$out/ranges.err" | head -n 20)
0 passed, 1 failed"
fi
add "$("$top/tests/unit/docs.sh")"
echo "$tp passed, $tf failed"
[ "$tf" = 0 ]
