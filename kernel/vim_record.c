// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the records parent drivers keep here, and the gate.
 *
 * A parent driver records, for each mdev, the physical device that
 * translates its DMA (vfio_iommu_mdev_api.set_iommu_device).  Attach
 * (vim_group.c) resolves an mdev's VFIO group through its record, and
 * notes in it which physical group the container took for it, or why it
 * refused; the gate (vfio_iommu_mdev_api.usable) reads that when the mdev
 * is opened.  Parent drivers reach this file through the one exported
 * symbol, vfio_iommu_mdev_api, with symbol_get(): a driver that also
 * serves iommufd loads without this module.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vim.h"

/* struct vim_record.next; vim_global_lock */
static LIST_HEAD(vim_records);

struct vim_record *vim_record_find(struct device *mdev_dev)
{
	struct vim_record *r;

	lockdep_assert_held(&vim_global_lock);
	list_for_each_entry(r, &vim_records, next)
		if (r->mdev_dev == mdev_dev)
			return r;
	return NULL;
}

static int vim_record_set(struct device *mdev_dev, struct device *iommu_dev,
			  const struct vfio_iommu_mdev_ops *ops)
{
	struct vim_record *r;
	int ret = 0;

	if (!mdev_dev || !iommu_dev)
		return -EINVAL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	mutex_lock(&vim_global_lock);
	if (vim_record_find(mdev_dev)) {
		ret = -EEXIST;
		kfree(r);
	} else {
		r->mdev_dev = mdev_dev;
		r->iommu_dev = get_device(iommu_dev);
		r->ops = ops;
		list_add(&r->next, &vim_records);
	}
	mutex_unlock(&vim_global_lock);
	return ret;
}

static void vim_record_clear(struct device *mdev_dev)
{
	struct vim_record *r;

	mutex_lock(&vim_global_lock);
	r = vim_record_find(mdev_dev);
	if (r)
		list_del(&r->next);
	mutex_unlock(&vim_global_lock);
	if (r) {
		put_device(r->iommu_dev);
		kfree(r);
	}
}

enum vim_gate { VIM_OK, VIM_NO_RECORD, VIM_REFUSED, VIM_UNSERVED, VIM_REVOKED };

static const char *const vim_gate_why[] = {
	[VIM_NO_RECORD] = "it has no physical device recorded",
	[VIM_REFUSED] =
	"its VFIO container is not served by vfio_iommu_mdev, which refused the group (its message before this one says why)",
	[VIM_UNSERVED] =
	"its VFIO container is not served by vfio_iommu_mdev; load vfio_iommu_mdev after vfio_iommu_type1",
	[VIM_REVOKED] = "its physical group was revoked from its container; close the mdev",
};

/*
 * May the mdev be opened and used?  Only while its VFIO group is in a
 * container served by this backend that holds the parent's whole physical
 * group attached to its domain.  Anything else (a container another
 * backend serves after ours refused the group, or that another backend
 * took first; a revoked group) is refused: -EPERM, logged.
 */
static int vim_record_usable(struct device *mdev_dev)
{
	enum vim_gate why = VIM_OK;
	struct vim_record *r;
	int gid = -1;

	mutex_lock(&vim_global_lock);
	r = vim_record_find(mdev_dev);
	if (!r) {
		why = VIM_NO_RECORD;
	} else {
		struct iommu_group *g = iommu_group_get(r->iommu_dev);

		if (g) {
			gid = iommu_group_id(g);
			iommu_group_put(g);
		}
		if (!r->pg)
			why = r->refused ? VIM_REFUSED : VIM_UNSERVED;
		else if (r->pg->revoked || !r->pg->domain)
			why = VIM_REVOKED;
	}
	mutex_unlock(&vim_global_lock);
	if (why == VIM_OK)
		return 0;
	dev_warn_ratelimited(mdev_dev, "vfio_iommu_mdev: mdev refused (IOMMU group %d of its parent): %s (docs/architecture.md)\n",
			     gid, vim_gate_why[why]);
	return -EPERM;
}

const struct vfio_iommu_mdev_api vfio_iommu_mdev_api = {
	.set_iommu_device = vim_record_set,
	.clear_iommu_device = vim_record_clear,
	.usable = vim_record_usable,
};
EXPORT_SYMBOL_GPL(vfio_iommu_mdev_api);

void vim_records_exit(void)
{
	/* each record's parent holds a symbol_get() reference on us */
	WARN_ON(!list_empty(&vim_records));
}
