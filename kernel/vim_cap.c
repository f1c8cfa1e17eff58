// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the capability chain of VFIO_IOMMU_GET_INFO.  Pure
 * buffer arithmetic: no lock, no other object; tests/unit/caps.c builds
 * this file on the host.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vfio.h>

#include "vim_cap.h"

void *vim_cap_add(void **buf, size_t *size, size_t cap_size, u16 id,
		  u16 version, int *last)
{
	size_t off = (*size + 7) & ~(size_t)7;
	struct vfio_info_cap_header *h;
	void *nbuf;

	nbuf = krealloc(*buf, off + cap_size, GFP_KERNEL);
	if (!nbuf)
		return NULL;
	memset(nbuf + *size, 0, off + cap_size - *size);
	*buf = nbuf;
	h = nbuf + off;
	h->id = id;
	h->version = version;
	if (*last >= 0) {
		struct vfio_info_cap_header *prev = nbuf + *last;

		prev->next = sizeof(struct vfio_iommu_type1_info) + off;
	}
	*last = off;
	*size = off + cap_size;
	return h;
}
