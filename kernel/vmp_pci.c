// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: the PCI driver "vfio-mdev-pci".  A bound device becomes an
 * mdev parent with one type; the mdev is the device itself, given to user
 * space through VFIO with its DMA translated by the device's IOMMU group.
 * The driver does no DMA of its own (driver_managed_dma): DMA ownership of
 * the group is taken by VFIO when an mdev or a sibling is used.
 */
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vmp.h"

/*
 * A VF whose PF is bound to a VFIO driver (driver_managed_dma: vfio-pci,
 * its variants, us): the PF's user sets a VF token that vfio-pci checks
 * before a VF may be opened.  We do not take part in that bookkeeping, so
 * such VFs are refused.  Called at probe, under the VF's device lock; the
 * PF's driver cannot go away while its VFs exist.
 */
static struct pci_driver *vmp_pf_user_owned(struct pci_dev *pdev)
{
	struct pci_driver *drv;

	device_lock_assert(&pdev->dev);
	if (!pdev->is_virtfn)
		return NULL;
	drv = READ_ONCE(pci_physfn(pdev)->driver);
	return drv && drv->driver_managed_dma ? drv : NULL;
}

static int vmp_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct iommu_group *group;
	struct pci_driver *pf_drv;
	struct vmp_parent *parent;
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		dev_info_ratelimited(&pdev->dev, "%s: not a type 0 (endpoint) header; bridges cannot be mdev parents\n",
				     VMP_DRIVER_NAME);
		return -EINVAL;
	}
	if (pci_num_vf(pdev)) {
		dev_warn_ratelimited(&pdev->dev, "%s: cannot bind to a PF with SR-IOV enabled; write 0 to sriov_numvfs first\n",
				     VMP_DRIVER_NAME);
		return -EBUSY;
	}
	pf_drv = vmp_pf_user_owned(pdev);
	if (pf_drv) {
		dev_warn_ratelimited(&pdev->dev, "%s: a VF whose PF is bound to %s needs the PF owner's VF token, which this driver does not enforce; bind the VF to vfio-pci instead\n",
				     VMP_DRIVER_NAME, pf_drv->name);
		return -EPERM;
	}
	if ((pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA) {
		dev_info_ratelimited(&pdev->dev, "%s: VGA devices are not supported; use vfio-pci\n",
				     VMP_DRIVER_NAME);
		return -EINVAL;
	}
	group = iommu_group_get(&pdev->dev);
	if (!group) {
		dev_info_ratelimited(&pdev->dev, "%s: no IOMMU group; boot with the IOMMU enabled (intel_iommu=on or amd_iommu=on)\n",
				     VMP_DRIVER_NAME);
		return -ENODEV;
	}
	iommu_group_put(group);

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return -ENOMEM;
	parent->pdev = pdev;
	snprintf(parent->name, sizeof(parent->name), "%04x:%04x %s",
		 pdev->vendor, pdev->device, pci_name(pdev));
	parent->type.sysfs_name = "passthrough";
	parent->type.pretty_name = parent->name;
	parent->types[0] = &parent->type;
	pci_set_drvdata(pdev, parent);
	ret = mdev_register_parent(&parent->mdev_parent, &pdev->dev,
				   &vmp_mdev_driver, parent->types, 1);
	if (ret) {
		/* under vmp_parent_lock: a bus walk may be looking */
		vmp_reset_unbind(parent);
		kfree(parent);
		return ret;
	}
	pci_info(pdev, "%s: mdev parent ready (type %s-passthrough)\n",
		 VMP_DRIVER_NAME, VMP_DRIVER_NAME);
	return 0;
}

/* Removes the mdevs; each waits until user space has closed it. */
static void vmp_remove(struct pci_dev *pdev)
{
	struct vmp_parent *parent = pci_get_drvdata(pdev);

	mdev_unregister_parent(&parent->mdev_parent);
	vmp_reset_unbind(parent);
	pci_set_drvdata(pdev, NULL);
	kfree(parent);
}

/* Bound only through driver_override or new_id, like vfio-pci. */
static const struct pci_device_id vmp_ids[] = {
	{ }
};
MODULE_DEVICE_TABLE(pci, vmp_ids);

static struct pci_driver vmp_pci_driver = {
	.name = VMP_DRIVER_NAME,
	.id_table = vmp_ids,
	.probe = vmp_probe,
	.remove = vmp_remove,
	.err_handler = &vmp_err_handlers,
	.driver_managed_dma = true,
};

static int __init vmp_init(void)
{
	int ret;

	/* before any device can bind: the reset walks tell parents by it */
	vmp_reset_init(&vmp_pci_driver);
	ret = mdev_register_driver(&vmp_mdev_driver);
	if (ret)
		return ret;
	ret = pci_register_driver(&vmp_pci_driver);
	if (ret)
		mdev_unregister_driver(&vmp_mdev_driver);
	return ret;
}

static void __exit vmp_exit(void)
{
	pci_unregister_driver(&vmp_pci_driver);
	mdev_unregister_driver(&vmp_mdev_driver);
}

module_init(vmp_init);
module_exit(vmp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Any PCI device as an IOMMU-backed VFIO mediated device");
/* the container backend, where installed: taken by each mdev (vmp_backend.c) */
MODULE_SOFTDEP("pre: vfio_iommu_mdev");
