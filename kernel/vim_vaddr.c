// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: VFIO_UPDATE_VADDR, as type1 has it (QEMU's live update,
 * CPR: the VMM hands its container to a new process, whose memory is the
 * same but mapped at other addresses).  VFIO_IOMMU_UNMAP_DMA with
 * VFIO_DMA_UNMAP_FLAG_VADDR takes the user address of whole mappings away:
 * their pins and IOMMU mappings stay, so devices go on reaching the same
 * pages; VFIO_IOMMU_MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR gives one mapping
 * its new address (and, from another process, its ownership and its
 * locked-memory charge).  Meanwhile nothing may pin: attaching a group is
 * refused (EBUSY), and, as in type1, the feature is refused while the
 * container holds a classic emulated group, whose device pins and reads
 * through user addresses.  Under the container's lock.
 */
#include <linux/iommu.h>

#include "vim.h"

/* A classic emulated group (no IOMMU behind it) is in the container. */
bool vim_has_classic(struct vim_container *c)
{
	struct vim_vgroup *vg;

	lockdep_assert_held(&c->lock);
	list_for_each_entry(vg, &c->vgroups, next)
		if (vg->type == VIM_GROUP_EMULATED && !vg->pg)
			return true;
	return false;
}

/*
 * Take the user address of every mapping in [@iova, @iova + @size - 1]
 * away (the caller checked the range as for an unmap); *@done gets their
 * size.  All or nothing: one already without its address fails the call
 * with -EINVAL.
 */
int vim_vaddr_invalidate(struct vim_container *c, u64 iova, u64 size,
			 u64 *done)
{
	struct vim_dma *first = vim_dma_find(c, iova, size), *dma = NULL;
	struct rb_node *n;

	lockdep_assert_held(&c->lock);
	*done = 0;
	for (n = first ? &first->node : NULL; n; n = rb_next(n)) {
		dma = rb_entry(n, struct vim_dma, node);
		if (dma->iova > iova + size - 1)
			break;
		/* type1 (v1): a range starting inside a mapping stops there */
		if (!c->v2 && dma->iova < iova)
			break;
		if (dma->vaddr_invalid)
			goto undo;
		dma->vaddr_invalid = true;
		c->vaddr_invalid++;
		*done += dma->size;
	}
	return 0;

undo:
	for (n = &first->node; n != &dma->node; n = rb_next(n)) {
		struct vim_dma *d = rb_entry(n, struct vim_dma, node);

		d->vaddr_invalid = false;
		c->vaddr_invalid--;
	}
	*done = 0;
	return -EINVAL;
}

/*
 * The new user address @vaddr of the mapping at exactly [@iova, + @size),
 * which must be without one: -ENOENT if there is no mapping there,
 * -EINVAL if it is not exactly one such mapping.
 */
int vim_vaddr_update(struct vim_container *c, u64 iova, u64 size, u64 vaddr)
{
	struct vim_dma *dma = vim_dma_find(c, iova, size);
	int ret;

	lockdep_assert_held(&c->lock);
	if (!dma)
		return -ENOENT;
	if (!dma->vaddr_invalid || dma->iova != iova || dma->size != size)
		return -EINVAL;
	ret = vim_dma_change_owner(dma);
	if (ret)
		return ret;
	dma->vaddr = vaddr;
	dma->vaddr_invalid = false;
	c->vaddr_invalid--;
	return 0;
}
