// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: PCI error recovery of a parent.
 *
 * As vfio-pci does: when the AER core reports an error on the parent, the
 * user of its open mdev is told through the error eventfd it set with
 * VFIO_DEVICE_SET_IRQS (VFIO_PCI_ERR_IRQ_INDEX), and recovery proceeds
 * (CAN_RECOVER), so the rest of the hierarchy below the port recovers.
 * Lock order: the parent's device_lock (held by the AER core, which also
 * holds pci_bus_sem for read) > vmp_err_lock > vfio_pci_core's igate.
 * Nothing else of ours is taken here: vmp_err_lock only guards the
 * parent's mdev pointer, and nothing waits for pci_bus_sem under it.
 */
#include <linux/eventfd.h>
#include <linux/pci.h>

#include "vmp.h"

/* vmp_parent.mvdev; the parent stays (unbind needs its device_lock) */
static DEFINE_MUTEX(vmp_err_lock);

/* The parent's mdev (NULL when it has none), for the error handler. */
void vmp_parent_set_mdev(struct vmp_parent *parent, struct vmp_device *mvdev)
{
	mutex_lock(&vmp_err_lock);
	parent->mvdev = mvdev;
	mutex_unlock(&vmp_err_lock);
}

static void vmp_signal_err(struct vfio_pci_core_device *core)
{
#ifdef VIM_SERIES_6_1
	mutex_lock(&core->igate);
	if (core->err_trigger)
		eventfd_signal(core->err_trigger, 1);
	mutex_unlock(&core->igate);
#else
	struct vfio_pci_eventfd *ev;

	rcu_read_lock();
	ev = rcu_dereference(core->err_trigger);
	if (ev)
		eventfd_signal(ev->ctx);
	rcu_read_unlock();
#endif
}

static pci_ers_result_t vmp_err_detected(struct pci_dev *pdev,
					 pci_channel_state_t state)
{
	struct vmp_parent *parent;

	mutex_lock(&vmp_err_lock);
	parent = pci_get_drvdata(pdev);
	/* err_trigger is set only while the mdev is open */
	if (parent && parent->mvdev && READ_ONCE(parent->open)) {
		pci_info_ratelimited(pdev, "%s: PCI error (channel state %d): signalled to the mdev's user\n",
				     VMP_DRIVER_NAME, state);
		vmp_signal_err(&parent->mvdev->core);
	}
	mutex_unlock(&vmp_err_lock);
	return PCI_ERS_RESULT_CAN_RECOVER;
}

const struct pci_error_handlers vmp_err_handlers = {
	.error_detected = vmp_err_detected,
};
