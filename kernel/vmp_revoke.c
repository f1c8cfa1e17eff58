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
 *     on finds memory disabled and raises SIGBUS.
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
