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

/* every member at the same offset, and the same size in all */
static_assert(offsetof(struct vim_iommu_driver_ops, name) ==
	      offsetof(struct vfio_iommu_driver_ops, name));
static_assert(offsetof(struct vim_iommu_driver_ops, owner) ==
	      offsetof(struct vfio_iommu_driver_ops, owner));
static_assert(offsetof(struct vim_iommu_driver_ops, open) ==
	      offsetof(struct vfio_iommu_driver_ops, open));
static_assert(offsetof(struct vim_iommu_driver_ops, release) ==
	      offsetof(struct vfio_iommu_driver_ops, release));
static_assert(offsetof(struct vim_iommu_driver_ops, ioctl) ==
	      offsetof(struct vfio_iommu_driver_ops, ioctl));
static_assert(offsetof(struct vim_iommu_driver_ops, attach_group) ==
	      offsetof(struct vfio_iommu_driver_ops, attach_group));
static_assert(offsetof(struct vim_iommu_driver_ops, detach_group) ==
	      offsetof(struct vfio_iommu_driver_ops, detach_group));
static_assert(offsetof(struct vim_iommu_driver_ops, pin_pages) ==
	      offsetof(struct vfio_iommu_driver_ops, pin_pages));
static_assert(offsetof(struct vim_iommu_driver_ops, unpin_pages) ==
	      offsetof(struct vfio_iommu_driver_ops, unpin_pages));
static_assert(offsetof(struct vim_iommu_driver_ops, register_device) ==
	      offsetof(struct vfio_iommu_driver_ops, register_device));
static_assert(offsetof(struct vim_iommu_driver_ops, unregister_device) ==
	      offsetof(struct vfio_iommu_driver_ops, unregister_device));
static_assert(offsetof(struct vim_iommu_driver_ops, dma_rw) ==
	      offsetof(struct vfio_iommu_driver_ops, dma_rw));
static_assert(offsetof(struct vim_iommu_driver_ops, group_iommu_domain) ==
	      offsetof(struct vfio_iommu_driver_ops, group_iommu_domain));
#ifdef VIM_HAS_NOTIFY
static_assert(offsetof(struct vim_iommu_driver_ops, notify) ==
	      offsetof(struct vfio_iommu_driver_ops, notify));
static_assert((int)VIM_NOTIFY_CONTAINER_CLOSE ==
	      (int)VFIO_IOMMU_CONTAINER_CLOSE);
#endif
static_assert(sizeof(struct vim_iommu_driver_ops) ==
	      sizeof(struct vfio_iommu_driver_ops));
static_assert((int)VIM_GROUP_IOMMU == (int)VFIO_IOMMU);
static_assert((int)VIM_GROUP_EMULATED == (int)VFIO_EMULATED_IOMMU);
static_assert((int)VIM_GROUP_NO_IOMMU == (int)VFIO_NO_IOMMU);
