# Plan "e2e": Debian's own QEMU 7.2 and mdevctl, unmodified, run in the
# guest from the host's root file system (9p, read-only) against our modules.
# bed: also=debug
BED_TIMEOUT=300
# As on a real host: type1 is loaded, ours registers after it.
bed_host_stack
qemu_e2e_cases qemu
t "mdevctl: types, start, list, stop" sh /bed/e2e/e2e.sh mdevctl "$EDU_SINGLE"
t "qemu: migrating a VM with an mdev refused (no VFIO migration in the device), VM intact" \
	sh /bed/e2e/e2e.sh migrate "$EDU_SINGLE"
