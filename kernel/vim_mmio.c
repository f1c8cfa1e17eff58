// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: peer-to-peer mappings.  A VFIO_IOMMU_MAP_DMA whose user
 * range is a BAR mmap (VM_IO / VM_PFNMAP, as vfio-pci and vfio-mdev-pci
 * map BARs) maps that BAR's physical range into the IOMMU domains, as
 * type1 does, so that one assigned device reaches another's BAR.  Unlike
 * type1, the range must lie within one memory BAR of a PCI device whose
 * IOMMU group this container holds, and it is mapped only as long as the
 * container holds that group: when the group leaves (its last VFIO group
 * detaches, or it is revoked from the mdevs that used it) the range is
 * unmapped from every domain, under the container's lock and before the
 * group can have another owner, and never mapped again; the entry stays
 * until VFIO_IOMMU_UNMAP_DMA.  Nothing is pinned or charged: a BAR is not
 * memory.  docs/architecture.md says what this means for reset and close.
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sched.h>

#include "vim.h"

/* Tries to resolve one page: a fault in between, and once more. */
#define VIM_MMIO_TRIES	3

struct vim_bar_walk {
	phys_addr_t start;
	phys_addr_t end;
	bool found;
};

/* Does a memory BAR of @dev contain [w->start, w->end]? */
static int vim_walk_bar(struct device *dev, void *data)
{
	struct vim_bar_walk *w = data;
	struct pci_dev *pdev;
	int i;

	if (!dev_is_pci(dev))
		return 0;
	pdev = to_pci_dev(dev);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct resource *r = &pdev->resource[i];
		resource_size_t end = r->end;

		if (resource_type(r) != IORESOURCE_MEM ||
		    r->flags & IORESOURCE_UNSET || !resource_size(r))
			continue;
		/*
		 * A BAR smaller than a page is mmapped whole page: vfio-pci
		 * maps it only once it reserved the rest of the page.
		 */
		if (PAGE_ALIGNED(r->start) && resource_size(r) < PAGE_SIZE)
			end = r->start + PAGE_SIZE - 1;
		if (w->start >= r->start && w->end <= end) {
			w->found = true;
			return 1;	/* stop */
		}
	}
	return 0;
}

/*
 * The PFN @vma maps at @addr, writable if @write, faulted in if need be
 * (the mmap_lock may be dropped and taken again: @vma is looked up anew).
 */
static int vim_mmio_pfn(struct mm_struct *mm, unsigned long addr,
			bool write, unsigned long *pfn)
{
	unsigned int flags = FAULT_FLAG_REMOTE | (write ? FAULT_FLAG_WRITE : 0);
	struct vm_area_struct *vma;
	bool writable, unlocked;
	int tries;

	for (tries = 0; tries < VIM_MMIO_TRIES; tries++) {
		vma = vma_lookup(mm, addr);
		if (!vma || !(vma->vm_flags & (VM_IO | VM_PFNMAP)))
			return -EFAULT;
		if (!vim_follow_pfn(vma, addr, pfn, &writable) &&
		    (writable || !write))
			return 0;
		unlocked = false;
		if (fixup_user_fault(mm, addr, flags, &unlocked))
			return -EFAULT;
	}
	return -EFAULT;
}

/*
 * If @mm maps I/O memory (VM_IO / VM_PFNMAP) at [@vaddr, + @n pages): its
 * first PFN in *@first and 0, the PFNs being contiguous; 1 if the first
 * page is not I/O memory (a mapping of memory, pinned instead); -EFAULT
 * for anything else (a mix, a hole, discontiguous PFNs).
 */
static int vim_mmio_pfns(struct mm_struct *mm, unsigned long vaddr,
			 unsigned long n, bool write, unsigned long *first)
{
	struct vm_area_struct *vma;
	unsigned long i, pfn;
	int ret = 0;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, vaddr);
	if (!vma || !(vma->vm_flags & (VM_IO | VM_PFNMAP)))
		ret = 1;
	for (i = 0; i < n && !ret; i++) {
		ret = vim_mmio_pfn(mm, vaddr + (i << PAGE_SHIFT), write, &pfn);
		if (!ret && !i)
			*first = pfn;
		else if (!ret && pfn != *first + i)
			ret = -EFAULT;
		cond_resched();
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * At VFIO_IOMMU_MAP_DMA, before pinning: a mapping of a BAR becomes a
 * P2P mapping of the physical group holding that BAR's device.  0 with
 * dma->mmio set, or 0 for memory (pinned as usual); -EFAULT, said, for I/O
 * memory that is not a BAR of a device of a group this container holds.
 */
int vim_mmio_probe(struct vim_container *c, struct vim_dma *dma)
{
	struct vim_bar_walk w = { 0 };
	struct vim_pgroup *pg;
	struct vim_domain *d;
	unsigned long pfn;
	int ret;

	lockdep_assert_held(&c->lock);
	lockdep_assert_not_held(&vim_global_lock);
	ret = vim_mmio_pfns(dma->mm, dma->vaddr, vim_dma_npages(dma),
			    dma->prot & IOMMU_WRITE, &pfn);
	if (ret)
		return ret > 0 ? 0 : ret;
	w.start = PFN_PHYS(pfn);
	w.end = w.start + dma->size - 1;
	/* d->pgroups change under c->lock (and vim_global_lock) only */
	list_for_each_entry(d, &c->domains, next) {
		list_for_each_entry(pg, &d->pgroups, next) {
			iommu_group_for_each_dev(pg->group, &w, vim_walk_bar);
			if (w.found) {
				dma->mmio = true;
				dma->mmio_pfn = pfn;
				dma->mmio_group = iommu_group_ref_get(pg->group);
				return 0;
			}
		}
	}
	pr_info_ratelimited("vfio_iommu_mdev: MAP_DMA at IOVA %pad refused (EFAULT): its user range is I/O memory but not within one BAR of a device whose IOMMU group is in this container; map only the BARs of the container's own devices\n",
			    &dma->iova);
	return -EFAULT;
}

/*
 * @group leaves the container (detach or revoke): every P2P mapping of a
 * BAR of its devices stops translating now, before the group can have
 * another owner.
 */
void vim_mmio_drop(struct vim_container *c, struct iommu_group *group)
{
	struct vim_domain *d;
	unsigned int count = 0;
	struct rb_node *n;

	lockdep_assert_held(&c->lock);
	for (n = rb_first(&c->dma_tree); n; n = rb_next(n)) {
		struct vim_dma *dma = rb_entry(n, struct vim_dma, node);

		if (!dma->mmio || dma->mmio_group != group)
			continue;
		list_for_each_entry(d, &c->domains, next)
			iommu_unmap(d->domain, dma->iova, dma->size);
		/* not the last reference: the leaving vim_pgroup holds one */
		iommu_group_put(dma->mmio_group);
		dma->mmio_group = NULL;
		count++;
	}
	if (count)
		pr_info_ratelimited("vfio_iommu_mdev: IOMMU group %d left the container: %u mapping(s) of its BARs no longer translate (VFIO_IOMMU_UNMAP_DMA them)\n",
				    iommu_group_id(group), count);
}
