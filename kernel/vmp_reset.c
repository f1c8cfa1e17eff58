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
 * vmp_parent_lock guards vmp_parent.open, .needs_reset and .resetting of
 * every parent.  It is a leaf: nothing is taken and nothing waits under it.
 * A reset marks every parent it covers (.resetting, in a bus walk that
 * takes the lock per device, keeping a reference to each), then resets
 * with no lock of ours held, then clears the marks it made (no bus walk):
 * an open of a marked parent waits for that reset only,
 * so a slow bus reset (a second or more) stalls the mdevs of that bus, not
 * every mdev on the host.  pci_walk_bus() holds pci_bus_sem and a PCI
 * device's device_lock may be held (unbind) when the lock is taken, never
 * the reverse.  The reset itself only trylocks device locks
 * (pci_reset_bus), so an unbind in progress makes it fail (-EAGAIN; tried
 * again at the next open), never wait.
 */
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "vmp.h"

/* parents' open, needs_reset and resetting; see above */
DEFINE_MUTEX(vmp_parent_lock);

/* vfio-mdev-pci's PCI driver, set at module init (vmp_pci.c) */
static const struct pci_driver *vmp_driver;

void vmp_reset_init(const struct pci_driver *drv)
{
	vmp_driver = drv;
}

/* @pdev is bound to vfio-mdev-pci (caller keeps the binding stable). */
static bool vmp_is_parent(struct pci_dev *pdev)
{
	return READ_ONCE(pdev->driver) == vmp_driver;
}

/* woken when a reset clears its marks */
static DECLARE_WAIT_QUEUE_HEAD(vmp_reset_wq);

/* Parents one reset may cover; a bus or slot with more is not reset. */
#define VMP_RESET_MAX	32

struct vmp_reset_walk {
	struct pci_dev *pdev;		/* the parent being reset */
	bool slot;			/* slot reset, else bus reset */
	struct pci_dev *blocker;	/* first device that forbids it */
	const char *why, *drv;		/* what the blocker is doing */
	/* the parents it marked, pci_dev_get() references */
	struct pci_dev *marked[VMP_RESET_MAX];
	unsigned int nr;
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

/*
 * Under pci_bus_sem: mark @dev for the reset if it is one of ours, idle
 * and not being reset by another; else it blocks the reset.
 */
static int vmp_reset_claim(struct pci_dev *dev, void *data)
{
	struct vmp_reset_walk *w = data;
	struct vmp_parent *p;

	if (w->slot && !vmp_in_slot(dev, w))
		return 0;
	mutex_lock(&vmp_parent_lock);
	/* drvdata is cleared under vmp_parent_lock before a parent goes */
	p = vmp_is_parent(dev) ? pci_get_drvdata(dev) : NULL;
	if (p && !p->open && !p->resetting && w->nr < VMP_RESET_MAX) {
		p->resetting = w;
		w->marked[w->nr++] = pci_dev_get(dev);
		mutex_unlock(&vmp_parent_lock);
		return 0;
	}
	w->drv = "";
	if (p) {
		w->why = p->open ? "in use" : p->resetting ? "being reset" :
			 "one parent too many for one reset";
	} else if (dev->driver) {
		w->why = "bound to ";
		w->drv = dev->driver->name;
	} else {
		w->why = "not bound to vfio-mdev-pci";
	}
	mutex_unlock(&vmp_parent_lock);
	w->blocker = pci_dev_get(dev);
	return 1;
}

/*
 * Clear @w's marks; after a reset that worked (@done), needs_reset too.
 * No bus walk (no pci_bus_sem): an unbind waiting for these marks holds
 * its device lock, and pci_bus_sem's readers (AER) may wait for that.
 * A marked parent stays bound until its mark is cleared (unbind waits).
 */
static void vmp_reset_release(struct vmp_reset_walk *w, bool done)
{
	struct vmp_parent *p;
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		mutex_lock(&vmp_parent_lock);
		p = vmp_is_parent(w->marked[i]) ?
		    pci_get_drvdata(w->marked[i]) : NULL;
		if (p && p->resetting == w) {
			p->resetting = NULL;
			if (done)
				p->needs_reset = false;
		}
		mutex_unlock(&vmp_parent_lock);
		pci_dev_put(w->marked[i]);
	}
	wake_up_all(&vmp_reset_wq);
}

/* Reset @parent's bus or slot if every device on it allows.  No lock held. */
static void vmp_reset_try(struct vmp_parent *parent)
{
	struct vmp_reset_walk w = { .pdev = parent->pdev };
	struct pci_dev *pdev = parent->pdev;
	int ret = -EBUSY;

	lockdep_assert_not_held(&vmp_parent_lock);
	if (!pci_probe_reset_slot(pdev->slot))
		w.slot = true;
	else if (pci_probe_reset_bus(pdev->bus))
		return;
	pci_walk_bus(pdev->bus, vmp_reset_claim, &w);
	if (w.blocker) {
		pci_info_ratelimited(pdev, "%s: not reset between users: %s on the same %s is %s%s\n",
				     VMP_DRIVER_NAME, pci_name(w.blocker),
				     w.slot ? "slot" : "bus", w.why, w.drv);
		pci_dev_put(w.blocker);
	} else {
		ret = pci_reset_bus(pdev);
		if (ret)
			pci_info_ratelimited(pdev, "%s: %s reset failed (%d); will retry at the next open\n",
					     VMP_DRIVER_NAME,
					     w.slot ? "slot" : "bus", ret);
		else	/* not rate-limited: one per real reset, each slow */
			pci_info(pdev, "%s: %s reset between users\n",
				 VMP_DRIVER_NAME, w.slot ? "slot" : "bus");
	}
	vmp_reset_release(&w, !ret);
}

/* Wait until no reset covers @parent; vmp_parent_lock held (dropped). */
static void vmp_reset_wait(struct vmp_parent *parent)
{
	lockdep_assert_held(&vmp_parent_lock);
	while (parent->resetting) {
		mutex_unlock(&vmp_parent_lock);
		wait_event(vmp_reset_wq, !READ_ONCE(parent->resetting));
		mutex_lock(&vmp_parent_lock);
	}
}

/* Before the mdev opens: a reset still owed is tried now. */
void vmp_reset_open(struct vmp_device *mvdev)
{
	struct vmp_parent *parent = mvdev->parent;
	bool owed;

	mutex_lock(&vmp_parent_lock);
	vmp_reset_wait(parent);
	owed = parent->needs_reset;
	mutex_unlock(&vmp_parent_lock);
	if (owed)
		vmp_reset_try(parent);
	mutex_lock(&vmp_parent_lock);
	vmp_reset_wait(parent);
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
	bool owed;

	mutex_lock(&vmp_parent_lock);
	WRITE_ONCE(parent->open, false);
	if (used && mvdev->core.needs_reset)
		parent->needs_reset = true;
	owed = parent->needs_reset;
	mutex_unlock(&vmp_parent_lock);
	if (owed)
		vmp_reset_try(parent);
}

/*
 * The parent leaves the driver: no walk may look at it any more (its bus is
 * not reset until it is bound again).  A reset in progress that marked it
 * is waited for: it cannot last (its trylock of this device's lock, which
 * unbind holds, fails), and otherwise the device could be bound again and
 * opened before that reset hits it.
 */
void vmp_reset_unbind(struct vmp_parent *parent)
{
	mutex_lock(&vmp_parent_lock);
	vmp_reset_wait(parent);
	pci_set_drvdata(parent->pdev, NULL);
	mutex_unlock(&vmp_parent_lock);
}
