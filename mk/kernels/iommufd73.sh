# Profile "iommufd73" of mk/bed-kernel.sh: Linux 7.3 (Debian's
# linux-source-7.3 from trixie-backports, fetched by mk/debian-pkg.sh) with
# iommufd (module) next to the VFIO container, VFIO device cdevs, KASAN and
# the bed's lockdep: the iommufd plans on today's upstream VFIO core.
# Networking for the 9p share only, as profile iommufd.
series=7.3
deb_suite=trixie-backports
localversion=-vmpiommufd
title="Linux 7.3 with iommufd, KASAN and lockdep"
patched=no
want_y="VFIO_CONTAINER VFIO_GROUP VFIO_DEVICE_CDEV SAMPLES KERNEL_GZIP
	KASAN KASAN_GENERIC KASAN_INLINE NET NETWORK_FILESYSTEMS"
want_m="IOMMUFD SAMPLE_VFIO_MDEV_MTTY NET_9P NET_9P_VIRTIO 9P_FS"
want_n="INET IOMMUFD_VFIO_CONTAINER KERNEL_XZ SLUB_TINY KASAN_OUTLINE"
bed_kernel=iommufd
