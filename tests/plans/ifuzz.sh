# Plan "ifuzz": the iommufd ioctls on two mdevs of one IOMMU group and
# their vfio-pci group-mate (tests/suites/ifuzz.c) from several
# processes; afterwards nothing is pinned, every device does DMA, both
# modules unload and the kernel log is clean (lockdep; KASAN on 7.3).
# IFUZZ_SEED and IFUZZ_SECONDS can come from the kernel command line.
# bed: kernel=iommufd
# bed: bound=480
setup modprobe vfio-pci
setup modprobe iommufd
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
IFUZZ_SECONDS=${IFUZZ_SECONDS:-30}
IFUZZ_SEED=${IFUZZ_SEED:-41}
BED_TIMEOUT=$((IFUZZ_SECONDS + 120))
t "ifuzz: seed $IFUZZ_SEED, $IFUZZ_SECONDS s, iommufd ioctls on two mdevs of one group" \
	/bed/vt ifuzz.run "$IFUZZ_SEED" "$IFUZZ_SECONDS" "$EDU_NS_A" "$EDU_NS_B"
t "ifuzz: seed $IFUZZ_SEED, $IFUZZ_SECONDS s, iommufd ioctls on an mdev, its vfio-pci group-mate and a singleton mdev" \
	/bed/vt ifuzz.run "$((IFUZZ_SEED + 1))" "$IFUZZ_SECONDS" "$EDU_NS_B" "$EDU_SINGLE" "$EDU_NS_A"
unset BED_TIMEOUT
t "ifuzz: both modules unload afterwards" bed_unload_ours
