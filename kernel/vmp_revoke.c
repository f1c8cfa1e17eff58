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
 *  4. after 2, every user mapping of the BARs is zapped: a fault from then
 *     on finds memory disabled and raises SIGBUS (our wrapper of the
 *     core's fault handler checks @revoked too, for VFs, whose memory
 *     enable the core always reports on).
 */
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vmp.h"

#ifdef VIM_SERIES_6_1
/*
 * Linux 6.1's vfio_pci_core lists the vmas it populated in vma_list, with
 * entries of a type private to vfio_pci_core.c: this is its layout, as
 * checked against 6.1 (kernel/Kbuild builds this branch for 6.1 only).
 */
struct vmp_mmap_vma {
	struct vm_area_struct *vma;
	struct list_head vma_next;
};

/*
 * Linux 6.1: zap every vma listed in the core's vma_list (vma_lock).
 * Lock order there: mmap_lock, then vma_lock (as the core's fault path).
 * An entry's vma stays valid while its mm's mmap_lock is held and the
 * entry is listed: the core's close callback unlists it under vma_lock.
 */
static void vmp_zap_bars(struct vfio_pci_core_device *core)
{
	struct vmp_mmap_vma *mv, *tmp;
	struct mm_struct *mm;

	for (;;) {
		mutex_lock(&core->vma_lock);
		if (list_empty(&core->vma_list)) {
			mutex_unlock(&core->vma_lock);
			return;
		}
		mv = list_first_entry(&core->vma_list, struct vmp_mmap_vma,
				      vma_next);
		mm = mv->vma->vm_mm;
		mmgrab(mm);
		mutex_unlock(&core->vma_lock);

		mmap_read_lock(mm);
		mutex_lock(&core->vma_lock);
		list_for_each_entry_safe(mv, tmp, &core->vma_list, vma_next) {
			struct vm_area_struct *vma = mv->vma;

			if (vma->vm_mm != mm)
				continue;
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
			list_del(&mv->vma_next);
			kfree(mv);
		}
		mutex_unlock(&core->vma_lock);
		mmap_read_unlock(mm);
		mmdrop(mm);
	}
}
#else
/* Linux 6.12: every mapping of the device file is in its own inode. */
static void vmp_zap_bars(struct vfio_pci_core_device *core)
{
	unmap_mapping_range(core->vdev.inode->i_mapping, 0, 0, true);
}
#endif

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

static void vmp_vm_open(struct vm_area_struct *vma)
{
	if (vmp_core_vm_ops->open)
		vmp_core_vm_ops->open(vma);
}

static void vmp_vm_close(struct vm_area_struct *vma)
{
	if (vmp_core_vm_ops->close)
		vmp_core_vm_ops->close(vma);
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
	if (vmp_core_vm_ops && vma->vm_ops == vmp_core_vm_ops)
		vma->vm_ops = &vmp_vm_ops;
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
		vmp_zap_bars(&mvdev->core);
	}
	mutex_unlock(&mvdev->state_lock);
}

/* The revoked mdev's group left its container: a new open may attach. */
void vmp_restore(struct device *mdev_dev)
{
	struct vmp_device *mvdev = dev_get_drvdata(mdev_dev);

	WRITE_ONCE(mvdev->revoked, false);
}
