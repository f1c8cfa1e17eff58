// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: groups, domains and the physical groups they hold.
 *
 * A VFIO group attached to a container resolves to a physical IOMMU group:
 * itself for a VFIO_IOMMU (vfio-pci) group, the group of the recorded
 * physical device for an IOMMU-backed mdev, none for a classic mdev.  Every
 * physical group is represented once per container by a vim_pgroup that
 * all VFIO groups resolving to it share (kref): the first attaches it whole
 * to a domain, the last detaches it.  vim_held lists the vim_pgroups of all
 * containers, so a physical group is never held by two containers.
 *
 * No iommu_* call that takes a group's mutex is ever made from inside
 * iommu_group_for_each_dev() on that group: walks only collect a device
 * reference or a flag, and the attach happens after the walk returns.
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "vim.h"

/* Guards vim_held and every record (vim_record.c); docs/locking.md. */
DEFINE_MUTEX(vim_global_lock);
/* struct vim_pgroup.global of every container; vim_global_lock */
static LIST_HEAD(vim_held);

void vim_held_exit(void)
{
	WARN_ON(!list_empty(&vim_held));
}

/* ---- walks: collect only, never attach ---- */

static int vim_walk_first_dev(struct device *dev, void *data)
{
	struct device **out = data;

	*out = get_device(dev);
	return 1;		/* stop */
}

/* A member bound to a driver that does DMA of its own (not VFIO's). */
static int vim_walk_kernel_driver(struct device *dev, void *data)
{
	struct device **out = data;
	struct device_driver *drv = READ_ONCE(dev->driver);

	if (!drv || !dev_is_pci(dev) || to_pci_driver(drv)->driver_managed_dma)
		return 0;
	*out = get_device(dev);
	return 1;		/* stop */
}

/*
 * Say why the DMA ownership of @group could not be claimed (@ret): a
 * member bound to a kernel driver, or another owner (vfio-pci in another
 * VFIO container, iommufd).  Walks only to collect a referenced device; no
 * device lock is taken (our callers hold our locks, which unbinding a
 * parent takes under its device lock).
 */
static void vim_explain_claim(struct device *dev, struct iommu_group *group,
			      int ret)
{
	struct device *kdev = NULL;

	if (ret == -EPERM)
		iommu_group_for_each_dev(group, &kdev, vim_walk_kernel_driver);
	if (kdev) {
		dev_info_ratelimited(dev, "vfio_iommu_mdev: cannot own the DMA of IOMMU group %d: a member (%s) is bound to a kernel driver; unbind it or bind it to vfio-pci or vfio-mdev-pci\n",
				     iommu_group_id(group), dev_name(kdev));
		put_device(kdev);
	} else {
		dev_info_ratelimited(dev, "vfio_iommu_mdev: cannot own the DMA of IOMMU group %d (%d): another user owns it (a vfio-pci member in another VFIO container, or iommufd); close that user first\n",
				     iommu_group_id(group), ret);
	}
}

/* kref release: the last VFIO group using the physical group left. */
static void vim_pgroup_release(struct kref *kref)
{
	struct vim_pgroup *pg = container_of(kref, struct vim_pgroup, kref);

	vim_pgroup_detach(pg->owner, pg);
	if (pg->claimed)
		iommu_group_release_dma_owner(pg->group);
	list_del(&pg->global);
	iommu_group_put(pg->group);
	kfree(pg);
}

static struct vim_pgroup *vim_pgroup_find(struct iommu_group *group)
{
	struct vim_pgroup *pg;

	list_for_each_entry(pg, &vim_held, global)
		if (pg->group == group)
			return pg;
	return NULL;
}

/*
 * Resolve @group (with a device @dev of it) to this container's vim_pgroup:
 * take a reference on an existing one, or create, claim if @claim, attach
 * (a new domain to replay in *@newd, see vim_pgroup_attach()).
 */
static struct vim_pgroup *vim_pgroup_get(struct vim_container *c,
					 struct iommu_group *group,
					 struct device *dev, bool claim,
					 struct vim_domain **newd)
{
	struct vim_pgroup *pg;
	int ret;

	lockdep_assert_held(&c->lock);
	lockdep_assert_held(&vim_global_lock);
	pg = vim_pgroup_find(group);

	if (pg) {
		if (pg->owner != c) {
			dev_info_ratelimited(dev, "vfio_iommu_mdev: IOMMU group %d is in use by another VFIO container\n",
					     iommu_group_id(group));
			return ERR_PTR(-EBUSY);
		}
		if (pg->revoked) {
			dev_info_ratelimited(dev, "vfio_iommu_mdev: IOMMU group %d was revoked from this container; close its mdevs first\n",
					     iommu_group_id(group));
			return ERR_PTR(-EBUSY);
		}
		kref_get(&pg->kref);
		return pg;
	}
	if (!vim_allow_unsafe_interrupts && !vim_group_msi_isolated(group)) {
		dev_warn_ratelimited(dev, "vfio_iommu_mdev: no interrupt remapping for IOMMU group %d; load with allow_unsafe_interrupts=1 to allow it\n",
				     iommu_group_id(group));
		return ERR_PTR(-EPERM);
	}
	pg = kzalloc(sizeof(*pg), GFP_KERNEL);
	if (!pg)
		return ERR_PTR(-ENOMEM);
	kref_init(&pg->kref);
	pg->owner = c;
	pg->group = group;
	iommu_group_ref_get(group);
	if (claim) {
		ret = iommu_group_claim_dma_owner(group, pg);
		if (ret) {
			vim_explain_claim(dev, group, ret);
			goto out_free;
		}
		pg->claimed = true;
	}
	ret = vim_pgroup_attach(c, pg, dev, newd);
	if (ret)
		goto out_release;
	list_add(&pg->global, &vim_held);
	return pg;

out_release:
	if (pg->claimed)
		iommu_group_release_dma_owner(group);
out_free:
	iommu_group_put(group);
	kfree(pg);
	return ERR_PTR(ret);
}

static struct vim_vgroup *vim_vgroup_find(struct vim_container *c,
					  struct iommu_group *group)
{
	struct vim_vgroup *vg;

	list_for_each_entry(vg, &c->vgroups, next)
		if (vg->group == group)
			return vg;
	return NULL;
}

/*
 * Note in @mdev_dev's record how its attach ended (@pg or an ERR_PTR), for
 * the gate; a refusal is logged with its errno (some reasons, as a
 * mapping that cannot be pinned, log nothing of their own).
 */
static void vim_record_attach(struct device *mdev_dev,
			      struct iommu_group *pgroup, struct vim_pgroup *pg)
{
	struct vim_record *rec;

	mutex_lock(&vim_global_lock);
	rec = vim_record_find(mdev_dev);
	if (rec) {
		rec->refused = PTR_ERR_OR_ZERO(pg);
		if (!IS_ERR(pg))
			rec->pg = pg;
	}
	mutex_unlock(&vim_global_lock);
	if (IS_ERR(pg))
		dev_info_ratelimited(mdev_dev, "vfio_iommu_mdev: the parent's IOMMU group %d not attached to this container (%pe)\n",
				     pgroup ? iommu_group_id(pgroup) : -1, pg);
}

int vim_attach_group(void *iommu_data, struct iommu_group *group,
		     enum vim_group_type type)
{
	struct vim_container *c = iommu_data;
	struct device *dev = NULL, *pdev = NULL;
	struct iommu_group *pgroup = NULL;
	struct vim_domain *newd = NULL;
	struct vim_record *rec;
	struct vim_vgroup *vg;
	int ret = 0;

	if (type != VIM_GROUP_IOMMU && type != VIM_GROUP_EMULATED)
		return -EINVAL;
	vg = kzalloc(sizeof(*vg), GFP_KERNEL);
	if (!vg)
		return -ENOMEM;
	vg->group = group;
	vg->type = type;
	/* walk the VFIO group only to find its (first) device */
	iommu_group_for_each_dev(group, &dev, vim_walk_first_dev);
	if (!dev) {
		ret = -ENODEV;
		goto out_free;
	}

	mutex_lock(&c->lock);
	if (vim_vgroup_find(c, group)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* an attach may pin, and no mapping may pin without its vaddr */
	if (c->vaddr_invalid) {
		dev_info_ratelimited(dev, "vfio_iommu_mdev: IOMMU group %d refused (EBUSY): a mapping of this container awaits its new vaddr (VFIO_UPDATE_VADDR); attach after VFIO_DMA_MAP_FLAG_VADDR\n",
				     iommu_group_id(group));
		ret = -EBUSY;
		goto out_unlock;
	}
	if (type == VIM_GROUP_EMULATED) {
		mutex_lock(&vim_global_lock);
		rec = vim_record_find(dev);
		if (rec) {
			pdev = get_device(rec->iommu_dev);
			pgroup = iommu_group_get(pdev);
		}
		mutex_unlock(&vim_global_lock);
		/* no record: a classic mdev, type1's emulated contract */
	}
	mutex_lock(&vim_global_lock);
	if (type == VIM_GROUP_IOMMU) {
		/* the core already claimed this group's DMA ownership */
		vg->pg = vim_pgroup_get(c, group, dev, false, &newd);
	} else if (pdev && !pgroup) {
		vg->pg = ERR_PTR(-ENODEV);
	} else if (pdev) {
		vg->pg = vim_pgroup_get(c, pgroup, pdev, true, &newd);
		vg->mdev_dev = get_device(dev);
	}
	mutex_unlock(&vim_global_lock);
	/*
	 * A new domain gets every mapping now, holding c->lock only: a first
	 * domain pins them, and a page that faults slowly (a FUSE file)
	 * stalls this container only, never vim_global_lock's other users.
	 */
	if (newd) {
		ret = vim_domain_replay(c, newd);
		if (ret) {
			mutex_lock(&vim_global_lock);
			kref_put(&vg->pg->kref, vim_pgroup_release);
			mutex_unlock(&vim_global_lock);
			vg->pg = ERR_PTR(ret);
		} else {
			list_add_tail(&newd->next, &c->domains);
		}
	}
	/*
	 * No domain: what a failed replay pinned serves none.  Not under
	 * vim_global_lock: the unpin's accounting takes mmap_lock.
	 */
	if (IS_ERR(vg->pg) && list_empty(&c->domains))
		vim_dma_unpin_all(c);
	if (pdev)
		vim_record_attach(dev, pgroup, vg->pg);
	if (IS_ERR(vg->pg)) {
		ret = PTR_ERR(vg->pg);
		goto out_unlock;
	}
	list_add_tail(&vg->next, &c->vgroups);
	vg = NULL;
out_unlock:
	mutex_unlock(&c->lock);
	if (pgroup)
		iommu_group_put(pgroup);
	put_device(pdev);
	put_device(dev);
	if (vg && vg->mdev_dev)
		put_device(vg->mdev_dev);
out_free:
	kfree(vg);
	return ret;
}

/*
 * The vfio-pci group that brought @pg into the container leaves while mdevs
 * still use it.  The core releases its DMA ownership right after we return
 * (6.1 and 6.12 have no shared claim to take over), so the mdevs cannot
 * keep their translation: have each parent stop its device, then detach.
 * Under c->lock, not vim_global_lock (asserted): a parent's revoke waits for
 * the device ops in flight, which may wait for user memory, and must not
 * stall every other container meanwhile.  c->lock and the core's container
 * lock (held by our caller) keep c->vgroups and their mdevs in place: an
 * mdev's removal detaches its group through that container lock first.
 */
static void vim_pgroup_revoke(struct vim_container *c, struct vim_pgroup *pg)
{
	const struct vfio_iommu_mdev_ops *ops;
	struct vim_record *rec;
	struct vim_vgroup *vg;

	lockdep_assert_held(&c->lock);
	lockdep_assert_not_held(&vim_global_lock);
	mutex_lock(&vim_global_lock);
	pg->revoked = true;		/* the gate refuses from now on */
	mutex_unlock(&vim_global_lock);
	list_for_each_entry(vg, &c->vgroups, next) {
		if (vg->pg != pg || !vg->mdev_dev)
			continue;
		mutex_lock(&vim_global_lock);
		rec = vim_record_find(vg->mdev_dev);
		ops = rec ? rec->ops : NULL;
		mutex_unlock(&vim_global_lock);
		dev_warn_ratelimited(vg->mdev_dev, "vfio_iommu_mdev: the vfio-pci group %d left its container first; this mdev's DMA is revoked until it is closed\n",
				     iommu_group_id(pg->group));
		/* the parent module stays: its mdev exists */
		if (ops && ops->revoke)
			ops->revoke(vg->mdev_dev);
	}
	mutex_lock(&vim_global_lock);
	vim_pgroup_detach(c, pg);
	mutex_unlock(&vim_global_lock);
}

void vim_detach_group(void *iommu_data, struct iommu_group *group)
{
	struct vim_container *c = iommu_data;
	struct vim_vgroup *vg;

	mutex_lock(&c->lock);
	vg = vim_vgroup_find(c, group);
	if (!vg)
		goto out;
	list_del(&vg->next);
	if (vg->pg) {
		/* this container's krefs change only under c->lock */
		if (vg->type == VIM_GROUP_IOMMU &&
		    kref_read(&vg->pg->kref) > 1)
			vim_pgroup_revoke(c, vg->pg);
		mutex_lock(&vim_global_lock);
		if (vg->mdev_dev) {
			struct vim_record *rec = vim_record_find(vg->mdev_dev);

			if (rec)
				rec->pg = NULL;
			if (rec && vg->pg->revoked && rec->ops &&
			    rec->ops->restore)
				rec->ops->restore(vg->mdev_dev);
		}
		kref_put(&vg->pg->kref, vim_pgroup_release);
		mutex_unlock(&vim_global_lock);
	}
	/* no IOMMU domain left: the pins that only served it go */
	if (list_empty(&c->domains))
		vim_dma_unpin_all(c);
	put_device(vg->mdev_dev);
	kfree(vg);
out:
	mutex_unlock(&c->lock);
}

struct iommu_domain *vim_group_iommu_domain(void *iommu_data,
					    struct iommu_group *group)
{
	struct vim_container *c = iommu_data;
	struct iommu_domain *dom = ERR_PTR(-ENODEV);
	struct vim_vgroup *vg;

	mutex_lock(&c->lock);
	vg = vim_vgroup_find(c, group);
	if (vg && vg->pg && vg->pg->domain)
		dom = vg->pg->domain->domain;
	mutex_unlock(&c->lock);
	return dom;
}
