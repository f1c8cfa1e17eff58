// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast layer: kernel/vim_cap.c (the capability chain of
 * VFIO_IOMMU_GET_INFO) built on the host and walked as user space walks
 * it: from info.cap_offset, each header's next counted from the start of
 * struct vfio_iommu_type1_info.  PASS/FAIL lines, then the total.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vfio.h>

#define UNIT_NAME "caps"
#include "unit.h"
#include "../../kernel/vim_cap.h"

int unit_alloc_fail_in;
int unit_pass, unit_fail;

int main(void)
{
	struct vfio_iommu_type1_info_cap_iova_range *iova;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_info_cap_header *h;
	size_t size = 0, iova_size;
	void *buf = NULL, *keep;
	unsigned char *user;
	int last = -1, n, ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a capability whose size is not a multiple of 8 comes first */
	iova_size = sizeof(*iova) + 3 * sizeof(iova->iova_ranges[0]) - 4;
	iova = vim_cap_add(&buf, &size, iova_size,
			   VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, &last);
	CHECK("the first capability is at offset 0 with its header filled in",
	      iova && (void *)iova == buf && last == 0 &&
	      iova->header.id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
	      iova->header.version == 1 && iova->header.next == 0 &&
	      size == iova_size);
	iova->nr_iovas = 2;
	avail = vim_cap_add(&buf, &size, sizeof(*avail),
			    VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, &last);
	CHECK("the second starts 8-byte aligned after the first",
	      avail && last == (int)((iova_size + 7) & ~(size_t)7) &&
	      size == (size_t)last + sizeof(*avail));
	iova = buf;
	CHECK("the first's next points at it, counted from the info struct",
	      iova->header.next == sizeof(struct vfio_iommu_type1_info) + last);
	CHECK("the first capability's content survived the reallocation",
	      iova->nr_iovas == 2);
	ok = avail->avail == 0 && avail->header.next == 0;
	for (n = iova_size; n < last; n++)
		ok &= ((unsigned char *)buf)[n] == 0;
	CHECK("new bytes and the padding between capabilities are zero", ok);

	/* walk it as user space does: info, then the chain at cap_offset */
	user = calloc(1, sizeof(struct vfio_iommu_type1_info) + size);
	memcpy(user + sizeof(struct vfio_iommu_type1_info), buf, size);
	n = 0;
	for (h = (void *)(user + sizeof(struct vfio_iommu_type1_info));;
	     h = (void *)(user + h->next)) {
		n++;
		if (!h->next || n > 4)
			break;
	}
	CHECK("user space walks two capabilities and ends at the DMA-avail one",
	      n == 2 && h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	free(user);

	keep = buf;
	unit_alloc_fail_in = 1;
	n = size;
	CHECK("out of memory: NULL, the chain and its last link unchanged",
	      !vim_cap_add(&buf, &size, 16, 7, 1, &last) && buf == keep &&
	      size == (size_t)n && avail->header.next == 0);
	unit_alloc_fail_in = 0;
	free(buf);
	printf("%d passed, %d failed\n", unit_pass, unit_fail);
	return unit_fail != 0;
}
