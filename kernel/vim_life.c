// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_mdev: the lifetime of a container's state.
 *
 * The VFIO core's legacy container path (Linux 6.1 through 7.x) calls the
 * backend's ioctl() with container->iommu_data loaded WITHOUT the
 * container's group_lock, while the last group's detach calls release()
 * under that lock and only then clears container->iommu_data.  So ioctl()
 * can run on state that release() freed, and a task may even load the
 * pointer after release() returned.  The scheme below makes that safe; the
 * argument is written out in docs/locking.md ("Container lifetime").
 *
 *  - vim_container.users: one reference for the core's pointer, one per
 *    running container ioctl (taken first thing in vim_ioctl(), before
 *    anything can sleep, after checking the tag).  The core's reference is
 *    dropped only after an RCU Tasks grace period that STARTS after the
 *    core cleared its pointer: every task that loaded the pointer before
 *    has then either taken its reference or left.  An RCU Tasks grace
 *    period waits for every task that is running or preempted in the
 *    kernel until it sleeps voluntarily or returns to user space; nothing
 *    between the core's load and our reference sleeps voluntarily.
 *  - A start point known to follow the clearing: a task_work on the task
 *    that called release(); it runs when that task returns to user space
 *    (or, for an exiting task, after the file release that called us
 *    returned), after the core dropped its lock.  A kernel thread closer
 *    (delayed fput) or an io_uring worker never returns to user space: a poll on our own workqueue
 *    waits until that thread has switched voluntarily (nvcsw changed),
 *    which it cannot do between our return and the core's clearing.
 *  - The last reference frees after one more RCU Tasks grace period, so
 *    the task that dropped it has left our module text.  Module exit
 *    waits until every state is freed (vim_live), then for the callbacks
 *    (rcu_barrier_tasks) and the poll (destroy_workqueue).  A state holds
 *    no module reference: the VFIO core holds one while a container is
 *    set, and once it dropped it only our own retirement (no user) can
 *    still reach a state, so rmmod right after the last close succeeds
 *    and waits for that retirement instead of failing with EAGAIN.
 *  - Memory is never reused before the grace period: it is not freed.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "vim.h"

#ifndef CONFIG_TASKS_RCU
#error "vfio_iommu_mdev needs CONFIG_TASKS_RCU: its container lifetime relies on it"
#endif

static struct workqueue_struct *vim_retire_wq;
/* States allocated and not yet freed; module exit waits for 0. */
static atomic_t vim_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vim_live_wq);

struct vim_container *vim_container_alloc(bool v2)
{
	struct vim_container *c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);

	if (!c)
		return NULL;
	refcount_set(&c->users, 1);
	mutex_init(&c->lock);
	init_rwsem(&c->dev_lock);
	c->v2 = v2;
	c->dma_tree = RB_ROOT;
	INIT_LIST_HEAD(&c->domains);
	INIT_LIST_HEAD(&c->vgroups);
	INIT_LIST_HEAD(&c->devices);
	/* freed after the last grace period; module exit waits for it */
	atomic_inc(&vim_live);
	WRITE_ONCE(c->tag, VIM_CONTAINER_TAG);
	return c;
}

/*
 * A reference for a container ioctl; false if @c is not ours (another
 * backend's state handed to us by a racing VFIO_SET_IOMMU) or retired.
 * Must be the first thing done with a pointer loaded by the core: no
 * voluntary sleep before it.
 */
bool vim_container_get(struct vim_container *c)
{
	if (READ_ONCE(c->tag) != VIM_CONTAINER_TAG)
		return false;
	return refcount_inc_not_zero(&c->users);
}

static void vim_container_free(struct rcu_head *rcu)
{
	struct vim_container *c = container_of(rcu, struct vim_container, rcu);

	WRITE_ONCE(c->tag, 0);
	mutex_destroy(&c->lock);
	kfree(c);
	if (atomic_dec_and_test(&vim_live))
		wake_up(&vim_live_wq);
}

/* The caller may be in our text until it returns: free a grace later. */
void vim_container_put(struct vim_container *c)
{
	if (refcount_dec_and_test(&c->users))
		call_rcu_tasks(&c->rcu, vim_container_free);
}

static void vim_retire_rcu(struct rcu_head *rcu)
{
	vim_container_put(container_of(rcu, struct vim_container, rcu));
}

static void vim_retire_twork(struct callback_head *twork)
{
	struct vim_container *c = container_of(twork, struct vim_container,
					       twork);

	call_rcu_tasks(&c->rcu, vim_retire_rcu);
}

static void vim_retire_poll(struct work_struct *work)
{
	struct vim_container *c = container_of(to_delayed_work(work),
					       struct vim_container, poll);
	struct task_struct *t = c->closer;

	/*
	 * The closer has passed the core's clearing once it switched
	 * voluntarily, or if it is us: this worker finished the work item
	 * that released the state before it took this one.
	 */
	if (t != current && READ_ONCE(t->nvcsw) == c->closer_nvcsw) {
		queue_delayed_work(vim_retire_wq, &c->poll, 1);
		return;
	}
	put_task_struct(t);
	call_rcu_tasks(&c->rcu, vim_retire_rcu);
}

/*
 * release() was called: drop the core's reference once the core can no
 * longer hand the pointer out.  Nothing may sleep after this call on the
 * way back to the core (see the poll's argument).
 */
void vim_container_retire(struct vim_container *c)
{
	if (!(current->flags & (PF_KTHREAD | PF_IO_WORKER))) {
		init_task_work(&c->twork, vim_retire_twork);
		if (!task_work_add(current, &c->twork, TWA_RESUME))
			return;
	}
	c->closer = get_task_struct(current);
	c->closer_nvcsw = READ_ONCE(current->nvcsw);
	INIT_DELAYED_WORK(&c->poll, vim_retire_poll);
	queue_delayed_work(vim_retire_wq, &c->poll, 1);
}

int vim_life_init(void)
{
	/* no CPU affinity needed; 7.x wants one of WQ_UNBOUND, WQ_PERCPU */
	vim_retire_wq = alloc_workqueue("vfio_iommu_mdev_retire", WQ_UNBOUND, 0);
	return vim_retire_wq ? 0 : -ENOMEM;
}

/*
 * Module exit: the core holds no container of ours any more (it holds a
 * module reference while one is set), but states released just before may
 * still be retiring.  Wait until every state is freed, then until the
 * last free callback has returned (it ran our text after the wake-up).
 */
void vim_life_exit(void)
{
	wait_event(vim_live_wq, !atomic_read(&vim_live));
	destroy_workqueue(vim_retire_wq);
	rcu_barrier_tasks();
}
