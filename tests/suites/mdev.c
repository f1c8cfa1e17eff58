// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "mdev": vfio_mdev_pci with vfio_iommu_mdev loaded in place of
 * vfio_iommu_type1.  Arguments are BDFs from tests/bed/bed.conf.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/vt.h"

#define UUID_A	"11111111-2222-3333-4444-555555555551"
#define UUID_B	"11111111-2222-3333-4444-555555555552"
#define UUID_C	"11111111-2222-3333-4444-555555555553"
#define LEN	2048
#define PG	4096

/* @bdf on vfio-pci, alone in a new container, does DMA; then unbound. */
static int pci_works(const char *bdf, uint32_t seed)
{
	struct vt_dev p;

	if (vt_open_pci(&p, -1, bdf) || vt_dma_check(&p, 0x100000, seed))
		return 1;
	vt_dev_close(&p);
	VT_OK(vt_pci_bind(bdf, ""));
	return 0;
}

/* A fresh mdev @uuid on @bdf does DMA in a new container; then removed. */
static int mdev_works(const char *bdf, const char *uuid, uint32_t seed)
{
	struct vt_dev d;

	if (vt_make_mdev(bdf, uuid) || vt_open_mdev(&d, -1, uuid) ||
	    vt_dma_check(&d, 0x100000, seed))
		return 1;
	vt_dev_close(&d);
	VT_OK(vt_mdev_remove(uuid));
	return 0;
}

/*
 * Is vfio_iommu_type1 loaded next to ours?  The plan says so in VT_TYPE1
 * ("before": registered before ours, so ours is asked first; "after":
 * registered last, so type1 serves every new container; unset or "none").
 */
static int type1_loaded(void)
{
	const char *e = getenv("VT_TYPE1");

	return e && strcmp(e, "none");
}

/*
 * Mdev @uuid's group in a new container, refused by our backend with @err.
 * Without type1, VFIO_SET_IOMMU fails with @err and no device fd can be
 * had (EINVAL).  With type1 loaded, type1 takes the container (it accepts
 * any emulated group), and the mdev refuses to open: EPERM, with a log
 * line naming the mdev's physical group and the reason.
 */
static int mdev_refused(const char *uuid, int err)
{
	char msg[96];
	int gfd, cfd, r;

	gfd = vt_group_open(vt_mdev_group(uuid));
	VT_OK(gfd);
	cfd = vt_container_open();
	VT_OK(cfd);
	VT_OK(vt_group_set_container(gfd, cfd));
	r = vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU);
	if (type1_loaded()) {
		VT_OK(r);
		r = vt_device_open(gfd, uuid);
		if (r >= 0)
			close(r);
		VT_ERRNO(r, EPERM);
		snprintf(msg, sizeof(msg), "%s: vfio_iommu_mdev: mdev refused",
			 uuid);
		VT_ASSERT(vt_klog_contains(msg, "not served by vfio_iommu_mdev"),
			  "no '%s ... not served by vfio_iommu_mdev' in the kernel log",
			  msg);
	} else {
		VT_ERRNO(r, err);
		VT_ERRNO(vt_device_open(gfd, uuid), EINVAL);
	}
	close(gfd);
	close(cfd);
	return 0;
}

static int expect_str(const char *what, const char *got, const char *want)
{
	VT_ASSERT(!strcmp(got, want), "%s is '%s', expected '%s'", what, got,
		  want);
	return 0;
}

/* @bdf on vfio-pci, its group in a new container without a backend yet. */
static int pci_group_in_container(const char *bdf, int *gfd, int *cfd)
{
	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	*gfd = vt_group_open(vt_pci_group(bdf));
	VT_OK(*gfd);
	*cfd = vt_container_open();
	VT_OK(*cfd);
	VT_OK(vt_group_set_container(*gfd, *cfd));
	return 0;
}

/*
 * mdev.noir BDF, in a guest whose IOMMU has no interrupt remapping: ours
 * refuses the mdev's group (EPERM; the log says how to allow it), and with
 * type1 loaded the mdev then refuses to open in type1's container, so no
 * device fd, no DMA; a vfio-pci group is refused by both backends (EPERM)
 * and no device fd can be had; with allow_unsafe_interrupts=1 (ours, at
 * run time) the mdev works, DMA checked.  Set back afterwards.
 */
static int t_noir(int argc, char **argv)
{
	static const char param[] =
		"/sys/module/vfio_iommu_mdev/parameters/allow_unsafe_interrupts";
	int gfd, cfd, r;

	VT_ASSERT(argc == 2, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A) || mdev_refused(UUID_A, EPERM))
		return 1;
	VT_ASSERT(vt_klog_contains("no interrupt remapping for IOMMU group",
				   "allow_unsafe_interrupts=1"),
		  "no reason in the kernel log");
	/* the gate's line points at that refusal, not at the load order */
	VT_ASSERT(vt_klog_contains("mdev refused", "which refused the group"),
		  "the refusal at open does not point at the backend's reason");
	VT_ASSERT(!vt_klog_contains("mdev refused", "load vfio_iommu_mdev after"),
		  "the refusal at open blames the load order");
	VT_OK(vt_mdev_remove(UUID_A));

	if (pci_group_in_container(argv[1], &gfd, &cfd))
		return 1;
	VT_ERRNO(vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU), EPERM);
	VT_ERRNO(vt_set_iommu(cfd, VFIO_TYPE1_IOMMU), EPERM);
	VT_ERRNO(vt_device_open(gfd, argv[1]), EINVAL);
	close(gfd);
	close(cfd);
	VT_OK(vt_pci_bind(argv[1], ""));

	VT_OK(vt_sysfs_write(param, "Y"));
	r = mdev_works(argv[1], UUID_A, 0x1e);
	VT_OK(vt_sysfs_write(param, "N"));
	return r;
}

/* mdev.sysfs BDF SINGLETON: the mdev sysfs ABI and our attributes. */
static int t_sysfs(int argc, char **argv)
{
	char buf[256], want[32];
	const char *bdf;

	VT_ASSERT(argc == 3, "usage");
	bdf = argv[1];
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_type_attr(bdf, "device_api", buf, sizeof(buf)));
	if (expect_str("device_api", buf, "vfio-pci"))
		return 1;
	VT_OK(vt_mdev_type_attr(bdf, "available_instances", buf,
				sizeof(buf)));
	if (expect_str("available_instances", buf, "1"))
		return 1;
	VT_OK(vt_mdev_type_attr(bdf, "name", buf, sizeof(buf)));
	VT_ASSERT(strstr(buf, "1234:11e8") && strstr(buf, bdf + 5),
		  "name '%s'", buf);
	VT_OK(vt_mdev_type_attr(bdf, "description", buf, sizeof(buf)));
	VT_ASSERT(strstr(buf, bdf), "description '%s'", buf);

	VT_OK(vt_mdev_create(bdf, UUID_A));
	VT_ASSERT(vt_mdev_group(UUID_A) >= 0, "no /sys/bus/mdev/devices/%s",
		  UUID_A);
	VT_OK(vt_mdev_type_attr(bdf, "available_instances", buf,
				sizeof(buf)));
	if (expect_str("available_instances with an mdev", buf, "0"))
		return 1;
	VT_ERRNO(vt_mdev_create(bdf, UUID_B), EUSERS);
	VT_ASSERT(vt_mdev_group(UUID_B) == -ENOENT, "second mdev exists");
	VT_ERRNO(vt_mdev_create(bdf, "not-a-uuid"), EINVAL);

	snprintf(want, sizeof(want), "%d", vt_pci_group(bdf));
	VT_OK(vt_mdev_attr(UUID_A, "parent_iommu_group", buf, sizeof(buf)));
	if (expect_str("parent_iommu_group", buf, want))
		return 1;
	VT_OK(vt_mdev_attr(UUID_A, "parent_iommu_group_singleton", buf,
			   sizeof(buf)));
	if (expect_str("parent_iommu_group_singleton", buf, argv[2]))
		return 1;
	VT_ASSERT((vt_group_ndevs(vt_pci_group(bdf)) == 1) ==
		  (argv[2][0] == '1'), "bed topology changed");
	VT_OK(vt_mdev_attr(UUID_A, "mdev_type/name", buf, sizeof(buf)));

	VT_OK(vt_mdev_remove(UUID_A));
	VT_ASSERT(vt_mdev_group(UUID_A) == -ENOENT, "mdev still there");
	VT_OK(vt_mdev_type_attr(bdf, "available_instances", buf,
				sizeof(buf)));
	return expect_str("available_instances after remove", buf, "1");
}

/* mdev.dma BDF: one mdev, full device semantics through vfio_pci_core. */
static int t_dma(int argc, char **argv)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vt_dev d;
	uint16_t id[2];
	int efd;
	long n;

	VT_ASSERT(argc == 2 || argc == 3, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A) || vt_open_mdev(&d, -1, UUID_A))
		return 1;
	VT_OK(ioctl(d.dfd, VFIO_DEVICE_GET_INFO, &info) ? -errno : 0);
	/* "reset": the bed gave this device a reset method; it must work */
	VT_ASSERT(argc == 2 || (info.flags & VFIO_DEVICE_FLAGS_RESET),
		  "no VFIO_DEVICE_FLAGS_RESET on a resettable device");
	VT_ASSERT(info.flags & VFIO_DEVICE_FLAGS_PCI, "flags %#x", info.flags);
	VT_ASSERT(info.num_regions >= VFIO_PCI_NUM_REGIONS, "regions %u",
		  info.num_regions);
	VT_OK(vt_cfg_read(&d, 0, id, 4));
	VT_ASSERT(id[0] == 0x1234 && id[1] == 0x11e8, "ids %04x:%04x", id[0],
		  id[1]);
	VT_ASSERT(edu_rd32(&d, EDU_ID) == 0x010000ed, "BAR0 id %#x",
		  edu_rd32(&d, EDU_ID));
	if (vt_dma_check(&d, 0x100000, 1))
		return 1;

	efd = vt_irq_eventfd(&d, VFIO_PCI_MSI_IRQ_INDEX);
	VT_OK(efd);
	edu_wr32(&d, EDU_IRQ_RAISE, 0x2);
	n = vt_eventfd_wait(efd, 5000);
	VT_ASSERT(n > 0, "no MSI on the eventfd (%ld)", n);
	edu_wr32(&d, EDU_IRQ_ACK, 0x2);
	VT_OK(vt_irq_disable(&d, VFIO_PCI_MSI_IRQ_INDEX));
	close(efd);

	if (info.flags & VFIO_DEVICE_FLAGS_RESET) {
		VT_OK(ioctl(d.dfd, VFIO_DEVICE_RESET) ? -errno : 0);
		VT_NOTE("VFIO_DEVICE_RESET done");
		VT_OK(vt_enable_bus_master(&d));
		if (vt_dma_check(&d, 0x300000, 3))
			return 1;
	} else {
		/* same answer vfio-pci gives for a device it cannot reset */
		VT_ERRNO(ioctl(d.dfd, VFIO_DEVICE_RESET) ? -errno : 0, EINVAL);
		VT_NOTE("device has no reset method: RESET refused as vfio-pci does");
	}
	{
		struct vfio_pci_hot_reset_info hi = { .argsz = sizeof(hi) };
		int r = ioctl(d.dfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &hi);

		/* the driver answers "unsupported for device" (vmp_mdev.c) */
		VT_ERRNO(r ? -errno : 0, ENODEV);
		VT_NOTE("hot reset info: %s", strerror(errno));
	}
	vt_dev_close(&d);
	VT_OK(vt_mdev_remove(UUID_A));
	return 0;
}

/*
 * mdev.shared_one A B FIRST: both siblings of one physical group as mdevs
 * in one container; DMA through both; closing FIRST ("a" or "b") keeps the
 * other working; closing both frees the physical group for vfio-pci.
 */
static int t_shared_one(int argc, char **argv)
{
	struct vt_dev a, b, *first, *second;
	long lck0 = vt_locked_vm_kb();
	void *keep = vt_alloc(KB(64));
	int cfd;

	VT_ASSERT(argc == 4 && keep && lck0 >= 0, "usage / alloc");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A) || vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (vt_open_mdev(&a, -1, UUID_A) || vt_open_mdev(&b, a.cfd, UUID_B))
		return 1;
	cfd = a.cfd;
	if (vt_dma_check(&a, 0x100000, 11) || vt_dma_check(&b, 0x400000, 12))
		return 1;
	/* a mapping that stays: pinned and charged while a domain exists */
	VT_OK(vt_map(cfd, keep, 0x10000000, KB(64)));
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 64, "VmLck %ld kB, %ld before",
		  vt_locked_vm_kb(), lck0);
	first = argv[3][0] == 'a' ? &a : &b;
	second = first == &a ? &b : &a;
	/* the container stays open through a: keep its fd */
	a.own_container = 0;
	vt_dev_close(first);
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 64, "VmLck %ld kB after one closed",
		  vt_locked_vm_kb());
	if (vt_dma_check(second, 0x800000, 13))
		return 1;
	VT_NOTE("DMA through the remaining mdev after the other closed");
	vt_dev_close(second);
	/* no domain left: the mapping stays, its pins and charge go */
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB with no group left, %ld before",
		  vt_locked_vm_kb(), lck0);
	close(cfd);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB after close",
		  vt_locked_vm_kb());
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_mdev_remove(UUID_B));
	/* the physical group is viable again: a vfio-pci user takes it */
	return pci_works(argv[1], 14);
}

/* mdev.shared_two A B: siblings as mdevs in two containers: refused. */
static int t_shared_two(int argc, char **argv)
{
	struct vt_dev a;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A) || vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (vt_open_mdev(&a, -1, UUID_A) || vt_dma_check(&a, 0x100000, 21))
		return 1;
	if (mdev_refused(UUID_B, EBUSY))
		return 1;
	if (vt_dma_check(&a, 0x200000, 22))
		return 1;
	VT_NOTE("second container refused with EBUSY, first keeps DMA");
	vt_dev_close(&a);
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_mdev_remove(UUID_B));
	return 0;
}

/*
 * mdev.mixed_one PCI MDEV: a vfio-pci sibling first, then the mdev, one
 * container: both DMA.  The reverse order fails at the core's exclusive
 * claim with EPERM and leaves the first user working.
 */
static int t_mixed_one(int argc, char **argv)
{
	struct vt_dev p, m;
	int gfd;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (vt_open_pci(&p, -1, argv[1]) || vt_open_mdev(&m, p.cfd, UUID_B))
		return 1;
	if (vt_dma_check(&p, 0x100000, 31) || vt_dma_check(&m, 0x400000, 32))
		return 1;
	vt_dev_close(&m);
	vt_dev_close(&p);

	/* reverse: mdev first, then the vfio-pci group */
	if (vt_open_mdev(&m, -1, UUID_B))
		return 1;
	gfd = vt_group_open(vt_pci_group(argv[1]));
	VT_OK(gfd);
	VT_ERRNO(vt_group_set_container(gfd, m.cfd), EPERM);
	close(gfd);
	if (vt_dma_check(&m, 0x100000, 33))
		return 1;
	vt_dev_close(&m);
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/* mdev.mixed_two PCI MDEV: two containers are refused in both orders. */
static int t_mixed_two(int argc, char **argv)
{
	struct vt_dev p, m;
	int gfd, cfd;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[2], UUID_B))
		return 1;
	/* vfio-pci first: the mdev's container is refused */
	if (vt_open_pci(&p, -1, argv[1]) || vt_dma_check(&p, 0x100000, 41))
		return 1;
	if (mdev_refused(UUID_B, EBUSY))
		return 1;
	if (vt_dma_check(&p, 0x200000, 42))
		return 1;
	vt_dev_close(&p);

	/* mdev first: the vfio-pci group is refused by the core */
	if (vt_open_mdev(&m, -1, UUID_B) || vt_dma_check(&m, 0x100000, 43))
		return 1;
	gfd = vt_group_open(vt_pci_group(argv[1]));
	VT_OK(gfd);
	VT_ASSERT(!(vt_group_status(gfd) & VFIO_GROUP_FLAGS_VIABLE),
		  "group viable while an mdev of it is in use");
	cfd = vt_container_open();
	VT_OK(cfd);
	VT_ERRNO(vt_group_set_container(gfd, cfd), EPERM);
	close(gfd);
	close(cfd);
	if (vt_dma_check(&m, 0x200000, 44))
		return 1;
	vt_dev_close(&m);
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/*
 * The attacker's side: mdev @uuid in a new container of its own.  The
 * open must be refused with EPERM.  Should it succeed, the device is used
 * as an attacker would: DMA from @secret_iova to @secret_iova + PG, IOVAs
 * that only the victim's container maps.  Returns 0 if refused with
 * EPERM, 2 if it opened (the caller checks the victim's memory first).
 */
static int attack_with_mdev(const char *uuid, uint64_t secret_iova)
{
	struct vt_dev b;
	int r;

	/* the type1 (v1) ABI first, then type1v2 */
	r = vt_dev_open(&b, -1, vt_mdev_group(uuid), uuid, VFIO_TYPE1_IOMMU);
	if (r == -EPERM)
		r = vt_dev_open(&b, -1, vt_mdev_group(uuid), uuid,
				VFIO_TYPE1v2_IOMMU);
	if (r == 0) {
		vt_enable_bus_master(&b);
		r = edu_roundtrip(&b, secret_iova, secret_iova + PG, LEN);
		VT_NOTE("attacker's mdev %s opened; its DMA returned %d",
			uuid, r);
		vt_dev_close(&b);
		return 2;
	}
	VT_ERRNO(r, EPERM);
	return 0;
}

/*
 * mdev.isolation PCI MDEV: a group-mate's mdev reaching for another VM's
 * memory.  VM A: the vfio-pci device
 * PCI in container A with a secret at IOVA 0x100000 and a clean page at
 * 0x101000.  VM B: the mdev of its group-mate MDEV in container B, with
 * whatever backends are loaded: refused at open (EPERM), and A's pages are
 * byte for byte what A put there; A's own DMA still works.  Then the
 * reverse roles: the mdev in A (ours must serve it), the vfio-pci sibling
 * refused by the core's ownership claim (EPERM), A's pages intact.
 */
static int t_isolation(int argc, char **argv)
{
	uint8_t *secret = vt_alloc(PG), *clean = vt_alloc(PG);
	uint8_t want[PG];
	struct vt_dev a;
	int gfd, cfd, i, opened;

	VT_ASSERT(argc == 3 && secret && clean, "usage / alloc");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[2], UUID_B))
		return 1;
	vt_fill(secret, PG, 0x5ec4e7);
	memcpy(want, secret, PG);

	/* A: vfio-pci; B: the sibling's mdev */
	if (vt_open_pci(&a, -1, argv[1]))
		return 1;
	VT_OK(vt_map(a.cfd, secret, 0x100000, PG));
	VT_OK(vt_map(a.cfd, clean, 0x101000, PG));
	opened = attack_with_mdev(UUID_B, 0x100000);
	VT_ASSERT(!memcmp(secret, want, PG), "A's secret changed");
	for (i = 0; i < PG; i++)
		VT_ASSERT(!clean[i], "A's clean page written at byte %d: B's device read A's secret",
			  i);
	VT_ASSERT(!opened, "the attacker's mdev opened in a second container");
	if (vt_dma_check(&a, 0x400000, 81))
		return 1;
	VT_NOTE("mdev of a group-mate refused; A's memory untouched; A works");
	vt_dev_close(&a);
	VT_OK(vt_pci_bind(argv[1], ""));

	if (!getenv("VT_TYPE1") || strcmp(getenv("VT_TYPE1"), "after")) {
		/* A: the mdev; B: the vfio-pci sibling */
		if (vt_open_mdev(&a, -1, UUID_B))
			return 1;
		VT_OK(vt_map(a.cfd, secret, 0x100000, PG));
		VT_OK(vt_map(a.cfd, clean, 0x101000, PG));
		VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
		gfd = vt_group_open(vt_pci_group(argv[1]));
		VT_OK(gfd);
		cfd = vt_container_open();
		VT_OK(cfd);
		VT_ERRNO(vt_group_set_container(gfd, cfd), EPERM);
		/* a group in no container has no device to give */
		VT_ERRNO(vt_device_open(gfd, argv[1]), EINVAL);
		close(gfd);
		close(cfd);
		VT_ASSERT(!memcmp(secret, want, PG), "A's secret changed");
		for (i = 0; i < PG; i++)
			VT_ASSERT(!clean[i], "A's clean page written at byte %d",
				  i);
		if (vt_dma_check(&a, 0x400000, 82))
			return 1;
		VT_NOTE("vfio-pci group-mate refused; A's memory untouched");
		vt_dev_close(&a);
		VT_OK(vt_pci_bind(argv[1], ""));
	}
	VT_OK(vt_mdev_remove(UUID_B));
	vt_free(secret, PG);
	vt_free(clean, PG);
	return 0;
}

/*
 * mdev.unserved BDF: type1 serves every new container (it was registered
 * after ours): the mdev's group joins a type1 container, and the mdev
 * refuses to open (EPERM) with a log line that names the mdev, its
 * physical group and what to do.
 */
static int t_unserved(int argc, char **argv)
{
	char msg[128];

	VT_ASSERT(argc == 2, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A))
		return 1;
	if (mdev_refused(UUID_A, EPERM))
		return 1;
	snprintf(msg, sizeof(msg), "(IOMMU group %d of its parent)",
		 vt_pci_group(argv[1]));
	VT_ASSERT(vt_klog_contains(msg, "load vfio_iommu_mdev after vfio_iommu_type1"),
		  "the log line does not name group and remedy: '%s'", msg);
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/*
 * mdev.claimed PCI MDEV: the vfio-pci group-mate sits in a container
 * without an IOMMU set (the core claimed the group's DMA ownership at
 * VFIO_GROUP_SET_CONTAINER).  The mdev is refused, and the log says that
 * another user owns the group, not that a kernel driver is bound.
 */
static int t_claimed(int argc, char **argv)
{
	char msg[64];
	int gfd, cfd;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (pci_group_in_container(argv[1], &gfd, &cfd))
		return 1;
	if (mdev_refused(UUID_B, EPERM))
		return 1;
	snprintf(msg, sizeof(msg), "cannot own the DMA of IOMMU group %d",
		 vt_pci_group(argv[1]));
	VT_ASSERT(vt_klog_contains(msg, "another user owns it"),
		  "no '%s ... another user owns it' in the kernel log", msg);
	VT_ASSERT(!vt_klog_contains(msg, "kernel driver"),
		  "the log blames a kernel driver");
	close(gfd);
	close(cfd);
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/* Write @n to the sriov_numvfs of PF @pf. */
static int vf_numvfs(const char *pf, const char *n)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/sriov_numvfs",
		 pf);
	return vt_sysfs_write(path, n);
}

/* Enable one VF of PF @pf; its BDF in @vf. */
static int vf_enable(const char *pf, char *vf, size_t len)
{
	char path[160];
	ssize_t n;

	VT_OK(vf_numvfs(pf, "1"));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/virtfn0", pf);
	n = readlink(path, vf, len - 1);
	VT_ASSERT(n > 0, "no VF after sriov_numvfs=1");
	vf[n] = 0;
	memmove(vf, strrchr(vf, '/') + 1, strlen(strrchr(vf, '/')));
	return 0;
}

/*
 * mdev.vf PF: a VF whose PF is bound to vfio-pci (SR-IOV enabled through
 * it) is refused by vfio-mdev-pci with a reason: vfio-pci guards such VFs
 * with the PF owner's VF token, which vfio-mdev-pci does not take part in.
 * The VF binds to vfio-pci as usual.
 */
static int t_vf(int argc, char **argv)
{
	char vf[128], drv[64];

	VT_ASSERT(argc == 2, "usage");
	VT_OK(vt_sysfs_write("/sys/module/vfio_pci/parameters/enable_sriov",
			     "1"));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	if (vf_enable(argv[1], vf, sizeof(vf)))
		return 1;
	VT_ASSERT(vt_pci_bind(vf, "vfio-mdev-pci") < 0,
		  "vfio-mdev-pci bound to VF %s of a vfio-pci PF", vf);
	VT_OK(vt_pci_driver(vf, drv, sizeof(drv)));
	VT_ASSERT(!drv[0], "VF %s bound to %s", vf, drv);
	VT_ASSERT(vt_klog_contains("needs the PF owner's VF token", NULL),
		  "no reason in the kernel log");
	VT_OK(vt_pci_bind(vf, "vfio-pci"));
	VT_NOTE("VF %s refused by vfio-mdev-pci, bound by vfio-pci", vf);
	VT_OK(vt_pci_bind(vf, ""));
	VT_OK(vf_numvfs(argv[1], "0"));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/* @bdf is bound to @want ("" for none). */
static int expect_driver(const char *bdf, const char *want)
{
	char drv[64];

	VT_OK(vt_pci_driver(bdf, drv, sizeof(drv)));
	return expect_str(bdf, drv, want);
}

/*
 * mdev.kdrv EDU NIC: the mdev's parent shares its group with a NIC that
 * the kernel's e1000 driver can drive.  While e1000 is bound, the mdev's
 * container is refused (EPERM, as the core refuses a non-viable group) and
 * nothing changes; while the mdev is in
 * use, e1000 cannot bind; once it is closed, e1000 binds again.
 */
static int t_kdrv(int argc, char **argv)
{
	char msg[64];
	struct vt_dev m;
	int r;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(argv[2], "e1000"));
	if (expect_driver(argv[2], "e1000") || vt_make_mdev(argv[1], UUID_C))
		return 1;

	if (mdev_refused(UUID_C, EPERM))
		return 1;
	snprintf(msg, sizeof(msg), "cannot own the DMA of IOMMU group %d",
		 vt_pci_group(argv[1]));
	VT_ASSERT(vt_klog_contains(msg, "bound to a kernel driver"),
		  "no '%s' in the kernel log", msg);
	if (expect_driver(argv[2], "e1000"))
		return 1;

	VT_OK(vt_pci_bind(argv[2], ""));
	if (vt_open_mdev(&m, -1, UUID_C) || vt_dma_check(&m, 0x100000, 51))
		return 1;
	r = vt_pci_bind(argv[2], "e1000");
	VT_ASSERT(r < 0, "e1000 bound to %s while an mdev owns its group",
		  argv[2]);
	if (expect_driver(argv[2], "") || vt_dma_check(&m, 0x200000, 52))
		return 1;
	vt_dev_close(&m);

	VT_OK(vt_pci_bind(argv[2], "e1000"));
	if (expect_driver(argv[2], "e1000"))
		return 1;
	VT_NOTE("e1000 refused while the mdev was open, bound after it closed");
	VT_OK(vt_mdev_remove(UUID_C));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/* mdev.host_open BDF: a device bound to vfio-mdev-pci is no VFIO device. */
static int t_host_open(int argc, char **argv)
{
	int g, gfd;

	VT_ASSERT(argc == 2, "usage");
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(argv[1], "vfio-mdev-pci"));
	g = vt_pci_group(argv[1]);
	gfd = vt_group_open(g);
	if (gfd == -ENOENT) {
		VT_NOTE("/dev/vfio/%d does not exist", g);
		return 0;
	}
	/* a sibling on vfio-pci made the group node exist */
	VT_OK(gfd);
	{
		int cfd = vt_container_open();

		VT_OK(cfd);
		VT_OK(vt_group_set_container(gfd, cfd));
		VT_OK(vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU));
		VT_ERRNO(vt_device_open(gfd, argv[1]), ENODEV);
		close(gfd);
		close(cfd);
	}
	return 0;
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Read a BAR0 id register at @p; 0 if it faulted (SIGBUS), 1 if it read. */
static int ptr_readable(volatile uint32_t *p, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int readable = 0;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1)) {
		*val = *p;
		readable = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	return readable;
}

/* Read BAR0's id register; 0 if it faulted (SIGBUS), 1 if it read. */
static int bar_readable(struct vt_dev *d, uint32_t *val)
{
	return ptr_readable((volatile uint32_t *)(d->bar0 + EDU_ID), val);
}

/* COMMAND register of the physical device, read through sysfs. */
static int phys_command(const char *bdf)
{
	char path[128];
	uint16_t cmd;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, &cmd, 2, PCI_COMMAND);
	close(fd);
	return n == 2 ? cmd : -EIO;
}

/* An ioeventfd that writes @val to BAR0 offset @off of @d. */
static int bar_ioeventfd(struct vt_dev *d, uint32_t off, uint32_t val)
{
	struct vfio_device_ioeventfd ie = {
		.argsz = sizeof(ie),
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = off,		/* BAR0 is region 0 at offset 0 */
		.data = val,
	};
	int efd = eventfd(0, 0);

	if (efd < 0)
		return -errno;
	ie.fd = efd;
	if (ioctl(d->dfd, VFIO_DEVICE_IOEVENTFD, &ie)) {
		close(efd);
		return -errno;
	}
	return efd;
}

/*
 * The physical group's DMA ownership went with the revoke: vfio-pci device
 * @bdf binds to an iommufd, a victim page at 0x700000 in its IOAS.  The
 * revoked mdev's ioeventfd @efd (armed for a DMA to 0x700000) fires: the
 * victim page stays zero.
 */
static int revoked_vs_iommufd(const char *bdf, int efd)
{
	uint8_t *victim = vt_alloc(PG);
	uint64_t one = 1;
	struct vt_dev s;
	struct ifd f;
	int i;

	VT_ASSERT(victim, "alloc");
	VT_OK(ifd_open(&f));
	if (vt_pci_open_iommufd(&s, bdf, &f))
		return 1;
	VT_OK(ifd_map(&f, victim, 0x700000, PG));
	VT_ASSERT(write(efd, &one, 8) == 8, "eventfd write");
	/* as long as a DMA that works is given (edu runs it after 100 ms) */
	usleep(1000000);
	for (i = 0; i < PG; i++)
		VT_ASSERT(!victim[i], "the revoked mdev's DMA wrote byte %d of the iommufd user's page",
			  i);
	VT_NOTE("the group-mate bound to iommufd after the revoke: the mdev's armed DMA wrote nothing to its page");
	VT_OK(ifd_unmap(&f, 0x700000, PG));
	vt_dev_close(&s);
	close(f.fd);
	vt_free(victim, PG);
	return 0;
}

/*
 * mdev.revoke PCI MDEV: the vfio-pci group leaves its container before
 * the mdev that shares its physical group: the mdev is revoked.  Then the
 * device is unreachable: ops fail with ENODEV, BAR0 mapped before faults
 * (SIGBUS), an ioeventfd armed before (a DMA start to RAM) writes nothing,
 * the physical device has bus mastering and memory decode off; once
 * closed, the mdev opens and works again.  With "iommufd" (a kernel with
 * iommufd), the group-mate then binds to an iommufd whose IOAS holds a
 * victim page at the IOVA the armed ioeventfd's DMA writes to: the revoked
 * mdev's user fires it, and the victim page stays zero.
 */
static int t_revoke(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(PG), *src = vt_alloc(PG);
	uint64_t one = 1;
	struct vt_dev p, m;
	uint32_t id;
	uint16_t cmd = 0;
	int cfd, efd, i, pc;

	VT_ASSERT((argc == 3 || (argc == 4 && !strcmp(argv[3], "iommufd"))) &&
		  buf && src, "usage: PCI MDEV [iommufd] / alloc");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (vt_open_pci(&p, -1, argv[1]) || vt_open_mdev(&m, p.cfd, UUID_B))
		return 1;
	if (vt_dma_check(&m, 0x400000, 51))
		return 1;
	/* arm: device buffer holds a pattern; DMA_CMD write -> buffer to RAM */
	vt_fill(src, LEN, 52);
	VT_OK(vt_map(m.cfd, src, 0x600000, PG));
	VT_OK(vt_map(m.cfd, buf, 0x700000, PG));
	VT_OK(edu_dma(&m, 0x600000, LEN, 0, 0));
	edu_wr64(&m, EDU_DMA_SRC, EDU_BUF_ADDR);
	edu_wr64(&m, EDU_DMA_DST, 0x700000);
	edu_wr64(&m, EDU_DMA_CNT, LEN);
	efd = bar_ioeventfd(&m, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_TO_RAM);
	VT_OK(efd);
	VT_ASSERT(write(efd, &one, 8) == 8, "eventfd write");
	for (i = 0; i < 100 && memcmp(buf, src, LEN); i++)
		usleep(10000);
	VT_ASSERT(!memcmp(buf, src, LEN), "the armed ioeventfd did not start the DMA");
	memset(buf, 0, PG);
	VT_NOTE("ioeventfd armed: one write ran a DMA into RAM");

	cfd = p.cfd;
	p.own_container = 0;
	vt_dev_close(&p);
	VT_ASSERT(vt_klog_contains("DMA is revoked", NULL),
		  "no revocation message in the kernel log");
	VT_ERRNO(vt_cfg_read(&m, 4, &cmd, 2), ENODEV);
	cmd = 0x6;
	VT_ERRNO(vt_cfg_write(&m, 4, &cmd, 2), ENODEV);
	VT_ERRNO(ioctl(m.dfd, VFIO_DEVICE_RESET) ? -errno : 0, ENODEV);
	VT_ASSERT(!bar_readable(&m, &id), "BAR0 still readable after revoke (id %#x)",
		  id);
	pc = phys_command(argv[2]);
	VT_ASSERT(pc >= 0 && !(pc & (PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY)),
		  "physical COMMAND %#x: bus master or memory decode on", pc);
	VT_ASSERT(write(efd, &one, 8) == 8, "eventfd write");
	/* as long as a DMA that works is given (edu runs it after 100 ms) */
	usleep(1000000);
	for (i = 0; i < PG; i++)
		VT_ASSERT(!buf[i], "the ioeventfd's DMA wrote byte %d after revoke", i);
	pc = phys_command(argv[2]);
	VT_ASSERT(pc >= 0 && !(pc & PCI_COMMAND_MASTER),
		  "bus mastering back on (%#x)", pc);
	VT_NOTE("revoked: ENODEV, BAR0 faults, ioeventfd wrote nothing, COMMAND %#x",
		pc);
	if (argc == 4 && revoked_vs_iommufd(argv[1], efd))
		return 1;
	close(efd);
	vt_dev_close(&m);
	close(cfd);
	/* reopening the mdev works again */
	if (vt_open_mdev(&m, -1, UUID_B) || vt_dma_check(&m, 0x100000, 53))
		return 1;
	vt_dev_close(&m);
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[1], ""));
	vt_free(buf, PG);
	vt_free(src, PG);
	/* a lost access redone here could have been the revoke at work */
	VT_ASSERT(!edu_redos, "edu: %u lost MMIO accesses redone during a revoke case",
		  edu_redos);
	return 0;
}

/* A thread moving a BAR mapping between two places until told to stop. */
static struct {
	void *at[2];
	size_t size;
	atomic_int stop, moves, where;
} pp;

static void *pingpong(void *arg)
{
	(void)arg;
	while (!atomic_load(&pp.stop)) {
		int w = atomic_load(&pp.where);

		if (mremap(pp.at[w], pp.size, pp.size,
			   MREMAP_MAYMOVE | MREMAP_FIXED, pp.at[!w]) == MAP_FAILED)
			break;
		atomic_store(&pp.where, !w);
		atomic_fetch_add(&pp.moves, 1);
	}
	return NULL;
}

/*
 * mdev.revoke_moved PCI MDEV: BAR0 of the mdev mapped four ways before the
 * revoke: the original mapping (touched), a second one touched and then
 * moved by mremap(MREMAP_MAYMOVE | MREMAP_FIXED), a third never touched,
 * and both touched ones inherited by a forked child; a fifth is moved back
 * and forth by a thread all along.  The vfio-pci group of the same
 * physical group leaves the container first: the revoke completes while
 * the thread keeps moving, and every mapping, in the parent and in the
 * child, faults (SIGBUS) from then on.
 */
static int t_revoke_moved(int argc, char **argv)
{
	volatile uint32_t *moved, *never, *orig;
	int go[2], res[2], cfd, st;
	char x = 0, child_res[2];
	struct vt_dev p, m;
	uint32_t id = 0;
	void *second, *hole;
	pthread_t mover;
	size_t size;
	pid_t kid;
	int n;

	VT_ASSERT(argc == 3, "usage: PCI MDEV");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (vt_open_pci(&p, -1, argv[1]) || vt_open_mdev(&m, p.cfd, UUID_B))
		return 1;
	size = m.bar0_size;
	orig = (volatile uint32_t *)m.bar0;
	VT_ASSERT(*orig == 0x010000ed, "BAR0 id %#x", *orig);
	second = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.dfd, 0);
	VT_ASSERT(second != MAP_FAILED, "mmap BAR0: %s", strerror(errno));
	VT_ASSERT(*(volatile uint32_t *)second == 0x010000ed, "second mapping");
	hole = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(hole != MAP_FAILED, "mmap a hole");
	moved = mremap(second, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	VT_ASSERT(moved != MAP_FAILED && (void *)moved == hole, "mremap: %s",
		  strerror(errno));
	VT_ASSERT(*moved == 0x010000ed, "the moved mapping reads %#x", *moved);
	never = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.dfd, 0);
	VT_ASSERT(never != MAP_FAILED, "mmap BAR0: %s", strerror(errno));
	pp.size = size;
	pp.at[0] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.dfd, 0);
	pp.at[1] = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(pp.at[0] != MAP_FAILED && pp.at[1] != MAP_FAILED, "mmap");
	VT_ASSERT(*(volatile uint32_t *)pp.at[0] == 0x010000ed, "fifth mapping");
	VT_OK(pipe(go) || pipe(res) ? -errno : 0);
	kid = fork();
	VT_ASSERT(kid >= 0, "fork");
	if (!kid) {
		/* keep only the mappings: the groups must leave with the parent's fds */
		alarm(30);
		munmap((void *)p.bar0, p.bar0_size);
		for (st = 3; st < 1024; st++)
			if (st != go[0] && st != res[1])
				close(st);
		if (write(res[1], "r", 1) != 1 || read(go[0], &x, 1) != 1)
			_exit(2);
		child_res[0] = ptr_readable(orig, &id) ? 'R' : 'F';
		child_res[1] = ptr_readable(moved, &id) ? 'R' : 'F';
		_exit(write(res[1], child_res, 2) == 2 ? 0 : 3);
	}
	VT_ASSERT(read(res[0], &x, 1) == 1 && x == 'r', "child not ready");
	VT_NOTE("BAR0 mapped, moved (%p), never touched (%p); child %d inherits them",
		(void *)moved, (void *)never, kid);

	VT_OK(-pthread_create(&mover, NULL, pingpong, NULL));
	while (atomic_load(&pp.moves) < 100)
		usleep(1000);
	cfd = p.cfd;
	p.own_container = 0;
	vt_dev_close(&p);
	n = atomic_load(&pp.moves);
	usleep(100000);
	atomic_store(&pp.stop, 1);
	pthread_join(mover, NULL);
	VT_ASSERT(atomic_load(&pp.moves) > n, "the mover stopped moving (%d moves)",
		  atomic_load(&pp.moves));
	VT_ASSERT(vt_klog_contains("DMA is revoked", NULL),
		  "no revocation message in the kernel log");
	VT_NOTE("revoked while a thread moved a mapping %d times", n);
	VT_ASSERT(!ptr_readable(pp.at[atomic_load(&pp.where)], &id),
		  "the mapping moved back and forth reads %#x after revoke", id);
	VT_ASSERT(!ptr_readable(orig, &id), "the original mapping reads %#x after revoke",
		  id);
	VT_ASSERT(!ptr_readable(moved, &id), "the moved mapping reads %#x after revoke",
		  id);
	VT_ASSERT(!ptr_readable(never, &id), "the untouched mapping reads %#x after revoke",
		  id);
	VT_ASSERT(write(go[1], &x, 1) == 1, "go");
	VT_ASSERT(read(res[0], child_res, 2) == 2, "child's result");
	VT_ASSERT(waitpid(kid, &st, 0) == kid && WIFEXITED(st) &&
		  !WEXITSTATUS(st), "child status %#x", st);
	VT_ASSERT(child_res[0] == 'F', "the child's inherited mapping read after revoke");
	VT_ASSERT(child_res[1] == 'F', "the child's inherited moved mapping read after revoke");
	VT_NOTE("after revoke: original, moved, untouched and the child's two inherited mappings fault");
	munmap((void *)moved, size);
	munmap((void *)never, size);
	munmap(pp.at[0], size);
	munmap(pp.at[1], size);
	vt_dev_close(&m);
	close(cfd);
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_ASSERT(!edu_redos, "edu: %u lost MMIO accesses redone during a revoke case",
		  edu_redos);
	return 0;
}

/*
 * mdev.split_disable BDF: BAR0 of an mdev mapped and touched, its second
 * page moved elsewhere (the mapping is split in three); the user turns
 * memory decode off in the command register: every piece faults
 * (vfio_pci_core's own zap reaches them: the driver must not hide a
 * populated piece from it); turned on again, every piece reads.
 */
static int t_split_disable(int argc, char **argv)
{
	uint8_t *bar, *moved, *hole;
	uint16_t cmd, off;
	struct vt_dev m;
	uint32_t id = 0;

	VT_ASSERT(argc == 2, "usage: BDF");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A) || vt_open_mdev(&m, -1, UUID_A))
		return 1;
	bar = (uint8_t *)m.bar0;
	VT_ASSERT(ptr_readable((volatile uint32_t *)bar, &id) && id == 0x010000ed,
		  "BAR0 id %#x", id);
	hole = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(hole != MAP_FAILED, "mmap a hole");
	moved = mremap(bar + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	VT_ASSERT(moved == hole, "mremap: %s", strerror(errno));
	VT_ASSERT(ptr_readable((volatile uint32_t *)(bar + 2 * PG), &id),
		  "the tail does not read before the disable");
	VT_ASSERT(ptr_readable((volatile uint32_t *)moved, &id),
		  "the moved page does not read before the disable");
	VT_OK(vt_cfg_read(&m, PCI_COMMAND, &cmd, 2));
	off = cmd & ~PCI_COMMAND_MEMORY;
	VT_OK(vt_cfg_write(&m, PCI_COMMAND, &off, 2));
	VT_ASSERT(!ptr_readable((volatile uint32_t *)bar, &id),
		  "the head reads %#x with memory decode off", id);
	VT_ASSERT(!ptr_readable((volatile uint32_t *)(bar + 2 * PG), &id),
		  "the tail reads %#x with memory decode off", id);
	VT_ASSERT(!ptr_readable((volatile uint32_t *)moved, &id),
		  "the moved page reads %#x with memory decode off", id);
	VT_OK(vt_cfg_write(&m, PCI_COMMAND, &cmd, 2));
	VT_ASSERT(ptr_readable((volatile uint32_t *)bar, &id) && id == 0x010000ed,
		  "the head does not read %#x after memory decode is back", id);
	VT_ASSERT(ptr_readable((volatile uint32_t *)(bar + 2 * PG), &id),
		  "the tail does not read after memory decode is back");
	VT_NOTE("memory decode off: head, tail and moved page of a split mapping fault; on: they read");
	munmap(moved, PG);
	vt_dev_close(&m);
	VT_OK(vt_mdev_remove(UUID_A));
	return 0;
}

/*
 * Within @ms: is @pid asleep (S or D) inside write(2)?  The removal or
 * unbind a child writes to sysfs then waits in the kernel for the mdev's
 * user, not merely takes long.
 */
static int wait_asleep(pid_t pid, int ms)
{
	char path[64], buf[256], *p;
	long nr;
	int i;

	for (i = 0; i < ms / 10; i++, usleep(10000)) {
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (vt_sysfs_read(path, buf, sizeof(buf)) < 0)
			return 0;
		p = strrchr(buf, ')');
		if (!p || (p[2] != 'S' && p[2] != 'D'))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
		if (vt_sysfs_read(path, buf, sizeof(buf)) < 0)
			return 0;
		nr = strtol(buf, NULL, 10);
		if (nr == SYS_write)
			return 1;
	}
	return 0;
}

/*
 * mdev.gone_open BDF HOW: unbind the parent ("unbind") or remove the PCI
 * device ("remove") while the mdev is open: the write waits until user
 * space closes, then completes; the device comes back and works.
 */
static int t_gone_open(int argc, char **argv)
{
	char path[256];
	struct vt_dev d;
	int status, i;
	pid_t pid;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	if (vt_make_mdev(argv[1], UUID_A) || vt_open_mdev(&d, -1, UUID_A))
		return 1;
	if (!strcmp(argv[2], "remove"))
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
			 argv[1]);
	else if (!strcmp(argv[2], "mdev"))
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove",
			 UUID_A);
	else
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/drivers/vfio-mdev-pci/unbind");
	pid = fork();
	VT_ASSERT(pid >= 0, "fork");
	if (!pid) {
		/* only the parent process may keep the mdev open */
		munmap((void *)d.bar0, d.bar0_size);
		close(d.dfd);
		close(d.gfd);
		close(d.cfd);
		_exit(vt_sysfs_write(path, strcmp(argv[2], "unbind") ?
				     "1" : argv[1]) ? 1 : 0);
	}
	/* the writer must be asleep in the kernel, not merely slow */
	VT_ASSERT(wait_asleep(pid, 5000), "%s neither returned nor slept in the kernel",
		  argv[2]);
	VT_ASSERT(waitpid(pid, &status, WNOHANG) == 0,
		  "%s returned while the mdev was open", argv[2]);
	VT_NOTE("%s waits (asleep in the kernel) while the mdev is open", argv[2]);
	vt_dev_close(&d);
	/* and returns once it is closed */
	for (i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(100000);
	VT_ASSERT(i < 100, "%s still waiting 10 s after the close", argv[2]);
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed",
		  argv[2]);
	VT_ASSERT(vt_mdev_group(UUID_A) == -ENOENT, "mdev survived");
	if (!strcmp(argv[2], "remove"))
		VT_OK(vt_sysfs_write("/sys/bus/pci/rescan", "1"));
	return mdev_works(argv[1], UUID_A, 61);
}

/*
 * Close @d and count the bus resets that followed: the kernel log line
 * vfio-mdev-pci prints for each (the log is cleared between cases).
 */
static int resets_seen;

static int close_and_count(struct vt_dev *d)
{
	int n;

	vt_dev_close(d);
	n = vt_klog_count("vfio-mdev-pci: bus reset between users", NULL);
	n -= resets_seen;
	resets_seen += n;
	return n;
}

/*
 * mdev.vf_parent PF: a VF whose PF is driven by the kernel (pci-pf-stub)
 * is a parent like any other: its mdev opens and answers config reads.
 * MMIO ioeventfds are refused there (EOPNOTSUPP, with a reason): revoke
 * stops them through the memory enable bit, which a VF does not have.
 */
static int t_vf_parent(int argc, char **argv)
{
	char vf[128];
	uint16_t id[2];
	struct vt_dev d;
	int r;

	VT_ASSERT(argc == 2, "usage");
	VT_OK(vt_pci_bind(argv[1], "pci-pf-stub"));
	if (vf_enable(argv[1], vf, sizeof(vf)))
		return 1;
	if (vt_make_mdev(vf, UUID_A))
		return 1;
	VT_OK(vt_dev_open(&d, -1, vt_mdev_group(UUID_A), UUID_A,
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_cfg_read(&d, 0, id, sizeof(id)));
	VT_NOTE("VF %s (%04x:%04x) of a pci-pf-stub PF: its mdev is open",
		vf, id[0], id[1]);
	r = bar_ioeventfd(&d, 0x14, 0);
	VT_ASSERT(r == -EOPNOTSUPP, "ioeventfd on a VF parent's mdev: %d", r);
	VT_ASSERT(vt_klog_contains("ioeventfds are not supported on a VF parent",
				   NULL), "no reason in the kernel log");
	vt_dev_close(&d);
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(vf, ""));
	VT_OK(vf_numvfs(argv[1], "0"));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

/*
 * mdev.reset A B: two edu devices without FLR on one bus (resettable only
 * by a bus reset), both vfio-mdev-pci parents.  Used mdevs: no bus reset
 * while one of them is open; one bus reset after the last closes (counted
 * by the kernel log line of each).  One mdev used while the other parent has no open mdev:
 * reset at its close.  The other device on vfio-pci: no reset (as vfio-pci
 * would not either), and the log says why.  PCI hot reset is refused with
 * ENODEV ("unsupported for device").
 */
static int t_reset(int argc, char **argv)
{
	struct vfio_pci_hot_reset_info info = { .argsz = sizeof(info) };
	struct vt_dev a, b, p;
	int n;

	VT_ASSERT(argc == 3, "usage");
	vt_mdev_remove_all();
	resets_seen = vt_klog_count("vfio-mdev-pci: bus reset between users",
				    NULL);
	if (vt_make_mdev(argv[1], UUID_A) || vt_make_mdev(argv[2], UUID_B))
		return 1;
	if (vt_open_mdev(&a, -1, UUID_A) || vt_open_mdev(&b, a.cfd, UUID_B))
		return 1;
	VT_ERRNO(ioctl(b.dfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info) ?
		 -errno : 0, ENODEV);
	if (vt_dma_check(&a, 0x100000, 111) || vt_dma_check(&b, 0x400000, 112))
		return 1;
	a.own_container = 0;
	n = close_and_count(&a);
	VT_ASSERT(n == 0, "%d bus resets while the other mdev was open", n);
	n = close_and_count(&b);
	VT_ASSERT(n == 1, "%d bus resets after the last mdev closed, expected 1", n);
	close(a.cfd);

	/* one user; the other parent idle */
	if (vt_open_mdev(&b, -1, UUID_B) || vt_dma_check(&b, 0x100000, 113))
		return 1;
	n = close_and_count(&b);
	VT_ASSERT(n == 1, "%d bus resets after the only user closed", n);

	/* the other device on vfio-pci: not reset, and said why */
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	if (vt_open_pci(&p, -1, argv[1]) || vt_open_mdev(&b, p.cfd, UUID_B))
		return 1;
	b.own_container = 0;
	n = close_and_count(&b);
	VT_ASSERT(n == 0, "bus reset under an open vfio-pci device");
	VT_ASSERT(vt_klog_contains("not reset between users", "bound to vfio-pci"),
		  "no log line saying why the bus was not reset");
	vt_dev_close(&p);
	VT_NOTE("bus reset after the last user of the bus; none under vfio-pci");
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}


/*
 * mdev.rmmod_open BDF: rmmod vfio_mdev_pci is refused while an mdev is
 * open, succeeds once it is closed (removing the mdev), and the driver
 * comes back and works.
 */
static int t_rmmod_open(int argc, char **argv)
{
	const char *refcnt = "/sys/module/vfio_iommu_mdev/refcnt";
	struct vt_dev d;
	long base, refs;

	VT_ASSERT(argc == 2, "usage");
	vt_mdev_remove_all();
	/*
	 * Idle: one reference per dependent module.  A container closed by
	 * an earlier case is freed an RCU Tasks grace period later: wait.
	 */
	base = vt_backend_holders();
	VT_ASSERT(vt_wait_long(refcnt, base, 10000) == base,
		  "backend refcnt %ld, %ld dependent modules", vt_sysfs_long(refcnt),
		  base);
	if (vt_make_mdev(argv[1], UUID_A) || vt_open_mdev(&d, -1, UUID_A))
		return 1;
	VT_ERRNO(syscall(SYS_delete_module, "vfio_mdev_pci", O_NONBLOCK) ?
		 -errno : 0, EWOULDBLOCK);
	/*
	 * The core's reference only (a container state holds none), over
	 * the idle count, which now has the mdev's.
	 */
	base = vt_backend_holders();
	refs = vt_sysfs_long(refcnt);
	VT_ASSERT(refs == base + 1, "backend refcnt %ld with a container set, idle %ld",
		  refs, base);
	vt_dev_close(&d);
	refs = vt_sysfs_long(refcnt);
	VT_ASSERT(refs == base, "backend refcnt %ld right after close, idle %ld",
		  refs, base);
	VT_OK(syscall(SYS_delete_module, "vfio_mdev_pci", O_NONBLOCK) ?
	      -errno : 0);
	VT_ASSERT(vt_mdev_group(UUID_A) == -ENOENT, "mdev survived rmmod");
	VT_OK(system("modprobe vfio_mdev_pci") == 0 ? 0 : -EIO);
	return mdev_works(argv[1], UUID_A, 71);
}

/* mdev.refuse BDF: what vfio-mdev-pci refuses to bind, with a reason. */
static int t_refuse(int argc, char **argv)
{
	VT_ASSERT(argc == 2, "usage");
	VT_ASSERT(vt_pci_bind(argv[1], "vfio-mdev-pci") < 0,
		  "vfio-mdev-pci bound to a bridge");
	VT_ASSERT(vt_klog_contains("vfio-mdev-pci: not a type 0", NULL),
		  "no reason in the kernel log");
	return vt_pci_bind(argv[1], "") ? 1 : 0;
}

/*
 * mdev.final BDF...: after a suite, nothing is left: no mdev, the backend
 * holds no container (its refcount is its dependent modules only), and
 * every listed device's group can be taken by vfio-pci again, with DMA.
 */
static int t_final(int argc, char **argv)
{
	struct dirent *e;
	long refs, holders;
	DIR *dir;
	int i;

	dir = opendir("/sys/bus/mdev/devices");
	VT_ASSERT(dir, "mdev bus");
	while ((e = readdir(dir)))
		VT_ASSERT(e->d_name[0] == '.', "mdev %s left", e->d_name);
	closedir(dir);
	holders = vt_backend_holders();
	VT_OK(holders);
	refs = vt_wait_long("/sys/module/vfio_iommu_mdev/refcnt", holders,
			    10000);
	VT_ASSERT(refs == holders, "backend refcnt %ld, %ld dependent modules: a container leaked",
		  refs, holders);
	for (i = 1; i < argc; i++) {
		if (pci_works(argv[i], 90 + i))
			return 1;
	}
	return 0;
}

const struct vt_case mdev_cases[] = {
	{ "final", t_final, "BDF..." },
	{ "sysfs", t_sysfs, "BDF SINGLETON(0|1)" },
	{ "dma", t_dma, "BDF [reset]" },
	{ "shared_one", t_shared_one, "BDF_A BDF_B a|b" },
	{ "shared_two", t_shared_two, "BDF_A BDF_B" },
	{ "mixed_one", t_mixed_one, "PCI_BDF MDEV_BDF" },
	{ "mixed_two", t_mixed_two, "PCI_BDF MDEV_BDF" },
	{ "kdrv", t_kdrv, "EDU_BDF NIC_BDF" },
	{ "host_open", t_host_open, "BDF" },
	{ "revoke", t_revoke, "PCI_BDF MDEV_BDF [iommufd]" },
	{ "revoke_moved", t_revoke_moved, "PCI_BDF MDEV_BDF" },
	{ "split_disable", t_split_disable, "BDF" },
	{ "gone_open", t_gone_open, "BDF unbind|remove|mdev" },
	{ "rmmod_open", t_rmmod_open, "BDF" },
	{ "refuse", t_refuse, "BRIDGE_BDF" },
	{ "isolation", t_isolation, "PCI_BDF MDEV_BDF" },
	{ "unserved", t_unserved, "BDF" },
	{ "claimed", t_claimed, "PCI_BDF MDEV_BDF" },
	{ "vf", t_vf, "PF_BDF (SR-IOV capable)" },
	{ "noir", t_noir, "BDF (a guest without interrupt remapping)" },
	{ "vf_parent", t_vf_parent, "PF_BDF (SR-IOV capable)" },
	{ "reset", t_reset, "BDF_A BDF_B (one bus, no FLR)" },
	{ NULL, NULL, NULL },
};
