/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VFIO core's interface to IOMMU backends.
 *
 * Linux 6.1 declares struct vfio_iommu_driver_ops and enum vfio_group_type
 * in drivers/vfio/vfio.h, which the kernel headers package does not ship.
 * The core calls the backend through that table, so this file declares a
 * table with the identical layout (same members, same order, same types).
 * Re-check it against every kernel series this module is built for.
 */
#ifndef VIM_COMPAT_H
#define VIM_COMPAT_H

#include <linux/types.h>

struct iommu_group;
struct iommu_domain;
struct vfio_device;
struct page;
struct module;

enum vim_group_type {
	VIM_GROUP_IOMMU,		/* VFIO_IOMMU: real IOMMU group */
	VIM_GROUP_EMULATED,		/* VFIO_EMULATED_IOMMU: mdev-style */
	VIM_GROUP_NO_IOMMU,		/* VFIO_NO_IOMMU */
};

enum vim_notify_type {
	VIM_NOTIFY_CONTAINER_CLOSE = 0,
};

struct vim_iommu_driver_ops {
	char *name;
	struct module *owner;
	void *(*open)(unsigned long arg);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group,
			    enum vim_group_type type);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	int (*pin_pages)(void *iommu_data, struct iommu_group *group,
			 dma_addr_t user_iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *iommu_data, dma_addr_t user_iova, int npage);
	void (*register_device)(void *iommu_data, struct vfio_device *vdev);
	void (*unregister_device)(void *iommu_data, struct vfio_device *vdev);
	int (*dma_rw)(void *iommu_data, dma_addr_t user_iova, void *data,
		      size_t count, bool write);
	struct iommu_domain *(*group_iommu_domain)(void *iommu_data,
						   struct iommu_group *group);
	void (*notify)(void *iommu_data, enum vim_notify_type event);
};

/* Exported by vfio.ko; takes the core's own (identical) ops type. */
int vfio_register_iommu_driver(const struct vim_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vim_iommu_driver_ops *ops);

#endif
