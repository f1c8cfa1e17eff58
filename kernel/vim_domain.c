// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the IOMMU domains of a container.  A physical group is
 * attached whole to an existing domain when the IOMMU driver accepts it,
 * else to a new one, checked against every mapping (reserved regions, the
 * aperture) before anything is pinned, then replayed (pinned and mapped)
 * with the container's lock only.  Also: mapping one mapping into a
 * domain, the page sizes and cache coherency all domains share, and the
 * IOVA ranges every domain can use.
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "vim.h"

u64 vim_pgsize_bitmap(struct vim_container *c)
{
	u64 bitmap = ~0ULL;
	struct vim_domain *d;

	list_for_each_entry(d, &c->domains, next)
		bitmap &= d->domain->pgsize_bitmap;
	/* never below the CPU page: pinning works in pages */
	bitmap &= PAGE_MASK;
	return bitmap ? bitmap : PAGE_SIZE;
}

bool vim_cache_coherent(struct vim_container *c)
{
	struct vim_domain *d;

	list_for_each_entry(d, &c->domains, next)
		if (!(d->prot & IOMMU_CACHE))
			return false;
	return !list_empty(&c->domains);
}

/* Every existing mapping must stay outside @group's reserved regions. */
static int vim_check_resv(struct vim_container *c, struct iommu_group *group)
{
	struct iommu_resv_region *region;
	LIST_HEAD(resv);
	int ret;

	ret = iommu_get_group_resv_regions(group, &resv);
	if (ret)
		return ret;
	list_for_each_entry(region, &resv, list) {
		if (vim_dma_find(c, region->start, region->length)) {
			ret = -EINVAL;
			break;
		}
	}
	iommu_put_resv_regions(NULL, &resv);
	return ret;
}

/*
 * Every mapping of @c must lie in @d's aperture: an IOMMU driver may trust
 * its callers on that (6.1's Intel driver BUGs on a range past its width).
 * Checked after the attach, which sets the aperture to what the IOMMU
 * really translates, and before anything is pinned or mapped.
 */
static int vim_check_aperture(struct vim_container *c, struct vim_domain *d,
			      struct iommu_group *group)
{
	struct iommu_domain_geometry *g = &d->domain->geometry;
	struct rb_node *n;

	if (!g->force_aperture)
		return 0;
	for (n = rb_first(&c->dma_tree); n; n = rb_next(n)) {
		struct vim_dma *dma = rb_entry(n, struct vim_dma, node);

		if (dma->iova >= g->aperture_start &&
		    dma->iova + dma->size - 1 <= g->aperture_end)
			continue;
		pr_info_ratelimited("vfio_iommu_mdev: IOMMU group %d refused: the container maps IOVA %pad (+%zx) outside what its IOMMU translates (%pad-%pad); unmap it first\n",
				    iommu_group_id(group), &dma->iova,
				    dma->size, &g->aperture_start,
				    &g->aperture_end);
		return -EINVAL;
	}
	return 0;
}

/*
 * Pin (a first domain) and map every existing mapping into the new domain
 * @d.  Holding c->lock only: pinning may wait on user memory.  On failure
 * what was mapped is unmapped; the caller unpins.
 */
int vim_domain_replay(struct vim_container *c, struct vim_domain *d)
{
	struct rb_node *n, *m;
	int ret = 0;

	lockdep_assert_held(&c->lock);
	lockdep_assert_not_held(&vim_global_lock);
	for (n = rb_first(&c->dma_tree); n; n = rb_next(n)) {
		struct vim_dma *dma = rb_entry(n, struct vim_dma, node);

		ret = vim_dma_pin(dma);
		if (!ret)
			ret = vim_domain_map_dma(d, dma);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	for (m = rb_first(&c->dma_tree); m != n; m = rb_next(m)) {
		struct vim_dma *dma = rb_entry(m, struct vim_dma, node);

		if (vim_dma_mapped(dma))
			iommu_unmap(d->domain, dma->iova, dma->size);
	}
	return ret;
}

/*
 * Attach @pg->group whole to a domain of @c: an existing one if the IOMMU
 * driver accepts it, else a new one, returned in *@newd: attached and
 * checked against every mapping, but neither replayed nor listed in
 * c->domains yet (the caller replays it without vim_global_lock).
 * @dev is a device of the group (for the bus / IOMMU instance).
 */
int vim_pgroup_attach(struct vim_container *c, struct vim_pgroup *pg,
		      struct device *dev, struct vim_domain **newd)
{
	struct iommu_domain *dom;
	struct vim_domain *d;
	int ret;

	lockdep_assert_held(&vim_global_lock);
	ret = vim_check_resv(c, pg->group);
	if (ret)
		return ret;
	list_for_each_entry(d, &c->domains, next) {
		if (!iommu_attach_group(d->domain, pg->group))
			goto attached;
	}

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	INIT_LIST_HEAD(&d->next);
	INIT_LIST_HEAD(&d->pgroups);
	dom = vim_domain_alloc(dev);
	if (IS_ERR(dom)) {
		ret = PTR_ERR(dom);
		goto out_free;
	}
	d->domain = dom;
	ret = iommu_attach_group(dom, pg->group);
	if (ret)
		goto out_domain;
	ret = vim_check_aperture(c, d, pg->group);
	if (ret)
		goto out_detach;
	/*
	 * Only once a device is attached: on an empty domain the IOMMU
	 * driver would promise snooping and then refuse every device whose
	 * IOMMU cannot snoop (-EOPNOTSUPP).
	 */
	if (dom->ops->enforce_cache_coherency &&
	    dom->ops->enforce_cache_coherency(dom))
		d->prot = IOMMU_CACHE;
	*newd = d;
attached:
	pg->domain = d;
	list_add_tail(&pg->next, &d->pgroups);
	return 0;

out_detach:
	iommu_detach_group(dom, pg->group);
out_domain:
	iommu_domain_free(dom);
out_free:
	kfree(d);
	return ret;
}

/* Detach from the domain; free the domain when it holds no more groups. */
void vim_pgroup_detach(struct vim_container *c, struct vim_pgroup *pg)
{
	struct vim_domain *d = pg->domain;

	lockdep_assert_held(&vim_global_lock);
	if (!d)
		return;
	/* no BAR of the group's devices stays reachable through c */
	vim_mmio_drop(c, pg->group);
	iommu_detach_group(d->domain, pg->group);
	list_del(&pg->next);
	pg->domain = NULL;
	if (list_empty(&d->pgroups)) {
		list_del(&d->next);
		iommu_domain_free(d->domain);
		kfree(d);
	}
}

/*
 * Map the pinned pages of @dma into @d, one call per contiguous run; a
 * BAR's range (vim_mmio.c) in one call while its group is held.
 */
int vim_domain_map_dma(struct vim_domain *d, struct vim_dma *dma)
{
	unsigned long n = vim_dma_npages(dma), i = 0, j;
	int ret;

	if (dma->mmio)
		return dma->mmio_group ?
		       vim_iommu_map(d->domain, dma->iova,
				     PFN_PHYS(dma->mmio_pfn), dma->size,
				     dma->prot | d->prot) : 0;
	while (i < n) {
		for (j = i + 1; j < n; j++)
			if (page_to_pfn(dma->pages[j]) !=
			    page_to_pfn(dma->pages[j - 1]) + 1)
				break;
		ret = vim_iommu_map(d->domain, dma->iova + (i << PAGE_SHIFT),
				    page_to_phys(dma->pages[i]),
				    (j - i) << PAGE_SHIFT, dma->prot | d->prot);
		if (ret) {
			if (i)
				iommu_unmap(d->domain, dma->iova,
					    i << PAGE_SHIFT);
			return ret;
		}
		i = j;
	}
	return 0;
}

/*
 * The IOVA ranges a mapping may use: the intersection of the domains'
 * apertures minus every reserved region of every attached physical group.
 */
int vim_ranges_get(struct vim_container *c, struct vim_ranges *rs)
{
	struct iommu_resv_region *region;
	struct vim_pgroup *pg;
	struct vim_domain *d;
	LIST_HEAD(resv);
	int ret;

	lockdep_assert_held(&c->lock);
	rs->nr = 0;
	ret = vim_ranges_grow(rs);
	if (ret)
		return ret;
	rs->r[0].start = 0;
	rs->r[0].end = U64_MAX;
	rs->nr = 1;
	list_for_each_entry(d, &c->domains, next) {
		struct iommu_domain_geometry *g = &d->domain->geometry;

		if (g->force_aperture && g->aperture_start)
			ret = vim_ranges_cut(rs, 0, g->aperture_start - 1);
		if (!ret && g->force_aperture && g->aperture_end != U64_MAX)
			ret = vim_ranges_cut(rs, g->aperture_end + 1, U64_MAX);
		/* reserved regions count whether or not the aperture is forced */
		list_for_each_entry(pg, &d->pgroups, next) {
			if (ret)
				break;
			ret = iommu_get_group_resv_regions(pg->group, &resv);
		}
		if (ret)
			goto out;
	}
	list_for_each_entry(region, &resv, list) {
		ret = vim_ranges_cut(rs, region->start,
				     region->start + region->length - 1);
		if (ret)
			break;
	}
out:
	iommu_put_resv_regions(NULL, &resv);
	return ret;
}
