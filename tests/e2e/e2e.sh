#!/bin/sh
# e2e.sh CASE ARGS...: the host's own QEMU and mdevctl, run unmodified in the
# guest through the read-only 9p share (chroot /host, see host_mount in
# tests/bed/lib.sh), or those of the client root E2E_ROOT (Debian 13's
# QEMU 10 and mdevctl 1.4, client_mount).  Each case exits 0 only if the
# programs behaved, and checks QEMU's own words, not just its exit status.
set -u
R=${E2E_ROOT:-/host}
Q=/usr/bin/qemu-system-x86_64
TYPE=vfio-mdev-pci-passthrough
UUID_A=33333333-4444-5555-6666-777777777771
UUID_B=33333333-4444-5555-6666-777777777772

fail() { echo "# FAIL: $*"; exit 1; }
. "$(dirname "$0")/common.sh"

# vm_args DEVICE-ARGS...: the arguments a VM gets, one word each (they hold
# no spaces).  With E2E_IOMMUFD=1 the VM is an iommufd user as QEMU 10
# makes one: one "-object iommufd" and every vfio-pci device bound to it
# (through the device's VFIO cdev) instead of a VFIO container.
vm_args() {
	[ "${E2E_IOMMUFD:-0}" = 1 ] && printf '%s\n' -object iommufd,id=fd0
	for _a in "$@"; do
		case $_a in
		vfio-pci,*) [ "${E2E_IOMMUFD:-0}" = 1 ] && _a=$_a,iommufd=fd0 ;;
		esac
		printf '%s\n' "$_a"
	done
}

# qemu_info OUT DEVICE-ARGS...: start QEMU paused with the devices, ask the
# monitor for "info pci", quit.  Output (stdout and stderr) in OUT.
qemu_info() {
	out=$1
	shift
	rm -f "$out"
	# shellcheck disable=SC2046 # one word per line, no spaces
	printf 'info pci\nquit\n' | timeout 120 chroot "$R" $Q -accel tcg \
		-M q35 -m 64 -S -nographic -nodefaults -monitor stdio \
		$(vm_args "$@") > "$out" 2>&1
}

# qemu_hold OUT DEVICE-ARGS...: start QEMU in the background and keep it
# running (its monitor reads "info pci" then waits); its pid in QPID.
qemu_hold() {
	out=$1
	shift
	rm -f "$out"
	# shellcheck disable=SC2046 # one word per line, no spaces
	(printf 'info pci\n'; sleep 300) | chroot "$R" $Q -accel tcg \
		-M q35 -m 64 -S -nographic -nodefaults -monitor stdio \
		$(vm_args "$@") > "$out" 2>&1 &
	QPID=$!
}

# refused_why UUID OUT: VM 2's refusal in QEMU's words (OUT) and the
# kernel's log line for the mdev UUID, as the path VM 2 took gives them:
# through a container, ours refuses the group (its container falls back to
# type1) and the mdev refuses to open there (EPERM); through iommufd, the
# IOMMU core refuses to bind the parent (EPERM; the log line names the
# errno as the kernel's CONFIG_SYMBOLIC_ERRNAME allows).  Empty when both
# are there, else what is missing.
refused_why() {
	if [ "${E2E_IOMMUFD:-0}" = 1 ]; then
		grep -q "error bind device .*Operation not permitted" "$2" ||
			{ echo "VM 2's error does not say bind ... Operation not permitted"; return; }
		dmesg | grep -q "$1: vfio-mdev-pci: iommufd bind refused (" ||
			echo "no kernel log line for the mdev $1 refused by iommufd"
	else
		grep -q "Operation not permitted" "$2" ||
			{ echo "VM 2's error does not say Operation not permitted"; return; }
		dmesg | grep -q "$1: vfio_iommu_mdev: mdev refused" ||
			echo "no kernel log line for the refused mdev $1"
	fi
}

# wait_for FILE PATTERN SECONDS
wait_for() {
	i=0
	while [ "$i" -lt "$3" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

alive() { kill -0 "$QPID" 2> /dev/null; }

# Quit the held VM (SIGTERM, as a host shutting a VM down would); false if
# it did not quit within 30 s (then it is killed, so that it does not hold
# its devices into the next case).
stop_qemu() {
	kill "$QPID" 2> /dev/null
	i=0
	while alive && [ "$i" -lt 30 ]; do
		sleep 1
		i=$((i + 1))
	done
	alive || return 0
	kill -9 "$QPID" 2> /dev/null
	return 1
}

shows_edu() { # OUT: info pci lists the edu device and its BAR0
	grep -q "1234:11e8" "$1" && grep -q "BAR0: 32 bit memory" "$1"
}

# admitted WHY DEVICE: a VM with the device starts and shows the edu.
admitted() {
	why=$1
	shift
	qemu_info /tmp/qa.out -device "$1"
	rc=$?
	[ "$rc" = 0 ] && shows_edu /tmp/qa.out ||
		{ cat /tmp/qa.out; fail "$why (QEMU exited $rc)"; }
}

case_sysfsdev() { # BDF: one VM with the mdev of BDF
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	qemu_info /tmp/q.out -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_A"
	rc=$?
	sed 's/^/# qemu: /' /tmp/q.out | grep -v "^# qemu: $" | head -n 20
	[ "$rc" = 0 ] || fail "QEMU exited $rc"
	shows_edu /tmp/q.out || fail "info pci does not show 1234:11e8 with BAR0"
	mdev_remove_all
}

# refused_host OUT: VM 2's refusal of a host= device, in the words of
# its path (OUT: its output); empty when there, else what is missing
refused_host() {
	if [ "${E2E_IOMMUFD:-0}" = 1 ]; then
		grep -q "error bind device .*Operation not permitted" "$1" ||
			echo "VM 2's error does not say bind ... Operation not permitted"
	else
		grep -qE "not viable|Operation not permitted" "$1" ||
			echo "VM 2's error does not say the group is not viable"
	fi
}

# first_holds WHAT DEV1 DEV2 IOMMUFD1 IOMMUFD2 CHECK...: VM 1 (E2E_IOMMUFD
# IOMMUFD1) holds DEV1 (WHAT, for the notes); VM 2 (IOMMUFD2) asking for
# DEV2 fails, and CHECK... OUT prints nothing (VM 2's refusal as its path
# gives it), VM 1 runs on; after VM 1 quits, VM 2 starts with DEV2.
first_holds() {
	what=$1 dev1=$2 dev2=$3
	E2E_IOMMUFD=$4
	qemu_hold /tmp/q1.out -device "$dev1"
	wait_for /tmp/q1.out "1234:11e8" 90 ||
		{ stop_qemu; cat /tmp/q1.out; fail "VM 1 did not start"; }
	note "VM 1 runs with $what"
	E2E_IOMMUFD=$5
	shift 5
	qemu_info /tmp/q2.out -device "$dev2"
	rc=$?
	sed 's/^/# VM 2: /' /tmp/q2.out | head -n 5
	err=
	[ "$rc" != 0 ] || err="VM 2 started while VM 1 holds the physical group"
	[ -n "$err" ] || err=$("$@" /tmp/q2.out)
	alive || err="VM 1 died when VM 2 was refused"
	[ -z "$err" ] || { stop_qemu; sed 's/^/# VM 1: /' /tmp/q1.out; fail "$err"; }
	note "VM 2 refused; VM 1 still running"
	stop_qemu || fail "VM 1 did not quit"
	admitted "VM 2 not admitted after VM 1 quit" "$dev2"
	note "VM 1 quit; VM 2 admitted"
}

# two_vms A B HOW: VM 1 holds the mdev of A; VM 2 asks for sibling B as an
# mdev (HOW=mdev) or with host= on B bound to vfio-pci (HOW=host); both
# in the path E2E_IOMMUFD gives.
case_two_vms() {
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	ifd=${E2E_IOMMUFD:-0}
	dev1="vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_A"
	if [ "$3" = mdev ]; then
		mdev_create "$2" "$UUID_B"
		first_holds "the mdev of $1" "$dev1" \
			"vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_B" \
			"$ifd" "$ifd" refused_why "$UUID_B"
	else
		bind "$2" vfio-pci || fail "bind $2 to vfio-pci"
		first_holds "the mdev of $1" "$dev1" "vfio-pci,host=$2" \
			"$ifd" "$ifd" refused_host
	fi
	mdev_remove_all
	bind "$2" ""
}

# cross A B FIRST: one VM through iommufd and one through a VFIO container,
# FIRST (iommufd or container) starting first with the mdev of A; the
# other, asking for the sibling mdev of B, is refused in its own path's
# words, the first runs on; after the first quits, the other starts.
case_cross() {
	case $3 in
	iommufd) first=1 second=0 ;;
	container) first=0 second=1 ;;
	*) fail "cross: FIRST is iommufd or container, not '$3'" ;;
	esac
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	mdev_create "$2" "$UUID_B"
	first_holds "the mdev of $1 through $3" \
		"vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_A" \
		"vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_B" \
		"$first" "$second" refused_why "$UUID_B"
	mdev_remove_all
}

# both DEV1 DEV2: one VM with the two devices starts and lists both
both() {
	qemu_info /tmp/q.out -device "$1" -device "$2"
	rc=$?
	sed 's/^/# qemu: /' /tmp/q.out | grep "1234:11e8\|rror" | head
	[ "$rc" = 0 ] || fail "QEMU exited $rc"
	[ "$(grep -c "1234:11e8" /tmp/q.out)" = 2 ] ||
		fail "info pci does not list both devices"
}

# two_mdevs A B: one VM with the mdevs of A and B, both of one physical
# group (through iommufd both attach to the IOAS, which gives them one
# domain for the group)
case_two_mdevs() {
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	mdev_create "$2" "$UUID_B"
	both "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_A" \
		"vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_B"
	mdev_remove_all
}

# mixed_iommufd PCI_BDF MDEV_BDF: QEMU 10 as an iommufd user cannot hold a
# vfio-pci device and an mdev of one group in one VM: it gives the vfio-pci
# device a domain of its own (IOMMU_HWPT_ALLOC) and attaches an mdev to the
# IOAS, which iommufd resolves to another domain, and one group cannot be
# in two (EINVAL).  What a user meets: QEMU's error, nothing left held
# (the same VM through a VFIO container starts right after).
case_mixed_iommufd() {
	mdev_remove_all
	bind "$1" vfio-pci || fail "bind $1"
	mdev_create "$2" "$UUID_B"
	qemu_info /tmp/q.out -device "vfio-pci,host=$1" \
		-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_B"
	rc=$?
	sed 's/^/# qemu: /' /tmp/q.out | grep "rror" | head -n 3
	[ "$rc" != 0 ] || fail "QEMU 10 started it: the limit is gone, make this case the positive one"
	grep -q "error attach $UUID_B .*: Invalid argument" /tmp/q.out ||
		fail "QEMU's error is not the attach's EINVAL"
	E2E_IOMMUFD=0
	both "vfio-pci,host=$1" "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_B"
	note "through a VFIO container the same VM starts with both"
	mdev_remove_all
	bind "$1" ""
}

case_mixed() { # PCI_BDF MDEV_BDF: one VM, vfio-pci sibling first, then mdev
	mdev_remove_all
	bind "$1" vfio-pci || fail "bind $1"
	mdev_create "$2" "$UUID_B"
	both "vfio-pci,host=$1" "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_B"
	mdev_remove_all
	bind "$1" ""
}

# migrate BDF: ask QEMU to migrate a VM holding the mdev of BDF (to a file;
# the destination does not matter): QEMU refuses, since the device has no
# VFIO migration support; the VM is left as it was.  What QEMU says is
# printed, and its refusal is checked.
case_migrate() {
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	printf 'migrate "exec:cat > /dev/null"\ninfo migrate\ninfo pci\nquit\n' |
		timeout 120 chroot "$R" $Q -accel tcg -M q35 -m 64 -S \
		-nographic -nodefaults -monitor stdio \
		-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_A" \
		> /tmp/q.out 2>&1
	rc=$?
	grep "Error:\|blocked\|support migration" /tmp/q.out | grep -v "(qemu)" |
		sed 's/^/# qemu: /' | head -n 10
	[ "$rc" = 0 ] || fail "QEMU exited $rc"
	grep -qi "migration.*\(disabled\|not supported\|blocked\)\|doesn't support migration" /tmp/q.out ||
		fail "QEMU did not refuse the migration"
	! grep -q "Migration status: completed" /tmp/q.out ||
		fail "the migration completed"
	shows_edu /tmp/q.out || fail "the VM lost its device"
	mdev_remove_all
}

# mdevctl_defined BDF: a persistent mdev (mdevctl 1.4): define creates
# nothing, list --defined shows it, start creates it, stop removes it;
# with --auto, what mdevctl's udev rule runs when a parent appears
# (start-parent-mdevs; the guest has no udev) creates it; undefine forgets it.
case_mdevctl_defined() {
	M="chroot $R /usr/bin/mdevctl"
	dm=/sys/bus/mdev/devices/$UUID_A
	mdev_remove_all
	bind "$1" vfio-mdev-pci || fail "bind $1 to vfio-mdev-pci"
	$M define -u "$UUID_A" -p "$1" -t "$TYPE" > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl define"; }
	[ ! -e "$dm" ] || fail "define created the mdev"
	$M list --defined > /tmp/m.out 2>&1 || fail "mdevctl list --defined"
	sed 's/^/# mdevctl list --defined: /' /tmp/m.out
	grep -q "$UUID_A $1 $TYPE manual" /tmp/m.out ||
		fail "list --defined does not show it, manual"
	$M start -u "$UUID_A" > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl start of the defined mdev"; }
	[ -e "$dm" ] || fail "start did not create $dm"
	$M list > /tmp/m.out 2>&1 || fail "mdevctl list"
	sed 's/^/# mdevctl list: /' /tmp/m.out
	grep -q "$UUID_A $1 $TYPE manual (defined)" /tmp/m.out ||
		fail "list does not show it active and defined"
	$M stop -u "$UUID_A" > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl stop"; }
	[ ! -e "$dm" ] || fail "stop left $dm"
	$M modify -u "$UUID_A" --auto > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl modify --auto"; }
	$M start-parent-mdevs "$1" > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl start-parent-mdevs $1"; }
	[ -e "$dm" ] || fail "the --auto mdev did not start with its parent"
	note "--auto: started with its parent"
	$M stop -u "$UUID_A" > /dev/null 2>&1 || fail "mdevctl stop (auto)"
	$M undefine -u "$UUID_A" > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl undefine"; }
	$M list --defined > /tmp/m.out 2>&1 || fail "mdevctl list --defined"
	! grep -q "$UUID_A" /tmp/m.out || fail "undefine left it defined"
	[ ! -e "$dm" ] || fail "$dm still there"
	bind "$1" ""
}

case_host_on_mdev_parent() { # BDF bound to vfio-mdev-pci: host= fails
	mdev_remove_all
	bind "$1" vfio-mdev-pci || fail "bind"
	qemu_info /tmp/q.out -device "vfio-pci,host=$1"
	rc=$?
	sed 's/^/# qemu: /' /tmp/q.out | head -n 3
	[ "$rc" != 0 ] || fail "QEMU started with host= on a vfio-mdev-pci device"
	grep -q "vfio $1" /tmp/q.out || fail "QEMU's error does not name $1"
}

# EDU_BDF NIC_BDF: a VM asking for the mdev of EDU while its group-mate NIC
# is bound to the kernel's e1000 is refused with QEMU's own words; after
# the NIC is unbound, the VM starts.
case_kdrv() {
	mdev_remove_all
	bind "$2" e1000 || fail "bind $2 to e1000"
	mdev_create "$1" "$UUID_A"
	dev="vfio-pci,sysfsdev=/sys/bus/mdev/devices/$UUID_A"
	qemu_info /tmp/q.out -device "$dev"
	rc=$?
	sed 's/^/# qemu: /' /tmp/q.out | head -n 3
	[ "$rc" != 0 ] || fail "QEMU started while e1000 drives $2"
	grep -q "Operation not permitted" /tmp/q.out ||
		fail "QEMU's error does not say Operation not permitted"
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$2/driver")")" = e1000 ] ||
		fail "$2 lost its e1000 driver"
	bind "$2" "" || fail "unbind $2"
	admitted "VM not admitted after $2 was unbound" "$dev"
	note "admitted once $2 left e1000"
	mdev_remove_all
	bind "$1" ""
	bind "$2" e1000 || fail "rebind $2 to e1000"
}

case_mdevctl() { # BDF
	M="chroot $R /usr/bin/mdevctl"
	mdev_remove_all
	bind "$1" vfio-mdev-pci || fail "bind"
	$M types > /tmp/m.out 2>&1 || { cat /tmp/m.out; fail "mdevctl types"; }
	sed 's/^/# mdevctl types: /' /tmp/m.out
	grep -q "$1" /tmp/m.out && grep -q "$TYPE" /tmp/m.out &&
		grep -q "Available instances: 1" /tmp/m.out ||
		fail "mdevctl types does not list $TYPE with 1 instance under $1"
	$M start -u "$UUID_A" -p "$1" -t "$TYPE" > /tmp/m.out 2>&1 ||
		{ cat /tmp/m.out; fail "mdevctl start"; }
	[ -e "/sys/bus/mdev/devices/$UUID_A" ] || fail "mdev not created"
	$M list > /tmp/m.out 2>&1 || fail "mdevctl list"
	sed 's/^/# mdevctl list: /' /tmp/m.out
	grep -q "$UUID_A $1 $TYPE" /tmp/m.out || fail "mdevctl list does not show it"
	$M types > /tmp/m.out 2>&1
	grep -q "Available instances: 0" /tmp/m.out || fail "instances not 0"
	$M stop -u "$UUID_A" > /tmp/m.out 2>&1 || { cat /tmp/m.out; fail "mdevctl stop"; }
	[ ! -e "/sys/bus/mdev/devices/$UUID_A" ] || fail "mdev still there"
	$M list > /tmp/m.out 2>&1
	! grep -q "$UUID_A" /tmp/m.out || fail "mdevctl list still shows it"
}

c=$1
shift
"case_$c" "$@"
