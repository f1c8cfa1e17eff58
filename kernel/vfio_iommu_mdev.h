/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_iommu_mdev: the call an mdev parent driver makes to say which
 * physical device translates an mdev's DMA (the role mdev_set_iommu_device()
 * had in Linux 5.x).  When a VFIO container using vfio_iommu_mdev attaches
 * the mdev's group, the backend attaches the whole IOMMU group of that
 * physical device instead.
 */
#ifndef VFIO_IOMMU_MDEV_H
#define VFIO_IOMMU_MDEV_H

struct device;

struct vfio_iommu_mdev_ops {
	/*
	 * The physical group stopped translating this mdev's DMA while the
	 * mdev is still in a container (the vfio-pci group that brought the
	 * physical group into the container left first).  The parent must
	 * stop the device's DMA and fail further use of the mdev.  Called
	 * with the backend's locks held; must not call back into VFIO.
	 */
	void (*revoke)(struct device *mdev_dev);
	/*
	 * The revoked mdev's VFIO group left that container: it may be
	 * opened again (a new attach resolves the physical group afresh).
	 */
	void (*restore)(struct device *mdev_dev);
};

/*
 * The backend's calls, one exported symbol.  A parent driver takes it with
 * symbol_get(vfio_iommu_mdev_api) (NULL when the backend is not loaded:
 * then its mdevs cannot be used through a VFIO container) and gives it
 * back with symbol_put() once its last record is cleared.
 */
struct vfio_iommu_mdev_api {
	/*
	 * Record that @iommu_dev translates the DMA of @mdev_dev.  Call
	 * before the mdev's vfio_device is registered.  Takes a reference on
	 * @iommu_dev until clear_iommu_device().  -EEXIST if already
	 * recorded.
	 */
	int (*set_iommu_device)(struct device *mdev_dev,
				struct device *iommu_dev,
				const struct vfio_iommu_mdev_ops *ops);
	/* Undo; call after the mdev's vfio_device is unregistered. */
	void (*clear_iommu_device)(struct device *mdev_dev);
	/*
	 * 0 if the mdev may be opened now: its VFIO group is in a container
	 * that vfio_iommu_mdev serves and that holds the parent's physical
	 * group.  -EPERM otherwise (logged, rate-limited).  A parent driver
	 * must call it in open_device() when the mdev is opened through a
	 * container, and refuse the open on error: with another backend
	 * (vfio_iommu_type1) serving the container, nothing isolates the
	 * mdev.
	 */
	int (*usable)(struct device *mdev_dev);
};

extern const struct vfio_iommu_mdev_api vfio_iommu_mdev_api;

#endif
