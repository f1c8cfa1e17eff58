// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "hotplug": events from outside the guest under an open mdev.  The
 * outer QEMU removes the parent (device_del) or injects a PCIe error into
 * it (pcie_aer_inject_error); the case asks the host for the command with
 * a "BED: HMP ..." line on the console (hp_hmp; tests/bed/hmp.sh runs it)
 * and watches sysfs, its eventfds and the kernel log for the effect.
 * Arguments are from tests/bed/bed.conf.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vt.h"

#define UUID_H	"55555555-6666-7777-8888-999999999991"
#define PG	4096
#define LEN	2048
#define IOVA	0x100000ULL
#define REFCNT	"/sys/module/vfio_iommu_mdev/refcnt"

/*
 * Ask the host to run HMP command @fmt on the outer QEMU's monitor.  The
 * line goes straight to the console: the case's stdout reaches the
 * console log only after the case.
 */
static int hp_hmp(const char *fmt, ...)
{
	char cmd[256], line[300];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "\nBED: HMP %s\n", cmd);
	fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (write(fd, line, n) != n) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	VT_NOTE("asked the host's monitor: %s", cmd);
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int pci_present(const char *bdf)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return access(path, F_OK) == 0;
}

/*
 * Wait until @bdf is (@present) or is not in sysfs: ms waited or
 * -ETIMEDOUT.  A hot-added device shows in sysfs before the hotplug
 * driver has finished adding it (drivers cannot bind yet): the driver
 * adds it under the PCI rescan/remove lock, which a write to
 * /sys/bus/pci/rescan takes too, so once that write returns the device is
 * fully added.
 */
static long wait_pci(const char *bdf, int present, long ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pci_present(bdf) != present) {
		if (ms_since(&t0) > ms)
			return -ETIMEDOUT;
		usleep(50000);
	}
	if (present && vt_sysfs_write("/sys/bus/pci/rescan", "1"))
		return -EIO;
	return ms_since(&t0);
}

/* Wait until the kernel log has @n lines with @needle: 0 or -ETIMEDOUT. */
static int wait_klog(const char *needle, int n, long ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (vt_klog_count(needle, NULL) < n) {
		if (ms_since(&t0) > ms)
			return -ETIMEDOUT;
		usleep(100000);
	}
	return 0;
}


static int open_mdev(struct vt_dev *d, const char *bdf, const char *uuid)
{
	int g;

	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(bdf, uuid));
	g = vt_mdev_group(uuid);
	VT_ASSERT(g >= 0, "mdev %s has no iommu_group (%d)", uuid, g);
	VT_OK(vt_dev_open(d, -1, g, uuid, VFIO_TYPE1v2_IOMMU));
	return 0;
}

/* RAM(IOVA) -> edu -> RAM(IOVA + PG) through mapped @src/@dst; compare. */
static int roundtrip(struct vt_dev *d, uint8_t *src, uint8_t *dst,
		     uint32_t seed)
{
	vt_fill(src, LEN, seed);
	memset(dst, 0, PG);
	VT_OK(edu_roundtrip(d, IOVA, IOVA + PG, LEN));
	VT_ASSERT(!memcmp(src, dst, LEN), "DMA round trip %u: bytes differ",
		  seed);
	return 0;
}

/* @bdf on vfio-pci (@mdev 0) or as a fresh mdev does DMA; then unbound. */
static int works(const char *bdf, int mdev, uint32_t seed)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	struct vt_dev d;

	VT_ASSERT(src && dst, "alloc");
	if (mdev) {
		if (open_mdev(&d, bdf, UUID_H))
			return 1;
	} else {
		VT_OK(vt_pci_bind(bdf, "vfio-pci"));
		VT_OK(vt_dev_open(&d, -1, vt_pci_group(bdf), bdf,
				  VFIO_TYPE1v2_IOMMU));
	}
	VT_OK(vt_enable_bus_master(&d));
	VT_OK(vt_map(d.cfd, src, IOVA, PG));
	VT_OK(vt_map(d.cfd, dst, IOVA + PG, PG));
	if (roundtrip(&d, src, dst, seed))
		return 1;
	vt_dev_close(&d);
	if (mdev)
		VT_OK(vt_mdev_remove(UUID_H));
	VT_OK(vt_pci_bind(bdf, ""));
	vt_free(src, PG);
	vt_free(dst, PG);
	VT_NOTE("%s: DMA through %s works", bdf, mdev ? "an mdev" : "vfio-pci");
	return 0;
}

/*
 * hotplug.unplug BDF QEMU_ID QEMU_DEVICE OTHER good|late: the mdev of BDF
 * is open, mapped and doing DMA when the outer QEMU removes BDF
 * (device_del QEMU_ID).  The guest kernel's hot-unplug unbinds
 * vfio-mdev-pci, which removes the mdev, which waits for its user: the
 * VFIO core signals the request eventfd (VFIO_PCI_REQ_IRQ_INDEX) and, if
 * the user keeps the device, again every 10 s.  "good": the case acts as
 * a VMM does, stops its DMA and closes the device at the first request;
 * "late": it keeps using the device for 12 s more (the removal waits, the
 * device and another device keep working) and only then closes it.  The
 * device then leaves sysfs; the group and container fds the user kept get
 * errors; the backend has dropped the physical group (its module refcount
 * is back to idle while those fds are still open); another device does DMA;
 * after device_add QEMU_DEVICE the device comes back and an mdev of it does
 * DMA.
 */
static int t_unplug(int argc, char **argv)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG), *more = vt_alloc(PG);
	const char *bdf, *other;
	struct timespec t0;
	struct vt_dev d;
	long base, n, reqs = 0, ms, first = -1;
	int late, req, trips = 0, r;
	uint64_t u;

	VT_ASSERT(argc == 6 && src && dst && more, "usage / alloc");
	bdf = argv[1];
	other = argv[4];
	late = !strcmp(argv[5], "late");
	VT_ASSERT(pci_present(bdf), "%s not present", bdf);
	vt_mdev_remove_all();
	base = vt_backend_holders();
	VT_ASSERT(vt_wait_long(REFCNT, base, 10000) == base,
		  "backend refcnt %ld, idle is %ld", vt_sysfs_long(REFCNT), base);
	if (open_mdev(&d, bdf, UUID_H))
		return 1;
	VT_OK(vt_enable_bus_master(&d));
	VT_OK(vt_map(d.cfd, src, IOVA, PG));
	VT_OK(vt_map(d.cfd, dst, IOVA + PG, PG));
	if (roundtrip(&d, src, dst, 1))
		return 1;
	/*
	 * The VFIO core's reference while set (a container state holds
	 * none) over the idle count, which has the mdev's now.
	 */
	VT_ASSERT(vt_sysfs_long(REFCNT) == vt_backend_holders() + 1,
		  "backend refcnt %ld with a container, idle %ld",
		  vt_sysfs_long(REFCNT), vt_backend_holders());
	req = vt_irq_eventfd(&d, VFIO_PCI_REQ_IRQ_INDEX);
	VT_OK(req);

	VT_OK(hp_hmp("device_del %s", argv[2]));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the VMM's loop: DMA until the kernel asks for the device back */
	for (;;) {
		if (roundtrip(&d, src, dst, 2 + trips))
			return 1;
		trips++;
		n = vt_eventfd_wait(req, 0);
		VT_OK(n);
		if (n && first < 0)
			first = ms_since(&t0);
		reqs += n;
		if (reqs && (!late || ms_since(&t0) > first + 12000))
			break;
		VT_ASSERT(ms_since(&t0) < 30000,
			  "no request on the eventfd 30 s after device_del (%d DMA round trips)",
			  trips);
	}
	VT_NOTE("request eventfd fired %ld ms after device_del; %d DMA round trips correct until %ld ms",
		first, trips, ms_since(&t0));
	VT_ASSERT(pci_present(bdf), "%s removed while its mdev is open", bdf);
	if (late) {
		VT_ASSERT(reqs >= 2, "asked %ld times in 12 s: expected again after 10 s",
			  reqs);
		VT_ASSERT(vt_klog_contains("Relaying device request to user (#0)", NULL),
			  "no 'Relaying device request to user' in the kernel log");
		VT_NOTE("ignored: asked %ld times; the removal waits, the device works",
			reqs);
		/* the rest of the system while the removal waits */
		if (works(other, 0, 100))
			return 1;
	}

	/* give the device back as a VMM does; keep group and container */
	munmap((void *)d.bar0, d.bar0_size);
	close(d.dfd);
	close(req);
	ms = wait_pci(bdf, 0, 30000);
	VT_ASSERT(ms >= 0, "%s still present 30 s after its mdev was closed", bdf);
	VT_NOTE("%s gone %ld ms after the close", bdf, ms);
	VT_ASSERT(vt_mdev_group(UUID_H) == -ENOENT, "mdev %s survived", UUID_H);

	/*
	 * The fds the user still holds: the core detached the group from the
	 * container at the removal (the last device of an emulated group) and,
	 * the container's last group gone, released the backend's state.
	 */
	VT_ERRNO(vt_group_status(d.gfd), ENODEV);
	r = vt_device_open(d.gfd, UUID_H);
	if (r >= 0)
		close(r);
	VT_ERRNO(r, ENODEV);
	VT_ERRNO(vt_map(d.cfd, more, 0x200000, PG), EINVAL);
	VT_ERRNO(vt_unmap(d.cfd, IOVA, 2 * PG, 0, &u), EINVAL);
	VT_NOTE("kept fds: group GET_STATUS and GET_DEVICE_FD ENODEV, container MAP/UNMAP_DMA EINVAL");
	n = vt_wait_long(REFCNT, base, 10000);
	VT_ASSERT(n == base, "backend refcnt %ld with the fds kept, idle %ld: container state not dropped",
		  n, base);
	close(d.gfd);
	close(d.cfd);
	VT_ASSERT(vt_sysfs_long(REFCNT) == base, "backend refcnt %ld after close",
		  vt_sysfs_long(REFCNT));
	VT_NOTE("backend idle (refcnt %ld) while the container fd was still open",
		base);
	if (!late && works(other, 0, 101))
		return 1;

	/* plugged back with the same id */
	VT_OK(hp_hmp("device_add %s", argv[3]));
	ms = wait_pci(bdf, 1, 30000);
	VT_ASSERT(ms >= 0, "%s not back 30 s after device_add", bdf);
	VT_NOTE("%s back %ld ms after device_add", bdf, ms);
	if (works(bdf, 1, 102))
		return 1;
	VT_ASSERT(vt_wait_long(REFCNT, base, 10000) == base, "backend refcnt %ld, idle %ld",
		  vt_sysfs_long(REFCNT), base);
	vt_free(src, PG);
	vt_free(dst, PG);
	vt_free(more, PG);
	return 0;
}

/* Offset of PCI capability @id in the mdev's config space, or -errno. */
static int find_cap(struct vt_dev *d, uint8_t id)
{
	uint8_t pos, hdr[2];
	int i;

	VT_OK(vt_cfg_read(d, PCI_CAPABILITY_LIST, &pos, 1));
	for (i = 0; pos >= 0x40 && i < 48; i++) {
		if (vt_cfg_read(d, pos, hdr, 2))
			return -EIO;
		if (hdr[0] == id)
			return pos;
		pos = hdr[1];
	}
	return -ENOENT;
}

/* Offset of extended capability @id in @bdf's config space (sysfs). */
static int find_ext_cap(const char *bdf, uint16_t id)
{
	char path[128];
	uint32_t hdr;
	int fd, pos = 0x100, i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	for (i = 0; pos >= 0x100 && i < 64; i++) {
		if (pread(fd, &hdr, 4, pos) != 4 || !hdr)
			break;
		if ((hdr & 0xffff) == id) {
			close(fd);
			return pos;
		}
		pos = hdr >> 20;
	}
	close(fd);
	return -ENOENT;
}

/*
 * Open mdev @uuid of @bdf in a new container without mapping a BAR (a
 * modern virtio device has no BAR0): config space only.
 */
static int open_mdev_cfg(struct vt_dev *d, const char *bdf, const char *uuid)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_CONFIG_REGION_INDEX };
	int g;

	memset(d, 0, sizeof(*d));
	d->cfd = d->gfd = d->dfd = -1;
	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(bdf, uuid));
	g = vt_mdev_group(uuid);
	VT_ASSERT(g >= 0, "mdev %s has no iommu_group (%d)", uuid, g);
	d->gfd = vt_group_open(g);
	VT_OK(d->gfd);
	d->cfd = vt_container_open();
	VT_OK(d->cfd);
	d->own_container = 1;
	VT_OK(vt_group_set_container(d->gfd, d->cfd));
	VT_OK(vt_set_iommu(d->cfd, VFIO_TYPE1v2_IOMMU));
	d->dfd = vt_device_open(d->gfd, uuid);
	VT_OK(d->dfd);
	VT_OK(ioctl(d->dfd, VFIO_DEVICE_GET_REGION_INFO, &ri) ? -errno : 0);
	d->cfg_off = ri.offset;
	return 0;
}

/* Set @bits in the 16-bit config register @off of @bdf (sysfs, as setpci). */
static int phys_cfg_set16(const char *bdf, int off, uint16_t bits)
{
	char path[128];
	uint16_t v;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &v, 2, off) != 2)
		r = -EIO;
	v |= bits;
	if (!r && pwrite(fd, &v, 2, off) != 2)
		r = -EIO;
	close(fd);
	return r;
}

#define AER_OK	"AER: device recovery successful"
#define AER_SIG	"PCI error (channel state 1): signalled to the mdev's user"

/*
 * hotplug.aer BDF QEMU_ID: a PCIe endpoint with AER (QEMU's virtio-rng
 * with aer=on, behind its own root port) as an mdev parent, the mdev open
 * with its error eventfd (VFIO_PCI_ERR_IRQ_INDEX) armed and, as a guest
 * driver would, error reporting (Device Control) and SERR# (Command)
 * enabled through the mdev's config space (QEMU 7.2 forwards an error
 * message only with both).  The outer QEMU injects an uncorrectable
 * non-fatal error (poisoned TLP): the eventfd fires, the AER core recovers
 * ("device recovery successful"), the device still answers (config
 * space).  Injected again with the mdev closed: recovery, nobody
 * signalled.  (No correctable error: QEMU 7.2 never forwards one.)
 */
static int t_aer(int argc, char **argv)
{
	uint16_t id[2], devctl, cmd, want[2];
	struct vt_dev d;
	char path[128];
	int aer, pcie, efd, fd;
	long n;

	VT_ASSERT(argc == 3, "usage");
	aer = find_ext_cap(argv[1], PCI_EXT_CAP_ID_ERR);
	VT_ASSERT(aer > 0, "%s has no AER capability (%d)", argv[1], aer);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", argv[1]);
	fd = open(path, O_RDONLY);
	VT_ASSERT(fd >= 0 && pread(fd, want, 4, 0) == 4, "read %s", path);
	close(fd);
	vt_mdev_remove_all();
	if (open_mdev_cfg(&d, argv[1], UUID_H))
		return 1;
	efd = vt_irq_eventfd(&d, VFIO_PCI_ERR_IRQ_INDEX);
	VT_OK(efd);
	pcie = find_cap(&d, PCI_CAP_ID_EXP);
	VT_ASSERT(pcie > 0, "no PCIe capability through the mdev (%d)", pcie);
	VT_OK(vt_cfg_read(&d, pcie + PCI_EXP_DEVCTL, &devctl, 2));
	VT_OK(vt_cfg_read(&d, PCI_COMMAND, &cmd, 2));
	VT_NOTE("AER capability at %#x; Device Control %#x, Command %#x", aer,
		devctl, cmd);
	devctl |= PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
		  PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE;
	VT_OK(vt_cfg_write(&d, pcie + PCI_EXP_DEVCTL, &devctl, 2));
	VT_OK(vt_cfg_read(&d, pcie + PCI_EXP_DEVCTL, &devctl, 2));
	VT_ASSERT((devctl & 0xf) == 0xf, "error reporting not enabled: Device Control %#x",
		  devctl);
	cmd |= PCI_COMMAND_SERR;
	VT_OK(vt_cfg_write(&d, PCI_COMMAND, &cmd, 2));
	VT_OK(vt_cfg_read(&d, PCI_COMMAND, &cmd, 2));
	VT_ASSERT(cmd & PCI_COMMAND_SERR, "SERR# not enabled: Command %#x", cmd);

	/* uncorrectable, non-fatal: poisoned TLP */
	VT_OK(hp_hmp("pcie_aer_inject_error %s POISON_TLP", argv[2]));
	n = vt_eventfd_wait(efd, 20000);
	VT_ASSERT(n > 0, "error eventfd did not fire 20 s after the injection (%ld)",
		  n);
	VT_ASSERT(!wait_klog(AER_OK, 1, 20000), "no '%s' in the kernel log", AER_OK);
	VT_ASSERT(vt_klog_contains("PCIe Bus Error: severity=Uncorrect", NULL),
		  "no uncorrected error in the kernel log");
	VT_ASSERT(vt_klog_count(AER_SIG, NULL) == 1, "%d '%s' lines",
		  vt_klog_count(AER_SIG, NULL), AER_SIG);
	VT_OK(vt_cfg_read(&d, 0, id, 4));
	VT_ASSERT(id[0] == want[0] && id[1] == want[1],
		  "config space after recovery: %04x:%04x, expected %04x:%04x",
		  id[0], id[1], want[0], want[1]);
	VT_OK(vt_cfg_read(&d, pcie + PCI_EXP_DEVCTL, &devctl, 2));
	VT_NOTE("error eventfd fired; recovered; %04x:%04x answers, Device Control %#x",
		id[0], id[1], devctl);
	close(efd);
	vt_dev_close(&d);

	/* nobody to tell: recovery proceeds all the same */
	VT_OK(phys_cfg_set16(argv[1], PCI_COMMAND, PCI_COMMAND_SERR));
	VT_OK(phys_cfg_set16(argv[1], pcie + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_NFERE));
	VT_OK(hp_hmp("pcie_aer_inject_error %s POISON_TLP", argv[2]));
	VT_ASSERT(!wait_klog(AER_OK, 2, 20000), "no second '%s'", AER_OK);
	VT_ASSERT(vt_klog_count(AER_SIG, NULL) == 1, "signalled with the mdev closed");
	VT_NOTE("with the mdev closed: recovered, nobody signalled");
	VT_OK(vt_mdev_remove(UUID_H));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

const struct vt_case hotplug_cases[] = {
	{ "unplug", t_unplug, "BDF QEMU_ID QEMU_DEVICE OTHER_BDF good|late" },
	{ "aer", t_aer, "BDF QEMU_ID" },
	{ NULL, NULL, NULL },
};
