#!/bin/bash
# modules.sh KDIR OUT: build the modules of kernel/ and the test modules of
# tests/kmod/ against the kernel build tree KDIR, in OUT/kernel and
# OUT/kmod (one OUT per kernel, so several kernels' builds coexist and the
# source tree stays clean).
set -eo pipefail
kdir=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
for d in kernel tests/kmod; do
	[ -f "$top/$d/Kbuild" ] || continue
	o=$out/${d#tests/}
	mkdir -p "$o"
	# copy only what changed, so make rebuilds only that
	for f in "$top/$d"/Kbuild "$top/$d"/*.[ch]; do
		cmp -s "$f" "$o/${f##*/}" || cp "$f" "$o/"
	done
	extra=
	[ "$d" = tests/kmod ] && extra="KBUILD_EXTRA_SYMBOLS=$out/kernel/Module.symvers"
	make -s -C "$kdir" M="$o" $extra modules 2>&1 | { grep -v "Skipping BTF" || true; }
done
