// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: a VFIO IOMMU backend serving the type1 and type1v2 ABI
 * that attaches the whole physical IOMMU group of IOMMU-backed mdevs and
 * tracks every physical group its domains hold.  See docs/architecture.md.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vim.h"
#include "vim_cap.h"

unsigned int vim_dma_entry_limit __read_mostly = U16_MAX;
module_param_named(dma_entry_limit, vim_dma_entry_limit, uint, 0644);
MODULE_PARM_DESC(dma_entry_limit,
		 "Maximum number of DMA mappings per container (default 65535)");

bool vim_allow_unsafe_interrupts __read_mostly;
module_param_named(allow_unsafe_interrupts, vim_allow_unsafe_interrupts,
		   bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Allow groups whose MSIs are not isolated by interrupt remapping");

static void *vim_open(unsigned long arg)
{
	struct vim_container *c;

	if (arg != VFIO_TYPE1_IOMMU && arg != VFIO_TYPE1v2_IOMMU)
		return ERR_PTR(-EINVAL);
	c = vim_container_alloc(arg == VFIO_TYPE1v2_IOMMU);
	return c ? c : ERR_PTR(-ENOMEM);
}

/*
 * The core detached every group before; drop what the mappings hold.  A
 * container ioctl that raced in (the core gives it no lock) finds the
 * state dead and fails with -ENODEV; the memory goes once no task can
 * reach it (vim_life.c).
 */
static void vim_release(void *iommu_data)
{
	struct vim_container *c = iommu_data;

	mutex_lock(&c->lock);
	WARN_ON(!list_empty(&c->vgroups) || !list_empty(&c->domains));
	c->dead = true;
	vim_dma_remove_all(c);
	mutex_unlock(&c->lock);
	vim_container_retire(c);
}

static long vim_check_extension(struct vim_container *c, unsigned long ext)
{
	long ret;

	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		if (!c)
			return 0;
		mutex_lock(&c->lock);
		ret = !c->dead && vim_cache_coherent(c);
		mutex_unlock(&c->lock);
		return ret;
	case VFIO_UPDATE_VADDR:
		/* as type1: not while an emulated device may pin or rw */
		if (!c)
			return 0;
		mutex_lock(&c->lock);
		ret = !c->dead && !vim_has_classic(c);
		mutex_unlock(&c->lock);
		return ret;
	default:
		return 0;
	}
}

static long vim_ioctl_get_info(struct vim_container *c, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info_cap_iova_range *iova;
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_iommu_type1_info info;
	struct vim_ranges rs = { 0 };
	size_t caps_size = 0;
	void *caps = NULL;
	unsigned int i;
	int last = -1, ret;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	mutex_lock(&c->lock);
	if (c->dead) {
		ret = -ENODEV;
		goto out_unlock;
	}
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = vim_pgsize_bitmap(c);
	ret = vim_ranges_get(c, &rs);
	if (ret)
		goto out_unlock;
	iova = vim_cap_add(&caps, &caps_size,
			   struct_size(iova, iova_ranges, rs.nr),
			   VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, &last);
	if (!iova) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	iova->nr_iovas = rs.nr;
	for (i = 0; i < rs.nr; i++) {
		iova->iova_ranges[i].start = rs.r[i].start;
		iova->iova_ranges[i].end = rs.r[i].end;
	}
	avail = vim_cap_add(&caps, &caps_size, sizeof(*avail),
			    VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, &last);
	if (!avail) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	avail->avail = vim_dma_entry_limit > c->dma_count ?
		       vim_dma_entry_limit - c->dma_count : 0;
	mig = vim_cap_add(&caps, &caps_size, sizeof(*mig),
			  VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1, &last);
	if (!mig) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* dirty tracking (vim_dirty.c): one bit per smallest IOMMU page */
	mig->pgsize_bitmap = 1ULL << __ffs64(info.iova_pgsizes);
	mig->max_dirty_bitmap_size = vim_dirty_size_max();
	mutex_unlock(&c->lock);

	if (info.argsz >= offsetofend(struct vfio_iommu_type1_info,
				      cap_offset)) {
		minsz = offsetofend(struct vfio_iommu_type1_info, cap_offset);
		info.flags |= VFIO_IOMMU_INFO_CAPS;
		info.cap_offset = 0;
		if (info.argsz < sizeof(info) + caps_size) {
			info.argsz = sizeof(info) + caps_size;
		} else {
			info.cap_offset = sizeof(info);
			if (copy_to_user((void __user *)arg + sizeof(info),
					 caps, caps_size))
				ret = -EFAULT;
		}
	}
	if (!ret && copy_to_user((void __user *)arg, &info, minsz))
		ret = -EFAULT;
	goto out;

out_unlock:
	mutex_unlock(&c->lock);
out:
	kfree(caps);
	vim_ranges_free(&rs);
	return ret;
}

/*
 * The core may call this without any lock, with state that release() is
 * tearing down, with NULL (it cleared the pointer after loading the
 * driver) or with another backend's state: vim_container_get() first,
 * before anything that can sleep (vim_life.c).
 */
static long vim_ioctl(void *iommu_data, unsigned int cmd, unsigned long arg)
{
	struct vim_container *c = iommu_data;
	long ret;

	if (!c && cmd == VFIO_CHECK_EXTENSION)
		return vim_check_extension(NULL, arg);
	if (!c || !vim_container_get(c))
		return -EINVAL;
	switch (cmd) {
	case VFIO_CHECK_EXTENSION:
		ret = vim_check_extension(c, arg);
		break;
	case VFIO_IOMMU_GET_INFO:
		ret = vim_ioctl_get_info(c, arg);
		break;
	case VFIO_IOMMU_MAP_DMA:
		ret = vim_ioctl_map(c, arg);
		break;
	case VFIO_IOMMU_UNMAP_DMA:
		ret = vim_ioctl_unmap(c, arg);
		break;
	case VFIO_IOMMU_DIRTY_PAGES:
		ret = vim_ioctl_dirty(c, arg);
		break;
	default:
		ret = -ENOTTY;
	}
	vim_container_put(c);
	return ret;
}

static void vim_register_device(void *iommu_data, struct vfio_device *vdev)
{
	struct vim_container *c = iommu_data;

	if (!vdev->ops->dma_unmap)
		return;
	down_write(&c->dev_lock);
	list_add(&vdev->iommu_entry, &c->devices);
	up_write(&c->dev_lock);
}

static void vim_unregister_device(void *iommu_data, struct vfio_device *vdev)
{
	struct vim_container *c = iommu_data;

	if (!vdev->ops->dma_unmap)
		return;
	down_write(&c->dev_lock);
	list_del(&vdev->iommu_entry);
	up_write(&c->dev_lock);
}

#ifdef VIM_HAS_NOTIFY
static void vim_notify(void *iommu_data, enum vim_notify_type event)
{
	/* nothing waits on user space in this backend */
}
#endif

static const struct vim_iommu_driver_ops vim_ops = {
	.name = "vfio-iommu-mdev",
	.owner = THIS_MODULE,
	.open = vim_open,
	.release = vim_release,
	.ioctl = vim_ioctl,
	.attach_group = vim_attach_group,
	.detach_group = vim_detach_group,
	.pin_pages = vim_pin_pages,
	.unpin_pages = vim_unpin_pages,
	.register_device = vim_register_device,
	.unregister_device = vim_unregister_device,
	.dma_rw = vim_dma_rw,
	.group_iommu_domain = vim_group_iommu_domain,
#ifdef VIM_HAS_NOTIFY
	.notify = vim_notify,
#endif
};

static int __init vim_init(void)
{
	int ret = vim_pin_init();

	if (ret)
		return ret;
	ret = vim_life_init();
	if (ret)
		goto out_pin;
	ret = vfio_register_iommu_driver(&vim_ops);
	if (!ret)
		return 0;
	vim_life_exit();
out_pin:
	vim_pin_exit();
	return ret;
}

/*
 * States released just before may still be retiring, and a task may still
 * hold the core's pointer to our registration (the core frees it when we
 * unregister): wait for every state first (vim_life.c).  No new one comes:
 * the core takes a module reference before it uses a backend, which fails
 * once exit began.
 */
static void __exit vim_exit(void)
{
	vim_life_exit();
	vim_pin_exit();
	vfio_unregister_iommu_driver(&vim_ops);
	vim_records_exit();
	vim_held_exit();
}

module_init(vim_init);
module_exit(vim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO IOMMU backend (type1 ABI) for IOMMU-backed mdevs");
MODULE_SOFTDEP("pre: vfio");
