/* SPDX-License-Identifier: GPL-2.0-only */
/* vfio_mdev_pci internals; see docs/architecture.md. */
#ifndef VMP_H
#define VMP_H

#include <linux/mdev.h>
#include <linux/pci.h>
#include <linux/srcu.h>
#include <linux/vfio_pci_core.h>

#include "vfio_iommu_mdev.h"

#define VMP_DRIVER_NAME "vfio-mdev-pci"

/* A PCI device bound to vfio-mdev-pci: one mdev parent, one type. */
struct vmp_parent {
	struct pci_dev *pdev;
	struct mdev_parent mdev_parent;
	struct mdev_type type;
	struct mdev_type *types[1];
	char name[64];			/* the type's "name" attribute */
	/* under vmp_parent_lock (vmp_reset.c) */
	bool open;			/* its mdev is open */
	bool needs_reset;		/* used since its last reset */
	void *resetting;		/* the reset in progress covering it */
	struct vmp_device *mvdev;	/* its mdev; vmp_err_lock (vmp_aer.c) */
};

struct vmp_device;
extern struct mutex vmp_parent_lock;

/* The VFIO device of an mdev; vfio_pci_core drives the parent's pdev. */
struct vmp_device {
	struct vfio_pci_core_device core;	/* must stay first */
	struct vmp_parent *parent;
	/* symbol_get() of the container backend at probe, or NULL */
	const struct vfio_iommu_mdev_api *backend;
	bool revoked;			/* backend revoked its DMA: -ENODEV */
	/* every device op runs in a read section; revoke waits for them */
	struct srcu_struct srcu;
	/*
	 * Serialises enable (open), disable (close) and revoke's work on the
	 * enabled device; @enabled under it.
	 */
	struct mutex state_lock;
	bool enabled;
#ifdef VIM_SERIES_6_1
	/* every vma mapping its BARs (vmp_revoke.c) */
	struct mutex vmas_lock;
	struct list_head vmas;
#endif
};

extern struct mdev_driver vmp_mdev_driver;

/* vmp_reset.c */
void vmp_reset_init(const struct pci_driver *drv);
void vmp_reset_open(struct vmp_device *mvdev);
void vmp_reset_close(struct vmp_device *mvdev, bool used);
void vmp_reset_unbind(struct vmp_parent *parent);

/* vmp_aer.c */
extern const struct pci_error_handlers vmp_err_handlers;
void vmp_parent_set_mdev(struct vmp_parent *parent, struct vmp_device *mvdev);

/* vmp_backend.c */
int vmp_backend_get(struct vmp_device *mvdev);
void vmp_backend_put(struct vmp_device *mvdev);
int vmp_backend_usable(struct vmp_device *mvdev);

/* vmp_iommufd.c */
#if IS_ENABLED(CONFIG_IOMMUFD)
int vmp_bind_iommufd(struct vfio_device *vdev, struct iommufd_ctx *ictx,
		     u32 *out_device_id);
void vmp_unbind_iommufd(struct vfio_device *vdev);
int vmp_attach_ioas(struct vfio_device *vdev, u32 *pt_id);
void vmp_detach_ioas(struct vfio_device *vdev);

static inline bool vmp_iommufd_bound(struct vfio_device *vdev)
{
	return vdev->iommufd_device;
}

static inline void vmp_iommufd_close(struct vfio_device *vdev)
{
	vmp_unbind_iommufd(vdev);
}
#else
static inline bool vmp_iommufd_bound(struct vfio_device *vdev)
{
	return false;
}

static inline void vmp_iommufd_close(struct vfio_device *vdev)
{
}
#endif

/* vmp_revoke.c */
void vmp_revoke(struct device *mdev_dev);
void vmp_restore(struct device *mdev_dev);
void vmp_wrap_vma(struct vm_area_struct *vma);
void vmp_revoke_init(struct vmp_device *mvdev);
void vmp_revoke_destroy(struct vmp_device *mvdev);

#endif
