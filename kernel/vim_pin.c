// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: long-term pinning of a mapping's pages and their
 * RLIMIT_MEMLOCK accounting.  Every mapping is pinned while its container
 * has an IOMMU domain (vim_dma.pages); the task that made the mapping is
 * charged whoever pins.  Callers hold the container's lock and never
 * vim_global_lock: pinning may wait on user memory and the accounting
 * takes the mapping owner's mmap_lock (docs/locking.md).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vim.h"

/*
 * Uncharges that a kernel thread leaves to others (vim_account()): each
 * waits for its mm's mmap_lock on a worker of its own.
 */
static struct workqueue_struct *vim_uncharge_wq;

struct vim_uncharge {
	struct work_struct work;
	struct mm_struct *mm;		/* mmgrab() reference */
	struct task_struct *task;	/* get_task_struct() reference */
	bool cap;
	unsigned long n;
};

static void vim_uncharge_fn(struct work_struct *work)
{
	struct vim_uncharge *u = container_of(work, struct vim_uncharge, work);

	mmap_write_lock(u->mm);
	__account_locked_vm(u->mm, u->n, false, u->task, u->cap);
	mmap_write_unlock(u->mm);
	mmdrop(u->mm);
	put_task_struct(u->task);
	kfree(u);
}

/* Charge (or uncharge) @n pages to @mm and @task (CAP_IPC_LOCK: @cap). */
static int vim_account(struct mm_struct *mm, struct task_struct *task,
		       bool cap, unsigned long n, bool inc)
{
	struct vim_uncharge *u;
	int ret;

	/* takes the owner's mmap_lock: never under vim_global_lock */
	lockdep_assert_not_held(&vim_global_lock);
	if (!n)
		return 0;
	/*
	 * A file's last close in a kernel thread (io_uring's exit work, for
	 * one) releases it from the one work item that runs every such
	 * release on the host (delayed_fput): it must
	 * not wait for a user's mmap_lock, which another thread of the user
	 * may hold for as long as it likes (a read of its own FUSE page
	 * through /proc/self/mem).  The uncharge waits elsewhere.
	 */
	if (!inc && current->flags & PF_KTHREAD) {
		u = kzalloc(sizeof(*u), GFP_KERNEL | __GFP_NOFAIL);
		INIT_WORK(&u->work, vim_uncharge_fn);
		u->mm = mm;
		mmgrab(mm);
		u->task = get_task_struct(task);
		u->cap = cap;
		u->n = n;
		queue_work(vim_uncharge_wq, &u->work);
		return 0;
	}
	mmap_write_lock(mm);
	ret = __account_locked_vm(mm, n, inc, task, cap);
	mmap_write_unlock(mm);
	return ret;
}

int vim_pin_init(void)
{
	vim_uncharge_wq = alloc_workqueue("vfio_iommu_mdev_uncharge",
					  WQ_UNBOUND, 0);
	return vim_uncharge_wq ? 0 : -ENOMEM;
}

/* After the last container state: waits for the deferred uncharges. */
void vim_pin_exit(void)
{
	destroy_workqueue(vim_uncharge_wq);
}

/* Charge (or uncharge) @n pages to the task that made the mapping. */
int vim_dma_account(struct vim_dma *dma, unsigned long n, bool inc)
{
	return vim_account(dma->mm, dma->task, dma->lock_cap, n, inc);
}

/*
 * VFIO_DMA_MAP_FLAG_VADDR from another process (a VMM's successor after a
 * live update): what the mapping has charged moves to the caller, which
 * owns the mapping from now on (within its RLIMIT_MEMLOCK, else nothing
 * changes).
 */
int vim_dma_change_owner(struct vim_dma *dma)
{
	struct task_struct *task = current->group_leader;
	unsigned long n = vim_dma_charged(dma);
	struct mm_struct *mm = current->mm;
	bool cap;
	int ret;

	if (mm == dma->mm)
		return 0;
	cap = capable(CAP_IPC_LOCK);
	ret = vim_account(mm, task, cap, n, true);
	if (ret)
		return ret;
	vim_dma_account(dma, n, false);
	put_task_struct(dma->task);
	dma->task = get_task_struct(task);
	mmdrop(dma->mm);
	dma->mm = mm;
	mmgrab(mm);
	dma->lock_cap = cap;
	return 0;
}

/* Pages of this mapping currently charged to dma->mm->locked_vm. */
unsigned long vim_dma_charged(struct vim_dma *dma)
{
	return dma->pages ? vim_dma_npages(dma) : dma->nr_vpins;
}

/* Pin [vaddr, vaddr + n pages) of mm long-term; all or nothing. */
int vim_pin_range(struct mm_struct *mm, unsigned long vaddr,
		  unsigned long n, bool write, struct page **pages)
{
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	unsigned long done = 0;
	long got = 0;

	if (!mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);
	while (done < n) {
		got = vim_pin_remote(mm, vaddr + (done << PAGE_SHIFT),
				     n - done, flags, pages + done);
		if (got <= 0)
			break;
		done += got;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	if (done == n)
		return 0;
	unpin_user_pages(pages, done);
	return got < 0 ? (int)got : -EFAULT;
}

/*
 * Grow *@pages, the page array of a pin in progress, from @have to @want
 * entries, keeping the @have pointers already there; on failure *@pages is
 * unchanged (its pins still to be dropped by the caller).
 */
static int vim_pages_grow(struct page ***pages, unsigned long have,
			  unsigned long want)
{
	struct page **p = kvcalloc(want, sizeof(*p), GFP_KERNEL_ACCOUNT);

	if (!p)
		return -ENOMEM;
	if (have)
		memcpy(p, *pages, have * sizeof(*p));
	kvfree(*pages);
	*pages = p;
	return 0;
}

/*
 * Pin every page of @dma long-term (an IOMMU domain needs them).  The page
 * array grows with the pins (doubling from VIM_PIN_FIRST entries): a range
 * whose pin fails early costs little, whatever its size: the array is at
 * most twice the pages pinned so far (and for a moment, while it grows,
 * the old and the new array together).  Charged first, so RLIMIT_MEMLOCK
 * bounds it as well, except for callers with CAP_IPC_LOCK.
 */
int vim_dma_pin(struct vim_dma *dma)
{
	unsigned long n = vim_dma_npages(dma), done = 0, have = 0, want;
	bool write = dma->prot & IOMMU_WRITE;
	struct page **pages = NULL;
	int ret;

	if (dma->pages || dma->mmio)	/* a BAR is never pinned */
		return 0;
	if (n > VIM_MAX_MAP_PAGES)
		return -E2BIG;
	/*
	 * Charge before allocating: RLIMIT_MEMLOCK bounds the page array.
	 * Emulated pins already charged stay charged, covered by pages[].
	 */
	ret = vim_dma_account(dma, n - dma->nr_vpins, true);
	if (ret)
		return ret;
	while (done < n) {
		want = min(n, max(VIM_PIN_FIRST, 2 * have));
		ret = vim_pages_grow(&pages, have, want);
		if (ret)
			goto out_unpin;
		have = want;
		ret = vim_pin_range(dma->mm, dma->vaddr + (done << PAGE_SHIFT),
				    have - done, write, pages + done);
		if (ret)
			goto out_unpin;
		done = have;
	}
	dma->pages = pages;
	return 0;

out_unpin:
	if (done)
		unpin_user_pages(pages, done);
	kvfree(pages);
	vim_dma_account(dma, n - dma->nr_vpins, false);
	return ret;
}

/* Drop the long-term pins of @dma (no domain maps it any more). */
void vim_dma_unpin(struct vim_dma *dma)
{
	if (!dma->pages)
		return;
	unpin_user_pages_dirty_lock(dma->pages, vim_dma_npages(dma),
				    dma->prot & IOMMU_WRITE);
	vim_dma_account(dma, vim_dma_npages(dma) - dma->nr_vpins, false);
	kvfree(dma->pages);
	dma->pages = NULL;
}

/* The container has no IOMMU domain: the pins that only served one go. */
void vim_dma_unpin_all(struct vim_container *c)
{
	struct rb_node *n;

	lockdep_assert_held(&c->lock);
	for (n = rb_first(&c->dma_tree); n; n = rb_next(n))
		vim_dma_unpin(rb_entry(n, struct vim_dma, node));
}
