# Plan "hotplug": the outer QEMU removes a parent under an open mdev and
# adds it back, and injects PCIe errors into a parent.  The guest asks for each monitor command with
# bed_hmp / hp_hmp (tests/bed/hmp.sh runs it on the host).  As on a real
# host, type1 is loaded and ours registers after it.
# Native PCIe hotplug (pciehp, as on real servers; the debug kernel has no
# ACPI hotplug): device_del presses the slot's attention button, the guest
# removes the device after pciehp's 5 s; device_add is a presence change.
# The plan passes with QEMU's default ACPI hotplug too (hotplug=acpi).
# bed: hotplug=native
BED_TIMEOUT=300
export VT_TYPE1=before
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
t "hotplug: device_del under an open mdev doing DMA: request eventfd, the VMM closes, device gone, backend idle; device_add, mdev works" \
	/bed/vt hotplug.unplug "$EDU_HP" hpedu "$EDU_HP_QEMU" "$EDU_SINGLE" good
t "hotplug: a user ignoring the request holds the removal (asked every 10 s, no hang report, others work) until it closes" \
	/bed/vt hotplug.unplug "$EDU_HP" hpedu "$EDU_HP_QEMU" "$EDU_SINGLE" late

# QEMU in the guest holds the mdev of EDU_HP when the outer QEMU removes
# EDU_HP.  QEMU gets the request and tries to unplug the device from its
# own guest; its vfio-pci device sits on pcie.0, which has no hotplug, so
# it says so and keeps the device.  The removal waits, the kernel asks
# again every 10 s, until QEMU quits; then the device goes.  After
# device_add a new VM runs with its mdev.
hp_qemu() {
	_q=/usr/bin/qemu-system-x86_64
	_u=55555555-6666-7777-8888-999999999992
	_d=/sys/bus/pci/devices/$EDU_HP
	_qpid=
	_fail() {
		echo "FAIL: $*"
		sed 's/^/qemu: /' /tmp/hq.out | grep -v "^qemu: (qemu)" | head -n 20
		[ -n "$_qpid" ] && _stop
		return 1
	}
	# _vm: QEMU with the mdev, paused, its monitor answering "info pci";
	# its monitor reads a FIFO (fd 7) so that QEMU is the only process of
	# the job and "wait" waits for QEMU alone
	_vm() {
		rm -f /tmp/hq.in
		mkfifo /tmp/hq.in && exec 7<>/tmp/hq.in || return 1
		chroot /host $_q -accel tcg \
			-M q35 -m 64 -S -nographic -nodefaults -monitor stdio \
			-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$_u" \
			< /tmp/hq.in > /tmp/hq.out 2>&1 &
		_qpid=$!
		echo "info pci" >&7
		for _i in $(seq 300); do
			grep -q 1234:11e8 /tmp/hq.out 2>/dev/null && return 0
			kill -0 "$_qpid" 2>/dev/null || break
			sleep 1
		done
		_fail "VM with the mdev of $EDU_HP did not start"
	}
	_stop() {
		kill "$_qpid"
		wait "$_qpid"
		_qpid=
		exec 7>&-
	}
	_mdev() {
		echo vfio-mdev-pci > "$_d/driver_override" &&
			echo "$EDU_HP" > /sys/bus/pci/drivers_probe &&
			echo "$_u" > "/sys/class/mdev_bus/$EDU_HP/mdev_supported_types/vfio-mdev-pci-passthrough/create"
	}
	_mdev || _fail "mdev on $EDU_HP" || return 1
	_vm || return 1
	echo "VM runs with the mdev of $EDU_HP"
	bed_hmp device_del hpedu
	_t0=$(date +%s)
	_n=0
	while [ "$_n" -lt 2 ] && [ "$(($(date +%s) - _t0))" -lt 40 ]; do
		sleep 1
		_n=$(grep -c "does not support hotplugging" /tmp/hq.out)
	done
	[ "$_n" -ge 2 ] || _fail "QEMU was not asked twice in 40 s ($_n)" || return 1
	[ -e "$_d" ] || _fail "$EDU_HP removed under the running VM" || return 1
	kill -0 "$_qpid" || _fail "QEMU died" || return 1
	echo "asked twice in $(($(date +%s) - _t0)) s, $EDU_HP still there; QEMU says:"
	grep "does not support" /tmp/hq.out | head -n 1
	dmesg | grep "Relaying device request" | sed 's/^\[[ 0-9.]*\] //'
	_stop
	bed_wait_path "$_d" gone 30 || _fail "$EDU_HP still there after QEMU quit" || return 1
	[ ! -e "/sys/bus/mdev/devices/$_u" ] || _fail "mdev survived" || return 1
	echo "QEMU quit (SIGTERM); $EDU_HP removed"
	bed_hmp device_add "$EDU_HP_QEMU"
	bed_wait_path "$_d" there 30 || _fail "$EDU_HP not back after device_add" || return 1
	# sysfs shows a hot-added device before pciehp has finished adding it
	# (under the rescan/remove lock, which this write takes too)
	echo 1 > /sys/bus/pci/rescan
	_mdev || _fail "mdev on $EDU_HP after device_add" || return 1
	_vm || return 1
	_stop
	echo 1 > "/sys/bus/mdev/devices/$_u/remove" && echo > "$_d/driver_override" &&
		echo "$EDU_HP" > "$_d/driver/unbind" || _fail "cleanup" || return 1
	echo "back after device_add: a new VM ran with its mdev"
}
setup host_mount
t "hotplug: QEMU in the guest holding the mdev: asked every 10 s, the removal waits until QEMU quits; after device_add a VM gets it" \
	hp_qemu

t "aer: an uncorrectable non-fatal error signals the open mdev's error eventfd, recovers, device answers" \
	/bed/vt hotplug.aer "$AER_DEV" aerdev
t "nothing left: no mdev, no container, the devices work with vfio-pci" \
	/bed/vt mdev.final "$EDU_SINGLE" "$EDU_HP"
