# Plan "iommufd-alone": the iommufd kernel with vfio_mdev_pci and no
# container backend: vfio_iommu_mdev is unloaded once the driver's softdep
# brought it in, so the mdev's iommufd path runs on public kernel
# interfaces alone, and a container (served by vfio_iommu_type1) is refused
# with a line saying what to do (tests/suites/iommufd.c).
# bed: kernel=iommufd
setup modprobe vfio-pci
setup modprobe iommufd
setup modprobe vfio_iommu_type1
setup modprobe vfio_mdev_pci
setup sh -c '! grep -q "^vfio_iommu_mdev " /proc/modules || rmmod vfio_iommu_mdev'
t "iommufd alone: vfio_mdev_pci loaded, vfio_iommu_mdev not" \
	sh -c 'grep -q "^vfio_mdev_pci " /proc/modules && ! grep -q "^vfio_iommu_mdev " /proc/modules'
iommufd_mdev_cases
t "iommufd alone: vfio_mdev_pci unloads" rmmod vfio_mdev_pci
