# Plan "demo" (make demo tells it; make check runs it as tests): the
# story, told to a person, on a host set up as the README says
# (vfio_iommu_type1 loaded first, ours registered after it).  Every step
# is also a test case, so the verdict says whether each behaved.
BED_TIMEOUT=300
say() { echo "DEMO: $*"; }
groups() {
	for g in $(ls /sys/kernel/iommu_groups | sort -n); do
		for d in /sys/kernel/iommu_groups/$g/devices/*; do
			drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
			echo "DEMO:   group $g: $(basename "$d") $(cat "$d/vendor"):$(cat "$d/device") ${drv:+driver=$drv}"
		done
	done | grep -E "0x1234:0x11e8|0x1b36:0x000e|0x8086:0x100e"
}
bed_host_stack

say "1. The machine: QEMU's DMA-capable edu devices (1234:11e8) behind an"
say "   emulated Intel IOMMU. Group 3 holds a bridge and TWO edu devices:"
say "   a non-singleton group, the case the original proposal failed on."
say "   As on a real host, vfio_iommu_type1 is loaded and vfio_iommu_mdev"
say "   registered after it (README: modprobe.d softdep): the VFIO core asks"
say "   ours first for every new container and falls back to type1."
say "   $(grep -o '^vfio_iommu_[a-z0-9]*' /proc/modules | tr '\n' ' ')(newest first)"
groups
t "demo: IOMMU groups" test -e /sys/bus/pci/devices/$EDU_NS_A/iommu_group

say "2. Bind both edu devices of that group to vfio-mdev-pci (driver_override)."
bindmd() {
	for b in "$@"; do
		echo vfio-mdev-pci > /sys/bus/pci/devices/$b/driver_override &&
		echo "$b" > /sys/bus/pci/drivers_probe || return 1
		echo "DEMO:   $b -> $(basename "$(readlink /sys/bus/pci/devices/$b/driver)")"
	done
}
t "demo: bind to vfio-mdev-pci" bindmd "$EDU_NS_A" "$EDU_NS_B"

say "3. Each is now an mdev parent; mdevctl (Debian's, unmodified) sees it:"
mdevs() {
	chroot /host mdevctl types | grep -E "^[0-9]|vfio-mdev|Available|API" | sed 's/^/DEMO:   /'
	chroot /host mdevctl start -u 44444444-0000-0000-0000-00000000000a -p "$EDU_NS_A" -t vfio-mdev-pci-passthrough &&
	chroot /host mdevctl start -u 44444444-0000-0000-0000-00000000000b -p "$EDU_NS_B" -t vfio-mdev-pci-passthrough || return 1
	echo "DEMO:   created with mdevctl start; mdevctl list:"
	chroot /host mdevctl list | sed 's/^/DEMO:     /'
	for u in 44444444-0000-0000-0000-00000000000a 44444444-0000-0000-0000-00000000000b; do
		echo "DEMO:   $u: parent_iommu_group=$(cat /sys/bus/mdev/devices/$u/parent_iommu_group) parent_iommu_group_singleton=$(cat /sys/bus/mdev/devices/$u/parent_iommu_group_singleton)"
	done
}
t "demo: mdevctl creates the mdevs" mdevs

say "4. Real DMA through an mdev of the non-singleton group: bytes go RAM ->"
say "   edu -> RAM through the IOMMU domain that holds the whole group $(basename "$(readlink /sys/bus/pci/devices/$EDU_NS_A/iommu_group)")."
dma() {
	chroot /host mdevctl stop -u 44444444-0000-0000-0000-00000000000a
	chroot /host mdevctl stop -u 44444444-0000-0000-0000-00000000000b
	/bed/vt mdev.dma "$EDU_NS_A" > /tmp/d.out 2>&1
	r=$?
	sed -n 's/^# /DEMO:   /p' /tmp/d.out
	[ "$r" = 0 ] && echo "DEMO:   2048 bytes came back intact; MSI arrived on an eventfd"
	return $r
}
t "demo: DMA through the non-singleton mdev" dma

say "5. Two VMs (Debian's QEMU 7.2, unmodified): VM 1 takes the mdev of"
say "   $EDU_NS_A; VM 2 asks for its sibling $EDU_NS_B. The kernel refuses VM 2,"
say "   VM 1 keeps running; when VM 1 quits, VM 2 is admitted. Ours refuses"
say "   VM 2's container (group held by VM 1's), type1 takes it, and the mdev"
say "   refuses to open there: QEMU reports 'Operation not permitted' and the"
say "   kernel log says why."
vms() {
	sh /bed/e2e/e2e.sh two_vms "$EDU_NS_A" "$EDU_NS_B" mdev > /tmp/v.out 2>&1
	r=$?
	sed -n -e 's/^# VM 2: (qemu) /DEMO:   VM 2: /p' -e 's/^# \(VM .*\)/DEMO:   \1/p' /tmp/v.out |
		grep -v "VM 2: *$" | grep -E "VM 1|refused|admitted|busy|permitted"
	dmesg | grep -E "in use by another VFIO container|mdev refused" | tail -n 2 |
		sed 's/^\[[^]]*\] */DEMO:   kernel: /'
	return $r
}
t "demo: second VM refused, then admitted" vms
