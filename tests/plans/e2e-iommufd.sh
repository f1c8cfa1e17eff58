# Plan "e2e-iommufd": Debian 13's QEMU 10.0, unmodified, driving mdevs as
# an iommufd user (-object iommufd, -device vfio-pci,sysfsdev=...,iommufd=)
# on the bed's iommufd kernels, with type1 and ours loaded as on a real
# host; and VMs of the two kinds (iommufd, VFIO container) asking for one
# physical group.  QEMU comes from the Debian 13 root (mk/trixie-root.sh)
# through the host's 9p share.  On the 6.12 iommufd kernel only: QEMU in
# a guest whose kernel has KASAN (iommufd73) takes five minutes for these
# cases, which make check's budget does not allow; the 7.3 kernel runs
# the iommufd path through the bed's own ioctls (plans iommufd, ifuzz).
# bed: kernel=iommufd
# bed: series=iommufd
# bed: files=mk/trixie-clients.sh
# bed: bound=900
BED_TIMEOUT=300
for m in vfio-pci iommufd vfio_iommu_type1 vfio_iommu_mdev vfio_mdev_pci; do
	setup modprobe "$m"
done
setup host_mount
setup client_mount "$(cat /bed/trixie-clients/root)"
export E2E_ROOT="/host$(cat /bed/trixie-clients/root)"
export E2E_IOMMUFD=1
qemu_e2e_vm_cases "qemu 10 iommufd="
t "qemu 10 iommufd=: one VM with two mdevs of one group in one iommufd" \
	sh /bed/e2e/e2e.sh two_mdevs "$EDU_NS_A" "$EDU_NS_B"
t "qemu 10 iommufd=: a vfio-pci device and an mdev of one group in one VM refused by QEMU (EINVAL); through a container it starts" \
	sh /bed/e2e/e2e.sh mixed_iommufd "$EDU_NS_A" "$EDU_NS_B"
t "qemu 10: an iommufd VM holds the group, a container VM asking for the sibling mdev refused, admitted after" \
	sh /bed/e2e/e2e.sh cross "$EDU_NS_A" "$EDU_NS_B" iommufd
t "qemu 10: a container VM holds the group, an iommufd VM asking for the sibling mdev refused, admitted after" \
	sh /bed/e2e/e2e.sh cross "$EDU_NS_A" "$EDU_NS_B" container
t "nothing left: no mdev, no container, every group usable by vfio-pci" \
	/bed/vt mdev.final "$EDU_SINGLE" "$EDU_NS_A" "$EDU_NS_B"
