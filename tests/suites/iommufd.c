// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "iommufd": a kernel built with CONFIG_IOMMUFD next to the VFIO
 * container (Ubuntu 24.04, Proxmox VE, RHEL 9; the bed's kernel of
 * mk/kernels/iommufd.sh).  There a VFIO device can also be bound to an
 * iommufd: through its cdev (/dev/vfio/devices/vfioN,
 * VFIO_DEVICE_BIND_IOMMUFD) or through its group set to an iommufd instead
 * of a container (the "group" route).  An mdev of vfio-mdev-pci binds its
 * parent there, so its DMA goes through the parent's IOMMU group in the
 * user's IOAS; a physical group never reaches two users, whichever of
 * iommufd contexts and containers hold it: each refusal is followed by a
 * check of the holder's memory, byte for byte.
 *
 * The iommufd and VFIO cdev helpers are in tests/lib/ifd.c.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vt.h"

#define PG	4096
#define LEN	2048

static const char *const UUID_A = "1f0d0000-0000-4000-8000-0000000000a1";
static const char *const UUID_B = "1f0d0000-0000-4000-8000-0000000000b2";

/* RAM -> edu -> RAM through @f's IOAS at @iova; bytes compared. */
static int ifd_dma_check(struct vt_dev *d, struct ifd *f, uint64_t iova,
			 uint32_t seed)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);

	VT_ASSERT(src && dst, "alloc");
	vt_fill(src, LEN, seed);
	VT_OK(ifd_map(f, src, iova, PG));
	VT_OK(ifd_map(f, dst, iova + PG, PG));
	VT_OK(edu_roundtrip(d, iova, iova + PG, LEN));
	VT_ASSERT(!memcmp(src, dst, LEN), "bytes differ through the IOAS");
	VT_OK(ifd_unmap(f, iova, 2 * PG));
	vt_free(src, PG);
	vt_free(dst, PG);
	return 0;
}

/* Every pin of the case released (iommufd unpins as its objects go). */
static int pins_back(long long pins0)
{
	long long p = vt_pins(NULL);
	int i;

	VT_OK(pins0);
	for (i = 0; i < 50 && p != pins0; i++) {
		usleep(100000);
		p = vt_pins(NULL);
	}
	VT_ASSERT(p == pins0, "%lld pages pinned, %lld before", p, pins0);
	return 0;
}

static int make_mdev(const char *bdf)
{
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(bdf, UUID_A));
	return 0;
}

/* Is module @name loaded? */
static int loaded(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	FILE *f = fopen("/proc/modules", "r");
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			found = 1;
	if (f)
		fclose(f);
	return found;
}

/*
 * Open mdev @uuid bound to @f by @route: "cdev" (its VFIO cdev bound and
 * attached to @f's IOAS) or "group" (its group set to @f, @f's IOAS made
 * the compat IOAS).  0 or -errno.
 */
static int mdev_open(struct vt_dev *d, const char *uuid, struct ifd *f,
		     const char *route)
{
	char sysdir[128];

	if (!strcmp(route, "group"))
		return vt_group_open_iommufd(d, vt_mdev_group(uuid), uuid, f);
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/mdev/devices/%s", uuid);
	return vt_cdev_open_iommufd(d, sysdir, f);
}

/*
 * After IOMMU_IOAS_UNMAP of a page, a DMA to its IOVA does not reach it:
 * the device's buffer is loaded from a mapped page, the page at @iova is
 * mapped, written once by the device (the positive control), unmapped and
 * cleared; the same DMA again leaves it clear.
 */
static int unmap_stops_dma(struct vt_dev *d, struct ifd *f, uint64_t iova)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	int i;

	VT_ASSERT(src && dst, "alloc");
	vt_fill(src, LEN, 0x77);
	VT_OK(ifd_map(f, src, iova, PG));
	VT_OK(ifd_map(f, dst, iova + PG, PG));
	VT_OK(edu_roundtrip(d, iova, iova + PG, LEN));
	VT_ASSERT(!memcmp(src, dst, LEN), "the positive control's bytes differ");
	VT_OK(ifd_unmap(f, iova + PG, PG));
	memset(dst, 0, PG);
	edu_dma(d, iova + PG, LEN, 1, 0);
	for (i = 0; i < PG; i++)
		VT_ASSERT(!dst[i], "byte %d of the unmapped page written by DMA",
			  i);
	VT_OK(ifd_unmap(f, iova, PG));
	vt_free(src, PG);
	vt_free(dst, PG);
	return 0;
}

/*
 * iommufd.dma ROUTE BDF: the mdev of BDF bound to an iommufd by ROUTE does
 * DMA through the IOAS (bytes compared), and not to a page after its
 * unmap; closed, nothing stays pinned.  Then the same mdev in a VFIO
 * container: served by vfio_iommu_mdev where it was loaded when the mdev
 * was created, else refused (EPERM) with a line saying what to do.
 */
static int t_dma(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	struct vt_dev d;
	struct ifd f;
	int r;

	VT_ASSERT(argc == 3, "usage: cdev|group BDF");
	if (make_mdev(argv[2]))
		return 1;
	VT_OK(ifd_open(&f));
	r = mdev_open(&d, UUID_A, &f, argv[1]);
	VT_ASSERT(!r, "mdev bound to iommufd (%s): %s", argv[1], strerror(-r));
	if (ifd_dma_check(&d, &f, 0x100000, 0x1a) ||
	    unmap_stops_dma(&d, &f, 0x200000))
		return 1;
	vt_dev_close(&d);
	close(f.fd);
	if (pins_back(pins0))
		return 1;

	if (loaded("vfio_iommu_mdev")) {
		VT_OK(vt_dev_open(&d, -1, vt_mdev_group(UUID_A), UUID_A,
				  VFIO_TYPE1v2_IOMMU));
		VT_OK(vt_enable_bus_master(&d));
		if (vt_dma_check(&d, 0x100000, 0x1fd))
			return 1;
		vt_dev_close(&d);
	} else {
		int logged = vt_klog_count(UUID_A, "was not loaded when this mdev was created");

		r = vt_dev_open(&d, -1, vt_mdev_group(UUID_A), UUID_A,
				VFIO_TYPE1v2_IOMMU);
		if (!r)
			vt_dev_close(&d);
		VT_ERRNO(r, EPERM);
		VT_ASSERT(vt_klog_count(UUID_A, "was not loaded when this mdev was created") > logged,
			  "no line saying why the container was refused");
	}
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[2], ""));
	return pins_back(pins0);
}

/* A holder's pages: a secret (and what it must stay) and a clean page. */
struct held {
	uint8_t *secret, *clean;
	uint8_t want[PG];
};

static int held_init(struct held *h, uint32_t seed)
{
	h->secret = vt_alloc(PG);
	h->clean = vt_alloc(PG);
	VT_ASSERT(h->secret && h->clean, "alloc");
	vt_fill(h->secret, PG, seed);
	memcpy(h->want, h->secret, PG);
	return 0;
}

static void held_free(struct held *h)
{
	vt_free(h->secret, PG);
	vt_free(h->clean, PG);
}

/* Nothing of @secret changed, nothing written to @clean. */
static int untouched(const uint8_t *secret, const uint8_t *want,
		     const uint8_t *clean)
{
	int i;

	VT_ASSERT(!memcmp(secret, want, PG), "the holder's secret changed");
	for (i = 0; i < PG; i++)
		VT_ASSERT(!clean[i], "the holder's clean page written at byte %d",
			  i);
	return 0;
}

/*
 * Mdev @uuid bound by @route to a new iommufd context while another
 * context or a container holds its parent's group: refused (EPERM, the
 * IOMMU core's DMA owner check) with a line naming the parent's group.
 */
static int other_ctx_refused(const char *uuid, const char *route)
{
	int logged = vt_klog_count(uuid, "iommufd bind refused");
	struct vt_dev d;
	struct ifd g;
	int r;

	VT_OK(ifd_open(&g));
	r = mdev_open(&d, uuid, &g, route);
	if (!r) {
		r = edu_roundtrip(&d, 0x100000, 0x101000, LEN);
		vt_dev_close(&d);
		VT_FAIL("mdev %s bound to a second context by %s (its DMA: %d)",
			uuid, route, r);
	}
	close(g.fd);
	VT_ERRNO(r, EPERM);
	VT_ASSERT(vt_klog_count(uuid, "iommufd bind refused") > logged,
		  "no 'iommufd bind refused' line for %s (%s)", uuid, route);
	return 0;
}

/*
 * iommufd.sibling PCI MDEV (one IOMMU group).  First iommufd holds the
 * group: PCI's cdev bound to an iommufd, a secret and a clean page in its
 * IOAS; the mdev of MDEV cannot open, in a container (EPERM: ours cannot
 * own the group, and the mdev never opens in a container ours does not
 * hold it for) nor in another iommufd context (EPERM); the secret is intact,
 * the clean page unwritten, PCI's DMA works.  Then vfio_iommu_mdev holds
 * it: the mdev in a container with a secret; PCI's cdev cannot bind to an
 * iommufd (EPERM: the group's DMA has another owner); the secret intact,
 * the mdev's DMA works.
 */
static int t_sibling(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	char sysdir[128];
	struct vt_dev a, b;
	struct ifd f, g;
	struct held h;
	int r;

	VT_ASSERT(argc == 3, "usage: PCI MDEV");
	if (held_init(&h, 0x5ec2e7) || make_mdev(argv[2]))
		return 1;

	/* iommufd holds the group */
	VT_OK(ifd_open(&f));
	if (vt_pci_open_iommufd(&a, argv[1], &f))
		return 1;
	VT_OK(ifd_map(&f, h.secret, 0x100000, PG));
	VT_OK(ifd_map(&f, h.clean, 0x101000, PG));
	r = vt_dev_open(&b, -1, vt_mdev_group(UUID_A), UUID_A, VFIO_TYPE1_IOMMU);
	if (r == -EPERM)
		r = vt_dev_open(&b, -1, vt_mdev_group(UUID_A), UUID_A,
				VFIO_TYPE1v2_IOMMU);
	if (!r) {
		vt_enable_bus_master(&b);
		r = edu_roundtrip(&b, 0x100000, 0x101000, LEN);
		vt_dev_close(&b);
		VT_FAIL("the mdev opened while iommufd holds its group (its DMA: %d)",
			r);
	}
	VT_ERRNO(r, EPERM);
	if (other_ctx_refused(UUID_A, "cdev") ||
	    untouched(h.secret, h.want, h.clean) ||
	    ifd_dma_check(&a, &f, 0x400000, 0x91))
		return 1;
	VT_NOTE("iommufd holds the group: the mdev refused in a container and in another context; the holder's memory untouched, its DMA works");
	VT_OK(ifd_unmap(&f, 0x100000, 2 * PG));
	vt_dev_close(&a);
	close(f.fd);

	/* vfio_iommu_mdev holds the group */
	VT_OK(vt_dev_open(&a, -1, vt_mdev_group(UUID_A), UUID_A,
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&a));
	VT_OK(vt_map(a.cfd, h.secret, 0x100000, PG));
	VT_OK(vt_map(a.cfd, h.clean, 0x101000, PG));
	VT_OK(ifd_open(&g));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", argv[1]);
	r = vt_cdev_bind(sysdir, &g);
	if (r >= 0)
		close(r);
	VT_ERRNO(r, EPERM);
	close(g.fd);
	if (untouched(h.secret, h.want, h.clean) || vt_dma_check(&a, 0x400000, 0x92))
		return 1;
	VT_NOTE("vfio_iommu_mdev holds the group: the sibling's iommufd bind refused; the holder's memory untouched, its DMA works");
	VT_OK(vt_unmap(a.cfd, 0x100000, 2 * PG, 0, NULL));
	vt_dev_close(&a);

	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	held_free(&h);
	return pins_back(pins0);
}

/*
 * iommufd.isolation ROUTE PCI MDEV (one IOMMU group): the mdev of MDEV,
 * bound by ROUTE to context F, holds the group with a secret and a clean
 * page in F's IOAS.  A second context gets neither the mdev nor PCI on
 * vfio-pci (EPERM); a VFIO container gets neither (PCI's group: EPERM
 * from the IOMMU core's owner check; the mdev's group is open); the
 * holder's memory is untouched and its DMA works.  After the holder
 * closes, the second context gets PCI and its DMA works.
 */
static int t_isolation(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	char sysdir[128];
	struct vt_dev a, b;
	struct ifd f, g;
	struct held h;
	int r;

	VT_ASSERT(argc == 4, "usage: ROUTE PCI MDEV");
	if (held_init(&h, 0x150) || make_mdev(argv[3]))
		return 1;
	VT_OK(vt_pci_bind(argv[2], "vfio-pci"));
	VT_OK(ifd_open(&f));
	r = mdev_open(&a, UUID_A, &f, argv[1]);
	VT_ASSERT(!r, "mdev bound to iommufd (%s): %s", argv[1], strerror(-r));
	VT_OK(ifd_map(&f, h.secret, 0x100000, PG));
	VT_OK(ifd_map(&f, h.clean, 0x101000, PG));

	/* a second context: the mate's cdev, the mdev by both routes */
	VT_OK(ifd_open(&g));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", argv[2]);
	r = vt_cdev_open_iommufd(&b, sysdir, &g);
	if (!r) {
		r = edu_roundtrip(&b, 0x100000, 0x101000, LEN);
		vt_dev_close(&b);
		VT_FAIL("the group-mate bound to a second context (its DMA: %d)", r);
	}
	VT_ERRNO(r, EPERM);
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/mdev/devices/%s", UUID_A);
	r = vt_cdev_open_iommufd(&b, sysdir, &g);
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", argv[2]);
	if (!r)
		vt_dev_close(&b);
	/* the cdev route opens a device once (the VFIO core) */
	VT_ERRNO(r, EINVAL);
	/* a container: the mate's group */
	r = vt_dev_open(&b, -1, vt_pci_group(argv[2]), argv[2],
			VFIO_TYPE1v2_IOMMU);
	if (!r) {
		vt_enable_bus_master(&b);
		r = edu_roundtrip(&b, 0x100000, 0x101000, LEN);
		vt_dev_close(&b);
		VT_FAIL("the group-mate opened in a container (its DMA: %d)", r);
	}
	VT_ERRNO(r, EPERM);
	if (untouched(h.secret, h.want, h.clean) ||
	    ifd_dma_check(&a, &f, 0x400000, 0x93))
		return 1;
	VT_NOTE("the mdev holds the group in one context: the mate and the mdev refused to another context and to a container; the holder untouched, its DMA works");

	/* the holder leaves: the second context gets the group */
	vt_dev_close(&a);
	close(f.fd);
	r = vt_cdev_open_iommufd(&b, sysdir, &g);
	VT_ASSERT(!r, "the group-mate in the second context after the holder closed: %s",
		  strerror(-r));
	if (ifd_dma_check(&b, &g, 0x100000, 0x94))
		return 1;
	vt_dev_close(&b);
	close(g.fd);
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[2], ""));
	VT_OK(vt_pci_bind(argv[3], ""));
	held_free(&h);
	return pins_back(pins0);
}

/*
 * Open the mdev @uuid (through its cdev) or the vfio-pci device @bdf (by
 * @route, "cdev" or "group") in @f.
 */
static int open_role(struct vt_dev *d, int is_mdev, const char *bdf,
		     const char *uuid, struct ifd *f, const char *route)
{
	char sysdir[128];
	int r;

	if (is_mdev) {
		r = mdev_open(d, uuid, f, "cdev");
	} else if (!strcmp(route, "group")) {
		r = vt_group_open_iommufd(d, vt_pci_group(bdf), bdf, f);
	} else {
		snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", bdf);
		r = vt_cdev_open_iommufd(d, sysdir, f);
	}
	VT_ASSERT(!r, "%s %s bound to the context by %s: %s",
		  is_mdev ? "mdev" : "vfio-pci device", is_mdev ? uuid : bdf,
		  route, strerror(-r));
	return 0;
}

/*
 * One context, two devices of one IOMMU group (X first, then Y), each
 * doing DMA; then @first_out ("x" or "y") leaves and the other keeps doing
 * DMA.  Devices: mdev when the matching is_mdev flag is set, else vfio-pci.
 */
static int pair(const char *route, int x_mdev, const char *xb, const char *xu,
		int y_mdev, const char *yb, const char *yu, int x_first_out)
{
	struct vt_dev x, y;
	struct ifd f;

	VT_OK(ifd_open(&f));
	if (open_role(&x, x_mdev, xb, xu, &f, route) ||
	    ifd_dma_check(&x, &f, 0x100000, 0x31) ||
	    open_role(&y, y_mdev, yb, yu, &f, route) ||
	    ifd_dma_check(&y, &f, 0x200000, 0x32) ||
	    ifd_dma_check(&x, &f, 0x300000, 0x33))
		return 1;
	if (x_first_out) {
		vt_dev_close(&x);
		if (ifd_dma_check(&y, &f, 0x400000, 0x34))
			return 1;
		vt_dev_close(&y);
	} else {
		vt_dev_close(&y);
		if (ifd_dma_check(&x, &f, 0x400000, 0x35))
			return 1;
		vt_dev_close(&x);
	}
	close(f.fd);
	return 0;
}

/*
 * iommufd.mixed ROUTE PCI MDEV (one IOMMU group): in one context the
 * vfio-pci device PCI (through its cdev or its group, by ROUTE) and the
 * mdev of MDEV (its cdev) join in both orders, and whichever leaves first,
 * the other keeps doing DMA.
 */
static int t_mixed(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	const char *r, *p, *m;
	int first, out;

	VT_ASSERT(argc == 4, "usage: ROUTE PCI MDEV");
	r = argv[1], p = argv[2], m = argv[3];
	if (make_mdev(m))
		return 1;
	VT_OK(vt_pci_bind(p, "vfio-pci"));
	for (first = 0; first < 2; first++)
		for (out = 0; out < 2; out++) {
			int bad = first ?
				pair(r, 1, m, UUID_A, 0, p, NULL, out) :
				pair(r, 0, p, NULL, 1, m, UUID_A, out);

			if (bad)
				return 1;
			VT_NOTE("%s first, the %s left first: the other kept doing DMA",
				first ? "mdev" : "vfio-pci device",
				(first ^ out) ? "mdev" : "vfio-pci device");
		}
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(p, ""));
	VT_OK(vt_pci_bind(m, ""));
	return pins_back(pins0);
}

/*
 * iommufd.two ROUTE A B (one IOMMU group): the mdevs of A and B in one
 * context, each leaving first while the other keeps doing DMA.
 */
static int t_two(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	int out;

	VT_ASSERT(argc == 4, "usage: ROUTE A B");
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(argv[2], "vfio-mdev-pci"));
	VT_OK(vt_pci_bind(argv[3], "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(argv[2], UUID_A));
	VT_OK(vt_mdev_create(argv[3], UUID_B));
	for (out = 0; out < 2; out++)
		if (pair(argv[1], 1, argv[2], UUID_A, 1, argv[3], UUID_B, out))
			return 1;
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_mdev_remove(UUID_B));
	VT_OK(vt_pci_bind(argv[2], ""));
	VT_OK(vt_pci_bind(argv[3], ""));
	return pins_back(pins0);
}

/*
 * iommufd.group_refused BDF: the mdev's group set to an iommufd gives no
 * device (EOPNOTSUPP, a line saying to bind the cdev): the VFIO core would
 * let that group leave the iommufd and hand the open device to a container
 * (kernel/vmp_iommufd.c).  The sequence that would do it (the group moved
 * to a container without an IOMMU set) then gets no device either; nothing
 * stays bound: the cdev route binds, its DMA works, and so does a
 * container of vfio_iommu_mdev.
 */
static int t_group_refused(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	int logged, gfd, cfd, fd;
	struct vt_dev d;
	struct ifd f;

	VT_ASSERT(argc == 2, "usage: BDF");
	if (make_mdev(argv[1]))
		return 1;
	logged = vt_klog_count(UUID_A, "refused iommufd through the mdev's VFIO group");
	VT_OK(ifd_open(&f));
	fd = vt_group_open_iommufd(&d, vt_mdev_group(UUID_A), UUID_A, &f);
	if (!fd)
		vt_dev_close(&d);
	VT_ERRNO(fd, EOPNOTSUPP);
	VT_ASSERT(vt_klog_count(UUID_A, "refused iommufd through the mdev's VFIO group") > logged,
		  "no line saying the group route is refused");
	/* the switch: group to the iommufd, out of it, into a container */
	gfd = vt_group_open(vt_mdev_group(UUID_A));
	VT_OK(gfd);
	VT_OK(vt_group_set_container(gfd, f.fd));
	fd = vt_device_open(gfd, UUID_A);
	if (fd >= 0)
		close(fd);
	VT_ERRNO(fd, EOPNOTSUPP);
	VT_OK(vt_group_unset_container(gfd));
	cfd = vt_container_open();
	VT_OK(cfd);
	VT_OK(vt_group_set_container(gfd, cfd));
	fd = vt_device_open(gfd, UUID_A);
	if (fd >= 0)
		close(fd);
	/* a container without an IOMMU set gives no device (the VFIO core) */
	VT_ERRNO(fd, EINVAL);
	close(gfd);
	close(cfd);
	close(f.fd);

	VT_OK(ifd_open(&f));
	fd = mdev_open(&d, UUID_A, &f, "cdev");
	VT_ASSERT(!fd, "the cdev route after the refusals: %s", strerror(-fd));
	if (ifd_dma_check(&d, &f, 0x100000, 0x5b))
		return 1;
	vt_dev_close(&d);
	close(f.fd);
	if (loaded("vfio_iommu_mdev")) {
		VT_OK(vt_dev_open(&d, -1, vt_mdev_group(UUID_A), UUID_A,
				  VFIO_TYPE1v2_IOMMU));
		VT_OK(vt_enable_bus_master(&d));
		if (vt_dma_check(&d, 0x100000, 0x5c))
			return 1;
		vt_dev_close(&d);
	}
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], ""));
	return pins_back(pins0);
}

/*
 * iommufd.features MDEV OTHER: what iommufd itself gives the mdev's path.
 * An HWPT allocated for the mdev's binding over the IOAS, the mdev
 * attached to it (by the HWPT's id) and its DMA through it; dirty tracking
 * allocated exactly when IOMMU_GET_HW_INFO reports the capability
 * (EOPNOTSUPP otherwise); the BAR of OTHER (vfio-pci, its own group, in
 * the same context) mapped into the IOAS by address: refused, or, where
 * a kernel maps it, reached by the mdev's DMA (OTHER's liveness register
 * answers the inverse of the value the DMA wrote).
 */
static int t_features(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	uint32_t devid, hwpt, dirty, val = 0x1234abcd;
	uint8_t *src = vt_alloc(PG);
	char sysdir[128];
	struct vt_dev d, o;
	uint64_t caps = 0;
	struct ifd f;
	int r;

	VT_ASSERT(argc == 3 && src, "usage: MDEV OTHER / alloc");
	if (make_mdev(argv[1]))
		return 1;
	VT_OK(ifd_open(&f));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/mdev/devices/%s", UUID_A);
	memset(&d, 0, sizeof(d));
	d.cfd = d.gfd = -1;
	d.dfd = vt_cdev_bind_id(sysdir, &f, &devid);
	VT_ASSERT(d.dfd >= 0, "mdev cdev bind: %s", strerror(-d.dfd));
	VT_OK(ifd_hw_caps(f.fd, devid, &caps));
	VT_OK(ifd_hwpt_alloc(f.fd, devid, f.ioas, 0, &hwpt));
	VT_OK(vt_cdev_attach(d.dfd, hwpt));
	VT_OK(vt_dev_regions(&d));
	VT_OK(vt_enable_bus_master(&d));
	if (ifd_dma_check(&d, &f, 0x100000, 0xe1))
		return 1;
	VT_NOTE("the mdev attached to HWPT %u (over IOAS %u) does DMA through it",
		hwpt, f.ioas);
	r = ifd_hwpt_alloc(f.fd, devid, f.ioas, IFD_HWPT_ALLOC_DIRTY_TRACKING,
			   &dirty);
	if (caps & IFD_HW_CAP_DIRTY_TRACKING) {
		VT_ASSERT(!r, "dirty tracking advertised, HWPT refused: %s",
			  strerror(-r));
		VT_NOTE("dirty tracking: advertised by the IOMMU, HWPT %u allocated",
			dirty);
	} else {
		VT_ERRNO(r, EOPNOTSUPP);
		VT_NOTE("dirty tracking: this IOMMU does not advertise it (capabilities %#llx); an HWPT asking for it: EOPNOTSUPP",
			(unsigned long long)caps);
	}

	/* P2P: OTHER's BAR0 mapped into the IOAS by its address */
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", argv[2]);
	VT_OK(vt_pci_bind(argv[2], "vfio-pci"));
	r = vt_cdev_open_iommufd(&o, sysdir, &f);
	VT_ASSERT(!r, "%s through its cdev: %s", argv[2], strerror(-r));
	r = ifd_map(&f, (void *)o.bar0, 0x800000, PG);
	/* refused as a range that cannot be pinned, or mapped and reached */
	if (r) {
		VT_ERRNO(r, EFAULT);
		VT_NOTE("P2P: a BAR mapped into the IOAS by address: %s (this kernel's iommufd maps no VM_PFNMAP range that way)",
			strerror(-r));
	} else {
		memcpy(src, &val, sizeof(val));
		VT_OK(ifd_map(&f, src, 0x200000, PG));
		VT_OK(edu_dma(&d, 0x200000, sizeof(val), 0, 0));
		VT_OK(edu_dma(&d, 0x800000 + EDU_LIVENESS, sizeof(val), 1, 0));
		VT_ASSERT(edu_rd32(&o, EDU_LIVENESS) == ~val,
			  "P2P: the mdev's DMA did not reach %s's BAR (liveness %#x)",
			  argv[2], edu_rd32(&o, EDU_LIVENESS));
		VT_NOTE("P2P: the mdev's DMA wrote %s's BAR through the IOAS",
			argv[2]);
		VT_OK(ifd_unmap(&f, 0x200000, PG));
		VT_OK(ifd_unmap(&f, 0x800000, PG));
	}
	vt_dev_close(&o);
	vt_dev_close(&d);
	close(f.fd);
	vt_free(src, PG);
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	return pins_back(pins0);
}

/*
 * iommufd.core_switch UUID: the stock VFIO core's behaviour the group-route
 * refusal guards against, shown on an emulated mdev of another driver
 * (the kernel's mtty sample, UUID already created): its group, set to an
 * iommufd, gives a device; the group then leaves the iommufd and joins a
 * container without an IOMMU while that device is open, and the container
 * hands the open device out again.  Exits 0 when the core allowed all of
 * it (and leaves both fds to the caller's close order: the iommufd one
 * first); the plan that runs it expects the core's reports at the close.
 */
static int t_core_switch(int argc, char **argv)
{
	int gfd, cfd, fd1, fd2;
	struct ifd f;

	VT_ASSERT(argc == 2, "usage: UUID");
	VT_OK(ifd_open(&f));
	VT_OK(ifd_compat_set(&f));
	gfd = vt_group_open(vt_mdev_group(argv[1]));
	VT_OK(gfd);
	VT_OK(vt_group_set_container(gfd, f.fd));
	fd1 = vt_device_open(gfd, argv[1]);
	VT_OK(fd1);
	VT_OK(vt_group_unset_container(gfd));
	cfd = vt_container_open();
	VT_OK(cfd);
	VT_OK(vt_group_set_container(gfd, cfd));
	fd2 = vt_device_open(gfd, argv[1]);
	VT_ASSERT(fd2 >= 0, "the container gave no device: %s", strerror(-fd2));
	VT_NOTE("the core let the open device's group leave its iommufd and handed the device out again through a container");
	close(fd1);
	close(fd2);
	close(gfd);
	close(cfd);
	close(f.fd);
	return 0;
}

const struct vt_case iommufd_cases[] = {
	{ "dma", t_dma, "cdev BDF" },
	{ "group_refused", t_group_refused, "BDF" },
	{ "isolation", t_isolation, "cdev PCI_BDF MDEV_BDF" },
	{ "mixed", t_mixed, "cdev|group PCI_BDF MDEV_BDF" },
	{ "two", t_two, "cdev A_BDF B_BDF" },
	{ "features", t_features, "MDEV_BDF OTHER_BDF" },
	{ "core_switch", t_core_switch, "UUID (an emulated mdev)" },
	{ "sibling", t_sibling, "PCI_BDF MDEV_BDF" },
	{ NULL, NULL, NULL },
};
