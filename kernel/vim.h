/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_iommu_mdev internals.  Lock order and reference owners are written
 * in docs/locking.md; the short form is:
 *
 *   vim_container.lock  >  vim_global_lock  >  (iommu core group->mutex)
 *   vim_container.dev_lock  >  vim_container.lock (never the reverse)
 */
#ifndef VIM_H
#define VIM_H

#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "vim_compat.h"
#include "vim_range.h"
#include "vfio_iommu_mdev.h"

struct vim_container;

/* One VFIO_IOMMU_MAP_DMA mapping. Owned by vim_container.dma_tree. */
struct vim_dma {
	struct rb_node node;
	dma_addr_t iova;
	unsigned long vaddr;
	size_t size;
	int prot;			/* IOMMU_READ | IOMMU_WRITE */
	struct mm_struct *mm;		/* mmgrab() reference, dropped on free */
	/*
	 * The task (group leader) that made the mapping, and whether it had
	 * CAP_IPC_LOCK then: locked memory is charged against its
	 * RLIMIT_MEMLOCK whoever pins (replay at attach, a kthread), as
	 * type1 does.  get_task_struct() reference, dropped on free.
	 */
	struct task_struct *task;
	bool lock_cap;
	/*
	 * Long-term pins of every page while the container has at least one
	 * IOMMU domain; NULL otherwise.  Accounted in mm->locked_vm.
	 */
	struct page **pages;
	/*
	 * A mapping of a PCI BAR (peer-to-peer DMA, vim_mmio.c) instead of
	 * memory: the PFNs from @mmio_pfn on, contiguous, in a memory BAR of
	 * a device of @mmio_group, a physical group this container holds.
	 * Never pinned nor charged.  @mmio_group is an iommu_group_ref_get()
	 * reference while the IOMMU domains map the range; NULL once that
	 * group left the container: unmapped then, never mapped again.
	 */
	bool mmio;
	unsigned long mmio_pfn;
	struct iommu_group *mmio_group;
	/*
	 * Pins taken by vfio_pin_pages() of classic emulated devices: page
	 * index -> struct vim_vpin.  Accounted unless pages[] already is.
	 */
	struct xarray vpins;
	unsigned long nr_vpins;
	/*
	 * VFIO_DMA_UNMAP_FLAG_VADDR took the user address away (vim_vaddr.c):
	 * pins and IOMMU mappings stay, nothing may pin until a new vaddr.
	 */
	bool vaddr_invalid;
	/*
	 * While the container tracks dirty pages (vim_dirty.c): a bit per
	 * page written since the last report; NULL otherwise.
	 */
	unsigned long *dirty;
};

struct vim_vpin {
	struct page *page;
	unsigned int count;		/* vfio_pin_pages() calls not yet undone */
};

/* An IOMMU domain of a container. Owned by vim_container.domains. */
struct vim_domain {
	struct list_head next;
	struct iommu_domain *domain;
	struct list_head pgroups;	/* struct vim_pgroup.next */
	int prot;			/* IOMMU_CACHE when coherency enforced */
};

/*
 * A physical IOMMU group that a container's domain really holds.  One kref
 * per VFIO group of the container that resolves to it: the vfio-pci
 * (VFIO_IOMMU) group itself and every mdev group whose parent is in it.
 * The first user attaches, the last user detaches.
 */
struct vim_pgroup {
	struct kref kref;
	struct iommu_group *group;	/* iommu_group_get() reference */
	struct vim_container *owner;
	struct vim_domain *domain;	/* NULL once revoked */
	bool claimed;			/* we hold the group's DMA ownership */
	bool revoked;			/* its vfio-pci user left first */
	struct list_head next;		/* in vim_domain.pgroups */
	struct list_head global;	/* in vim_held (all containers) */
};

/* A VFIO group attached to a container. Owned by vim_container.vgroups. */
struct vim_vgroup {
	struct list_head next;
	struct iommu_group *group;	/* the core's group; not referenced */
	enum vim_group_type type;
	struct vim_pgroup *pg;		/* kref held; NULL for classic mdevs */
	struct device *mdev_dev;	/* get_device(); emulated groups only */
};

/*
 * The first word of every vim_container while it may be reached through a
 * VFIO container: a value no kernel pointer can equal (it is not a
 * canonical x86-64 address), so an ioctl handed another backend's state
 * (whose first word is a pointer) or a stale pointer is refused.
 */
#define VIM_CONTAINER_TAG	0x746e6f632d6d6976ULL	/* "vim-cont" */

/*
 * The backend's state for one VFIO container (iommu_data).  Lifetime in
 * vim_life.c and docs/locking.md: the core's pointer and every running
 * container ioctl each hold one of @users; the memory is freed only after
 * an RCU Tasks grace period that began after the core forgot the pointer.
 */
struct vim_container {
	u64 tag;			/* VIM_CONTAINER_TAG; must stay first */
	refcount_t users;
	struct mutex lock;		/* everything below but devices */
	bool dead;			/* released: ioctls fail with -ENODEV */
	bool v2;			/* VFIO_TYPE1v2_IOMMU unmap semantics */
	struct rb_root dma_tree;	/* struct vim_dma by iova */
	unsigned int dma_count;
	unsigned int vaddr_invalid;	/* mappings with vaddr_invalid set */
	bool dirty_tracking;		/* VFIO_IOMMU_DIRTY_PAGES started */
	struct list_head domains;	/* struct vim_domain.next */
	struct list_head vgroups;	/* struct vim_vgroup.next */
	struct rw_semaphore dev_lock;	/* devices */
	struct list_head devices;	/* vfio_device.iommu_entry */
	/* retirement (vim_life.c) */
	struct callback_head twork;
	struct rcu_head rcu;
	struct delayed_work poll;
	struct task_struct *closer;	/* get_task_struct(); poll only */
	unsigned long closer_nvcsw;
};

/*
 * What a parent driver said about one mdev (vim_record.c); on
 * vim_records, under vim_global_lock.
 */
struct vim_record {
	struct list_head next;
	struct device *mdev_dev;		/* not referenced: parent owns */
	struct device *iommu_dev;		/* get_device() reference */
	const struct vfio_iommu_mdev_ops *ops;
	/*
	 * The physical group our container holds for this mdev while the
	 * mdev's VFIO group is attached to a container of ours; NULL when
	 * it is in no container, or in one another backend serves.  Not a
	 * reference: the vim_vgroup holds one and clears this on detach.
	 */
	struct vim_pgroup *pg;
	/*
	 * Why this backend last refused the mdev's VFIO group (a negative
	 * errno, logged then), 0 since it last took it: the gate's log line
	 * then names that refusal, not the load order.
	 */
	int refused;
};

/*
 * Largest mapping, in pages: its page array stays below kvmalloc's limit
 * (INT_MAX bytes).  Larger MAP_DMA requests fail with -E2BIG.
 */
#define VIM_MAX_MAP_PAGES	((unsigned long)INT_MAX / sizeof(struct page *))

/* First size of a pin's page array; vim_dma_pin() doubles it as it pins. */
#define VIM_PIN_FIRST		512UL

extern unsigned int vim_dma_entry_limit;
extern bool vim_allow_unsafe_interrupts;
extern struct mutex vim_global_lock;

/* vim_life.c */
struct vim_container *vim_container_alloc(bool v2);
bool vim_container_get(struct vim_container *c);
void vim_container_put(struct vim_container *c);
void vim_container_retire(struct vim_container *c);
int vim_life_init(void);
void vim_life_exit(void);

static inline unsigned long vim_dma_npages(struct vim_dma *dma)
{
	return dma->size >> PAGE_SHIFT;
}

/* The IOMMU domains of the container map @dma now. */
static inline bool vim_dma_mapped(struct vim_dma *dma)
{
	return dma->pages || dma->mmio_group;
}

/* vim_dma.c: the mapping table; c->lock */
struct vim_dma *vim_dma_find(struct vim_container *c, dma_addr_t start,
			     size_t size);
void vim_dma_insert(struct vim_container *c, struct vim_dma *new);
void vim_dma_free(struct vim_container *c, struct vim_dma *dma);
void vim_dma_remove_all(struct vim_container *c);

/* vim_pin.c: long-term pins and their accounting; c->lock */
int vim_pin_init(void);
void vim_pin_exit(void);
int vim_dma_account(struct vim_dma *dma, unsigned long n, bool inc);
int vim_dma_change_owner(struct vim_dma *dma);
unsigned long vim_dma_charged(struct vim_dma *dma);
int vim_pin_range(struct mm_struct *mm, unsigned long vaddr,
		  unsigned long n, bool write, struct page **pages);
int vim_dma_pin(struct vim_dma *dma);
void vim_dma_unpin(struct vim_dma *dma);
void vim_dma_unpin_all(struct vim_container *c);

/* vim_map.c: MAP_DMA and UNMAP_DMA */
int vim_ioctl_map(struct vim_container *c, unsigned long arg);
int vim_ioctl_unmap(struct vim_container *c, unsigned long arg);

/* vim_mmio.c: mappings of a held device's BAR (P2P); c->lock */
int vim_mmio_probe(struct vim_container *c, struct vim_dma *dma);
void vim_mmio_drop(struct vim_container *c, struct iommu_group *group);

/* vim_vaddr.c: VFIO_UPDATE_VADDR; c->lock */
bool vim_has_classic(struct vim_container *c);
int vim_vaddr_invalidate(struct vim_container *c, u64 iova, u64 size,
			 u64 *done);
int vim_vaddr_update(struct vim_container *c, u64 iova, u64 size, u64 vaddr);

/* vim_dirty.c: dirty page tracking; c->lock */
u64 vim_dirty_size_max(void);
int vim_dirty_alloc(struct vim_dma *dma);
void vim_dirty_mark(struct vim_dma *dma, unsigned long idx, unsigned long n);
int vim_dirty_report(struct vim_dma *dma, u64 __user *ubits, u64 base);
int vim_dirty_check_bitmap(struct vim_container *c, u64 pgsize, u64 bytes,
			   const void __user *data, u64 size);
int vim_ioctl_dirty(struct vim_container *c, unsigned long arg);

/* vim_vpin.c: classic emulated devices */
int vim_pin_pages(void *iommu_data, struct iommu_group *group,
		  dma_addr_t iova, int npage, int prot, struct page **pages);
void vim_unpin_pages(void *iommu_data, dma_addr_t iova, int npage);
int vim_dma_rw(void *iommu_data, dma_addr_t iova, void *data, size_t count,
	       bool write);

/* vim_domain.c: domains */
u64 vim_pgsize_bitmap(struct vim_container *c);
bool vim_cache_coherent(struct vim_container *c);
int vim_pgroup_attach(struct vim_container *c, struct vim_pgroup *pg,
		      struct device *dev, struct vim_domain **newd);
void vim_pgroup_detach(struct vim_container *c, struct vim_pgroup *pg);
int vim_domain_replay(struct vim_container *c, struct vim_domain *d);
int vim_domain_map_dma(struct vim_domain *d, struct vim_dma *dma);
int vim_ranges_get(struct vim_container *c, struct vim_ranges *out);

/* vim_group.c */
int vim_attach_group(void *iommu_data, struct iommu_group *group,
		     enum vim_group_type type);
void vim_detach_group(void *iommu_data, struct iommu_group *group);
struct iommu_domain *vim_group_iommu_domain(void *iommu_data,
					    struct iommu_group *group);
void vim_held_exit(void);

/* vim_record.c */
struct vim_record *vim_record_find(struct device *mdev_dev);
void vim_records_exit(void);

#endif
