# Plan "stock": the bed proven against the stock stack (vfio-pci and
# vfio_iommu_type1).  Sourced by the guest's /init; see tests/bed/lib.sh.
setup modprobe vfio-pci
setup modprobe e1000
setup modprobe vim_classic
setup test -e "/sys/bus/pci/devices/$NIC_KDRV/driver"
setup modprobe vfio_iommu_type1
setup grep -q '^vfio_iommu_type1 ' /proc/modules
t "config space and BAR0, singleton group" /bed/vt stock.config "$EDU_SINGLE"
t "DMA round trip, singleton group" /bed/vt stock.dma "$EDU_SINGLE"
t "DMA round trip, non-singleton group" /bed/vt stock.dma "$EDU_NS_B"
t "DMA to an unmapped IOVA faults, memory untouched" \
	/bed/vt stock.dma_unmapped "$EDU_SINGLE"
t "group with a kernel-driver member not viable" \
	/bed/vt stock.not_viable "$EDU_KDRV"
t "MSI on an eventfd, singleton group" /bed/vt stock.msi "$EDU_SINGLE"
t "INTx on an eventfd, singleton group" /bed/vt stock.intx "$EDU_SINGLE"
t "DMA completion MSI, non-singleton group" /bed/vt stock.dma_irq "$EDU_NS_A"
t "container ABI: map/unmap errors leave state unchanged" /bed/vt backend.map_errors "$EDU_SINGLE"
t "container ABI: UNMAP_ALL, close unpins" /bed/vt backend.unmap_all "$EDU_SINGLE"
t "container ABI: type1 (v1) unmap semantics" /bed/vt backend.v1 "$EDU_SINGLE"
t "container ABI: CHECK_EXTENSION and GET_INFO capabilities" /bed/vt backend.info "$EDU_SINGLE"
t "container ABI: dma_entry_limit gives ENOSPC" /bed/vt backend.limit "$EDU_SINGLE"
t "container ABI: RLIMIT_MEMLOCK gives ENOMEM" /bed/vt backend.memlock "$EDU_SINGLE"
t "classic mdev: pin, dma_rw, unmap notification, replay" /bed/vt backend.classic "$EDU_SINGLE"
