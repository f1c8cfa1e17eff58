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
#define IFD_DESTROY		_IO(IFD_TYPE, 0x80)
#define IFD_IOAS_ALLOC		_IO(IFD_TYPE, 0x81)
#define IFD_IOAS_MAP		_IO(IFD_TYPE, 0x85)
#define IFD_IOAS_UNMAP		_IO(IFD_TYPE, 0x86)
#define IFD_VFIO_IOAS		_IO(IFD_TYPE, 0x88)
#define IFD_VFIO_IOAS_SET	1
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

struct ifd_vfio_ioas {
	uint32_t size;
	uint32_t ioas_id;
	uint16_t op;
	uint16_t reserved;
};

/* the VFIO device cdev's ioctls (include/uapi/linux/vfio.h, 6.6+) */
#define VFIO_CDEV_BIND		_IO(VFIO_TYPE, VFIO_BASE + 18)
#define VFIO_CDEV_ATTACH_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#define VFIO_CDEV_DETACH_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)

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

struct ifd_destroy {
	uint32_t size;
	uint32_t id;
};

struct vfio_cdev_detach_pt {
	uint32_t argsz;
	uint32_t flags;
};

int ifd_ioas_alloc(int fd, uint32_t *ioas)
{
	struct ifd_ioas_alloc a = { .size = sizeof(a) };

	if (ioctl(fd, IFD_IOAS_ALLOC, &a))
		return -errno;
	*ioas = a.out_ioas_id;
	return 0;
}

int ifd_map_id(int fd, uint32_t ioas, void *va, uint64_t iova, uint64_t len)
{
	struct ifd_ioas_map m = {
		.size = sizeof(m), .ioas_id = ioas,
		.flags = IFD_MAP_FIXED_IOVA | IFD_MAP_READABLE |
			 IFD_MAP_WRITEABLE,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};

	return ioctl(fd, IFD_IOAS_MAP, &m) ? -errno : 0;
}

int ifd_unmap_id(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct ifd_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova,
		.length = len,
	};

	return ioctl(fd, IFD_IOAS_UNMAP, &u) ? -errno : 0;
}

int ifd_destroy(int fd, uint32_t id)
{
	struct ifd_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IFD_DESTROY, &d) ? -errno : 0;
}

int vt_cdev_bind_fd(int dfd, int iommufd)
{
	struct vfio_cdev_bind b = { .argsz = sizeof(b), .iommufd = iommufd };

	return ioctl(dfd, VFIO_CDEV_BIND, &b) ? -errno : 0;
}

int vt_cdev_attach(int dfd, uint32_t pt_id)
{
	struct vfio_cdev_attach_pt at = { .argsz = sizeof(at), .pt_id = pt_id };

	return ioctl(dfd, VFIO_CDEV_ATTACH_PT, &at) ? -errno : 0;
}

int vt_cdev_detach(int dfd)
{
	struct vfio_cdev_detach_pt dt = { .argsz = sizeof(dt) };

	return ioctl(dfd, VFIO_CDEV_DETACH_PT, &dt) ? -errno : 0;
}

#define IFD_HWPT_ALLOC		_IO(IFD_TYPE, 0x89)
#define IFD_GET_HW_INFO		_IO(IFD_TYPE, 0x8a)

struct ifd_hw_info {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t data_len;
	uint64_t data_uptr;
	uint32_t out_data_type;
	uint8_t out_max_pasid_log2;
	uint8_t reserved[3];
	uint64_t out_capabilities;
};

struct ifd_hwpt_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t pt_id;
	uint32_t out_hwpt_id;
	uint32_t reserved;
	uint32_t data_type;
	uint32_t data_len;
	uint64_t data_uptr;
};

int ifd_hw_caps(int fd, uint32_t dev_id, uint64_t *caps)
{
	struct ifd_hw_info h = { .size = sizeof(h), .dev_id = dev_id };

	if (ioctl(fd, IFD_GET_HW_INFO, &h))
		return -errno;
	*caps = h.out_capabilities;
	return 0;
}

int ifd_hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		   uint32_t *hwpt)
{
	struct ifd_hwpt_alloc a = {
		.size = sizeof(a), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id,
	};

	if (ioctl(fd, IFD_HWPT_ALLOC, &a))
		return -errno;
	*hwpt = a.out_hwpt_id;
	return 0;
}

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
	return ifd_map_id(f->fd, f->ioas, va, iova, len);
}

int ifd_unmap(struct ifd *f, uint64_t iova, uint64_t len)
{
	return ifd_unmap_id(f->fd, f->ioas, iova, len);
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
	return vt_cdev_bind_id(sysdir, f, NULL);
}

int vt_cdev_bind_id(const char *sysdir, struct ifd *f, uint32_t *devid)
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
	if (devid)
		*devid = b.out_devid;
	return fd;
}

/* An opened device fd in @d (after @r == 0): BAR0 mapped, bus master on. */
static int vt_dev_finish(struct vt_dev *d, int r)
{
	if (!r)
		r = vt_dev_regions(d);
	if (!r)
		r = vt_enable_bus_master(d);
	if (r)
		vt_dev_close(d);
	return r;
}

int vt_cdev_open_iommufd(struct vt_dev *d, const char *sysdir,
			 struct ifd *f)
{
	struct vfio_cdev_attach_pt at = { .argsz = sizeof(at) };
	int r;

	memset(d, 0, sizeof(*d));
	d->cfd = d->gfd = -1;
	d->dfd = vt_cdev_bind(sysdir, f);
	if (d->dfd < 0)
		return d->dfd;
	at.pt_id = f->ioas;
	r = ioctl(d->dfd, VFIO_CDEV_ATTACH_PT, &at) ? -errno : 0;
	return vt_dev_finish(d, r);
}

int ifd_compat_set(struct ifd *f)
{
	struct ifd_vfio_ioas v = {
		.size = sizeof(v), .ioas_id = f->ioas, .op = IFD_VFIO_IOAS_SET,
	};

	return ioctl(f->fd, IFD_VFIO_IOAS, &v) ? -errno : 0;
}

int vt_group_open_iommufd(struct vt_dev *d, int group, const char *name,
			  struct ifd *f)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cfd = d->dfd = -1;
	r = ifd_compat_set(f);
	if (r)
		return r;
	d->gfd = vt_group_open(group);
	if (d->gfd < 0)
		return d->gfd;
	r = vt_group_set_container(d->gfd, f->fd);
	if (!r) {
		d->dfd = vt_device_open(d->gfd, name);
		r = d->dfd < 0 ? d->dfd : 0;
	}
	return vt_dev_finish(d, r);
}

/* vfio-pci device @bdf bound to @f, attached to its IOAS, BAR0 mapped. */
int vt_pci_open_iommufd(struct vt_dev *d, const char *bdf, struct ifd *f)
{
	char sysdir[128];
	int r;

	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", bdf);
	r = vt_cdev_open_iommufd(d, sysdir, f);
	VT_ASSERT(!r, "%s: cdev bound to iommufd and attached to its IOAS: %s",
		  bdf, strerror(-r));
	return 0;
}

