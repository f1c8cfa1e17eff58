// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd and VFIO device cdev helpers (kernels built with CONFIG_IOMMUFD
 * and CONFIG_VFIO_DEVICE_CDEV; the bed's iommufd kernel).  The host's uapi
 * headers predate iommufd (Linux 6.2) and the VFIO cdev (6.6): the few
 * structures used here are declared below, from the ABI.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vt.h"

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

int ifd_open(struct ifd *f)
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

int ifd_map(struct ifd *f, void *va, uint64_t iova, uint64_t len)
{
	struct ifd_ioas_map m = {
		.size = sizeof(m), .ioas_id = f->ioas,
		.flags = IFD_MAP_FIXED_IOVA | IFD_MAP_READABLE |
			 IFD_MAP_WRITEABLE,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};

	return ioctl(f->fd, IFD_IOAS_MAP, &m) ? -errno : 0;
}

int ifd_unmap(struct ifd *f, uint64_t iova, uint64_t len)
{
	struct ifd_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = f->ioas, .iova = iova,
		.length = len,
	};

	return ioctl(f->fd, IFD_IOAS_UNMAP, &u) ? -errno : 0;
}

/* /dev/vfio/devices/vfioN of the device at sysfs directory @sysdir. */
int vt_cdev_path(const char *sysdir, char *out, size_t len)
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
int vt_cdev_bind(const char *sysdir, struct ifd *f)
{
	struct vfio_cdev_bind b = { .argsz = sizeof(b), .iommufd = f->fd };
	char path[300];
	int fd, r;

	r = vt_cdev_path(sysdir, path, sizeof(path));
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
int vt_pci_open_iommufd(struct vt_dev *d, const char *bdf, struct ifd *f)
{
	struct vfio_cdev_attach_pt at = { .argsz = sizeof(at) };
	char sysdir[128];

	memset(d, 0, sizeof(*d));
	d->cfd = d->gfd = -1;
	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", bdf);
	d->dfd = vt_cdev_bind(sysdir, f);
	VT_ASSERT(d->dfd >= 0, "%s: cdev bind to iommufd: %s", bdf,
		  strerror(-d->dfd));
	at.pt_id = f->ioas;
	VT_ASSERT(!ioctl(d->dfd, VFIO_CDEV_ATTACH_PT, &at),
		  "%s: attach to the IOAS: %s", bdf, strerror(errno));
	VT_OK(vt_dev_regions(d));
	VT_OK(vt_enable_bus_master(d));
	return 0;
}

