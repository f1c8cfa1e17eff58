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
 * The host's uapi headers predate iommufd (Linux 6.2) and the VFIO cdev
 * (6.6): the few structures used here are declared below, from the ABI.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vt.h"

#define PG	4096
#define LEN	2048

/* iommufd's ioctls (include/uapi/linux/iommufd.h) */
#define IFD_TYPE		';'
#define IFD_IOAS_ALLOC		_IO(IFD_TYPE, 0x81)
#define IFD_IOAS_MAP		_IO(IFD_TYPE, 0x85)
#define IFD_IOAS_UNMAP		_IO(IFD_TYPE, 0x86)
#define IFD_MAP_FIXED_IOVA	(1u << 0)
#define IFD_MAP_WRITEABLE	(1u << 1)
#define IFD_MAP_READABLE	(1u << 2)

struct ifd_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};

struct ifd_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t reserved;
	uint64_t user_va;
	uint64_t length;
	uint64_t iova;
};

struct ifd_ioas_unmap {
	uint32_t size;
	uint32_t ioas_id;
	uint64_t iova;
	uint64_t length;
};

/* the VFIO device cdev's ioctls (include/uapi/linux/vfio.h, 6.6+) */
#define VFIO_CDEV_BIND		_IO(VFIO_TYPE, VFIO_BASE + 18)
#define VFIO_CDEV_ATTACH_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_cdev_bind {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
};

struct vfio_cdev_attach_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
};

static const char *const UUID_A = "1f0d0000-0000-4000-8000-0000000000a1";

/* An iommufd with one IOAS. */
struct ifd {
	int fd;
	uint32_t ioas;
};

static int ifd_open(struct ifd *f)
{
	struct ifd_ioas_alloc a = { .size = sizeof(a) };

	f->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (ioctl(f->fd, IFD_IOAS_ALLOC, &a)) {
		int e = -errno;

		close(f->fd);
		return e;
	}
	f->ioas = a.out_ioas_id;
	return 0;
}

static int ifd_map(struct ifd *f, void *va, uint64_t iova, uint64_t len)
{
	struct ifd_ioas_map m = {
		.size = sizeof(m), .ioas_id = f->ioas,
		.flags = IFD_MAP_FIXED_IOVA | IFD_MAP_READABLE |
			 IFD_MAP_WRITEABLE,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};

	return ioctl(f->fd, IFD_IOAS_MAP, &m) ? -errno : 0;
}

static int ifd_unmap(struct ifd *f, uint64_t iova, uint64_t len)
{
	struct ifd_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = f->ioas, .iova = iova,
		.length = len,
	};

	return ioctl(f->fd, IFD_IOAS_UNMAP, &u) ? -errno : 0;
}

/* /dev/vfio/devices/vfioN of the device at sysfs directory @sysdir. */
static int cdev_path(const char *sysdir, char *out, size_t len)
{
	char dir[256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/vfio-dev", sysdir);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			break;
	if (e)
		snprintf(out, len, "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	return e ? 0 : -ENOENT;
}

/* Open the cdev of @sysdir and bind it to @f; the device fd or -errno. */
static int cdev_bind(const char *sysdir, struct ifd *f)
{
	struct vfio_cdev_bind b = { .argsz = sizeof(b), .iommufd = f->fd };
	char path[300];
	int fd, r;

	r = cdev_path(sysdir, path, sizeof(path));
	if (r)
		return r;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, VFIO_CDEV_BIND, &b)) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* vfio-pci device @bdf bound to @f, attached to its IOAS, BAR0 mapped. */
static int open_pci_iommufd(struct vt_dev *d, const char *bdf, struct ifd *f)
{
	struct vfio_cdev_attach_pt at = { .argsz = sizeof(at) };
	char sysdir[128];

	memset(d, 0, sizeof(*d));
	d->cfd = d->gfd = -1;
	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", bdf);
	d->dfd = cdev_bind(sysdir, f);
	VT_ASSERT(d->dfd >= 0, "%s: cdev bind to iommufd: %s", bdf,
		  strerror(-d->dfd));
	at.pt_id = f->ioas;
	VT_ASSERT(!ioctl(d->dfd, VFIO_CDEV_ATTACH_PT, &at),
		  "%s: attach to the IOAS: %s", bdf, strerror(errno));
	VT_OK(vt_dev_regions(d));
	VT_OK(vt_enable_bus_master(d));
	return 0;
}

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

/* The same through @d's VFIO container. */
static int cont_dma_check(struct vt_dev *d, uint64_t iova, uint32_t seed)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);

	VT_ASSERT(src && dst, "alloc");
	vt_fill(src, LEN, seed);
	VT_OK(vt_map(d->cfd, src, iova, PG));
	VT_OK(vt_map(d->cfd, dst, iova + PG, PG));
	VT_OK(edu_roundtrip(d, iova, iova + PG, LEN));
	VT_ASSERT(!memcmp(src, dst, LEN), "bytes differ through the container");
	VT_OK(vt_unmap(d->cfd, iova, 2 * PG, 0, NULL));
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
	int fd, gfd, r;

	VT_OK(ifd_open(&f));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/mdev/devices/%s", UUID_A);
	fd = cdev_bind(sysdir, &f);
	if (fd >= 0)
		close(fd);
	VT_ERRNO(fd, EOPNOTSUPP);
	/* a cdev whose bind failed answers no device ioctl */
	{
		char path[300];

		VT_OK(cdev_path(sysdir, path, sizeof(path)));
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
	VT_ASSERT(vt_klog_contains(UUID_A, "refused an iommufd bind"),
		  "no 'refused an iommufd bind' line for %s in the kernel log",
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
	if (cont_dma_check(&d, 0x100000, 0x1fd))
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
	if (open_pci_iommufd(&a, argv[1], &f))
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
	r = cdev_bind(sysdir, &g);
	if (r >= 0)
		close(r);
	VT_ERRNO(r, EPERM);
	close(g.fd);
	if (untouched(secret, want, clean) || cont_dma_check(&a, 0x400000, 0x92))
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
