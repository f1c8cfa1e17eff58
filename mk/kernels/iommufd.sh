# Profile "iommufd" of mk/bed-kernel.sh: Linux 6.12 built as Ubuntu 24.04,
# Proxmox VE and RHEL 9 build theirs: iommufd (module) next to the VFIO
# container, VFIO device cdevs (/dev/vfio/devices/vfioN), on top of the
# bed's base (which has lockdep).  Networking (no TCP/IP) only for the 9p
# share of the host (plan e2e-iommufd runs Debian 13's QEMU from the Debian
# 13 root), no NIC drivers: its plans use the edu devices only.  Plans
# tests/plans/iommufd*.sh, ifuzz.sh, e2e-iommufd.sh (# bed: kernel=iommufd).
series=6.12
localversion=-vmpiommufd
title="Linux 6.12 with iommufd and lockdep"
patched=no
# (VFIO_MDEV has no prompt in 6.12: the mtty sample selects it, as Debian's
# drivers do)
want_y="VFIO_CONTAINER VFIO_GROUP VFIO_DEVICE_CDEV SAMPLES KERNEL_GZIP NET
	NETWORK_FILESYSTEMS"
want_m="IOMMUFD SAMPLE_VFIO_MDEV_MTTY NET_9P NET_9P_VIRTIO 9P_FS"
want_n="INET IOMMUFD_VFIO_CONTAINER KASAN KERNEL_XZ SLUB_TINY"
