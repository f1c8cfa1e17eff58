# Plan "fuzz": tests/suites/fuzz.c.  Several processes sharing containers,
# groups and device files use every interface at random and with hostile
# arguments while an agent removes and recreates the mdevs, rebinds and
# removes/rescans the devices; afterwards nothing is stuck or pinned, every
# device does DMA again and both modules unload.  FUZZ_SEED and
# FUZZ_SECONDS can come from the kernel command line
# (BED_APPEND="FUZZ_SEED=7 FUZZ_SECONDS=10", or make fuzz SEED=7 SECONDS=10).
# bed: also=debug
# the run (30 s), everyone's exit (60 s at most), the checks after it,
# the unloads, on a slow or loaded host
# bed: bound=480
setup modprobe vfio-pci
# The stock VFIO core has a use-after-free when a container ioctl races the
# last group leaving a container that vfio_iommu_type1 serves
# (docs/upstream/REPORT.md).  With type1 loaded, containers our backend
# refuses fall back to type1, so the fuzzer reaches it: KASAN reports it
# on the debug kernel, and on Debian's 6.1 a fuzzer thread once spun for
# minutes in type1's freed mutex (soft lockup in vfio_iommu_type1_ioctl).
# So the plan runs without type1 on every kernel unless FUZZ_TYPE1=1
# (make fuzz SERIES=debug boots the core with the upstream fix and sets it).
echo "# fuzz: vfio_iommu_type1 ${FUZZ_TYPE1:-0} (1: loaded)"
[ "${FUZZ_TYPE1:-0}" = 1 ] && setup modprobe vfio_iommu_type1
# registered last: serves the new containers
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_SEED=${FUZZ_SEED:-32}
echo "# fuzz: FUZZ_SEED=$FUZZ_SEED FUZZ_SECONDS=$FUZZ_SECONDS"


# the run, everyone's exit (60 s), the checks after it (the debug kernel's
# BED_TIMEOUT from the command line is larger)
fuzz_timeout=${BED_TIMEOUT:-}
BED_TIMEOUT=$((FUZZ_SECONDS + 60 + ${BED_TIMEOUT:-240}))
t "fuzz: seed $FUZZ_SEED, $FUZZ_SECONDS s, vfio-pci device and two mdevs of one group" \
	/bed/vt fuzz.run "$FUZZ_SEED" "$FUZZ_SECONDS" "$EDU_SINGLE" "$EDU_NS_A" "$EDU_NS_B"
if [ -n "$fuzz_timeout" ]; then BED_TIMEOUT=$fuzz_timeout; else unset BED_TIMEOUT; fi
t "fuzz: both modules unload afterwards" bed_unload_ours
t "fuzz: both modules load again" sh -c 'modprobe vfio_iommu_mdev && modprobe vfio_mdev_pci'
