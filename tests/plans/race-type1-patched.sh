# Plan "race-type1-patched" (debug kernel only): the same race against
# stock type1 on the core with docs/upstream/0001-*.patch applied: clean.
# bed: kernel=debug
# bed: modroot=patched
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
t "race on type1, patched core: no use-after-free" /bed/vt race.container pci "$EDU_SINGLE" 15
