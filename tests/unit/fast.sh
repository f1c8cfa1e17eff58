#!/bin/bash
# The fast layer, first in make check: the pure arithmetic of kernel/
# built on the host (tests/unit/host/ stands in for the few kernel headers
# it includes) and run in seconds.  PASS/FAIL lines, then the total.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/unit
mkdir -p "$out"
if ! gcc -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-I"$top/tests/unit/host" -o "$out/ranges" \
	"$top/tests/unit/ranges.c" "$top/kernel/vim_range.c" 2> "$out/ranges.err"; then
	echo "FAIL  unit/ranges: kernel/vim_range.c builds on the host"
	sed 's/^/      /' "$out/ranges.err" | head -n 20
	echo "0 passed, 1 failed"
	exit 1
fi
"$out/ranges"
