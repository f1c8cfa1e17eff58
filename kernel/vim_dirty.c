// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: dirty page tracking for live migration
 * (VFIO_IOMMU_DIRTY_PAGES, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP), with
 * type1's semantics.  Neither the IOMMU nor a device here says what it
 * wrote, so a mapping that an IOMMU domain maps (a vfio-pci device or an
 * mdev may write any of it) is reported dirty whole at every read; one no
 * domain maps reports the pages a classic emulated device pinned or wrote
 * through dma_rw since the last read, and those it still holds pinned.
 * One bit per CPU page, which must be the container's smallest IOMMU page
 * size (as on x86).  Only with the type1v2 ABI.  Under the container's
 * lock.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vim.h"

/* type1's limits: a bitmap of at most INT_MAX bits, in 64-bit words */
#define VIM_DIRTY_PAGES_MAX	((u64)INT_MAX)
#define VIM_DIRTY_BYTES(n)	(ALIGN((u64)(n), 64) / 8)

u64 vim_dirty_size_max(void)
{
	return VIM_DIRTY_BYTES(VIM_DIRTY_PAGES_MAX);
}

/* The pages that classic emulated devices hold pinned count as dirty. */
static void vim_dirty_pinned(struct vim_dma *dma)
{
	struct vim_vpin *vp;
	unsigned long idx;

	xa_for_each(&dma->vpins, idx, vp)
		__set_bit(idx, dma->dirty);
}

/* Start tracking @dma (tracking is on, or it is being turned on). */
int vim_dirty_alloc(struct vim_dma *dma)
{
	dma->dirty = kvcalloc(BITS_TO_LONGS(vim_dma_npages(dma)),
			      sizeof(unsigned long), GFP_KERNEL_ACCOUNT);
	if (!dma->dirty)
		return -ENOMEM;
	vim_dirty_pinned(dma);
	return 0;
}

/* An emulated device pinned or wrote @n pages from page @idx of @dma. */
void vim_dirty_mark(struct vim_dma *dma, unsigned long idx, unsigned long n)
{
	if (dma->dirty)
		bitmap_set(dma->dirty, idx, n);
}

/*
 * Write @dma's bits into the user's bitmap @ubits, which starts at IOVA
 * @base, then start its next interval.  The bits of the word it shares
 * with a lower mapping are kept.
 */
int vim_dirty_report(struct vim_dma *dma, u64 __user *ubits, u64 base)
{
	unsigned long n = vim_dma_npages(dma), i;
	unsigned long off = (dma->iova - base) >> PAGE_SHIFT;
	unsigned long shift = off % 64;
	size_t bytes = VIM_DIRTY_BYTES(n + shift);
	unsigned long *out;
	u64 keep;
	int ret = 0;

	if (!dma->dirty)	/* tracking stopped: the caller checks first */
		return -EINVAL;
	out = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!out)
		return -ENOMEM;
	if (vim_dma_mapped(dma))	/* a device may have written any of it */
		bitmap_set(out, shift, n);
	else
		for_each_set_bit(i, dma->dirty, n)
			__set_bit(shift + i, out);
	if (shift) {
		if (get_user(keep, ubits + off / 64)) {
			ret = -EFAULT;
			goto out;
		}
		out[0] |= keep & GENMASK_ULL(shift - 1, 0);
	}
	if (copy_to_user(ubits + off / 64, out, bytes)) {
		ret = -EFAULT;
		goto out;
	}
	bitmap_zero(dma->dirty, n);
	vim_dirty_pinned(dma);
out:
	kvfree(out);
	return ret;
}

/*
 * A user bitmap of @bytes at @data for @size bytes of IOVA, in pages of
 * @pgsize: checked as type1 checks it.
 */
int vim_dirty_check_bitmap(struct vim_container *c, u64 pgsize, u64 bytes,
			   const void __user *data, u64 size)
{
	lockdep_assert_held(&c->lock);
	if (!c->dirty_tracking || pgsize != PAGE_SIZE ||
	    pgsize != 1ULL << __ffs64(vim_pgsize_bitmap(c)))
		return -EINVAL;
	if (!(size >> PAGE_SHIFT) || !bytes ||
	    bytes > VIM_DIRTY_BYTES(VIM_DIRTY_PAGES_MAX) ||
	    bytes < VIM_DIRTY_BYTES(size >> PAGE_SHIFT))
		return -EINVAL;
	if (!access_ok(data, bytes))
		return -EINVAL;
	return 0;
}

static void vim_dirty_stop(struct vim_container *c)
{
	struct rb_node *n;

	for (n = rb_first(&c->dma_tree); n; n = rb_next(n)) {
		struct vim_dma *dma = rb_entry(n, struct vim_dma, node);

		kvfree(dma->dirty);
		dma->dirty = NULL;
	}
	c->dirty_tracking = false;
}

static int vim_dirty_start(struct vim_container *c)
{
	struct rb_node *n;
	int ret;

	if (c->dirty_tracking)
		return 0;
	/* one bit per CPU page: the smallest IOMMU page must be one */
	if (1ULL << __ffs64(vim_pgsize_bitmap(c)) != PAGE_SIZE)
		return -EINVAL;
	for (n = rb_first(&c->dma_tree); n; n = rb_next(n)) {
		ret = vim_dirty_alloc(rb_entry(n, struct vim_dma, node));
		if (ret) {
			vim_dirty_stop(c);
			return ret;
		}
	}
	c->dirty_tracking = true;
	return 0;
}

/* GET_BITMAP: every mapping in the range, none cut by it. */
static int vim_dirty_get(struct vim_container *c,
			 struct vfio_iommu_type1_dirty_bitmap_get *g)
{
	struct vim_dma *dma;
	struct rb_node *n;
	int ret;

	ret = vim_dirty_check_bitmap(c, g->bitmap.pgsize, g->bitmap.size,
				     g->bitmap.data, g->size);
	if (ret)
		return ret;
	if (g->iova & (PAGE_SIZE - 1) || g->size & (PAGE_SIZE - 1))
		return -EINVAL;
	dma = vim_dma_find(c, g->iova, 1);
	if (dma && dma->iova != g->iova)
		return -EINVAL;
	dma = vim_dma_find(c, g->iova + g->size - 1, 1);
	if (dma && dma->iova + dma->size != g->iova + g->size)
		return -EINVAL;
	dma = vim_dma_find(c, g->iova, g->size);
	for (n = dma ? &dma->node : NULL; n; n = rb_next(n)) {
		dma = rb_entry(n, struct vim_dma, node);
		if (dma->iova > g->iova + g->size - 1)
			break;
		ret = vim_dirty_report(dma, g->bitmap.data, g->iova);
		if (ret)
			return ret;
	}
	return 0;
}

int vim_ioctl_dirty(struct vim_container *c, unsigned long arg)
{
	u32 mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
		   VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP |
		   VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dirty_bitmap, flags);
	struct vfio_iommu_type1_dirty_bitmap_get g;
	struct vfio_iommu_type1_dirty_bitmap d;
	int ret = 0;

	if (!c->v2)
		return -EACCES;
	if (copy_from_user(&d, (void __user *)arg, minsz))
		return -EFAULT;
	/* exactly one operation */
	if (d.argsz < minsz || d.flags & ~mask || hweight32(d.flags) != 1)
		return -EINVAL;
	if (d.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP) {
		if (d.argsz < minsz + sizeof(g))
			return -EINVAL;
		if (copy_from_user(&g, (void __user *)arg + minsz, sizeof(g)))
			return -EFAULT;
		if (!g.size)
			return -EINVAL;
		if (g.iova + g.size - 1 < g.iova)
			return -VIM_EWRAP;
	}
	mutex_lock(&c->lock);
	if (c->dead)
		ret = -ENODEV;
	else if (d.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START)
		ret = vim_dirty_start(c);
	else if (d.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP)
		vim_dirty_stop(c);
	else
		ret = vim_dirty_get(c, &g);
	mutex_unlock(&c->lock);
	return ret;
}
