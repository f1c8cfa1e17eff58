# Plan "e2e": Debian's own QEMU 7.2 and mdevctl, unmodified, run in the
# guest from the host's root file system (9p, read-only) against our modules.
# bed: also=debug
BED_TIMEOUT=300
# As on a real host: type1 is loaded, ours registers after it.
bed_host_stack
t "qemu: -device vfio-pci,sysfsdev= mdev realizes, singleton group" \
	sh /bed/e2e/e2e.sh sysfsdev "$EDU_SINGLE"
t "qemu: -device vfio-pci,sysfsdev= mdev realizes, non-singleton group" \
	sh /bed/e2e/e2e.sh sysfsdev "$EDU_NS_A"
t "qemu: second VM asking for a sibling mdev refused, admitted after the first quits" \
	sh /bed/e2e/e2e.sh two_vms "$EDU_NS_A" "$EDU_NS_B" mdev
t "qemu: second VM asking for a sibling with host= refused, admitted after" \
	sh /bed/e2e/e2e.sh two_vms "$EDU_NS_A" "$EDU_NS_B" host
t "qemu: one VM with a vfio-pci sibling first and an mdev starts" \
	sh /bed/e2e/e2e.sh mixed "$EDU_NS_A" "$EDU_NS_B"
t "qemu: host= on a device bound to vfio-mdev-pci fails" \
	sh /bed/e2e/e2e.sh host_on_mdev_parent "$EDU_SINGLE"
t "qemu: an mdev whose group has a member on a kernel driver refused, admitted after" \
	sh /bed/e2e/e2e.sh kdrv "$EDU_KDRV" "$NIC_KDRV"
t "mdevctl: types, start, list, stop" sh /bed/e2e/e2e.sh mdevctl "$EDU_SINGLE"
t "qemu: migrating a VM with an mdev refused (no VFIO migration in the device), VM intact" \
	sh /bed/e2e/e2e.sh migrate "$EDU_SINGLE"
