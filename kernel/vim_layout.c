// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the build-time proof that vim_compat.h's copy of the
 * VFIO core's private backend ops table has the layout of the kernel's own
 * (drivers/vfio/vfio.h).  Kbuild compiles this file only where the tree
 * being built against has that header (a full source tree; Debian's
 * headers packages do not ship it, and there the series list of Kbuild is
 * what vouches for the layout).  Nothing here is code: a mismatch stops
 * the build.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>

#define VIM_LAYOUT_PROBE
#include "vim_compat.h"
#include <vfio.h>	/* the tree's drivers/vfio/vfio.h (-I in Kbuild) */

#define VIM_SAME(m)							     \
	static_assert(offsetof(struct vim_iommu_driver_ops, m) ==	     \
		      offsetof(struct vfio_iommu_driver_ops, m));	     \
	static_assert(sizeof_field(struct vim_iommu_driver_ops, m) ==	     \
		      sizeof_field(struct vfio_iommu_driver_ops, m))

VIM_SAME(name);
VIM_SAME(owner);
VIM_SAME(open);
VIM_SAME(release);
VIM_SAME(ioctl);
VIM_SAME(attach_group);
VIM_SAME(detach_group);
VIM_SAME(pin_pages);
VIM_SAME(unpin_pages);
VIM_SAME(register_device);
VIM_SAME(unregister_device);
VIM_SAME(dma_rw);
VIM_SAME(group_iommu_domain);
#ifdef VIM_HAS_NOTIFY
VIM_SAME(notify);
static_assert((int)VIM_NOTIFY_CONTAINER_CLOSE ==
	      (int)VFIO_IOMMU_CONTAINER_CLOSE);
#endif
static_assert(sizeof(struct vim_iommu_driver_ops) ==
	      sizeof(struct vfio_iommu_driver_ops));
static_assert((int)VIM_GROUP_IOMMU == (int)VFIO_IOMMU);
static_assert((int)VIM_GROUP_EMULATED == (int)VFIO_EMULATED_IOMMU);
static_assert((int)VIM_GROUP_NO_IOMMU == (int)VFIO_NO_IOMMU);
