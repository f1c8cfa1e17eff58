// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: the mdev driver.  Each mdev is a VFIO device whose ops are
 * vfio_pci_core's, driving the parent's pci_dev; it is registered as an
 * emulated-IOMMU VFIO device.  Its DMA goes through the parent's whole
 * IOMMU group: bound to iommufd, the parent is bound and attached to the
 * user's IOAS (vmp_iommufd.c); in a VFIO container, vfio_iommu_mdev is
 * told the parent (vmp_backend.c) and attaches the parent's group.  The
 * mdev device carries two attributes for user space: parent_iommu_group
 * and parent_iommu_group_singleton.
 */
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>

#include "vmp.h"

static struct vmp_device *vmp_of(struct vfio_device *vdev)
{
	return container_of(vdev, struct vmp_device, core.vdev);
}

/*
 * Every device op runs in an SRCU read section and is refused once the
 * mdev is revoked; revoke sets the flag, then waits for the sections in
 * flight (vmp_revoke.c).
 */
static bool vmp_revoked(struct vfio_device *vdev)
{
	return READ_ONCE(vmp_of(vdev)->revoked);
}

static struct srcu_struct *vmp_srcu(struct vfio_device *vdev)
{
	return &vmp_of(vdev)->srcu;
}

static int vmp_init_dev(struct vfio_device *vdev)
{
	struct vmp_device *mvdev = vmp_of(vdev);
	struct device *mdev_dev = vdev->dev;
	int ret;

	ret = init_srcu_struct(&mvdev->srcu);
	if (ret)
		return ret;
	mutex_init(&mvdev->state_lock);
	vmp_revoke_init(mvdev);
	/*
	 * vdev->dev is the mdev; vfio_pci_core works on the parent, and its
	 * init takes vdev->dev for a PCI device (from 7.x it sets up the
	 * device's P2P DMA there): give it the parent's for the call.
	 */
	mvdev->parent = dev_get_drvdata(mdev_dev->parent);
	vdev->dev = &mvdev->parent->pdev->dev;
	ret = vfio_pci_core_init_dev(vdev);
	vdev->dev = mdev_dev;
	if (ret) {
		vmp_revoke_destroy(mvdev);
		cleanup_srcu_struct(&mvdev->srcu);
		return ret;
	}
	mvdev->core.pdev = mvdev->parent->pdev;
	return 0;
}

static void vmp_release_dev(struct vfio_device *vdev)
{
	vmp_revoke_destroy(vmp_of(vdev));
	mutex_destroy(&vmp_of(vdev)->state_lock);
	cleanup_srcu_struct(&vmp_of(vdev)->srcu);
	vfio_pci_core_release_dev(vdev);
}

static int vmp_open_device(struct vfio_device *vdev)
{
	struct vmp_device *mvdev = vmp_of(vdev);
	struct vfio_pci_core_device *core = &mvdev->core;
	int ret;

	/*
	 * Bound to iommufd (vmp_iommufd.c), the IOMMU core keeps the parent's
	 * group to this context; in a container, only one of ours that holds
	 * the parent's group will do.
	 */
	if (!vmp_iommufd_bound(vdev)) {
		ret = vmp_backend_usable(mvdev);
		if (ret)
			return ret;
	}
	/* a bus reset still owed from the last user happens first */
	vmp_reset_open(mvdev);
	mutex_lock(&mvdev->state_lock);
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_core_enable(core);
	if (!ret) {
		vfio_pci_core_finish_enable(core);
		mvdev->enabled = true;
	}
	mutex_unlock(&mvdev->state_lock);
	if (ret)
		vmp_reset_close(mvdev, false);
	return ret;
}

static void vmp_close_device(struct vfio_device *vdev)
{
	struct vmp_device *mvdev = vmp_of(vdev);

	mutex_lock(&mvdev->state_lock);
	vfio_pci_core_close_device(vdev);
	mvdev->enabled = false;
	mutex_unlock(&mvdev->state_lock);
	vmp_reset_close(mvdev, true);
	/*
	 * The core unbinds after this when the fd closed last was bound to
	 * iommufd; unbind here whichever it was, so no binding outlives the
	 * device's last user (its unbind then finds nothing to do).
	 */
	vmp_iommufd_close(vdev);
}

static long vmp_ioctl(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg)
{
	long ret;
	int idx;

	/*
	 * The stock core finds the devices a hot reset affects by comparing
	 * each VFIO device's struct device with the PCI devices on the bus;
	 * an mdev's is the mdev, so it can never prove ownership and would
	 * answer EINVAL.  Say so clearly instead (the uapi's "unsupported
	 * for device"); the parent is reset between users (vmp_reset.c).
	 */
	if (cmd == VFIO_DEVICE_GET_PCI_HOT_RESET_INFO ||
	    cmd == VFIO_DEVICE_PCI_HOT_RESET) {
		dev_info_ratelimited(vdev->dev, "%s: PCI hot reset of an mdev's parent is not supported; it is reset between users instead\n",
				     VMP_DRIVER_NAME);
		return -ENODEV;
	}

	/*
	 * vfio_pci_core's MMIO ioeventfds skip their write while memory
	 * decode is off, which is how revoke stops them; a function without
	 * a memory enable bit (a VF: no_command_memory) always reports memory
	 * enabled, so there they would keep writing to the BAR after a
	 * revoke.  Refuse them there: a VMM falls back to handling the write
	 * itself.
	 */
	if (cmd == VFIO_DEVICE_IOEVENTFD &&
	    vmp_of(vdev)->parent->pdev->no_command_memory) {
		dev_info_ratelimited(vdev->dev, "%s: ioeventfds are not supported on a VF parent (a revoked mdev could not stop them)\n",
				     VMP_DRIVER_NAME);
		return -EOPNOTSUPP;
	}

	idx = srcu_read_lock(vmp_srcu(vdev));
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_core_ioctl(vdev, cmd, arg);
	srcu_read_unlock(vmp_srcu(vdev), idx);
	return ret;
}

static int vmp_device_feature(struct vfio_device *vdev, u32 flags,
			      void __user *arg, size_t argsz)
{
	int ret, idx;

#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
	/*
	 * A dma-buf of a BAR outlives what a revoke can stop: the core
	 * revokes its dma-bufs with functions it does not export.  The core
	 * refuses the feature anyway for a device without pci_ops (ours).
	 */
	if ((flags & VFIO_DEVICE_FEATURE_MASK) == VFIO_DEVICE_FEATURE_DMA_BUF)
		return -EOPNOTSUPP;
#endif

	idx = srcu_read_lock(vmp_srcu(vdev));
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_core_ioctl_feature(vdev, flags, arg, argsz);
	srcu_read_unlock(vmp_srcu(vdev), idx);
	return ret;
}

#ifdef VMP_HAVE_REGION_INFO_CAPS
/* From 7.x the core answers VFIO_DEVICE_GET_REGION_INFO through this op. */
static int vmp_get_region_info_caps(struct vfio_device *vdev,
				    struct vfio_region_info *info,
				    struct vfio_info_cap *caps)
{
	int ret, idx;

	idx = srcu_read_lock(vmp_srcu(vdev));
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_ioctl_get_region_info(vdev, info, caps);
	srcu_read_unlock(vmp_srcu(vdev), idx);
	return ret;
}
#endif

static ssize_t vmp_read(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos)
{
	ssize_t ret;
	int idx;

	idx = srcu_read_lock(vmp_srcu(vdev));
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_core_read(vdev, buf, count, ppos);
	srcu_read_unlock(vmp_srcu(vdev), idx);
	return ret;
}

static ssize_t vmp_write(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	ssize_t ret;
	int idx;

	idx = srcu_read_lock(vmp_srcu(vdev));
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_core_write(vdev, buf, count, ppos);
	srcu_read_unlock(vmp_srcu(vdev), idx);
	return ret;
}

static int vmp_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	int ret, idx;

	idx = srcu_read_lock(vmp_srcu(vdev));
	ret = vmp_revoked(vdev) ? -ENODEV : vfio_pci_core_mmap(vdev, vma);
	if (!ret)
		vmp_wrap_vma(vma);
	srcu_read_unlock(vmp_srcu(vdev), idx);
	return ret;
}

static const struct vfio_device_ops vmp_vfio_ops = {
	.name = VMP_DRIVER_NAME,
	.init = vmp_init_dev,
	.release = vmp_release_dev,
#if IS_ENABLED(CONFIG_IOMMUFD)
	/* vmp_iommufd.c */
	.bind_iommufd = vmp_bind_iommufd,
	.unbind_iommufd = vmp_unbind_iommufd,
	.attach_ioas = vmp_attach_ioas,
	.detach_ioas = vmp_detach_ioas,
#endif
	.open_device = vmp_open_device,
	.close_device = vmp_close_device,
	.ioctl = vmp_ioctl,
	.device_feature = vmp_device_feature,
#ifdef VMP_HAVE_REGION_INFO_CAPS
	.get_region_info_caps = vmp_get_region_info_caps,
#endif
	.read = vmp_read,
	.write = vmp_write,
	.mmap = vmp_mmap,
	.request = vfio_pci_core_request,
	/* .match unset: VFIO_GROUP_GET_DEVICE_FD takes the mdev's UUID */
};

static int vmp_mdev_probe(struct mdev_device *mdev)
{
	struct vmp_parent *parent = dev_get_drvdata(mdev->dev.parent);
	struct vmp_device *mvdev;
	int ret;

	mvdev = vfio_alloc_device(vmp_device, core.vdev, &mdev->dev,
				  &vmp_vfio_ops);
	if (IS_ERR(mvdev))
		return PTR_ERR(mvdev);
	dev_set_drvdata(&mdev->dev, mvdev);
	ret = vmp_backend_get(mvdev);
	if (ret)
		goto out_put;
	ret = vfio_register_emulated_iommu_dev(&mvdev->core.vdev);
	if (ret)
		goto out_clear;
	vmp_parent_set_mdev(parent, mvdev);
	return 0;

out_clear:
	vmp_backend_put(mvdev);
out_put:
	dev_set_drvdata(&mdev->dev, NULL);
	vfio_put_device(&mvdev->core.vdev);
	return ret;
}

/* Waits until user space has closed the device. */
static void vmp_mdev_remove(struct mdev_device *mdev)
{
	struct vmp_device *mvdev = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&mvdev->core.vdev);
	vmp_parent_set_mdev(mvdev->parent, NULL);
	vmp_backend_put(mvdev);
	dev_set_drvdata(&mdev->dev, NULL);
	vfio_put_device(&mvdev->core.vdev);
}

static ssize_t vmp_show_description(struct mdev_type *mtype, char *buf)
{
	struct pci_dev *pdev = to_pci_dev(mtype->parent->dev);

	return sysfs_emit(buf, "the whole PCI device %s, DMA translated by its IOMMU group\n",
			  pci_name(pdev));
}

/* ---- attributes of the mdev device ---- */

static int vmp_count_dev(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

static ssize_t parent_iommu_group_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	struct iommu_group *group = iommu_group_get(dev->parent);
	ssize_t n;

	if (!group)
		return -ENODEV;
	n = sysfs_emit(buf, "%d\n", iommu_group_id(group));
	iommu_group_put(group);
	return n;
}
static DEVICE_ATTR_RO(parent_iommu_group);

static ssize_t parent_iommu_group_singleton_show(struct device *dev,
						 struct device_attribute *attr,
						 char *buf)
{
	struct iommu_group *group = iommu_group_get(dev->parent);
	unsigned int n = 0;

	if (!group)
		return -ENODEV;
	iommu_group_for_each_dev(group, &n, vmp_count_dev);
	iommu_group_put(group);
	return sysfs_emit(buf, "%d\n", n == 1);
}
static DEVICE_ATTR_RO(parent_iommu_group_singleton);

static struct attribute *vmp_mdev_attrs[] = {
	&dev_attr_parent_iommu_group.attr,
	&dev_attr_parent_iommu_group_singleton.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vmp_mdev);

struct mdev_driver vmp_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 1,
	.driver = {
		.name = "vfio_mdev_pci",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = vmp_mdev_groups,
	},
	.probe = vmp_mdev_probe,
	.remove = vmp_mdev_remove,
	.show_description = vmp_show_description,
};
