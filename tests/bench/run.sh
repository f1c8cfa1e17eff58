#!/bin/bash
# make bench: map and unmap BENCH_MIB (1024) MiB, 4 KiB-scattered and
# 2 MiB-contiguous, through stock type1 and ours in one guest boot; print
# both times and ours/type1.  Timings are TCG-emulated: compare, don't quote.
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:?}
mib=${BENCH_MIB:-1024}
log=$top/build/logs/bench.log
plan=$top/build/bench-plan.sh
mkdir -p "$top/build/logs"
{ echo "BENCH_MIB=$mib"; cat "$top/tests/plans/bench.sh"; } > "$plan"
"$top/tests/bed/mkinitramfs.sh" "$kver" "$top/build/initrd-bench.gz" "$plan" || exit 1
BED_MEM=$((mib * 2 + 1024)) "$top/tests/bed/boot.sh" "$kver" \
	"$top/build/initrd-bench.gz" "$log" 900
"$top/tests/bed/parse.sh" "$log" bench > "$top/build/logs/bench.result"
rc=$?
tr -d '\r' < "$log" | awk -v mib="$mib" '
/^# BENCH / {
	key = $3 " " $4
	if (!(key in map) || $5 < map[key]) { map[key] = $5; unmap[key] = $6 }
	runs[$4] = $7
}
END {
	printf "MAP_DMA + UNMAP_DMA of %d MiB, best of 3 (type1: best of its two rounds)\n", mib
	printf "%-4s %10s %12s %12s %12s %12s %9s %9s\n", "kind", "runs", \
	       "type1 map", "ours map", "type1 unmap", "ours unmap", "map x", "unmap x"
	split("4k 2m", kinds, " ")
	for (i = 1; i <= 2; i++) {
		k = kinds[i]
		printf "%-4s %10d %10.1fms %10.1fms %10.1fms %10.1fms %9.2f %9.2f\n", \
		       k, runs[k], map["type1 " k], map["ours " k], \
		       unmap["type1 " k], unmap["ours " k], \
		       map["ours " k] / map["type1 " k], \
		       unmap["ours " k] / unmap["type1 " k]
	}
}'
[ "$rc" = 0 ] || { cat "$top/build/logs/bench.result"; exit 1; }
