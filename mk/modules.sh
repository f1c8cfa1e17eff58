#!/bin/bash
# modules.sh KDIR OUT: build the modules of kernel/ and the test modules of
# tests/kmod/ against the kernel build tree KDIR, in OUT/kernel and
# OUT/kmod (one OUT per kernel, so several kernels' builds coexist and the
# source tree stays clean).
# With CHROOT=ROOT, KDIR is a path inside ROOT and the build runs there,
# with ROOT's compiler (the Debian 13 root of mk/trixie-root.sh, whose
# kernels were built with gcc-14); VIM_VFIO_H_DIR (kernel/Kbuild) is
# passed on.
set -eo pipefail
kdir=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
# sources_to DIR: the sources of $d where make builds them; only what
# changed is copied, so make rebuilds only that
sources_to() {
	mkdir -p "$1"
	for f in "$top/$d"/Kbuild "$top/$d"/*.[ch]; do
		cmp -s "$f" "$1/${f##*/}" || cp "$f" "$1/"
	done
}
for d in kernel tests/kmod; do
	[ -f "$top/$d/Kbuild" ] || continue
	o=$out/${d#tests/}
	mkdir -p "$o"
	extra=${VIM_VFIO_H_DIR:+VIM_VFIO_H_DIR=$VIM_VFIO_H_DIR}
	if [ -z "${CHROOT:-}" ]; then
		sources_to "$o"
		[ "$d" = tests/kmod ] &&
			extra="$extra KBUILD_EXTRA_SYMBOLS=$out/kernel/Module.symvers"
		make -s -C "$kdir" M="$o" $extra modules 2>&1 |
			{ grep -v "Skipping BTF" || true; }
		continue
	fi
	# in the root: the sources in a directory of the root's own, built
	# there (objtool reads /proc: a private mount namespace gives
	# the root one), the results copied back
	rel=/var/tmp/vmp-build/${out##*/}/${d#tests/}
	c=$CHROOT$rel
	sources_to "$c"
	[ "$d" = tests/kmod ] &&
		extra="$extra KBUILD_EXTRA_SYMBOLS=${rel%/*}/kernel/Module.symvers"
	unshare -m --propagation private sh -c \
		'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
		sh "$CHROOT" "$CHROOT" make -s -C "$kdir" M="$rel" $extra modules 2>&1 |
		{ grep -v "Skipping BTF\|pahole version differs\|kernel was built with:\|You are using:" || true; }
	[ "${PIPESTATUS[0]}" = 0 ]
	rm -f "$o"/*.ko
	cp "$c"/*.ko "$c"/Module.symvers "$o"/
done
