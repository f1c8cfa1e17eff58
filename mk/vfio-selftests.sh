#!/bin/bash
# vfio-selftests.sh: build, once, the kernel's own VFIO selftests
# (tools/testing/selftests/vfio of Debian's linux-source-7.3) as static
# programs for the bed's guest (plan tests/plans/selftests.sh, which asks
# for them with "# bed: files=mk/vfio-selftests.sh").  The last stdout line
# is the directory of the programs, build/selftests/vfio/.
#
# The source is read from the tarball at build time, never copied into the
# repository: /usr/src/linux-source-7.3.tar.* when installed, else the
# linux-source-7.3 package of trixie-backports that mk/debian-pkg.sh
# downloads into build/debs/ (the one mk/bed-kernel.sh builds the bed's 7.3
# kernel from), streamed out of the .deb.  Only what the build reads is
# unpacked (build/selftests/work/): the selftests, tools/include,
# tools/arch/x86/include, the files their symbolic links point to, and
# what "make headers_install" needs for the uapi headers (KHDR_INCLUDES).
# Then the selftests' own Makefile builds them with the host's gcc and
# EXTRA_CFLAGS=-static (and a prefix map, so that their assertion messages
# name tools/testing/selftests/... rather than this machine's build
# directory): about a minute cold, most of it unpacking.
#
# Shims: none.  The sources build as they are with Debian 12's gcc 12 and
# glibc 2.36 (-Wall -Werror included); libuuid.a comes from uuid-dev
# (make deps).
#
# Cached: build/selftests/stamp covers the tarball (path, size, time), this
# script and the compiler; a second run with unchanged inputs prints the
# directory and does nothing else.  The build log is
# build/logs/vfio-selftests.log; a failure exits non-zero with its tail.
set -eo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
series=7.3
suite=trixie-backports
out=$top/build/selftests
bin=$out/vfio
work=$out/work
log=$top/build/logs/vfio-selftests.log
mkdir -p "$out" "$top/build/logs"
# one build at a time: the whole script runs under the lock
[ -n "${VFIO_SELFTESTS_LOCKED:-}" ] ||
	VFIO_SELFTESTS_LOCKED=1 exec flock "$out/.lock" "$0" "$@"

die() {
	echo "vfio-selftests: $*" >&2
	[ -f "$log" ] && tail -n 20 "$log" | sed 's/^/  | /' >&2
	exit 1
}

tarball='' deb=''
for f in /usr/src/linux-source-"$series".tar.*; do
	[ -f "$f" ] && tarball=$f
done
if [ -z "$tarball" ]; then
	deb=$("$top/mk/debian-pkg.sh" "$suite" "linux-source-$series" | tail -n 1) ||
		die "fetching linux-source-$series from $suite failed"
fi
src_file=${tarball:-$deb}
stamp=$({ echo "${src_file#"$top"/} $(stat -c '%s %Y' "$src_file")"
	  gcc --version | head -n 1; cat "$0"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && [ -d "$bin" ]; then
	echo "$bin"
	exit 0
fi

echo "vfio-selftests: building tools/testing/selftests/vfio of" \
     "linux-source-$series (log: build/logs/vfio-selftests.log)" >&2
: > "$log"
rm -rf "$work" "$bin" "$out/stamp"
mkdir -p "$work/src"
# unpack PATH...: those members (globs, relative to the tree's top)
unpack() {
	local m members=()
	for m in "$@"; do members+=("linux-source-$series/$m"); done
	if [ -n "$deb" ]; then
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards "./usr/src/linux-source-$series.tar.*"
	else
		cat "$tarball"
	fi | xz -dc | tar -x -C "$work/src" --strip-components=1 \
		--wildcards "${members[@]}" >> "$log" 2>&1
}
unpack Makefile 'scripts/*' 'include/uapi/*' 'arch/x86/Makefile*' \
	'arch/x86/include/uapi/*' 'arch/x86/entry/syscalls/*' \
	'tools/include/*' 'tools/arch/x86/include/*' \
	'tools/testing/selftests/lib.mk' 'tools/testing/selftests/kselftest*' \
	'tools/testing/selftests/vfio/*' || die "unpacking $src_file failed"
# The selftests include some kernel headers through symbolic links
# (lib/drivers/*/ to drivers/, tools/include/linux/pci_ids.h): unpack
# their targets, and theirs.
for _ in 1 2 3; do
	links=$(cd "$work/src" && find tools/include tools/arch/x86/include \
		tools/testing/selftests/vfio -xtype l -exec realpath -m \
		--relative-to=. {} +)
	[ -n "$links" ] || break
	# shellcheck disable=SC2086 # one member a word
	unpack $links || die "unpacking the targets of links failed"
done
# a clean environment for the tree's own make (no make check variables)
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j2 "$@" >> "$log" 2>&1
}
mk -C "$work/src" headers_install INSTALL_HDR_PATH="$work/hdr" ||
	die "make headers_install failed"
mk -C "$work/src/tools/testing/selftests/vfio" OUTPUT="$work/obj" \
	KHDR_INCLUDES="-isystem $work/hdr/include" \
	EXTRA_CFLAGS="-static -fmacro-prefix-map=$work/src/=" ||
	die "building the selftests failed"
progs=$(sed -n 's/^TEST_GEN_PROGS += //p' "$work/src/tools/testing/selftests/vfio/Makefile")
[ -n "$progs" ] || die "no TEST_GEN_PROGS in the selftests' Makefile"
mkdir -p "$bin"
for p in $progs; do
	cp "$work/obj/$p" "$bin/" || die "$p was not built"
done
rm -rf "$work"
echo "$stamp" > "$out/stamp"
echo "vfio-selftests: built $(echo "$progs" | wc -w) programs in build/selftests/vfio" >&2
echo "$bin"
