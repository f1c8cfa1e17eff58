# Plan "noir": an IOMMU without interrupt remapping (a host where MSIs are
# not isolated).  As on a real host, vfio_iommu_type1 is loaded and ours
# registers after it: both refuse a vfio-pci group (EPERM), ours refuses an
# mdev's group and the mdev then refuses to open in the container type1
# takes; ours with allow_unsafe_interrupts=1 serves it.
# bed: intremap=off
export VT_TYPE1=before
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
t "noir: no interrupt remapping: refused with a reason (mdev and vfio-pci), no device fd; allowed with allow_unsafe_interrupts=1" \
	/bed/vt mdev.noir "$EDU_SINGLE"
t "noir: both modules unload afterwards" bed_unload_ours
