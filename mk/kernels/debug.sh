# Profile "debug" of mk/bed-kernel.sh: Linux 6.1 with KASAN and full
# preemption on top of the bed's base (which has lockdep), the VFIO core
# also built patched with docs/upstream/0001-*.patch (modroot-patched/).
# Networking for the e1000 group-mate and the 9p host mount (plan e2e;
# 6.1's 9p needs INET).
# make check's debug series.
series=6.1
localversion=-vmpdebug
title="Linux 6.1 with KASAN and lockdep"
patched=yes
want_y="NET INET UNIX NETDEVICES ETHERNET NET_VENDOR_INTEL NETWORK_FILESYSTEMS
	PREEMPT KASAN KASAN_GENERIC KASAN_INLINE"
want_m="VFIO_VIRQFD IRQ_BYPASS_MANAGER E1000 E1000E FUSE_FS NET_9P
	NET_9P_VIRTIO 9P_FS"
want_n="SLOB PREEMPT_NONE PREEMPT_VOLUNTARY IOMMUFD KASAN_OUTLINE"
