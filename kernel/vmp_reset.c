// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_pci: resetting a parent between users.
 *
 * vfio_pci_core resets the parent at open and at close when a function
 * reset works (FLR, PM reset, or a bus reset of a device alone on its
 * bus).  A device without one, sharing its bus or slot (e.g. conventional
 * PCI devices behind one bridge, a typical non-singleton IOMMU group), is
 * reset by vfio-pci with a bus or slot reset once every device of its
 * VFIO device set is closed.  The stock core cannot do that for an mdev:
 * its device-set check compares each vfio_device's struct device with the
 * PCI devices on the bus, and an mdev's is the mdev.  This file does it
 * instead, with the same rule: the bus or slot is reset when every PCI
 * device on it is a vfio-mdev-pci parent whose mdev is closed.  Tried at
 * the last close of an mdev whose function was not reset, and again at the
 * next open if it could not be done then.  A bus shared with a device on
 * another driver (vfio-pci included) or none is not reset, as vfio-pci
 * does not reset a bus with devices outside its set.
 *
 * vmp_parent_lock guards vmp_parent.open and .needs_reset of every parent,
 * so no mdev of the bus opens while the bus is checked and reset.  Lock
 * order: a PCI device's device_lock (unbind) > vmp_parent_lock; the reset
 * itself only trylocks device locks (pci_reset_bus), so an unbind that
 * waits for vmp_parent_lock makes the reset fail (-EAGAIN), never wait.
 */
#include <linux/pci.h>
#include <linux/slab.h>

#include "vmp.h"

/* parents' open and needs_reset; see above */
DEFINE_MUTEX(vmp_parent_lock);

#define VMP_RESET_MAX_DEVS	64

struct vmp_reset_walk {
	struct pci_dev *pdev;		/* the parent being reset */
	bool slot;			/* slot reset, else bus reset */
	struct pci_dev *blocker;	/* first device that forbids it */
};

/*
 * Does a reset of @w's slot reach @dev?  @dev is below the parent's bus;
 * it is in the slot if it, or the bridge above it on that bus, is.
 */
static bool vmp_in_slot(struct pci_dev *dev, struct vmp_reset_walk *w)
{
	while (dev->bus != w->pdev->bus && dev->bus->self)
		dev = dev->bus->self;
	return dev->slot == w->pdev->slot;
}

/* Under pci_bus_sem: is @dev, reset with the parent, one of ours, idle? */
static int vmp_reset_check(struct pci_dev *dev, void *data)
{
	struct vmp_reset_walk *w = data;
	struct vmp_parent *p;

	if (w->slot && !vmp_in_slot(dev, w))
		return 0;
	if (dev == w->pdev)
		return 0;
	/* drvdata is cleared under vmp_parent_lock before a parent goes */
	p = vmp_is_parent(dev) ? pci_get_drvdata(dev) : NULL;
	if (p && !p->open)
		return 0;
	w->blocker = pci_dev_get(dev);
	return 1;
}

/* Reset @parent's bus or slot if allowed; 0 when done.  vmp_parent_lock. */
static int vmp_reset_bus(struct vmp_parent *parent)
{
	struct vmp_reset_walk w = { .pdev = parent->pdev };
	struct pci_dev *pdev = parent->pdev;
	int ret;

	lockdep_assert_held(&vmp_parent_lock);
	if (!pci_probe_reset_slot(pdev->slot))
		w.slot = true;
	else if (pci_probe_reset_bus(pdev->bus))
		return -ENOTTY;
	pci_walk_bus(pdev->bus, vmp_reset_check, &w);
	if (w.blocker) {
		pci_info_ratelimited(pdev, "%s: not reset between users: %s on the same %s is %s%s\n",
				     VMP_DRIVER_NAME, pci_name(w.blocker),
				     w.slot ? "slot" : "bus",
				     w.blocker->driver ? "bound to " : "not bound to vfio-mdev-pci",
				     w.blocker->driver ? w.blocker->driver->name : "");
		pci_dev_put(w.blocker);
		return -EBUSY;
	}
	ret = pci_reset_bus(pdev);
	if (ret)
		pci_info_ratelimited(pdev, "%s: %s reset failed (%d); will retry at the next open\n",
				     VMP_DRIVER_NAME, w.slot ? "slot" : "bus",
				     ret);
	else	/* not rate-limited: one per real reset, each slow */
		pci_info(pdev, "%s: %s reset between users\n",
			 VMP_DRIVER_NAME, w.slot ? "slot" : "bus");
	return ret;
}

/* Clear needs_reset of every parent the reset covered. */
static int vmp_reset_done(struct pci_dev *dev, void *data)
{
	struct vmp_reset_walk *w = data;
	struct vmp_parent *p;

	if (w->slot && !vmp_in_slot(dev, w))
		return 0;
	p = vmp_is_parent(dev) ? pci_get_drvdata(dev) : NULL;
	if (p)
		p->needs_reset = false;	/* none is open: checked above */
	return 0;
}

static void vmp_reset_try(struct vmp_parent *parent)
{
	struct vmp_reset_walk w = { .pdev = parent->pdev };

	if (vmp_reset_bus(parent))
		return;
	w.slot = !pci_probe_reset_slot(parent->pdev->slot);
	pci_walk_bus(parent->pdev->bus, vmp_reset_done, &w);
}

/* Before the mdev opens: a reset still owed is tried now. */
void vmp_reset_open(struct vmp_device *mvdev)
{
	struct vmp_parent *parent = mvdev->parent;

	mutex_lock(&vmp_parent_lock);
	if (parent->needs_reset)
		vmp_reset_try(parent);
	WRITE_ONCE(parent->open, true);
	mutex_unlock(&vmp_parent_lock);
}

/*
 * After vfio_pci_core closed it (@used) or failed to open it: reset unless
 * the core's own reset worked.
 */
void vmp_reset_close(struct vmp_device *mvdev, bool used)
{
	struct vmp_parent *parent = mvdev->parent;

	mutex_lock(&vmp_parent_lock);
	WRITE_ONCE(parent->open, false);
	if (used && mvdev->core.needs_reset)
		parent->needs_reset = true;
	if (parent->needs_reset)
		vmp_reset_try(parent);
	mutex_unlock(&vmp_parent_lock);
}

/*
 * The parent leaves the driver: no walk may look at it any more (its bus is
 * not reset until it is bound again).
 */
void vmp_reset_unbind(struct vmp_parent *parent)
{
	mutex_lock(&vmp_parent_lock);
	pci_set_drvdata(parent->pdev, NULL);
	mutex_unlock(&vmp_parent_lock);
}

