// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: IOVA range arithmetic.  A set of usable ranges
 * (inclusive ends) starts as everything and has apertures and reserved
 * regions cut out of it (vim_domain.c); MAP_DMA asks whether a mapping
 * lies inside one range.  Pure arithmetic on a growing array: no lock, no
 * other object; tests/unit/ranges.c builds this file on the host.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vim_range.h"

/* ---- usable IOVA ranges ---- */

int vim_ranges_grow(struct vim_ranges *rs)
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
int vim_ranges_cut(struct vim_ranges *rs, u64 start, u64 end)
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
