// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA, with
 * type1's and type1v2's semantics and errno values: a mapping enters the
 * table (vim_dma.c), is pinned (vim_pin.c) and mapped into every domain
 * (vim_domain.c) while the container has one.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vim.h"

/* Smallest IOMMU page size of the container, as a mask. */
static u64 vim_pgmask(struct vim_container *c)
{
	return ((u64)1 << __ffs64(vim_pgsize_bitmap(c))) - 1;
}

int vim_ioctl_map(struct vim_container *c, unsigned long arg)
{
	u32 mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
		   VFIO_DMA_MAP_FLAG_VADDR;
	struct vfio_iommu_type1_dma_map map;
	bool set_vaddr;
	struct vim_ranges rs = { 0 };
	struct vim_domain *d, *failed;
	struct vim_dma *dma;
	int prot = 0, ret;
	u64 pgmask;

	if (copy_from_user(&map, (void __user *)arg,
			   offsetofend(struct vfio_iommu_type1_dma_map, size)))
		return -EFAULT;
	if (map.argsz < offsetofend(struct vfio_iommu_type1_dma_map, size) ||
	    map.flags & ~mask)
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	/* a new vaddr (vim_vaddr.c) or a new mapping, never both */
	set_vaddr = map.flags & VFIO_DMA_MAP_FLAG_VADDR;
	if (!prot == !set_vaddr)
		return -EINVAL;

	mutex_lock(&c->lock);
	ret = -ENODEV;
	if (c->dead)
		goto out;
	/* as type1: fields that do not fit, then ends that wrap */
	ret = -VIM_EWRAP;
	if (map.size != (size_t)map.size ||
	    map.vaddr != (unsigned long)map.vaddr)
		goto out;
	ret = -EINVAL;
	if (!map.size)
		goto out;
	ret = -VIM_EWRAP;
	if (map.iova + map.size - 1 < map.iova ||
	    map.vaddr + map.size - 1 < map.vaddr)
		goto out;
	pgmask = vim_pgmask(c);
	ret = -EINVAL;
	if ((map.size | map.iova | map.vaddr) & pgmask)
		goto out;
	/*
	 * Not even the last page of the IOVA space: no IOMMU translates it,
	 * and its end (iova + size) would wrap to 0 in a driver's checks.
	 */
	if (map.iova + map.size == 0)
		goto out;
	if (set_vaddr) {
		ret = vim_vaddr_update(c, map.iova, map.size, map.vaddr);
		goto out;
	}
	ret = -E2BIG;
	if ((map.size >> PAGE_SHIFT) > VIM_MAX_MAP_PAGES)
		goto out;
	ret = -EEXIST;
	if (vim_dma_find(c, map.iova, map.size))
		goto out;
	ret = -ENOSPC;
	if (c->dma_count >= vim_dma_entry_limit)
		goto out;
	ret = vim_ranges_get(c, &rs);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!vim_ranges_contain(&rs, map.iova, map.iova + map.size - 1))
		goto out;

	ret = -ENOMEM;
	dma = kzalloc(sizeof(*dma), GFP_KERNEL_ACCOUNT);
	if (!dma)
		goto out;
	dma->iova = map.iova;
	dma->vaddr = map.vaddr;
	dma->size = map.size;
	dma->prot = prot;
	dma->mm = current->mm;
	mmgrab(dma->mm);
	dma->task = get_task_struct(current->group_leader);
	dma->lock_cap = capable(CAP_IPC_LOCK);
	xa_init(&dma->vpins);
	if (c->dirty_tracking) {
		ret = vim_dirty_alloc(dma);
		if (ret)
			goto out_drop;
	}
	/* a BAR of one of the container's devices: P2P, never pinned */
	ret = vim_mmio_probe(c, dma);
	if (ret)
		goto out_drop;

	if (!list_empty(&c->domains)) {
		ret = vim_dma_pin(dma);
		if (ret)
			goto out_drop;
		list_for_each_entry(d, &c->domains, next) {
			ret = vim_domain_map_dma(d, dma);
			if (ret)
				goto out_unmap;
		}
	}
	vim_dma_insert(c, dma);
	c->dma_count++;
	ret = 0;
	goto out;

out_unmap:
	failed = d;
	list_for_each_entry(d, &c->domains, next) {
		if (d == failed)
			break;
		iommu_unmap(d->domain, dma->iova, dma->size);
	}
	vim_dma_unpin(dma);
out_drop:
	if (dma->mmio_group)
		iommu_group_put(dma->mmio_group);
	kvfree(dma->dirty);
	mmdrop(dma->mm);
	put_task_struct(dma->task);
	kfree(dma);
out:
	mutex_unlock(&c->lock);
	vim_ranges_free(&rs);
	return ret;
}

/* Ask every open emulated device to drop its pins in [iova, +size). */
static void vim_notify_unmap(struct vim_container *c, dma_addr_t iova,
			     size_t size)
{
	struct vfio_device *vdev;

	down_read(&c->dev_lock);
	list_for_each_entry(vdev, &c->devices, iommu_entry)
		if (vdev->ops->dma_unmap)
			vdev->ops->dma_unmap(vdev, iova, size);
	up_read(&c->dev_lock);
}

int vim_ioctl_unmap(struct vim_container *c, unsigned long arg)
{
	struct vfio_iommu_type1_dma_unmap unmap;
	struct vfio_iommu_type1_dma_unmap __user *u = (void __user *)arg;
	u32 mask = VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR |
		   VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	struct vfio_bitmap bm = { 0 };
	struct vim_dma *dma, *last_notified = NULL;
	u64 iova, size, unmapped = 0, pgmask;
	bool all, vaddr, dirty;
	int ret, tries = 0;

	if (copy_from_user(&unmap, u,
			   offsetofend(struct vfio_iommu_type1_dma_unmap,
				       size)))
		return -EFAULT;
	if (unmap.argsz < offsetofend(struct vfio_iommu_type1_dma_unmap,
				      size) ||
	    unmap.flags & ~mask)
		return -EINVAL;
	all = unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL;
	vaddr = unmap.flags & VFIO_DMA_UNMAP_FLAG_VADDR;
	/* the dirty bitmap of what is unmapped (vim_dirty.c) */
	dirty = unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (dirty && (all || vaddr))
		return -EINVAL;
	if (dirty) {
		if (unmap.argsz < sizeof(unmap) + sizeof(bm))
			return -EINVAL;
		if (copy_from_user(&bm, u->data, sizeof(bm)))
			return -EFAULT;
	}

	mutex_lock(&c->lock);
again:
	/* all checked again whenever the lock was dropped for a device */
	iova = unmap.iova;
	size = unmap.size;
	ret = -EINVAL;
	if (c->dead) {
		ret = -ENODEV;
		goto out;
	}
	/* as type1, before any other check */
	if (vaddr && vim_has_classic(c)) {
		ret = -EBUSY;
		goto out;
	}
	pgmask = vim_pgmask(c);
	if (iova & pgmask)
		goto out;
	if (all) {
		if (iova || size)
			goto out;
		size = U64_MAX;
	} else if (!size || size & pgmask) {
		goto out;
	} else if (iova + size - 1 < iova || size > SIZE_MAX) {
		ret = -VIM_EWRAP;
		goto out;
	}
	/* type1v2: a range that would split a mapping fails */
	if (c->v2 && !all) {
		dma = vim_dma_find(c, iova, 1);
		if (dma && dma->iova != iova)
			goto out;
		dma = vim_dma_find(c, iova + size - 1, 1);
		if (dma && dma->iova + dma->size != iova + size)
			goto out;
	}
	if (vaddr) {
		ret = vim_vaddr_invalidate(c, iova, size, &unmapped);
		goto out;
	}
	if (dirty) {
		ret = vim_dirty_check_bitmap(c, bm.pgsize, bm.size, bm.data,
					     size);
		if (ret)
			goto out;
	}
	ret = 0;
	while ((dma = vim_dma_find(c, iova, size))) {
		/* type1 (v1): a range starting inside a mapping unmaps 0 */
		if (!c->v2 && dma->iova < iova)
			break;
		if (dma->nr_vpins) {
			dma_addr_t n_iova = dma->iova;
			size_t n_size = dma->size;

			/*
			 * The device unpins from its callback: drop our lock.
			 * Pages a device still holds are never freed under it
			 * (a later unpin would hit a new mapping): after a few
			 * rounds the unmap stops there with -EBUSY.
			 */
			if (dma == last_notified && ++tries > 10) {
				pr_warn_ratelimited("vfio_iommu_mdev: a device keeps pins at %pad past dma_unmap; unmap refused (EBUSY)\n",
						    &n_iova);
				ret = -EBUSY;
				break;
			}
			if (dma != last_notified)
				tries = 0;
			last_notified = dma;
			mutex_unlock(&c->lock);
			/* dma may be freed by another unmap from here on */
			vim_notify_unmap(c, n_iova, n_size);
			mutex_lock(&c->lock);
			/*
			 * Meanwhile another thread may have mapped across the
			 * range's edges or stopped dirty tracking.
			 */
			goto again;
		}
		if (dirty) {
			ret = vim_dirty_report(dma, bm.data, iova);
			if (ret)
				break;
		}
		unmapped += dma->size;
		vim_dma_free(c, dma);
	}
out:
	mutex_unlock(&c->lock);
	if (!ret && put_user(unmapped, &u->size))
		ret = -EFAULT;
	return ret;
}
