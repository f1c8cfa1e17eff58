# Plan "cycles" (debug kernel): 100 load/use/unload cycles of both modules with an mdev
# created, opened, used for DMA and removed in each; nothing may leak
# (pins, locked_vm, module references, group ownership).
# bed: kernel=debug
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
BED_TIMEOUT=600
t "cycles: 100 load/use/unload cycles leak nothing" /bed/vt robust.cycles 100 "$EDU_SINGLE"
unset BED_TIMEOUT
