# Plan "stock": the bed proven against the stock stack (vfio-pci and
# vfio_iommu_type1).  Sourced by the guest's /init; see tests/bed/lib.sh.
setup modprobe vfio-pci
setup modprobe e1000
setup modprobe vim_classic
setup test -e "/sys/bus/pci/devices/$NIC_KDRV/driver"
setup modprobe vfio_iommu_type1
setup grep -q '^vfio_iommu_type1 ' /proc/modules
type1_abi_cases ""
parity_cases type1
