/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vim_classic: test-only classic mdev (no IOMMU behind it) that exercises
 * a VFIO backend's pin_pages / unpin_pages / dma_rw and dma_unmap paths.
 * Shared between the module and the in-guest test.
 */
#ifndef VIM_CLASSIC_H
#define VIM_CLASSIC_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct vc_rw {
	__u64 iova;
	__u64 uaddr;		/* user buffer of len bytes */
	__u32 len;
	__u32 write;		/* 1: user buffer -> iova */
};

struct vc_stats {
	__u32 unmap_calls;	/* dma_unmap callbacks received */
	__u32 pinned;		/* 1 while a page is pinned */
};

#define VC_PIN		_IOW(';', 0x70, __u64)	/* pin the page at iova */
#define VC_UNPIN	_IO(';', 0x71)
#define VC_RW		_IOW(';', 0x72, struct vc_rw)
#define VC_STATS	_IOR(';', 0x73, struct vc_stats)
/* keep (1) or give back (0) the pin when told to unmap: a faulty driver */
#define VC_KEEP		_IOW(';', 0x75, __u64)
/* write one byte through the kernel mapping of the pinned page */
#define VC_POKE		_IOW(';', 0x74, __u64)	/* (offset << 8) | byte */

#endif
