# Plan "stock": the bed proven against the stock stack (vfio-pci and
# vfio_iommu_type1).  Sourced by the guest's /init; see tests/bed/lib.sh.
setup modprobe vfio-pci
setup modprobe e1000
setup modprobe vim_classic
setup test -e "/sys/bus/pci/devices/$NIC_KDRV/driver"
setup modprobe vfio_iommu_type1
setup grep -q '^vfio_iommu_type1 ' /proc/modules
type1_abi_cases ""
t "type1: P2P: a vfio-pci device DMAs into another's BAR" \
	/bed/vt p2p.pci "$EDU_RP" "$EDU_SINGLE"
t "type1: VFIO_UPDATE_VADDR: DMA goes on, a new vaddr, a child takes over" \
	/bed/vt vaddr.update "$EDU_RP" "$EDU_SINGLE"
t "type1: VFIO_UPDATE_VADDR off with a classic emulated group" \
	/bed/vt vaddr.classic "$EDU_RP"
t "type1: dirty tracking: IOMMU-mapped pages all dirty, bitmaps packed" \
	/bed/vt dirty.iommu "$EDU_RP"
t "type1: dirty tracking: an emulated device's pinned and written pages" \
	/bed/vt dirty.classic
# Not dirty.stop_race: on Debian's 6.12, stock type1 hits a kernel BUG
# there (docs/upstream/REPORT-type1-dirty-stop-race.md).
