#!/bin/bash
# check.sh PLAN...: the fast layer and host unit tests, then the VM suites
# on Debian's kernels (Debian 12's 6.1 and 6.12, Debian 13's 6.12, 7.2 and
# 7.3), on the debug kernel (DEBUG_PLANS) and on the iommufd kernels (6.12
# and 7.3); one closing total.
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build/logs"
start=$(date +%s)
# the fast layer first: kernel/'s pure logic built on the host, seconds
f=$("$top/tests/unit/fast.sh" 2>&1)
echo "$f" | sed '$d'
all=$f
echo "(fast layer: $(echo "$f" | tail -n 1))"
# The bed's own kernels build in the background from here, one after the
# other at the lowest priority, while the Debian series run (whose guests
# leave CPU idle); each series below waits for its kernel (mk/bed-kernel.sh
# holds a lock per profile) and finds it built.  Cached kernels take no time.
(for p in ${OWN_SERIES-debug iommufd iommufd73}; do
	nice -n 19 "$top/mk/bed-kernel.sh" "$p" \
		> /dev/null 2> "$top/build/logs/$p-kernel.ahead" || true
done) > /dev/null 2>&1 &
ahead=$!
u=$("$top/tests/unit/run.sh")
echo "$u" | sed '$d'
all=$all$'\n'$u
k=$("$top/tests/unit/dkms.sh")
echo "$k" | sed '$d'
all=$all$'\n'$k
if "$top/mk/lint.sh" > "$top/build/logs/lint.log" 2>&1; then
	echo "PASS  lint/checkpatch --strict and sparse clean over kernel/"
	all=$all$'\n'"PASS  lint/"
	lp=1 lf=0
else
	echo "FAIL  lint/checkpatch --strict and sparse clean over kernel/"
	all=$all$'\n'"FAIL  lint/"
	sed 's/^/      /' "$top/build/logs/lint.log" | tail -n 20
	lp=0 lf=1
fi
sum() { echo "$1" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'; }
read -r fp ff <<<"$(sum "$f")"
[ -n "$fp" ] || { fp=0 ff=1; }
read -r up uf <<<"$(sum "$u")"
read -r kp kf <<<"$(sum "$k")"
[ -n "$kp" ] || { kp=0 kf=1; }
tp=$((fp + up + kp + lp)) tf=$((ff + uf + kf + lf))
# Every plan on Debian's kernels: Debian 12's 6.1 (KVER, the default) and
# 6.12 (bookworm-backports, installed by make deps), and Debian 13's own
# builds of 6.12, 7.2 and 7.3 (mk/debian-kernel.sh: unpacked into the
# Debian 13 root, our modules built there with gcc-14).  A guest keeps
# at most one of the two cores busy (single-threaded TCG), so the series
# run two at a time with the bed's own below (BED_JOBS); DEBIAN_SERIES and
# OWN_SERIES choose.  A missing kernel is a failure, never a skip.
debian_series=${DEBIAN_SERIES:-default 6.12 d13-6.12 d13-7.2 d13-7.3}
deb_series() {
	local series=$1 kv out krel root image
	shift
	case $series in
	default) "$top/tests/run-vm.sh" "$@" ;;
	d13-*)
		if ! out=$("$top/mk/d13-series.sh" "${series#d13-}" \
				2> "$top/build/logs/$series-prepare.err"); then
			echo "FAIL  vm-$series/Debian 13's ${series#d13-} kernel and our modules for it (mk/d13-series.sh)"
			sed 's/^/      /' "$top/build/logs/$series-prepare.err"
			echo "0 passed, 1 failed"
			return
		fi
		read -r krel root image <<<"$(echo "$out" | tail -n 1)"
		KVER=$krel BED_KIMAGE=$image BED_MODROOT=$root \
			BED_SUFFIX=-$series "$top/tests/run-vm.sh" "$@"
		;;
	*)
		if kv=$("$top/mk/kver.sh" "$series"); then
			KVER=$kv BED_SUFFIX=-$series "$top/tests/run-vm.sh" "$@"
		else
			echo "FAIL  vm-$series/no Debian $series kernel with headers: run 'make deps'"
			echo "0 passed, 1 failed"
		fi
		;;
	esac
}
# Then the bed's own kernels, each built once by mk/bed-kernel.sh PROFILE
# and cached, our modules built against its tree:
# - debug (Linux 6.1 with lockdep, KASAN, full preemption): DEBUG_PLANS
#   (default: the plans that declare "# bed: also=debug", "# bed:
#   kernel=debug" or "# bed: expect=...", else the stock plan);
# - iommufd (Linux 6.12 with iommufd next to the VFIO container, lockdep)
#   and iommufd73 (Debian's Linux 7.3 source, the same plus KASAN): the
#   plans that declare "# bed: kernel=iommufd".
# A build failure is a FAIL.
bed_series() {
	local profile=$1 plans=$2 krel d kind
	shift 2
	if ! krel=$("$top/mk/bed-kernel.sh" "$profile" \
			2> "$top/build/logs/$profile-kernel.err") ||
	   [ -z "$krel" ]; then
		echo "FAIL  vm-$profile/build the $profile kernel (mk/bed-kernel.sh $profile)"
		tail -n 15 "$top/build/logs/$profile-kernel.err" | sed 's/^/      /'
		echo "0 passed, 1 failed"
		return
	fi
	krel=$(echo "$krel" | tail -n 1)
	d=$top/build/$profile-$(sed -n 's/^series=//p' "$top/mk/kernels/$profile.sh")
	# the plans' "# bed: kernel=KIND" this profile serves (default: itself)
	kind=$(sed -n 's/^bed_kernel=//p' "$top/mk/kernels/$profile.sh")
	if ! make -s -C "$top" modules KDIR="$d/linux" MODDIR="build/mod-$krel" \
		> "$top/build/logs/$profile-modules.log" 2>&1; then
		echo "FAIL  vm-$profile/build kernel/ and tests/kmod/ against $krel"
		tail -n 15 "$top/build/logs/$profile-modules.log" | sed 's/^/      /'
		echo "0 passed, 1 failed"
		return
	fi
	# shellcheck disable=SC2086 # a list of plans
	env KVER="$krel" BED_KERNEL="${kind:-$profile}" BED_SUFFIX="-$profile" \
		BED_KIMAGE="$d/bzImage" BED_MODROOT="$d/modroot" \
		BED_MODROOT_PATCHED="$d/modroot-patched" "$@" \
		"$top/tests/run-vm.sh" $plans
}
plans_with() {
	local p plans=
	for p in "$top"/tests/plans/*.sh; do
		grep -qE "^# bed: ($1)" "$p" && plans="$plans $p"
	done
	echo "$plans"
}
debug_plans=${DEBUG_PLANS:-$(plans_with 'also=debug|kernel=debug|expect=')}
[ -n "$debug_plans" ] || debug_plans=$top/tests/plans/stock.sh
# One pool for every series, two at a time (BED_JOBS), the longest first;
# each one's output is printed, in the order of all_series, once all ended.
own_series() {
	if [ "$1" = debug ]; then
		bed_series debug "$debug_plans" \
			BED_BOUND="${DEBUG_BOUND:-1800}" \
			BED_APPEND="${BED_APPEND:-} BED_TIMEOUT=${DEBUG_CASE_TIMEOUT:-900} RACE_SECONDS=${DEBUG_RACE_SECONDS:-60}"
	else
		bed_series "$1" "$(plans_with 'kernel=iommufd')" BED_BOUND=900
	fi
}
all_series="$debian_series ${OWN_SERIES-debug iommufd iommufd73}"
jobs_max=${BED_JOBS:-2}
declare -A started=()
for series in d13-6.12 debug $all_series; do
	case " $all_series " in *" $series "*) ;; *) continue ;; esac
	[ -n "${started[$series]:-}" ] && continue
	started[$series]=1
	while [ "$(jobs -rp | grep -vx "$ahead" | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	case $series in
	debug | iommufd | iommufd73)
		own_series "$series" > "$top/build/logs/series-$series.out" 2>&1 &
		;;
	*)
		deb_series "$series" "$@" > "$top/build/logs/series-$series.out" 2>&1 &
		;;
	esac
done
while [ "$(jobs -rp | grep -vx "$ahead" | wc -l)" -gt 0 ]; do
	wait -n
done
for series in $all_series; do
	v=$(cat "$top/build/logs/series-$series.out")
	echo "$v" | sed '$d'
	all=$all$'\n'$v
	read -r vp vf <<<"$(sum "$v")"
	[ -n "$vp" ] || { vp=0 vf=1; }
	tp=$((tp + vp)) tf=$((tf + vf))
done
wait "$ahead"
echo "(make check took $(($(date +%s) - start)) s)"
# a case run on several kernels counts once here: the plan's kernel
# suffix (-6.12, -d13-6.12, -d13-7.2, -d13-7.3, -debug, -iommufd,
# -iommufd73) taken off its name
distinct=$(echo "$all" | grep -E '^(PASS|FAIL)  ' |
	sed -E 's/^(PASS|FAIL)  //; s/^([a-z0-9-]+)-d13-(6\.12|7\.[23])\//\1\//; s/^([a-z0-9-]+)-(6\.12|debug|iommufd|iommufd73)\//\1\//' |
	sort -u | wc -l)
echo "($distinct distinct cases, each counted once per kernel it ran on below)"
echo "$tp passed, $tf failed"
[ "$tf" = 0 ] && [ -n "$up" ]
