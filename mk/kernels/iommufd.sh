# Profile "iommufd" of mk/bed-kernel.sh: Linux 6.12 built as Ubuntu 24.04,
# Proxmox VE and RHEL 9 build theirs: iommufd (module) next to the VFIO
# container, VFIO device cdevs (/dev/vfio/devices/vfioN), on top of the
# bed's base (which has lockdep).  No networking (no e1000 group-mate, no
# 9p host mount): its plan uses the edu devices only, and the build stays
# short.  Plan tests/plans/iommufd.sh (# bed: kernel=iommufd).
series=6.12
localversion=-vmpiommufd
title="Linux 6.12 with iommufd and lockdep"
patched=no
want_y="VFIO_CONTAINER VFIO_GROUP VFIO_DEVICE_CDEV SAMPLES KERNEL_GZIP"
# (VFIO_MDEV has no prompt in 6.12: the mtty sample selects it, as Debian's
# drivers do)
want_m="IOMMUFD SAMPLE_VFIO_MDEV_MTTY"
want_n="NET IOMMUFD_VFIO_CONTAINER KASAN KERNEL_XZ SLUB_TINY"
