#!/bin/bash
# checkpatch.pl --strict (from Debian's linux-source-6.1 tarball, extracted
# at run time into build/, never committed) and sparse over kernel/, built
# for each supported series (6.1, 6.12).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
cp_dir=build/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	[ -n "$tarball" ] || { echo "lint: linux-source-6.1 missing: run 'make deps'"; exit 1; }
	mkdir -p "$cp_dir"
	tar -xf "$tarball" -C "$cp_dir" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi
files=$(ls kernel/*.[ch] tests/kmod/*.[ch] 2>/dev/null | grep -v "\.mod\.c$")
[ -n "$files" ] || { echo "lint: nothing to check"; exit 0; }
rc=0
"$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $files || rc=1
# sparse while building for each supported series
: > build/sparse.log
for series in 6.1 6.12; do
	kv=$(mk/kver.sh "$series") || { rc=1; continue; }
	make -s C=2 CHECK="sparse -Wno-decl" modules KVER="$kv" 2>&1 |
		grep -v 'Skipping BTF' | tee -a build/sparse.log
done
grep -qE 'warning|error' build/sparse.log && rc=1
[ "$rc" = 0 ] && echo "lint: checkpatch --strict and sparse clean"
exit "$rc"
