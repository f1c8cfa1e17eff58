/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_iommu_mdev: the capability chain of VFIO_IOMMU_GET_INFO
 * (vim_cap.c).  Free of every other object of the module so that it
 * builds on the host too (tests/unit/caps.c).
 */
#ifndef VIM_CAP_H
#define VIM_CAP_H

#include <linux/types.h>

/*
 * Append a zeroed capability of @cap_size bytes, header filled in, to the
 * chain in *@buf (*@size bytes, reallocated).  Chain offsets count from the
 * start of struct vfio_iommu_type1_info, which the chain follows; each
 * capability starts 8-byte aligned.  *@last is the offset in *@buf of the
 * previous capability (-1 for none), linked to the new one.  Returns the
 * new capability, or NULL (out of memory: the chain is unchanged).
 */
void *vim_cap_add(void **buf, size_t *size, size_t cap_size, u16 id,
		  u16 version, int *last);

#endif
