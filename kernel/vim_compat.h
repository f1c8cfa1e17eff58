/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the kernel series vfio_iommu_mdev supports (Linux
 * 6.1, 6.12, 7.2 and 7.3; 7.x have 6.12's layout); every series test of the
 * backend lives in this file.
 * kernel/Kbuild defines VIM_SERIES_6_1 when building for 6.1.
 *
 * The VFIO core declares struct vfio_iommu_driver_ops and enum
 * vfio_group_type in drivers/vfio/vfio.h, which the kernel headers package
 * does not ship.  The core calls the backend through that table, so this
 * file declares a table with the identical layout (same members, same
 * order, same types) for each series; vim_layout.c proves it at build time
 * where the tree's own header is at hand (kernel/Kbuild, VIM_VFIO_H_DIR).
 */
#ifndef VIM_COMPAT_H
#define VIM_COMPAT_H

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/types.h>

#ifdef VIM_SERIES_6_1
#include <linux/irqdomain.h>
#endif

struct iommu_group;
struct iommu_domain;
struct vfio_device;
struct page;
struct module;

enum vim_group_type {
	VIM_GROUP_IOMMU,		/* VFIO_IOMMU: real IOMMU group */
	VIM_GROUP_EMULATED,		/* VFIO_EMULATED_IOMMU: mdev-style */
	VIM_GROUP_NO_IOMMU,		/* VFIO_NO_IOMMU */
};

#ifdef VIM_SERIES_6_1
/* 6.1 only: the core tells the backend its container is closing */
#define VIM_HAS_NOTIFY 1
enum vim_notify_type {
	VIM_NOTIFY_CONTAINER_CLOSE = 0,
};
#endif

struct vim_iommu_driver_ops {
	char *name;
	struct module *owner;
	void *(*open)(unsigned long arg);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group,
			    enum vim_group_type type);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	int (*pin_pages)(void *iommu_data, struct iommu_group *group,
			 dma_addr_t user_iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *iommu_data, dma_addr_t user_iova, int npage);
	void (*register_device)(void *iommu_data, struct vfio_device *vdev);
	void (*unregister_device)(void *iommu_data, struct vfio_device *vdev);
	int (*dma_rw)(void *iommu_data, dma_addr_t user_iova, void *data,
		      size_t count, bool write);
	struct iommu_domain *(*group_iommu_domain)(void *iommu_data,
						   struct iommu_group *group);
#ifdef VIM_HAS_NOTIFY
	void (*notify)(void *iommu_data, enum vim_notify_type event);
#endif
};

#ifndef VIM_LAYOUT_PROBE	/* vim_layout.c has the core's own */
/* Exported by vfio.ko; takes the core's own (identical) ops type. */
int vfio_register_iommu_driver(const struct vim_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vim_iommu_driver_ops *ops);
#endif

/* Long-term pin of user pages of @mm; no mmap-lock dropping. */
static inline long vim_pin_remote(struct mm_struct *mm, unsigned long start,
				  unsigned long n, unsigned int flags,
				  struct page **pages)
{
#ifdef VIM_SERIES_6_1
	return pin_user_pages_remote(mm, start, n, flags, pages, NULL, NULL);
#else
	return pin_user_pages_remote(mm, start, n, flags, pages, NULL);
#endif
}

/*
 * The PFN that @vma (VM_IO or VM_PFNMAP) maps at @addr and whether it is
 * mapped writable; -errno if nothing is mapped there (yet).  The caller
 * holds the mmap_lock of @vma's mm.
 */
static inline int vim_follow_pfn(struct vm_area_struct *vma,
				 unsigned long addr, unsigned long *pfn,
				 bool *writable)
{
#ifdef VIM_SERIES_6_1
	spinlock_t *ptl;	/* the PTE's lock, held on success */
	pte_t *ptep;
	int ret;

	ret = follow_pte(vma->vm_mm, addr, &ptep, &ptl);
	if (ret)
		return ret;
	__acquire(ptl);		/* for sparse: follow_pte() took it */
	*pfn = pte_pfn(*ptep);
	*writable = pte_write(*ptep);
	pte_unmap_unlock(ptep, ptl);
	return 0;
#else
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int ret;

	ret = follow_pfnmap_start(&args);
	if (ret)
		return ret;
	*pfn = args.pfn;
	*writable = args.writable;
	follow_pfnmap_end(&args);
	return 0;
#endif
}

static inline int vim_iommu_map(struct iommu_domain *d, unsigned long iova,
				phys_addr_t paddr, size_t size, int prot)
{
#ifdef VIM_SERIES_6_1
	return iommu_map(d, iova, paddr, size, prot);
#else
	return iommu_map(d, iova, paddr, size, prot, GFP_KERNEL_ACCOUNT);
#endif
}

/* A paging domain for the IOMMU that translates @dev, or an ERR_PTR. */
static inline struct iommu_domain *vim_domain_alloc(struct device *dev)
{
#ifdef VIM_SERIES_6_1
	struct iommu_domain *d = iommu_domain_alloc(dev->bus);

	return d ? d : ERR_PTR(-EIO);
#else
	return iommu_paging_domain_alloc(dev);
#endif
}

#ifdef VIM_SERIES_6_1
static inline int vim_walk_intr_remap(struct device *dev, void *data)
{
	if (!device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP))
		*(bool *)data = false;
	return 0;
}
#endif

/*
 * The MSIs of every device of @group are isolated (interrupt remapping).
 * Takes the group's mutex: never call it inside a walk of @group.
 */
static inline bool vim_group_msi_isolated(struct iommu_group *group)
{
#ifdef VIM_SERIES_6_1
	bool all = true;

	iommu_group_for_each_dev(group, &all, vim_walk_intr_remap);
	return all || irq_domain_check_msi_remap();
#else
	return iommu_group_has_isolated_msi(group);
#endif
}

/*
 * What type1 answers for a range whose end passes 2^64 or whose u64 field
 * does not fit the kernel's type (MAP_DMA, UNMAP_DMA, a dirty bitmap's
 * range): EINVAL up to 6.12, EOVERFLOW in 7.2 and 7.3 (read in each
 * series' drivers/vfio/vfio_iommu_type1.c; no header tells, so
 * kernel/Kbuild defines VIM_SERIES_7 from the version).  The kernel's own
 * VFIO selftests test it.
 */
#ifdef VIM_SERIES_7
#define VIM_EWRAP	EOVERFLOW
#else
#define VIM_EWRAP	EINVAL
#endif

#endif
