// SPDX-License-Identifier: GPL-2.0-only
/*
 * vim_classic: a test-only classic mdev parent (no IOMMU behind its mdevs).
 * Its mdevs pin one page with vfio_pin_pages(), move bytes with
 * vfio_dma_rw(), and give the pin back from their dma_unmap callback, so a
 * test can prove the backend's emulated-device contract.
 */
#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vim_classic.h"

struct vc_dev {
	struct vfio_device vdev;
	/*
	 * page, iova, unmap_calls, keep, pinning.  Never held across
	 * vfio_pin_pages()/vfio_unpin_pages(): the backend calls dma_unmap
	 * with its own locks held, which take this one (lockdep found the
	 * cycle with type1 on the debug kernel).
	 */
	struct mutex lock;
	struct page *page;	/* pinned page, or NULL */
	bool pinning;		/* a VC_PIN is between its checks */
	u64 iova;
	u32 unmap_calls;
	bool keep;		/* ignore dma_unmap: a misbehaving driver */
};

static struct device *vc_root;
static struct mdev_parent vc_parent;
static struct mdev_type vc_type = { .sysfs_name = "test" };
static struct mdev_type *vc_types[] = { &vc_type };

static struct vc_dev *vc_of(struct vfio_device *vdev)
{
	return container_of(vdev, struct vc_dev, vdev);
}

/* Under vc->lock: take the pin if @all or it lies in [iova, +length). */
static bool vc_take(struct vc_dev *vc, bool all, u64 iova, u64 length,
		    u64 *pinned)
{
	if (!vc->page || (!all && (vc->keep || vc->iova < iova ||
				   vc->iova - iova >= length)))
		return false;
	*pinned = vc->iova;
	vc->page = NULL;
	return true;
}

/* Give the pin back (or not, if none was taken); no lock held. */
static void vc_unpin(struct vc_dev *vc, bool taken, u64 iova)
{
	if (taken)
		vfio_unpin_pages(&vc->vdev, iova, 1);
}

static long vc_ioctl(struct vfio_device *vdev, unsigned int cmd,
		     unsigned long arg)
{
	struct vc_dev *vc = vc_of(vdev);
	struct vc_stats st;
	struct page *page;
	bool taken = false;
	u64 pinned = 0;
	struct vc_rw rw;
	void *buf, *kva;
	long ret = 0;

	mutex_lock(&vc->lock);
	switch (cmd) {
	case VC_PIN:
		if (vc->page || vc->pinning) {
			ret = -EBUSY;
			break;
		}
		vc->pinning = true;
		mutex_unlock(&vc->lock);
		ret = vfio_pin_pages(vdev, arg, 1, IOMMU_READ | IOMMU_WRITE,
				     &page);
		mutex_lock(&vc->lock);
		vc->pinning = false;
		if (ret == 1) {
			vc->page = page;
			vc->iova = arg;
			ret = 0;
		} else {
			ret = ret < 0 ? ret : -EFAULT;
		}
		break;
	case VC_UNPIN:
		taken = vc_take(vc, true, 0, 0, &pinned);
		break;
	case VC_KEEP:
		vc->keep = arg;
		break;
	case VC_POKE:
		if (!vc->page) {
			ret = -EINVAL;
			break;
		}
		kva = kmap_local_page(vc->page);
		((u8 *)kva)[(arg >> 8) & (PAGE_SIZE - 1)] = arg & 0xff;
		kunmap_local(kva);
		set_page_dirty_lock(vc->page);
		break;
	case VC_RW:
		if (copy_from_user(&rw, (void __user *)arg, sizeof(rw))) {
			ret = -EFAULT;
			break;
		}
		if (!rw.len || rw.len > PAGE_SIZE * 4) {
			ret = -EINVAL;
			break;
		}
		buf = kzalloc(rw.len, GFP_KERNEL);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		if (rw.write && copy_from_user(buf, u64_to_user_ptr(rw.uaddr),
					       rw.len))
			ret = -EFAULT;
		if (!ret)
			ret = vfio_dma_rw(vdev, rw.iova, buf, rw.len, rw.write);
		if (!ret && !rw.write &&
		    copy_to_user(u64_to_user_ptr(rw.uaddr), buf, rw.len))
			ret = -EFAULT;
		kfree(buf);
		break;
	case VC_STATS:
		st.unmap_calls = vc->unmap_calls;
		st.pinned = !!vc->page;
		if (copy_to_user((void __user *)arg, &st, sizeof(st)))
			ret = -EFAULT;
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&vc->lock);
	vc_unpin(vc, taken, pinned);
	return ret;
}

/* The backend is unmapping [iova, iova + length): give our pin back. */
static void vc_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct vc_dev *vc = vc_of(vdev);
	bool taken;
	u64 pinned = 0;

	mutex_lock(&vc->lock);
	vc->unmap_calls++;
	taken = vc_take(vc, false, iova, length, &pinned);
	mutex_unlock(&vc->lock);
	vc_unpin(vc, taken, pinned);
}

static void vc_close(struct vfio_device *vdev)
{
	struct vc_dev *vc = vc_of(vdev);
	bool taken;
	u64 pinned = 0;

	mutex_lock(&vc->lock);
	taken = vc_take(vc, true, 0, 0, &pinned);
	mutex_unlock(&vc->lock);
	vc_unpin(vc, taken, pinned);
}

static int vc_init(struct vfio_device *vdev)
{
	mutex_init(&vc_of(vdev)->lock);
	return 0;
}

static void vc_release(struct vfio_device *vdev)
{
	mutex_destroy(&vc_of(vdev)->lock);
#ifdef VIM_SERIES_6_1
	vfio_free_device(vdev);		/* until 6.2 the release op frees */
#endif
}

static const struct vfio_device_ops vc_ops = {
	.name = "vim-classic",
	.init = vc_init,
	.release = vc_release,
	.close_device = vc_close,
	.ioctl = vc_ioctl,
	.dma_unmap = vc_dma_unmap,
};

static int vc_probe(struct mdev_device *mdev)
{
	struct vc_dev *vc;
	int ret;

	vc = vfio_alloc_device(vc_dev, vdev, &mdev->dev, &vc_ops);
	if (IS_ERR(vc))
		return PTR_ERR(vc);
	ret = vfio_register_emulated_iommu_dev(&vc->vdev);
	if (ret) {
		vfio_put_device(&vc->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, vc);
	return 0;
}

static void vc_remove(struct mdev_device *mdev)
{
	struct vc_dev *vc = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&vc->vdev);
	vfio_put_device(&vc->vdev);
}

static struct mdev_driver vc_driver = {
	.device_api = "vim-classic",
	.max_instances = 2,
	.driver = {
		.name = "vim_classic",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vc_probe,
	.remove = vc_remove,
};

static int __init vc_mod_init(void)
{
	int ret;

	vc_root = root_device_register("vim_classic");
	if (IS_ERR(vc_root))
		return PTR_ERR(vc_root);
	ret = mdev_register_driver(&vc_driver);
	if (ret)
		goto out_root;
	ret = mdev_register_parent(&vc_parent, vc_root, &vc_driver, vc_types,
				   1);
	if (ret)
		goto out_driver;
	return 0;

out_driver:
	mdev_unregister_driver(&vc_driver);
out_root:
	root_device_unregister(vc_root);
	return ret;
}

static void __exit vc_mod_exit(void)
{
	mdev_unregister_parent(&vc_parent);
	mdev_unregister_driver(&vc_driver);
	root_device_unregister(vc_root);
}

module_init(vc_mod_init);
module_exit(vc_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only classic mdev: pin_pages, dma_rw, dma_unmap");
