# Plan "order": vfio_iommu_type1 registered AFTER vfio_iommu_mdev, so the
# VFIO core gives every new container to type1.  An mdev must then refuse
# to open (EPERM, with a log line that says what to do) and must never
# reach another container's memory; loading ours last again makes it work.
export VT_TYPE1=after
setup modprobe vfio-pci
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
setup modprobe vfio_iommu_type1
t "order: an mdev in a container type1 serves refuses to open, says why" \
	/bed/vt mdev.unserved "$EDU_SINGLE"
t "order: a group-mate's mdev cannot open nor touch a type1 VM's memory" \
	/bed/vt mdev.isolation "$EDU_NS_A" "$EDU_NS_B"
t "order: vfio-pci still works through type1" /bed/vt stock.dma "$EDU_SINGLE"
setup rmmod vfio_mdev_pci
setup rmmod vfio_iommu_mdev
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
export VT_TYPE1=before
t "order: after reloading ours last, the mdev works" /bed/vt mdev.dma "$EDU_SINGLE"
t "order: nothing left" /bed/vt mdev.final "$EDU_SINGLE" "$EDU_NS_A" "$EDU_NS_B"
