// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the services of classic emulated devices (mdevs with no
 * IOMMU behind them): pin_pages / unpin_pages per page of a mapping, and
 * dma_rw through the mapping owner's memory.  Under the container's lock.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vim.h"

static int vim_pin_one(struct vim_container *c, dma_addr_t iova, int prot,
		       struct page **page)
{
	struct vim_dma *dma = vim_dma_find(c, iova, PAGE_SIZE);
	unsigned long idx;
	struct vim_vpin *vp;
	int ret;

	if (!dma)
		return -EINVAL;
	if ((dma->prot & prot) != prot)
		return -EPERM;
	/* a BAR has no page to hand out; an invalid vaddr none yet */
	if (dma->mmio || dma->vaddr_invalid)
		return -EFAULT;
	idx = (iova - dma->iova) >> PAGE_SHIFT;
	vp = xa_load(&dma->vpins, idx);
	if (vp) {
		vp->count++;
		*page = vp->page;
		return 0;
	}
	vp = kzalloc(sizeof(*vp), GFP_KERNEL_ACCOUNT);
	if (!vp)
		return -ENOMEM;
	if (!dma->pages) {
		ret = vim_dma_account(dma, 1, true);
		if (ret)
			goto out_free;
	}
	ret = vim_pin_range(dma->mm, dma->vaddr + (idx << PAGE_SHIFT), 1,
			    dma->prot & IOMMU_WRITE, &vp->page);
	if (ret)
		goto out_unaccount;
	vp->count = 1;
	ret = xa_err(xa_store(&dma->vpins, idx, vp, GFP_KERNEL_ACCOUNT));
	if (ret) {
		unpin_user_page(vp->page);
		goto out_unaccount;
	}
	dma->nr_vpins++;
	vim_dirty_mark(dma, idx, 1);
	*page = vp->page;
	return 0;

out_unaccount:
	if (!dma->pages)
		vim_dma_account(dma, 1, false);
out_free:
	kfree(vp);
	return ret;
}

static void vim_unpin_one(struct vim_container *c, dma_addr_t iova)
{
	struct vim_dma *dma = vim_dma_find(c, iova, PAGE_SIZE);
	unsigned long idx;
	struct vim_vpin *vp;

	if (!dma)
		return;
	idx = (iova - dma->iova) >> PAGE_SHIFT;
	vp = xa_load(&dma->vpins, idx);
	if (!vp || --vp->count)
		return;
	xa_erase(&dma->vpins, idx);
	unpin_user_pages_dirty_lock(&vp->page, 1, dma->prot & IOMMU_WRITE);
	kfree(vp);
	dma->nr_vpins--;
	if (!dma->pages)
		vim_dma_account(dma, 1, false);
}

int vim_pin_pages(void *iommu_data, struct iommu_group *group,
		  dma_addr_t iova, int npage, int prot, struct page **pages)
{
	struct vim_container *c = iommu_data;
	int i, ret = 0;

	if (!pages || npage <= 0 || !PAGE_ALIGNED(iova))
		return -EINVAL;
	mutex_lock(&c->lock);
	for (i = 0; i < npage; i++) {
		ret = vim_pin_one(c, iova + ((dma_addr_t)i << PAGE_SHIFT),
				  prot, &pages[i]);
		if (ret)
			break;
	}
	if (ret)
		while (i--)
			vim_unpin_one(c, iova + ((dma_addr_t)i << PAGE_SHIFT));
	mutex_unlock(&c->lock);
	return ret ? ret : npage;
}

void vim_unpin_pages(void *iommu_data, dma_addr_t iova, int npage)
{
	struct vim_container *c = iommu_data;
	int i;

	mutex_lock(&c->lock);
	for (i = 0; i < npage; i++)
		vim_unpin_one(c, iova + ((dma_addr_t)i << PAGE_SHIFT));
	mutex_unlock(&c->lock);
}

/* CPU access to user memory by IOVA on behalf of an emulated device. */
int vim_dma_rw(void *iommu_data, dma_addr_t iova, void *data, size_t count,
	       bool write)
{
	struct vim_container *c = iommu_data;
	int need = write ? IOMMU_WRITE : IOMMU_READ;
	struct vim_dma *dma;
	struct page *page;
	size_t off, len;
	void *kva;
	int ret = 0;

	mutex_lock(&c->lock);
	while (count) {
		dma = vim_dma_find(c, iova, 1);
		if (!dma) {
			ret = -EINVAL;
			break;
		}
		if (!(dma->prot & need)) {
			ret = -EPERM;
			break;
		}
		if (dma->vaddr_invalid) {
			ret = -EFAULT;
			break;
		}
		off = offset_in_page(iova);
		len = min_t(size_t, count, PAGE_SIZE - off);
		if (!mmget_not_zero(dma->mm)) {
			ret = -ESRCH;
			break;
		}
		mmap_read_lock(dma->mm);
		ret = vim_pin_remote(dma->mm,
				     dma->vaddr + (iova - dma->iova) - off, 1,
				     write ? FOLL_WRITE : 0, &page);
		mmap_read_unlock(dma->mm);
		mmput(dma->mm);
		if (ret != 1) {
			ret = ret < 0 ? ret : -EFAULT;
			break;
		}
		ret = 0;
		kva = kmap_local_page(page);
		if (write) {
			memcpy(kva + off, data, len);
			vim_dirty_mark(dma, (iova - dma->iova) >> PAGE_SHIFT, 1);
		} else {
			memcpy(data, kva + off, len);
		}
		kunmap_local(kva);
		unpin_user_pages_dirty_lock(&page, 1, write);
		iova += len;
		data += len;
		count -= len;
	}
	mutex_unlock(&c->lock);
	return ret;
}
