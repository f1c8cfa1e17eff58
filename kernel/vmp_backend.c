// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: the link to the container backend, vfio_iommu_mdev.
 *
 * An mdev opened through a VFIO container is usable only where
 * vfio_iommu_mdev serves that container and holds the parent's whole IOMMU
 * group; the backend learns the parent of each mdev from a record made at
 * probe.  The backend is optional: it is taken with symbol_get() when an
 * mdev is created (MODULE_SOFTDEP loads it first where it is installed),
 * so the driver loads and serves iommufd (vmp_iommufd.c) on kernels whose
 * VFIO has no container, or where the backend is not loaded.  Each mdev
 * recorded holds one reference on the backend module until it is removed.
 */
#include <linux/module.h>

#include "vfio_iommu_mdev.h"
#include "vmp.h"

static const struct vfio_iommu_mdev_ops vmp_iommu_ops = {
	.revoke = vmp_revoke,
	.restore = vmp_restore,
};

/* Record the parent of @mvdev with the backend, if it is loaded. */
int vmp_backend_get(struct vmp_device *mvdev)
{
	const struct vfio_iommu_mdev_api *api = symbol_get(vfio_iommu_mdev_api);
	struct device *dev = mvdev->core.vdev.dev;
	int ret;

	mvdev->backend = NULL;
	if (!api)
		return 0;
	ret = api->set_iommu_device(dev, &mvdev->parent->pdev->dev,
				    &vmp_iommu_ops);
	if (ret) {
		symbol_put(vfio_iommu_mdev_api);
		return ret;
	}
	mvdev->backend = api;
	return 0;
}

void vmp_backend_put(struct vmp_device *mvdev)
{
	if (!mvdev->backend)
		return;
	mvdev->backend->clear_iommu_device(mvdev->core.vdev.dev);
	mvdev->backend = NULL;
	symbol_put(vfio_iommu_mdev_api);
}

/*
 * May @mvdev be opened through the VFIO container its group is in?  Only
 * if the backend serves it (its gate decides and logs); without the
 * backend nothing attaches the parent's group for the container.
 */
int vmp_backend_usable(struct vmp_device *mvdev)
{
	if (mvdev->backend)
		return mvdev->backend->usable(mvdev->core.vdev.dev);
	dev_warn_ratelimited(mvdev->core.vdev.dev, "%s: mdev refused in a VFIO container: vfio_iommu_mdev was not loaded when this mdev was created; load it and create the mdev again, or open the mdev through iommufd\n",
			     VMP_DRIVER_NAME);
	return -EPERM;
}
