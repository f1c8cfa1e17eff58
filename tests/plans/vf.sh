# Plan "vf": SR-IOV.  An NVMe controller with SR-IOV (QEMU's nvme with
# sriov_max_vfs) behind its own root port, for this boot only; its PF is
# bound to vfio-pci, which enables a VF.  vfio-mdev-pci must refuse that
# VF (vfio-pci guards it with the PF owner's VF token, which we do not take
# part in) with a reason in the log; vfio-pci takes it.  A VF of a PF that
# pci-pf-stub drives is a parent like any other, without ioeventfds.
# bed: devices=-device pcie-root-port,id=rp9,bus=pcie.0,addr=0x9,chassis=9 -device nvme-subsys,id=nvsub0 -device nvme,bus=rp9,serial=vmpvf0,subsys=nvsub0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=4
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
t "vf: a VF of a vfio-pci PF is refused by vfio-mdev-pci with a reason, taken by vfio-pci" \
	/bed/vt mdev.vf 0000:06:00.0
setup modprobe pci-pf-stub
t "vf: a VF of a kernel-driven PF (pci-pf-stub) is a parent; ioeventfds refused there with a reason" \
	/bed/vt mdev.vf_parent 0000:06:00.0
