// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: an mdev bound to iommufd.
 *
 * Through the mdev's cdev (VFIO_DEVICE_BIND_IOMMUFD, then
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT) the VFIO core calls these ops; they bind
 * the *parent* PCI device to the user's iommufd context and attach it to
 * the IOAS or HWPT the user names, so the mdev's DMA is translated by the
 * parent's IOMMU group in that IOAS.  Only exported API is used:
 * iommufd_device_bind() claims the parent's DMA ownership with the context
 * as owner, so the IOMMU core itself keeps the group to one context
 * (devices of the group share it there) and refuses every other context
 * and every VFIO container; the VFIO core's physical attach and detach
 * helpers work on the bound iommufd_device.  The VFIO core holds the
 * device set's lock around every op here.
 *
 * The group route (the mdev's group set to an iommufd) is refused: the
 * VFIO core lets a group holding an open emulated device leave its iommufd
 * and join a container, then hands the open device out again through that
 * container, so a container user would get a device whose DMA goes to
 * another context's IOAS, and the core's last close would run the
 * container's release instead of the unbind.  The cdev route blocks the
 * group while the cdev is open.  The group route is told apart at attach:
 * the core attaches it to the compat IOAS before the device is marked
 * opened through a cdev, which a cdev's attach never is.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/module.h>
#include <linux/vfio.h>

#include "vmp.h"

/* Kbuild read the tree's module.h: a bare token before 6.13, a string after */
#ifdef VMP_IMPORT_NS_TOKEN
MODULE_IMPORT_NS(IOMMUFD);
#else
MODULE_IMPORT_NS("IOMMUFD");
#endif

static struct vmp_device *vmp_of(struct vfio_device *vdev)
{
	return container_of(vdev, struct vmp_device, core.vdev);
}

int vmp_bind_iommufd(struct vfio_device *vdev, struct iommufd_ctx *ictx,
		     u32 *out_device_id)
{
	struct pci_dev *pdev = vmp_of(vdev)->parent->pdev;
	struct iommufd_device *idev;
	struct iommu_group *group;

	lockdep_assert_held(&vdev->dev_set->lock);
	if (WARN_ON(vdev->iommufd_device))
		return -EBUSY;
	/* iommufd would take a device without an IOMMU as "no IOMMU" */
	if (!device_iommu_mapped(&pdev->dev) || !pdev->dev.iommu)
		return -ENODEV;
	idev = iommufd_device_bind(ictx, &pdev->dev, out_device_id);
	if (IS_ERR(idev)) {
		group = iommu_group_get(&pdev->dev);
		if (PTR_ERR(idev) == -EPERM || PTR_ERR(idev) == -EBUSY)
			dev_warn_ratelimited(vdev->dev, "%s: iommufd bind refused (%pe): the parent %s (IOMMU group %d) is held by another iommufd context or a VFIO container, or a device of its group is on a kernel driver; close that user first\n",
					     VMP_DRIVER_NAME, idev, pci_name(pdev),
					     group ? iommu_group_id(group) : -1);
		else
			dev_warn_ratelimited(vdev->dev, "%s: iommufd bind refused (%pe): the parent %s (IOMMU group %d) cannot be bound to iommufd\n",
					     VMP_DRIVER_NAME, idev, pci_name(pdev),
					     group ? iommu_group_id(group) : -1);
		iommu_group_put(group);
		return PTR_ERR(idev);
	}
	vdev->iommufd_device = idev;
#ifdef VMP_HAVE_VDEV_PASIDS
	/* the core's unbind walks it; its own bind sets it up */
	ida_init(&vdev->pasids);
#endif
	return 0;
}

/* Also called at close (vmp_close_device): a no-op once unbound. */
void vmp_unbind_iommufd(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);
	/* detaches first if attached */
	if (vdev->iommufd_device)
		vfio_iommufd_physical_unbind(vdev);
}

int vmp_attach_ioas(struct vfio_device *vdev, u32 *pt_id)
{
	if (!vfio_device_cdev_opened(vdev)) {
		dev_warn_ratelimited(vdev->dev, "%s: refused iommufd through the mdev's VFIO group: bind its VFIO cdev instead (/dev/vfio/devices/vfioN; QEMU: -device vfio-pci,sysfsdev=...,iommufd=...), or use a VFIO container\n",
				     VMP_DRIVER_NAME);
		return -EOPNOTSUPP;
	}
	return vfio_iommufd_physical_attach_ioas(vdev, pt_id);
}

void vmp_detach_ioas(struct vfio_device *vdev)
{
	vfio_iommufd_physical_detach_ioas(vdev);
}
