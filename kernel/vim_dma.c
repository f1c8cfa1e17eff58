// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the mapping table of a container (vim_container.dma_tree,
 * an rbtree by IOVA, under the container's lock): lookup, insertion, and
 * the freeing of a mapping with everything it holds (its IOMMU mappings,
 * pins, accounting, mm and task references).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vim.h"

/* Lowest-addressed mapping that overlaps [start, start + size - 1]. */
struct vim_dma *vim_dma_find(struct vim_container *c, dma_addr_t start,
			     size_t size)
{
	struct rb_node *n = c->dma_tree.rb_node;
	dma_addr_t last = start + size - 1;
	struct vim_dma *found = NULL;

	lockdep_assert_held(&c->lock);
	while (n) {
		struct vim_dma *dma = rb_entry(n, struct vim_dma, node);

		if (last < dma->iova) {
			n = n->rb_left;
		} else if (start > dma->iova + dma->size - 1) {
			n = n->rb_right;
		} else {
			found = dma;
			n = n->rb_left;
		}
	}
	return found;
}

void vim_dma_insert(struct vim_container *c, struct vim_dma *new)
{
	struct rb_node **link = &c->dma_tree.rb_node, *parent = NULL;

	lockdep_assert_held(&c->lock);
	while (*link) {
		struct vim_dma *dma = rb_entry(*link, struct vim_dma, node);

		parent = *link;
		link = new->iova < dma->iova ? &(*link)->rb_left :
					       &(*link)->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, &c->dma_tree);
}

void vim_dma_free(struct vim_container *c, struct vim_dma *dma)
{
	bool dirty = dma->prot & IOMMU_WRITE;
	struct vim_domain *d;
	struct vim_vpin *vp;
	unsigned long idx;

	lockdep_assert_held(&c->lock);
	if (vim_dma_mapped(dma)) {
		list_for_each_entry(d, &c->domains, next)
			iommu_unmap(d->domain, dma->iova, dma->size);
	}
	if (dma->mmio_group)
		iommu_group_put(dma->mmio_group);
	if (dma->vaddr_invalid)
		c->vaddr_invalid--;
	kvfree(dma->dirty);
	xa_for_each(&dma->vpins, idx, vp) {
		/* a device that kept pins past its dma_unmap callback */
		unpin_user_pages_dirty_lock(&vp->page, 1, dirty);
		kfree(vp);
	}
	xa_destroy(&dma->vpins);
	if (dma->pages) {
		unpin_user_pages_dirty_lock(dma->pages, vim_dma_npages(dma),
					    dirty);
		kvfree(dma->pages);
	}
	vim_dma_account(dma, vim_dma_charged(dma), false);
	mmdrop(dma->mm);
	put_task_struct(dma->task);
	rb_erase(&dma->node, &c->dma_tree);
	c->dma_count--;
	kfree(dma);
}

void vim_dma_remove_all(struct vim_container *c)
{
	struct rb_node *n;

	while ((n = rb_first(&c->dma_tree)))
		vim_dma_free(c, rb_entry(n, struct vim_dma, node));
}
