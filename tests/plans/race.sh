# Plan "race": the container-release race of the VFIO core (an ioctl on the
# container fd running while the last group leaves) against our backend,
# on a vfio-pci group and on an mdev at the same time.  RACE_SECONDS (10;
# tests/check.sh gives the debug kernel 60) can come from the kernel
# command line: BED_APPEND=RACE_SECONDS=30.
# bed: also=debug
setup modprobe vfio-pci
setup modprobe vfio_iommu_type1
# registered last: serves the new containers
setup modprobe vfio_iommu_mdev
setup modprobe vfio_mdev_pci
RACE_SECONDS=${RACE_SECONDS:-10}

race_both() {
	/bed/vt race.container mdev "$EDU_RP" "$RACE_SECONDS" > /tmp/race-mdev.out 2>&1 &
	m=$!
	/bed/vt race.container pci "$EDU_SINGLE" "$RACE_SECONDS" > /tmp/race-pci.out 2>&1 &
	p=$!
	wait "$m"
	rc_m=$?
	wait "$p"
	rc_p=$?
	cat /tmp/race-mdev.out /tmp/race-pci.out
	echo "# exit: mdev $rc_m, pci $rc_p"
	[ "$rc_m" = 0 ] && [ "$rc_p" = 0 ]
}


BED_TIMEOUT=$((RACE_SECONDS + 60))
t "race: container ioctls against detach/close, vfio-pci group and mdev at once" race_both
unset BED_TIMEOUT
t "race: both modules unload afterwards" bed_unload_ours
t "race: both modules load again" sh -c 'modprobe vfio_iommu_mdev && modprobe vfio_mdev_pci'
