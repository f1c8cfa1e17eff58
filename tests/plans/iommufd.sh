# Plan "iommufd": a kernel built with iommufd next to the VFIO container
# (as Ubuntu 24.04, Proxmox VE and RHEL 9 build theirs; the bed's kernel of
# mk/kernels/iommufd.sh, with lockdep).  vfio_iommu_type1 loaded, ours
# after it, as on a real host.  The mdev works bound to iommufd (its cdev
# and its group set to an iommufd) and in a container; a physical group
# never reaches two iommufd contexts, nor an iommufd and a container
# (tests/suites/iommufd.c).
# bed: kernel=iommufd
setup modprobe vfio-pci
setup modprobe iommufd
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
t "iommufd: the kernel has iommufd, the VFIO container and VFIO cdevs" \
	sh -c 'test -c /dev/iommu && test -c /dev/vfio/vfio && grep -q "^iommufd " /proc/modules && test -d /sys/class/vfio-dev'
t "iommufd: mdev: config, BAR0, DMA, MSI, reset through a container, singleton group" \
	/bed/vt mdev.dma "$EDU_SINGLE"
t "iommufd: mdev: config, BAR0, DMA, MSI, reset through a container, non-singleton group" \
	/bed/vt mdev.dma "$EDU_NS_B"
iommufd_mdev_cases
t "iommufd: one group, iommufd and vfio_iommu_mdev: whoever holds it first keeps it, the other cannot open nor touch its memory (both roles)" \
	/bed/vt iommufd.sibling "$EDU_NS_A" "$EDU_NS_B"
t "iommufd: the vfio-pci group leaving first revokes the mdev; the group-mate then bound to iommufd gets nothing from the mdev's armed DMA" \
	/bed/vt mdev.revoke "$EDU_NS_A" "$EDU_NS_B" iommufd
t "iommufd: a group-mate's mdev in a second VM cannot open nor touch A's memory (containers, both roles)" \
	/bed/vt mdev.isolation "$EDU_NS_A" "$EDU_NS_B"
t "nothing left: no mdev, no container, every group usable by vfio-pci" \
	/bed/vt mdev.final "$EDU_SINGLE" "$EDU_NS_A" "$EDU_NS_B"
t "iommufd: both modules unload" bed_unload_ours
