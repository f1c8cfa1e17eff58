# Plan "bench": the same MAP/UNMAP of one buffer through vfio_iommu_type1,
# then vfio_iommu_mdev (registered last, so containers use it), then type1
# again after unloading ours right after its last container closed: side
# by side in one boot.  make bench runs it with BENCH_MIB=1024 (a guest
# big enough); make check with the small default, as a test of all three
# rounds and of that rmmod.
BENCH_MIB=${BENCH_MIB:-16}
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
t "bench: stock vfio_iommu_type1" /bed/vt bench.map "$EDU_SINGLE" type1 "$BENCH_MIB"
setup modprobe vfio_iommu_mdev
t "bench: vfio_iommu_mdev" /bed/vt bench.map "$EDU_SINGLE" ours "$BENCH_MIB"
# no wait, no retry: rmmod must not fail for state no one can reach
t "bench: rmmod vfio_iommu_mdev right after its last container closed" \
	rmmod vfio_iommu_mdev
t "bench: stock vfio_iommu_type1 again" /bed/vt bench.map "$EDU_SINGLE" type1 "$BENCH_MIB"
