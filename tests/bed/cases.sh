# Case lists shared by plans (sourced by the guest's /init with lib.sh).

# type1_abi_cases PREFIX: the stock-stack cases and the container-ABI
# cases, run against whichever type1-ABI backend is loaded; the stock plan
# runs them on vfio_iommu_type1, the mdev plan on vfio_iommu_mdev.
type1_abi_cases() {
	p=$1
	t "${p}config space and BAR0, singleton group" /bed/vt stock.config "$EDU_SINGLE"
	t "${p}DMA round trip, singleton group" /bed/vt stock.dma "$EDU_SINGLE"
	t "${p}DMA round trip, non-singleton group" /bed/vt stock.dma "$EDU_NS_B"
	t "${p}DMA to an unmapped IOVA faults, memory untouched" \
		/bed/vt stock.dma_unmapped "$EDU_SINGLE"
	t "${p}group with a kernel-driver member not viable" \
		/bed/vt stock.not_viable "$EDU_KDRV"
	t "${p}MSI on an eventfd, singleton group" /bed/vt stock.msi "$EDU_SINGLE"
	t "${p}INTx on an eventfd, singleton group" /bed/vt stock.intx "$EDU_SINGLE"
	t "${p}DMA completion MSI, non-singleton group" /bed/vt stock.dma_irq "$EDU_NS_A"
	t "${p}container ABI: map/unmap errors leave state unchanged" \
		/bed/vt backend.map_errors "$EDU_SINGLE"
	t "${p}container ABI: UNMAP_ALL, close unpins" /bed/vt backend.unmap_all "$EDU_SINGLE"
	t "${p}container ABI: type1 (v1) unmap semantics" /bed/vt backend.v1 "$EDU_SINGLE"
	t "${p}container ABI: CHECK_EXTENSION and GET_INFO capabilities" \
		/bed/vt backend.info "$EDU_SINGLE"
	t "${p}container ABI: dma_entry_limit gives ENOSPC" /bed/vt backend.limit "$EDU_SINGLE"
	t "${p}container ABI: RLIMIT_MEMLOCK gives ENOMEM" /bed/vt backend.memlock "$EDU_SINGLE"
	t "${p}classic mdev: pin, dma_rw, unmap notification, replay" \
		/bed/vt backend.classic "$EDU_SINGLE"
}

# parity_cases BACKEND (type1 or ours): the type1 features a VMM relies on
# beyond the basic ABI (P2P, VFIO_UPDATE_VADDR, dirty tracking), the same
# cases on either backend; ours is held to more: its P2P mapping stops once
# the BAR's group left, another container's BAR is refused, its dirty
# bitmaps carry no stale bits, and it survives dirty.stop_race (type1 hits
# a kernel BUG there: docs/upstream/REPORT-type1-dirty-stop-race.md).
parity_cases() {
	p="$1: " exact=
	if [ "$1" = ours ]; then
		exact=1
		t "${p}P2P: a vfio-pci device DMAs into another's BAR; once that group left, it faults" \
			/bed/vt p2p.pci "$EDU_RP" "$EDU_SINGLE" leave
		t "${p}P2P: a BAR of a device in another container refused (EFAULT)" \
			/bed/vt p2p.foreign "$EDU_RP" "$EDU_SINGLE"
	else
		t "${p}P2P: a vfio-pci device DMAs into another's BAR" \
			/bed/vt p2p.pci "$EDU_RP" "$EDU_SINGLE"
	fi
	t "${p}VFIO_UPDATE_VADDR: DMA goes on, a new vaddr, a child takes over" \
		/bed/vt vaddr.update "$EDU_RP" "$EDU_SINGLE"
	t "${p}VFIO_UPDATE_VADDR off with a classic emulated group" \
		/bed/vt vaddr.classic "$EDU_RP"
	t "${p}dirty tracking: IOMMU-mapped pages all dirty, bitmaps packed" \
		/bed/vt dirty.iommu "$EDU_RP" ${exact:+exact}
	t "${p}dirty tracking: an emulated device's pinned and written pages" \
		/bed/vt dirty.classic
	if [ -n "$exact" ]; then
		t "${p}dirty tracking stopped while an unmap waits for a device's unpin" \
			/bed/vt dirty.stop_race 3000
	fi
}

# iommufd_mdev_cases: an mdev bound to iommufd through its cdev: DMA through
# the IOAS, isolation between contexts and from containers, the vfio-pci
# group-mate (its cdev or its group) and a second mdev in one context in
# every order; the mdev's group route refused (tests/suites/iommufd.c).
iommufd_mdev_cases() {
	t "iommufd: mdev DMA through the IOAS, none after unmap, singleton group" \
		/bed/vt iommufd.dma cdev "$EDU_SINGLE"
	t "iommufd: mdev DMA through the IOAS, none after unmap, non-singleton group" \
		/bed/vt iommufd.dma cdev "$EDU_NS_B"
	t "iommufd: the mdev's group set to an iommufd refused, also moved on to a container; nothing stays bound" \
		/bed/vt iommufd.group_refused "$EDU_NS_B"
	t "iommufd: an mdev's context holds its group: a second context and a container get neither it nor the mate, memory untouched; after it the second gets it" \
		/bed/vt iommufd.isolation cdev "$EDU_NS_A" "$EDU_NS_B"
	for route in cdev group; do
		t "iommufd: one context, vfio-pci mate (its $route) and mdev of one group in both orders, either leaving first" \
			/bed/vt iommufd.mixed "$route" "$EDU_NS_A" "$EDU_NS_B"
	done
	t "iommufd: one context, two mdevs of one group, either leaving first" \
		/bed/vt iommufd.two cdev "$EDU_NS_A" "$EDU_NS_B"
	t "iommufd: the mdev on an HWPT of its own; dirty tracking as the IOMMU advertises it; a BAR mapped by address (P2P)" \
		/bed/vt iommufd.features "$EDU_NS_B" "$EDU_SINGLE"
}

# qemu_e2e_vm_cases QEMU: an mdev realizes in a VM, a second VM asking for
# its physical group is refused until the first quits (plan e2e-iommufd
# runs them with QEMU as an iommufd user, E2E_IOMMUFD=1).
qemu_e2e_vm_cases() {
	t "$1: -device vfio-pci,sysfsdev= mdev realizes, singleton group" \
		sh /bed/e2e/e2e.sh sysfsdev "$EDU_SINGLE"
	t "$1: -device vfio-pci,sysfsdev= mdev realizes, non-singleton group" \
		sh /bed/e2e/e2e.sh sysfsdev "$EDU_NS_A"
	t "$1: second VM asking for a sibling mdev refused, admitted after the first quits" \
		sh /bed/e2e/e2e.sh two_vms "$EDU_NS_A" "$EDU_NS_B" mdev
	t "$1: second VM asking for a sibling with host= refused, admitted after" \
		sh /bed/e2e/e2e.sh two_vms "$EDU_NS_A" "$EDU_NS_B" host
}

# qemu_e2e_cases QEMU: the VMM's cases of tests/e2e/e2e.sh, run with the
# QEMU of the plan's client set (plan e2e: Debian 12's, the host's own;
# plan e2e-trixie: Debian 13's, E2E_ROOT); QEMU names it in the titles.
qemu_e2e_cases() {
	q=$1
	qemu_e2e_vm_cases "$q"
	t "$q: one VM with a vfio-pci sibling first and an mdev starts" \
		sh /bed/e2e/e2e.sh mixed "$EDU_NS_A" "$EDU_NS_B"
	t "$q: host= on a device bound to vfio-mdev-pci fails" \
		sh /bed/e2e/e2e.sh host_on_mdev_parent "$EDU_SINGLE"
	t "$q: an mdev whose group has a member on a kernel driver refused, admitted after" \
		sh /bed/e2e/e2e.sh kdrv "$EDU_KDRV" "$NIC_KDRV"
}
