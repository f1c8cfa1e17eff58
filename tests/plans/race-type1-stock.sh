# Plan "race-type1-stock" (debug kernel only): the container-ioctl race
# against stock vfio_iommu_type1 on the unpatched core must be a KASAN
# use-after-free; when a kernel fixes the core this test fails, so we notice.
# bed: expect=KASAN use-after-free
# bed: title=stock vfio core + type1: the container-ioctl race is a KASAN use-after-free (expected until the core is fixed)
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
t "race on type1, stock core" /bed/vt race.container pci "$EDU_SINGLE" 60
