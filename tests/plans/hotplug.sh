# Plan "hotplug": the outer QEMU removes a parent under an open mdev and
# adds it back (issue 12, item 3), and injects PCIe errors into a parent
# (issue 11, item 7).  The guest asks for each monitor command with
# bed_hmp / hp_hmp (tests/bed/hmp.sh runs it on the host).  As on a real
# host, type1 is loaded and ours registers after it.
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
# EDU_HP: QEMU gets the request, cannot unplug the device from its own
# (paused) guest, keeps it; the removal waits, asking every 10 s, until
# QEMU quits.  Then the device goes; after device_add a new VM gets its mdev.
hp_qemu() {
	_q=/usr/bin/qemu-system-x86_64
	_u=55555555-6666-7777-8888-999999999992
	_d=/sys/bus/pci/devices/$EDU_HP
	_hold() {
		(printf 'info pci\n'; sleep 120) | chroot /host $_q -accel tcg \
			-M q35 -m 64 -S -nographic -nodefaults -monitor stdio \
			-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$_u" \
			> /tmp/hq.out 2>&1 &
		_qpid=$!
		bed_wait_path /tmp/hq.out there 5 &&
			for _i in $(seq 90); do
				grep -q 1234:11e8 /tmp/hq.out && return 0
				kill -0 "$_qpid" 2>/dev/null || break
				sleep 1
			done
		cat /tmp/hq.out
		echo "FAIL: VM with the mdev of $EDU_HP did not start"
		return 1
	}
	_mdev() {
		echo vfio-mdev-pci > "$_d/driver_override" &&
			echo "$EDU_HP" > /sys/bus/pci/drivers_probe &&
			echo "$_u" > "/sys/class/mdev_bus/$EDU_HP/mdev_supported_types/vfio-mdev-pci-passthrough/create"
	}
	_mdev || { echo "FAIL: mdev on $EDU_HP"; return 1; }
	_hold || return 1
	echo "VM runs with the mdev of $EDU_HP"
	bed_hmp device_del hpedu
	sleep 25
	[ -e "$_d" ] || { echo "FAIL: $EDU_HP removed under the running VM"; return 1; }
	kill -0 "$_qpid" || { echo "FAIL: QEMU died"; cat /tmp/hq.out; return 1; }
	_n=$(dmesg | grep -c "Relaying device request to user")
	echo "after 25 s: $EDU_HP still there, asked $_n times; QEMU says:"
	grep -v "^(qemu)\|^ \|^QEMU .* monitor" /tmp/hq.out | head -n 5
	[ "$_n" -ge 2 ] || { echo "FAIL: expected a request every 10 s"; return 1; }
	kill "$_qpid"
	wait "$_qpid"
	bed_wait_path "$_d" gone 30 || { echo "FAIL: $EDU_HP still there after QEMU quit"; return 1; }
	[ ! -e "/sys/bus/mdev/devices/$_u" ] || { echo "FAIL: mdev survived"; return 1; }
	echo "QEMU quit (SIGTERM); $EDU_HP removed"
	bed_hmp device_add "$EDU_HP_QEMU"
	bed_wait_path "$_d" there 30 || { echo "FAIL: $EDU_HP not back after device_add"; return 1; }
	_mdev || { echo "FAIL: mdev on $EDU_HP after device_add"; return 1; }
	_hold || return 1
	kill "$_qpid"
	wait "$_qpid"
	echo 1 > "/sys/bus/mdev/devices/$_u/remove" && echo > "$_d/driver_override" &&
		echo "$EDU_HP" > "$_d/driver/unbind" || { echo "FAIL: cleanup"; return 1; }
	echo "back after device_add: a new VM runs with its mdev"
}
setup host_mount
t "hotplug: QEMU in the guest holding the mdev: asked every 10 s, the removal waits until QEMU quits; after device_add a VM gets it" \
	hp_qemu

t "aer: corrected error logged only; non-fatal error signals the open mdev's error eventfd, recovers, device answers" \
	/bed/vt hotplug.aer "$NIC_AER" aernic
t "nothing left: no mdev, no container, the devices work with vfio-pci" \
	/bed/vt mdev.final "$EDU_SINGLE" "$EDU_HP"
