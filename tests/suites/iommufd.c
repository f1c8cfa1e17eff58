// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "iommufd": a kernel built with CONFIG_IOMMUFD next to the VFIO
 * container (Ubuntu 24.04, Proxmox VE, RHEL 9; the bed's kernel of
 * mk/kernels/iommufd.sh).  There a VFIO device can also be bound to an
 * iommufd: through its cdev (/dev/vfio/devices/vfioN,
 * VFIO_DEVICE_BIND_IOMMUFD) or through its group set to an iommufd instead
 * of a container.  An mdev of vfio-mdev-pci must refuse both (nothing
 * would attach its parent's IOMMU group to the IOAS), and a physical group
 * must still never reach two users, whichever of iommufd and
 * vfio_iommu_mdev holds it: each refusal is followed by a check of the
 * other user's memory, byte for byte.
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

	for (i = 0; i < 50 && pins0 >= 0 && p != pins0; i++) {
		usleep(100000);
		p = vt_pins(NULL);
	}
	VT_ASSERT(pins0 < 0 || p == pins0, "%lld pages pinned, %lld before",
		  p, pins0);
	return 0;
}

static int make_mdev(const char *bdf)
{
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(bdf, UUID_A));
	return 0;
}

/*
 * Every iommufd route to mdev UUID_A is refused: its cdev's bind
 * (EOPNOTSUPP, and the unbound cdev answers nothing) and its group set to
 * an iommufd (the device fd is refused, EOPNOTSUPP); the log says what to
 * do.  Returns 0 when all were refused.
 */
static int mdev_iommufd_refused(void)
{
	char sysdir[128];
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct ifd f;
	int fd, gfd, r, logged;

	logged = vt_klog_count(UUID_A, "refused an iommufd bind");
	VT_OK(ifd_open(&f));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/mdev/devices/%s", UUID_A);
	fd = vt_cdev_bind(sysdir, &f);
	if (fd >= 0)
		close(fd);
	VT_ERRNO(fd, EOPNOTSUPP);
	/* a cdev whose bind failed answers no device ioctl */
	{
		char path[300];

		VT_OK(vt_cdev_path(sysdir, path, sizeof(path)));
		fd = open(path, O_RDWR | O_CLOEXEC);
		VT_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
		r = ioctl(fd, VFIO_DEVICE_GET_INFO, &info) ? -errno : 0;
		close(fd);
		VT_ERRNO(r, EINVAL);
	}
	gfd = vt_group_open(vt_mdev_group(UUID_A));
	VT_OK(gfd);
	VT_OK(vt_group_set_container(gfd, f.fd));
	fd = vt_device_open(gfd, UUID_A);
	if (fd >= 0)
		close(fd);
	VT_ERRNO(fd, EOPNOTSUPP);
	close(gfd);
	close(f.fd);
	VT_ASSERT(vt_klog_count(UUID_A, "refused an iommufd bind") >= logged + 2,
		  "not one 'refused an iommufd bind' line for %s per route in the kernel log",
		  UUID_A);
	return 0;
}

/*
 * iommufd.mdev BDF: the mdev of BDF refuses iommufd (cdev and group
 * routes); afterwards the same mdev opens in a VFIO container served by
 * vfio_iommu_mdev and its DMA works: the refusals changed nothing.
 */
static int t_mdev(int argc, char **argv)
{
	long long pins0 = vt_pins(NULL);
	struct vt_dev d;

	VT_ASSERT(argc == 2, "usage: BDF");
	if (make_mdev(argv[1]) || mdev_iommufd_refused())
		return 1;
	VT_OK(vt_dev_open(&d, -1, vt_mdev_group(UUID_A), UUID_A,
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&d));
	if (vt_dma_check(&d, 0x100000, 0x1fd))
		return 1;
	vt_dev_close(&d);
	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], ""));
	return pins_back(pins0);
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
 * iommufd.sibling PCI MDEV (one IOMMU group).  First iommufd holds the
 * group: PCI's cdev bound to an iommufd, a secret and a clean page in its
 * IOAS; the mdev of MDEV cannot open, in a container (EPERM: ours cannot
 * own the group, and the mdev never opens in a container ours does not
 * hold it for) nor through iommufd (EOPNOTSUPP); the secret is intact,
 * the clean page unwritten, PCI's DMA works.  Then vfio_iommu_mdev holds
 * it: the mdev in a container with a secret; PCI's cdev cannot bind to an
 * iommufd (EPERM: the group's DMA has another owner); the secret intact,
 * the mdev's DMA works.
 */
static int t_sibling(int argc, char **argv)
{
	uint8_t *secret = vt_alloc(PG), *clean = vt_alloc(PG);
	long long pins0 = vt_pins(NULL);
	char sysdir[128];
	uint8_t want[PG];
	struct vt_dev a, b;
	struct ifd f, g;
	int r;

	VT_ASSERT(argc == 3 && secret && clean, "usage: PCI MDEV / alloc");
	vt_fill(secret, PG, 0x5ec2e7);
	memcpy(want, secret, PG);
	if (make_mdev(argv[2]))
		return 1;

	/* iommufd holds the group */
	VT_OK(ifd_open(&f));
	if (vt_pci_open_iommufd(&a, argv[1], &f))
		return 1;
	VT_OK(ifd_map(&f, secret, 0x100000, PG));
	VT_OK(ifd_map(&f, clean, 0x101000, PG));
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
	if (mdev_iommufd_refused() || untouched(secret, want, clean) ||
	    ifd_dma_check(&a, &f, 0x400000, 0x91))
		return 1;
	VT_NOTE("iommufd holds the group: the mdev refused both ways; the holder's memory untouched, its DMA works");
	VT_OK(ifd_unmap(&f, 0x100000, 2 * PG));
	vt_dev_close(&a);
	close(f.fd);

	/* vfio_iommu_mdev holds the group */
	VT_OK(vt_dev_open(&a, -1, vt_mdev_group(UUID_A), UUID_A,
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&a));
	VT_OK(vt_map(a.cfd, secret, 0x100000, PG));
	VT_OK(vt_map(a.cfd, clean, 0x101000, PG));
	VT_OK(ifd_open(&g));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", argv[1]);
	r = vt_cdev_bind(sysdir, &g);
	if (r >= 0)
		close(r);
	VT_ERRNO(r, EPERM);
	close(g.fd);
	if (untouched(secret, want, clean) || vt_dma_check(&a, 0x400000, 0x92))
		return 1;
	VT_NOTE("vfio_iommu_mdev holds the group: the sibling's iommufd bind refused; the holder's memory untouched, its DMA works");
	VT_OK(vt_unmap(a.cfd, 0x100000, 2 * PG, 0, NULL));
	vt_dev_close(&a);

	VT_OK(vt_mdev_remove(UUID_A));
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	vt_free(secret, PG);
	vt_free(clean, PG);
	return pins_back(pins0);
}

const struct vt_case iommufd_cases[] = {
	{ "mdev", t_mdev, "BDF" },
	{ "sibling", t_sibling, "PCI_BDF MDEV_BDF" },
	{ NULL, NULL, NULL },
};
