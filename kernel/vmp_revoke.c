// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: revoking an open mdev.
 *
 * vfio_iommu_mdev revokes an mdev when its physical group stops translating
 * the mdev's DMA while the mdev is open (the vfio-pci group that brought the
 * group into the container left first; the core then releases the group's
 * DMA ownership).  From then on the device must not be reachable by its
 * user in any way, until the mdev's VFIO group leaves the container (close)
 * and a later open attaches the group again.  The argument is written out
 * in docs/locking.md ("Revoking an mdev"):
 *
 *  1. every device op (ioctl, read, write, mmap, feature) runs inside an
 *     SRCU read section that first checks @revoked; revoke sets the flag
 *     and waits for the sections in flight (synchronize_srcu), so no op
 *     that started before can still touch the device afterwards;
 *  2. under vfio_pci_core's memory_lock (write), which its BAR accesses,
 *     mmap faults and ioeventfds take for read: the virtual command
 *     register loses memory, I/O and bus-master enables, so the core's own
 *     checks refuse BAR access, mmap faults (SIGBUS) and MMIO ioeventfd
 *     writes; the physical device loses them too (no DMA, no decode, INTx
 *     disabled);
 *  3. INTx: virq_disabled (under the core's irqlock) stops both the
 *     signalling and the unmask irqfd from unmasking the line;
 *  4. after 2, every user mapping of the BARs is zapped (6.1: every vma
 *     we track, moved and forked ones included; 6.12: the device file's
 *     mapping): a fault from then on finds memory disabled and raises
 *     SIGBUS (our wrapper of the core's fault handler checks @revoked
 *     too, for VFs, whose memory enable the core always reports on).
 */
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vmp.h"

/*
 * BAR mappings: vfio_pci_core's fault handler refuses only while memory
 * decode is off in the virtual command register, which a VF (memory
 * enable lives in its PF) never reports.  So mappings of ours get vm_ops
 * that pass every call to the core's (one static table, recorded at the
 * first mmap) and refuse faults on a revoked mdev with SIGBUS.
 */
static const struct vm_operations_struct *vmp_core_vm_ops;
static DEFINE_MUTEX(vmp_vm_ops_lock);	/* sets vmp_core_vm_ops once */

static struct vmp_device *vmp_of_vma(struct vm_area_struct *vma)
{
	return container_of((struct vfio_pci_core_device *)vma->vm_private_data,
			    struct vmp_device, core);
}

#ifdef VIM_SERIES_6_1
/*
 * Linux 6.1: vfio_pci_core zaps only the vmas it lists after a fault, so a
 * mapping moved by mremap() or inherited by fork() (whose page table
 * entries are moved or copied after ->open) would keep reaching the BAR.
 * So every vma of ours is tracked here, from mmap (or ->open of a copy or
 * a split) to ->close, and revoke zaps them all.  Lock order: the vma's
 * mmap_lock (->open and ->close run under it) > vmas_lock.  An entry's vma
 * stays valid while it is listed: ->close unlists it before it is freed.
 */
struct vmp_vma {
	struct list_head next;		/* in vmp_device.vmas */
	struct vm_area_struct *vma;
	/* no entry can reach the BAR since the revoke in progress began */
	bool zapped;
};

void vmp_revoke_init(struct vmp_device *mvdev)
{
	mutex_init(&mvdev->vmas_lock);
	INIT_LIST_HEAD(&mvdev->vmas);
}

void vmp_revoke_destroy(struct vmp_device *mvdev)
{
	WARN_ON(!list_empty(&mvdev->vmas));
	mutex_destroy(&mvdev->vmas_lock);
}

/*
 * A new vma: mmap, a split half, or a copy for mremap (entries moved in
 * after ->open; ->mremap zaps them) or fork (entries copied after ->open
 * from the parent, current->mm, whose mmap_lock is held for write).  Once
 * a revoke began, no entry is added unzapped, so its zap loop is bounded
 * by the entries it started with: a fork first zaps the parent's vmas not
 * yet zapped, so the copy is empty; a split half is zapped by the core's
 * ->open right after this (or is empty: a 6.1 BAR vma is populated whole
 * or not at all); an mremap copy is zapped by ->mremap before its mm's
 * mmap_lock, held for write meanwhile, lets the zap loop in; and no mmap
 * comes after the revoke's synchronize_srcu().  Chains of tasks forking
 * and splitting cannot keep the loop going.
 */
static void vmp_vma_track(struct vm_area_struct *vma)
{
	struct vmp_device *mvdev = vmp_of_vma(vma);
	/* ->open cannot fail; the entry is small */
	struct vmp_vma *w, *v = kzalloc(sizeof(*v),
					GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);

	v->vma = vma;
	mutex_lock(&mvdev->vmas_lock);
	if (READ_ONCE(mvdev->revoked)) {
		list_for_each_entry(w, &mvdev->vmas, next) {
			if (vma->vm_mm == current->mm ||
			    w->vma->vm_mm != current->mm || w->zapped)
				continue;
			zap_vma_ptes(w->vma, w->vma->vm_start,
				     w->vma->vm_end - w->vma->vm_start);
			w->zapped = true;
		}
		v->zapped = true;
	}
	list_add_tail(&v->next, &mvdev->vmas);
	mutex_unlock(&mvdev->vmas_lock);
}

/*
 * After mremap() moved the page-table entries into @vma (its mmap_lock
 * held for write): zap them.  The mapping faults in again through the
 * core, which then lists it, so the core's own zaps (memory disable,
 * reset) reach a moved mapping too, and a task moving a mapping in a loop
 * cannot keep the revoke's zap loop going.
 */
static void vmp_vma_moved(struct vm_area_struct *vma)
{
	struct vmp_device *mvdev = vmp_of_vma(vma);
	struct vmp_vma *v;

	zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);
	mutex_lock(&mvdev->vmas_lock);
	list_for_each_entry(v, &mvdev->vmas, next)
		if (v->vma == vma)
			v->zapped = true;
	mutex_unlock(&mvdev->vmas_lock);
}

static void vmp_vma_untrack(struct vm_area_struct *vma)
{
	struct vmp_device *mvdev = vmp_of_vma(vma);
	struct vmp_vma *v;

	mutex_lock(&mvdev->vmas_lock);
	list_for_each_entry(v, &mvdev->vmas, next) {
		if (v->vma == vma) {
			list_del(&v->next);
			kfree(v);
			break;
		}
	}
	mutex_unlock(&mvdev->vmas_lock);
}

/*
 * Zap every tracked vma, one mm at a time (its mmap_lock, then vmas_lock),
 * until none is left unzapped.  It ends: every entry added after it began
 * is added zapped (vmp_vma_track()).
 */
static void vmp_zap_bars(struct vmp_device *mvdev)
{
	struct mm_struct *mm;
	struct vmp_vma *v;

	mutex_lock(&mvdev->vmas_lock);
	list_for_each_entry(v, &mvdev->vmas, next)
		v->zapped = false;
	mutex_unlock(&mvdev->vmas_lock);
	for (;;) {
		mm = NULL;
		mutex_lock(&mvdev->vmas_lock);
		list_for_each_entry(v, &mvdev->vmas, next) {
			if (!v->zapped) {
				mm = v->vma->vm_mm;
				mmgrab(mm);
				break;
			}
		}
		mutex_unlock(&mvdev->vmas_lock);
		if (!mm)
			return;
		mmap_read_lock(mm);
		mutex_lock(&mvdev->vmas_lock);
		list_for_each_entry(v, &mvdev->vmas, next) {
			if (v->zapped || v->vma->vm_mm != mm)
				continue;
			zap_vma_ptes(v->vma, v->vma->vm_start,
				     v->vma->vm_end - v->vma->vm_start);
			v->zapped = true;
		}
		mutex_unlock(&mvdev->vmas_lock);
		mmap_read_unlock(mm);
		mmdrop(mm);
	}
}

/*
 * The core's ->open zaps the new vma so that its list only holds faulted
 * ones.  The copy mremap makes is still empty when ->open runs and carries
 * the PAT flag of its source: zapping it would do nothing but WARN in
 * untrack_pfn on 6.1 (it finds no entry to read the memory type from), so
 * that one case is skipped.  Fork copies and split halves of a moved
 * mapping's source have the flag cleared by the core; every other vma
 * goes to the core's ->open as before.
 */
static bool vmp_vma_core_open(struct vm_area_struct *vma)
{
	unsigned long pfn;

	return !(vma->vm_flags & VM_PAT) ||
	       !follow_pfn(vma, vma->vm_start, &pfn);
}
#else
/* Linux 6.12: every mapping of the device file is in its own inode. */
void vmp_revoke_init(struct vmp_device *mvdev)
{
}

void vmp_revoke_destroy(struct vmp_device *mvdev)
{
}

static void vmp_vma_track(struct vm_area_struct *vma)
{
}

static void vmp_vma_untrack(struct vm_area_struct *vma)
{
}

static void vmp_vma_moved(struct vm_area_struct *vma)
{
}

static void vmp_zap_bars(struct vmp_device *mvdev)
{
	unmap_mapping_range(mvdev->core.vdev.inode->i_mapping, 0, 0, true);
}

static bool vmp_vma_core_open(struct vm_area_struct *vma)
{
	return true;
}
#endif

static void vmp_vm_open(struct vm_area_struct *vma)
{
	vmp_vma_track(vma);
	if (vmp_core_vm_ops->open && vmp_vma_core_open(vma))
		vmp_core_vm_ops->open(vma);
}

static void vmp_vm_close(struct vm_area_struct *vma)
{
	vmp_vma_untrack(vma);
	if (vmp_core_vm_ops->close)
		vmp_core_vm_ops->close(vma);
}

static int vmp_vm_mremap(struct vm_area_struct *vma)
{
	if (vmp_core_vm_ops->mremap) {
		int ret = vmp_core_vm_ops->mremap(vma);

		if (ret)
			return ret;
	}
	vmp_vma_moved(vma);
	return 0;
}

static vm_fault_t vmp_fault(struct vm_fault *vmf)
{
	struct vmp_device *mvdev = vmp_of_vma(vmf->vma);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int idx;

	idx = srcu_read_lock(&mvdev->srcu);
	if (!READ_ONCE(mvdev->revoked))
		ret = vmp_core_vm_ops->fault(vmf);
	srcu_read_unlock(&mvdev->srcu, idx);
	return ret;
}

#ifdef VIM_SERIES_6_1
static vm_fault_t vmp_huge_fault(struct vm_fault *vmf,
				 enum page_entry_size pe_size)
#else
static vm_fault_t vmp_huge_fault(struct vm_fault *vmf, unsigned int pe_size)
#endif
{
	struct vmp_device *mvdev = vmp_of_vma(vmf->vma);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int idx;

	if (!vmp_core_vm_ops->huge_fault)
		return VM_FAULT_FALLBACK;
	idx = srcu_read_lock(&mvdev->srcu);
	if (!READ_ONCE(mvdev->revoked))
		ret = vmp_core_vm_ops->huge_fault(vmf, pe_size);
	srcu_read_unlock(&mvdev->srcu, idx);
	return ret;
}

static int vmp_vm_access(struct vm_area_struct *vma, unsigned long addr,
			 void *buf, int len, int write)
{
	if (!vmp_core_vm_ops->access || READ_ONCE(vmp_of_vma(vma)->revoked))
		return 0;	/* as without an access method */
	return vmp_core_vm_ops->access(vma, addr, buf, len, write);
}

static const struct vm_operations_struct vmp_vm_ops = {
	.open = vmp_vm_open,
	.close = vmp_vm_close,
	.mremap = vmp_vm_mremap,
	.fault = vmp_fault,
	.huge_fault = vmp_huge_fault,
	.access = vmp_vm_access,
};

/* After vfio_pci_core_mmap() set up @vma: route its calls through us. */
void vmp_wrap_vma(struct vm_area_struct *vma)
{
	mutex_lock(&vmp_vm_ops_lock);
	if (!vmp_core_vm_ops && vma->vm_ops && vma->vm_ops->fault)
		vmp_core_vm_ops = vma->vm_ops;
	if (vmp_core_vm_ops && vma->vm_ops == vmp_core_vm_ops) {
		vma->vm_ops = &vmp_vm_ops;
		vmp_vma_track(vma);
	}
	mutex_unlock(&vmp_vm_ops_lock);
}

/* Step 2: disable decode and bus mastering, virtually and physically. */
static void vmp_disable_device(struct vfio_pci_core_device *core)
{
	const u16 off = PCI_COMMAND_MEMORY | PCI_COMMAND_IO |
			PCI_COMMAND_MASTER;
	__le16 *vcmd;
	u16 cmd;

	down_write(&core->memory_lock);
	if (core->vconfig) {
		vcmd = (__le16 *)&core->vconfig[PCI_COMMAND];
		*vcmd = cpu_to_le16(le16_to_cpu(*vcmd) & ~off);
	}
	pci_read_config_word(core->pdev, PCI_COMMAND, &cmd);
	pci_write_config_word(core->pdev, PCI_COMMAND,
			      (cmd & ~off) | PCI_COMMAND_INTX_DISABLE);
	up_write(&core->memory_lock);

	spin_lock_irq(&core->irqlock);
	core->virq_disabled = true;
	spin_unlock_irq(&core->irqlock);
}

/*
 * Called by vfio_iommu_mdev with its container's lock held (and the VFIO
 * core's locks of that container): sleeps, but takes none of those, and
 * device ops never wait for them.  state_lock keeps a concurrent close
 * (which frees the core's virtual config space) out.
 */
void vmp_revoke(struct device *mdev_dev)
{
	struct vmp_device *mvdev = dev_get_drvdata(mdev_dev);

	WRITE_ONCE(mvdev->revoked, true);
	synchronize_srcu(&mvdev->srcu);
	/* an open that raced sees the flag; a close may have run: enabled */
	mutex_lock(&mvdev->state_lock);
	if (mvdev->enabled) {
		vmp_disable_device(&mvdev->core);
		vmp_zap_bars(mvdev);
	}
	mutex_unlock(&mvdev->state_lock);
}

/* The revoked mdev's group left its container: a new open may attach. */
void vmp_restore(struct device *mdev_dev)
{
	struct vmp_device *mvdev = dev_get_drvdata(mdev_dev);

	WRITE_ONCE(mvdev->revoked, false);
}
