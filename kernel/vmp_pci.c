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

static int vmp_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct iommu_group *group;
	struct vmp_parent *parent;
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info(pdev, "%s: not a type 0 (endpoint) header; bridges cannot be mdev parents\n",
			 VMP_DRIVER_NAME);
		return -EINVAL;
	}
	if (pci_num_vf(pdev)) {
		pci_warn(pdev, "%s: cannot bind to a PF with SR-IOV enabled; write 0 to sriov_numvfs first\n",
			 VMP_DRIVER_NAME);
		return -EBUSY;
	}
	if ((pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA) {
		pci_info(pdev, "%s: VGA devices are not supported; use vfio-pci\n",
			 VMP_DRIVER_NAME);
		return -EINVAL;
	}
	group = iommu_group_get(&pdev->dev);
	if (!group) {
		pci_info(pdev, "%s: no IOMMU group; boot with the IOMMU enabled (intel_iommu=on or amd_iommu=on)\n",
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
		pci_set_drvdata(pdev, NULL);
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
	.driver_managed_dma = true,
};

static int __init vmp_init(void)
{
	int ret = mdev_register_driver(&vmp_mdev_driver);

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
