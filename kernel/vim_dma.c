// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the mapping table of a container.
 *
 * VFIO_IOMMU_MAP_DMA / UNMAP_DMA with type1 and type1v2 semantics, long-term
 * pinning with RLIMIT_MEMLOCK accounting, the usable IOVA ranges, and the
 * pin_pages / unpin_pages / dma_rw services for classic emulated devices.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vim.h"

/* Lowest-addressed mapping that overlaps [start, start + size - 1]. */
struct vim_dma *vim_dma_find(struct vim_container *c, dma_addr_t start,
			     size_t size)
{
	struct rb_node *n = c->dma_tree.rb_node;
	dma_addr_t last = start + size - 1;
	struct vim_dma *found = NULL;

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

static void vim_dma_insert(struct vim_container *c, struct vim_dma *new)
{
	struct rb_node **link = &c->dma_tree.rb_node, *parent = NULL;

	while (*link) {
		struct vim_dma *dma = rb_entry(*link, struct vim_dma, node);

		parent = *link;
		link = new->iova < dma->iova ? &(*link)->rb_left :
					       &(*link)->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, &c->dma_tree);
}

static unsigned long vim_dma_npages(struct vim_dma *dma)
{
	return dma->size >> PAGE_SHIFT;
}

/* Charge (or uncharge) @n pages to the task that made the mapping. */
static int vim_dma_account(struct vim_dma *dma, unsigned long n, bool inc)
{
	int ret;

	if (!n)
		return 0;
	mmap_write_lock(dma->mm);
	ret = __account_locked_vm(dma->mm, n, inc, dma->task, dma->lock_cap);
	mmap_write_unlock(dma->mm);
	return ret;
}

/* Pages of this mapping currently charged to dma->mm->locked_vm. */
static unsigned long vim_dma_charged(struct vim_dma *dma)
{
	return dma->pages ? vim_dma_npages(dma) : dma->nr_vpins;
}

/* Pin [vaddr, vaddr + n pages) of mm long-term; all or nothing. */
static int vim_pin_range(struct mm_struct *mm, unsigned long vaddr,
			 unsigned long n, bool write, struct page **pages)
{
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	unsigned long done = 0;
	long got = 0;

	if (!mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);
	while (done < n) {
		got = vim_pin_remote(mm, vaddr + (done << PAGE_SHIFT),
				     n - done, flags, pages + done);
		if (got <= 0)
			break;
		done += got;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	if (done == n)
		return 0;
	unpin_user_pages(pages, done);
	return got < 0 ? (int)got : -EFAULT;
}

/*
 * Grow *@pages, the page array of a pin in progress, from @have to @want
 * entries, keeping the @have pointers already there; on failure *@pages is
 * unchanged (its pins still to be dropped by the caller).
 */
static int vim_pages_grow(struct page ***pages, unsigned long have,
			  unsigned long want)
{
	struct page **p = kvcalloc(want, sizeof(*p), GFP_KERNEL_ACCOUNT);

	if (!p)
		return -ENOMEM;
	if (have)
		memcpy(p, *pages, have * sizeof(*p));
	kvfree(*pages);
	*pages = p;
	return 0;
}

/*
 * Pin every page of @dma long-term (an IOMMU domain needs them).  The page
 * array grows with the pins (doubling from VIM_PIN_FIRST entries): a range
 * whose pin fails early costs little, whatever its size: the array is at
 * most twice the pages pinned so far (and for a moment, while it grows,
 * the old and the new array together).  Charged first, so RLIMIT_MEMLOCK
 * bounds it as well, except for callers with CAP_IPC_LOCK.
 */
int vim_dma_pin(struct vim_dma *dma)
{
	unsigned long n = vim_dma_npages(dma), done = 0, have = 0, want;
	bool write = dma->prot & IOMMU_WRITE;
	struct page **pages = NULL;
	int ret;

	if (dma->pages)
		return 0;
	if (n > VIM_MAX_MAP_PAGES)
		return -E2BIG;
	/*
	 * Charge before allocating: RLIMIT_MEMLOCK bounds the page array.
	 * Emulated pins already charged stay charged, covered by pages[].
	 */
	ret = vim_dma_account(dma, n - dma->nr_vpins, true);
	if (ret)
		return ret;
	while (done < n) {
		want = min(n, max(VIM_PIN_FIRST, 2 * have));
		ret = vim_pages_grow(&pages, have, want);
		if (ret)
			goto out_unpin;
		have = want;
		ret = vim_pin_range(dma->mm, dma->vaddr + (done << PAGE_SHIFT),
				    have - done, write, pages + done);
		if (ret)
			goto out_unpin;
		done = have;
	}
	dma->pages = pages;
	return 0;

out_unpin:
	if (done)
		unpin_user_pages(pages, done);
	kvfree(pages);
	vim_dma_account(dma, n - dma->nr_vpins, false);
	return ret;
}

/* Drop the long-term pins of @dma (no domain maps it any more). */
static void vim_dma_unpin(struct vim_dma *dma)
{
	if (!dma->pages)
		return;
	unpin_user_pages_dirty_lock(dma->pages, vim_dma_npages(dma),
				    dma->prot & IOMMU_WRITE);
	vim_dma_account(dma, vim_dma_npages(dma) - dma->nr_vpins, false);
	kvfree(dma->pages);
	dma->pages = NULL;
}

/* The container has no IOMMU domain: the pins that only served one go. */
void vim_dma_unpin_all(struct vim_container *c)
{
	struct rb_node *n;

	for (n = rb_first(&c->dma_tree); n; n = rb_next(n))
		vim_dma_unpin(rb_entry(n, struct vim_dma, node));
}

/* Map the pinned pages of @dma into @d, one call per contiguous run. */
int vim_domain_map_dma(struct vim_domain *d, struct vim_dma *dma)
{
	unsigned long n = vim_dma_npages(dma), i = 0, j;
	int ret;

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

static void vim_dma_free(struct vim_container *c, struct vim_dma *dma)
{
	bool dirty = dma->prot & IOMMU_WRITE;
	struct vim_domain *d;
	struct vim_vpin *vp;
	unsigned long idx;

	if (dma->pages) {
		list_for_each_entry(d, &c->domains, next)
			iommu_unmap(d->domain, dma->iova, dma->size);
	}
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

/* Smallest IOMMU page size of the container, as a mask. */
static u64 vim_pgmask(struct vim_container *c)
{
	return ((u64)1 << __ffs64(vim_pgsize_bitmap(c))) - 1;
}

int vim_ioctl_map(struct vim_container *c, unsigned long arg)
{
	u32 mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;
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

	mutex_lock(&c->lock);
	ret = -ENODEV;
	if (c->dead)
		goto out;
	pgmask = vim_pgmask(c);
	ret = -EINVAL;
	if (!prot || !map.size || (map.size | map.iova | map.vaddr) & pgmask)
		goto out;
	/*
	 * Not even the last page of the IOVA space: no IOMMU translates it,
	 * and its end (iova + size) would wrap to 0 in a driver's checks.
	 */
	if (map.size != (size_t)map.size ||
	    map.vaddr != (unsigned long)map.vaddr ||
	    map.iova + map.size <= map.iova ||
	    map.vaddr + map.size - 1 < map.vaddr)
		goto out;
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
	struct vim_dma *dma, *last_notified = NULL;
	u64 iova, size, unmapped = 0, pgmask;
	bool all;
	int ret = -EINVAL, tries = 0;

	if (copy_from_user(&unmap, u,
			   offsetofend(struct vfio_iommu_type1_dma_unmap,
				       size)))
		return -EFAULT;
	if (unmap.argsz < offsetofend(struct vfio_iommu_type1_dma_unmap,
				      size) ||
	    unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;
	all = unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL;
	iova = unmap.iova;
	size = unmap.size;

	mutex_lock(&c->lock);
	if (c->dead) {
		ret = -ENODEV;
		goto out;
	}
	pgmask = vim_pgmask(c);
	if (iova & pgmask)
		goto out;
	if (all) {
		if (iova || size)
			goto out;
		size = U64_MAX;
	} else if (!size || size & pgmask || iova + size - 1 < iova ||
		   size > SIZE_MAX) {
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
			if (c->dead) {
				ret = -ENODEV;
				break;
			}
			continue;
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

/* ---- services for classic emulated devices (no IOMMU attach) ---- */

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
		if (write)
			memcpy(kva + off, data, len);
		else
			memcpy(data, kva + off, len);
		kunmap_local(kva);
		unpin_user_pages_dirty_lock(&page, 1, write);
		iova += len;
		data += len;
		count -= len;
	}
	mutex_unlock(&c->lock);
	return ret;
}

/* ---- usable IOVA ranges ---- */

static int vim_ranges_grow(struct vim_ranges *rs)
{
	unsigned int cap = rs->cap ? rs->cap * 2 : 8;
	void *r = krealloc_array(rs->r, cap, sizeof(*rs->r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	rs->r = r;
	rs->cap = cap;
	return 0;
}

/* Remove [start, end] from every range. */
static int vim_ranges_cut(struct vim_ranges *rs, u64 start, u64 end)
{
	unsigned int i;
	int ret;

	for (i = 0; i < rs->nr; i++) {
		u64 s = rs->r[i].start, e = rs->r[i].end;

		if (end < s || start > e)
			continue;
		if (start > s && end < e) {
			/* split in two */
			if (rs->nr == rs->cap) {
				ret = vim_ranges_grow(rs);
				if (ret)
					return ret;
			}
			memmove(&rs->r[i + 2], &rs->r[i + 1],
				(rs->nr - i - 1) * sizeof(*rs->r));
			rs->r[i].end = start - 1;
			rs->r[i + 1].start = end + 1;
			rs->r[i + 1].end = e;
			rs->nr++;
			i++;
		} else if (start > s) {
			rs->r[i].end = start - 1;
		} else if (end < e) {
			rs->r[i].start = end + 1;
		} else {
			memmove(&rs->r[i], &rs->r[i + 1],
				(rs->nr - i - 1) * sizeof(*rs->r));
			rs->nr--;
			i--;
		}
	}
	return 0;
}

/*
 * The IOVA ranges a mapping may use: the intersection of the domains'
 * apertures minus every reserved region of every attached physical group.
 * Caller holds c->lock.
 */
int vim_ranges_get(struct vim_container *c, struct vim_ranges *rs)
{
	struct iommu_resv_region *region;
	struct vim_pgroup *pg;
	struct vim_domain *d;
	LIST_HEAD(resv);
	int ret;

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

void vim_ranges_free(struct vim_ranges *rs)
{
	kfree(rs->r);
	rs->r = NULL;
	rs->nr = 0;
	rs->cap = 0;
}

bool vim_ranges_contain(struct vim_ranges *rs, u64 start, u64 end)
{
	unsigned int i;

	for (i = 0; i < rs->nr; i++)
		if (start >= rs->r[i].start && end <= rs->r[i].end)
			return true;
	return false;
}
