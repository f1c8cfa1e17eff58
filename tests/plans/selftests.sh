# Plan "selftests": parity with type1, judged by the kernel's own VFIO
# selftests (tools/testing/selftests/vfio of Debian's linux-source-7.3,
# built static on the host by mk/vfio-selftests.sh, unmodified, no shim).
# Every program that needs only a vfio-pci device runs on the edu
# EDU_SINGLE bound to vfio-pci, once with stock vfio_iommu_type1, once
# with vfio_iommu_mdev and type1 unloaded (ours then serves every
# container).  One case per test and variant: it passes when ours passes
# or type1 does not (a test failing on both is no loss of ours; the table
# says "fails on both").  The table of both is in the log, in the case
# "selftests: ... table of both".
# Not run: vfio_pci_driver_test (needs a device with a selftests driver:
# ioat, dsa, igb, nv_falcon) and vfio_pci_sriov_uapi_test (an SR-IOV PF).
# The iommufd modes and the programs that use only iommufd (the default
# mode of vfio_pci_device_test) fail on both here: Debian's kernels have
# no /dev/iommu.  Four 2 MiB hugetlb pages are reserved for the 2 MiB
# variants; the 1 GiB ones skip on both (QEMU's default TCG CPU has no
# 1 GiB pages).  The Debian kernels have no IOMMU debugfs, so
# vfio_dma_mapping_test does not read the IOMMU's page tables.  The whole
# boot takes about 10 s.
# bed: files=mk/vfio-selftests.sh
ST=/tmp/selftests
ST_BIN=/bed/vfio
ST_PROGS="vfio_dma_mapping_test vfio_dma_mapping_mmio_test
	vfio_iommufd_setup_test vfio_pci_device_test
	vfio_pci_device_init_perf_test"
# each program's bound (its harness bounds each test to 30 s; a program
# takes 1 s here, vfio_pci_device_init_perf_test included)
ST_TIMEOUT=${ST_TIMEOUT:-60}

# st_run BACKEND: every program once on EDU_SINGLE; its output in
# $ST/BACKEND/PROG.out, "EXIT SECONDS" in PROG.rc, and in $ST/BACKEND.res a
# line "NAME STATUS PROG" per test it reported (kselftest TAP: PASS, FAIL,
# SKIP, XFAIL), or "PROG FAIL PROG" when it reported none.
st_run() {
	mkdir -p "$ST/$1"
	: > "$ST/$1.res"
	for _p in $ST_PROGS; do
		_t0=$(date +%s)
		timeout "$ST_TIMEOUT" "$ST_BIN/$_p" "$EDU_SINGLE" \
			> "$ST/$1/$_p.out" 2>&1 < /dev/null
		echo "$? $(($(date +%s) - _t0))" > "$ST/$1/$_p.rc"
		awk -v p="$_p" '
		/^(not )?ok [0-9]+ / {
			if ($1 == "not") { n = $4; s = "FAIL" }
			else if (/ # SKIP/) { n = $3; s = "SKIP" }
			else if (/ # XFAIL/) { n = $3; s = "XFAIL" }
			else { n = $3; s = "PASS" }
			print n, s, p; r++
		}
		END { if (!r) print p, "FAIL", p }' "$ST/$1/$_p.out" >> "$ST/$1.res"
	done
}

# $ST/both: "NAME TYPE1 OURS PROG" for every test either run reported, in
# the order reported ("-": not reported by that run)
st_join() {
	awk '{
		if (!($1 in prog)) { order[n++] = $1; prog[$1] = $3 }
		if (FILENAME == ARGV[1]) t1[$1] = $2
		else t2[$1] = $2
	}
	END {
		for (i = 0; i < n; i++) {
			k = order[i]
			print k, (k in t1) ? t1[k] : "-", (k in t2) ? t2[k] : "-", prog[k]
		}
	}' "$ST/type1.res" "$ST/ours.res" > "$ST/both"
}

# the table of both and how each program ended; fails when a program did
# not run to its end (killed, crashed, missing) or type1 passed nothing
# (then the device or the harness is broken, and the comparison says
# nothing)
st_table() {
	_bad=0
	for _p in $ST_PROGS; do
		read -r _r1 _s1 < "$ST/type1/$_p.rc"
		read -r _r2 _s2 < "$ST/ours/$_p.rc"
		echo "$_p: type1 exit $_r1 in $_s1 s, ours exit $_r2 in $_s2 s"
		# kselftest exit codes are 0 to 4; more is a signal or a time-out
		[ "$_r1" -le 4 ] && [ "$_r2" -le 4 ] || _bad=1
	done
	echo "2 MiB hugetlb pages: $(cat /proc/sys/vm/nr_hugepages)"
	awk '
	{
		name[NR] = $1; a[NR] = $2; b[NR] = $3
		if (length($1) > w) w = length($1)
	}
	END {
		printf "%-" w "s  %-5s  %-5s\n", "test", "type1", "ours"
		for (i = 1; i <= NR; i++) {
			v = ""
			if (b[i] == "PASS" && a[i] != "PASS") v = "passes on ours only"
			else if (b[i] != "PASS" && a[i] == "PASS") v = "LOST: passes on type1 only"
			else if (a[i] == "SKIP" && b[i] == "SKIP") v = "skipped on both"
			else if (b[i] != "PASS") v = "fails on both"
			printf "%-" w "s  %-5s  %-5s  %s\n", name[i], a[i], b[i], v
		}
	}' "$ST/both"
	grep -q '^[^ ]* PASS ' "$ST/both" || {
		echo "type1 passed no test"
		_bad=1
	}
	return "$_bad"
}

# st_show BACKEND PROG NAME: what PROG printed for test NAME
st_show() {
	if [ "$2" = "$3" ]; then
		tail -n 15 "$ST/$1/$2.out"
		return
	fi
	awk -v n="$3" '$2 == "RUN" && $3 == n { on = 1 }
		on { print }
		on && /^(not )?ok [0-9]+ / { exit }' "$ST/$1/$2.out"
}

# st_judge NAME: passes when ours passes NAME or type1 does not
st_judge() {
	# shellcheck disable=SC2046 # NAME TYPE1 OURS PROG
	set -- $(awk -v n="$1" '$1 == n' "$ST/both")
	echo "type1: $2, ours: $3"
	[ "$3" = PASS ] && return 0
	echo "ours:"
	st_show ours "$4" "$1"
	if [ "$2" != PASS ]; then
		echo "type1 does not pass it either: no loss of ours"
		return 0
	fi
	echo "type1:"
	st_show type1 "$4" "$1"
	return 1
}

setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
setup sh -c "echo vfio-pci > /sys/bus/pci/devices/$EDU_SINGLE/driver_override &&
	echo $EDU_SINGLE > /sys/bus/pci/drivers_probe &&
	test -e /sys/bus/pci/drivers/vfio-pci/$EDU_SINGLE"
setup sh -c 'echo 4 > /proc/sys/vm/nr_hugepages'
st_run type1
setup rmmod vfio_iommu_type1
setup modprobe vfio_iommu_mdev
st_run ours
setup sh -c '! grep -q "^vfio_iommu_type1 " /proc/modules'
st_join
t "selftests: each program ran to its end on both backends; table of both" st_table
# shellcheck disable=SC2013 # one name a line, without blanks
for _n in $(cut -d' ' -f1 "$ST/both"); do
	t "selftest: $_n" st_judge "$_n"
done
