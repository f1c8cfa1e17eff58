# Plan "e2e-trixie": Debian 13's own clients, unmodified: QEMU 10.0,
# mdevctl 1.4 and libvirt 11.3 from the Debian 13 root (mk/trixie-root.sh),
# which the guest reaches read-only through the host's 9p share, on
# Debian 13's kernel.  Debian 12's clients (QEMU 7.2, mdevctl 1.2) are
# plan e2e's.
# bed: files=mk/trixie-clients.sh
# bed: series=d13-6.12
# bed: bound=900
BED_TIMEOUT=300
# As on a real host: type1 is loaded, ours registers after it.
bed_host_stack
setup client_mount "$(cat /bed/trixie-clients/root)"
export E2E_ROOT="/host$(cat /bed/trixie-clients/root)"
qemu_e2e_cases "qemu 10"
t "mdevctl 1.4: types, start, list, stop" sh /bed/e2e/e2e.sh mdevctl "$EDU_SINGLE"
t "mdevctl 1.4: define, list --defined, start, stop, --auto with its parent, undefine" \
	sh /bed/e2e/e2e.sh mdevctl_defined "$EDU_SINGLE"
# libvirt 11.3 (libvirtd, virtlogd, udevd for its node devices) as a user
# drives it with virsh (tests/e2e/libvirt.sh)
setup sh /bed/e2e/libvirt.sh start
t "libvirt: virsh nodedev-list --cap mdev lists our mdev, nodedev-dumpxml shows its parent" \
	sh /bed/e2e/libvirt.sh nodedev "$EDU_SINGLE"
t "libvirt: a second domain asking for a sibling mdev fails with the kernel's refusal, the first runs on; after virsh destroy it starts" \
	sh /bed/e2e/libvirt.sh two_domains "$EDU_NS_A" "$EDU_NS_B"
t "libvirt: virsh nodedev-define and nodedev-start of an mdev on our parent" \
	sh /bed/e2e/libvirt.sh define_start "$EDU_SINGLE"
t "libvirt: virsh attach-device and detach-device of an mdev on a running domain; the detached mdev starts in another domain" \
	sh /bed/e2e/libvirt.sh hotplug "$EDU_SINGLE"
