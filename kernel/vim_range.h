/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_iommu_mdev: usable IOVA ranges (vim_range.c).  Kept free of every
 * other object of the module so that the arithmetic builds on the host
 * too (tests/unit/ranges.c).
 */
#ifndef VIM_RANGE_H
#define VIM_RANGE_H

#include <linux/types.h>

/* Usable IOVA ranges (inclusive ends), in ascending order. */
struct vim_ranges {
	unsigned int nr;
	unsigned int cap;
	struct { u64 start, end; } *r;
};

int vim_ranges_grow(struct vim_ranges *rs);
/* Remove [start, end] from every range; 0 or -ENOMEM. */
int vim_ranges_cut(struct vim_ranges *rs, u64 start, u64 end);
void vim_ranges_free(struct vim_ranges *rs);
/* Does one range hold all of [start, end]? */
bool vim_ranges_contain(struct vim_ranges *rs, u64 start, u64 end);

#endif
