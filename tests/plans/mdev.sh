# Plan "mdev": as on a real host, vfio_iommu_type1 is loaded, then
# vfio_iommu_mdev registers after it (so the VFIO core asks ours first and
# falls back to type1 when ours refuses); the stock-stack cases again on
# ours, then vfio_mdev_pci.
# bed: also=debug
export VT_TYPE1=before
setup modprobe vfio-pci
setup modprobe e1000
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
setup modprobe vim_classic
# /proc/modules lists the newest module first: ours must come before type1
t "both backends loaded, ours last" \
	sh -c 'awk '"'"'$1 == "vfio_iommu_mdev" { m = NR } $1 == "vfio_iommu_type1" { t = NR } END { exit !(m && t && m < t) }'"'"' /proc/modules'
type1_abi_cases "ours: "
t "ours: a device keeping pins past dma_unmap: unmap EBUSY, page never freed under it" \
	/bed/vt robust.keep_pins
t "ours: a 2 TiB MAP_DMA is refused (E2BIG) before any allocation" /bed/vt robust.huge
t "ours: root's sparse 256 GiB MAP_DMAs fail (EFAULT) without a range-sized allocation" \
	/bed/vt robust.sparse "$EDU_SINGLE"
t "ours: locked memory charged to the mapping process, not to whoever attaches" \
	/bed/vt robust.charge_owner "$EDU_SINGLE"
setup sh -c 'modprobe fuse || grep -qw fuse /proc/filesystems'
t "ours: an attach waiting on a never-ending page fault (FUSE) stalls no other tenant" \
	/bed/vt robust.fuse_stall "$EDU_SINGLE" "$EDU_RP"
t "ours: a user holding its own mmap lock (FUSE) stalls neither its refused attach nor other tenants" \
	/bed/vt robust.replay_stall "$EDU_SINGLE" "$EDU_RP"
# a release in a kernel thread goes through io_uring, which Debian's
# kernels have and the debug kernel (tinyconfig-based) has not
case $(uname -r) in
*-vmpdebug) ;;
*) t "ours: a kernel thread's release waiting on a user's mmap lock holds up no other release" \
	/bed/vt robust.fput_stall "$EDU_SINGLE" ;;
esac
t "ours: MAP_DMA of the IOVA space's last page EINVAL; attach over an unreachable mapping EINVAL, nothing pinned" \
	/bed/vt robust.aperture "$EDU_NS_A" "$EDU_NS_B" "$EDU_SINGLE"
parity_cases ours
t "mdev: sysfs ABI and attributes, singleton group" /bed/vt mdev.sysfs "$EDU_SINGLE" 1
t "mdev: sysfs ABI and attributes, non-singleton group" /bed/vt mdev.sysfs "$EDU_NS_A" 0
t "mdev: config, BAR0, DMA, MSI, reset, singleton group" /bed/vt mdev.dma "$EDU_SINGLE"
t "mdev: config, BAR0, DMA, MSI, reset, non-singleton group" /bed/vt mdev.dma "$EDU_NS_B"
t "mdev: DMA and a working VFIO_DEVICE_RESET, resettable device" /bed/vt mdev.dma "$EDU_RP" reset
t "mdev: siblings in one container, first closes first" /bed/vt mdev.shared_one "$EDU_NS_A" "$EDU_NS_B" a
t "mdev: siblings in one container, second closes first" /bed/vt mdev.shared_one "$EDU_NS_A" "$EDU_NS_B" b
t "mdev: parents without FLR on one bus: reset between users, hot reset ENODEV" \
	/bed/vt mdev.reset "$EDU_NS_A" "$EDU_NS_B"
t "mdev: siblings in two containers refused (EBUSY)" /bed/vt mdev.shared_two "$EDU_NS_A" "$EDU_NS_B"
t "mdev: vfio-pci sibling then mdev, one container; reverse EPERM" /bed/vt mdev.mixed_one "$EDU_NS_A" "$EDU_NS_B"
t "mdev: vfio-pci sibling and mdev in two containers refused" /bed/vt mdev.mixed_two "$EDU_NS_A" "$EDU_NS_B"
t "mdev: a group-mate's mdev in a second VM cannot open nor touch A's memory (both roles)" \
	/bed/vt mdev.isolation "$EDU_NS_A" "$EDU_NS_B"
t "mdev: group-mate claimed by vfio-pci (no IOMMU yet): refused, the log names the real owner" \
	/bed/vt mdev.claimed "$EDU_NS_A" "$EDU_NS_B"
t "mdev: a kernel driver in the group refuses the container; none binds while open" \
	/bed/vt mdev.kdrv "$EDU_KDRV" "$NIC_KDRV"
t "mdev: parent cannot be opened as a plain VFIO device (singleton)" /bed/vt mdev.host_open "$EDU_SINGLE"
setup /bed/vt stock.config "$EDU_NS_A"
t "mdev: parent cannot be opened as a plain VFIO device (sibling on vfio-pci)" /bed/vt mdev.host_open "$EDU_NS_B"
t "mdev: vfio-pci group leaving first revokes the mdev" /bed/vt mdev.revoke "$EDU_NS_A" "$EDU_NS_B"
t "mdev: P2P between an mdev and a vfio-pci device; a revoke unmaps the mdev's BAR" \
	/bed/vt p2p.mdev "$EDU_NS_A" "$EDU_NS_B" "$EDU_SINGLE"
t "mdev: the revoke faults moved, forked and untouched BAR mappings too" \
	/bed/vt mdev.revoke_moved "$EDU_NS_A" "$EDU_NS_B"
t "mdev: memory decode off faults every piece of a split and moved BAR mapping" \
	/bed/vt mdev.split_disable "$EDU_SINGLE"
t "mdev: unbind parent while open waits, then rebinds" /bed/vt mdev.gone_open "$EDU_SINGLE" unbind
t "mdev: PCI remove while open waits, rescan, works" /bed/vt mdev.gone_open "$EDU_NS_B" remove
t "mdev: mdev remove while open waits, then recreated, works" /bed/vt mdev.gone_open "$EDU_NS_A" mdev
t "mdev: rmmod refused while open, then clean" /bed/vt mdev.rmmod_open "$EDU_SINGLE"
t "ours: rmmod right after the last container closed succeeds (no wait, no retry)" \
	/bed/vt robust.rmmod_now "$EDU_SINGLE"
t "mdev: bridge refused with a reason" /bed/vt mdev.refuse "$BRIDGE_A"
t "nothing left: no mdev, no container, every group usable by vfio-pci" \
	/bed/vt mdev.final "$EDU_SINGLE" "$EDU_NS_A" "$EDU_NS_B" "$EDU_RP"
