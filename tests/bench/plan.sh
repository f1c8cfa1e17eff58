# Bench plan: the same MAP/UNMAP of one buffer through vfio_iommu_type1,
# then vfio_iommu_mdev (registered last, so containers use it), then type1
# again after unloading ours: side by side in one boot.
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
t "bench: stock vfio_iommu_type1" /bed/vt bench.map "$EDU_SINGLE" type1 "$BENCH_MIB"
setup modprobe vfio_iommu_mdev
t "bench: vfio_iommu_mdev" /bed/vt bench.map "$EDU_SINGLE" ours "$BENCH_MIB"
setup rmmod vfio_iommu_mdev
t "bench: stock vfio_iommu_type1 again" /bed/vt bench.map "$EDU_SINGLE" type1 "$BENCH_MIB"
