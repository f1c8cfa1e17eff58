// SPDX-License-Identifier: GPL-2.0-only
/* vt: helpers shared by the in-guest VFIO test suites. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vt.h"

int vt_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

int vt_sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return (int)n;
}

/* Number at the end of the iommu_group link in sysfs directory @dir. */
static int vt_link_group(const char *dir)
{
	char path[256], link[256];
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	p = strrchr(link, '/');
	return p ? atoi(p + 1) : -EINVAL;
}

int vt_pci_group(const char *bdf)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", bdf);
	return vt_link_group(dir);
}

int vt_group_ndevs(int group)
{
	char path[128];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices",
		 group);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int vt_pci_driver(const char *bdf, char *buf, size_t len)
{
	char path[256], link[256];
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		buf[0] = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = 0;
	p = strrchr(link, '/');
	snprintf(buf, len, "%s", p ? p + 1 : link);
	return 0;
}

int vt_pci_bind(const char *bdf, const char *drv)
{
	char path[256], cur[64];
	int r;

	r = vt_pci_driver(bdf, cur, sizeof(cur));
	if (r)
		return r;
	if (!strcmp(cur, drv) && drv[0])
		return 0;
	if (cur[0]) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		r = vt_sysfs_write(path, bdf);
		if (r)
			return r;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	r = vt_sysfs_write(path, drv[0] ? drv : "\n");
	if (r)
		return r;
	if (!drv[0])
		return 0;
	r = vt_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (r)
		return r;
	r = vt_pci_driver(bdf, cur, sizeof(cur));
	if (r)
		return r;
	return strcmp(cur, drv) ? -ENODEV : 0;
}

int vt_mdev_type_attr(const char *bdf, const char *attr, char *buf,
		      size_t len)
{
	char path[256];

	snprintf(path, sizeof(path),
		 "/sys/class/mdev_bus/%s/mdev_supported_types/%s/%s", bdf,
		 VT_MDEV_TYPE, attr);
	return vt_sysfs_read(path, buf, len);
}

int vt_mdev_create(const char *bdf, const char *uuid)
{
	char path[256];

	snprintf(path, sizeof(path),
		 "/sys/class/mdev_bus/%s/mdev_supported_types/%s/create", bdf,
		 VT_MDEV_TYPE);
	return vt_sysfs_write(path, uuid);
}

int vt_mdev_remove(const char *uuid)
{
	char path[320];	/* room for any directory entry's name */

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return vt_sysfs_write(path, "1");
}

void vt_mdev_remove_all(void)
{
	struct dirent *e;
	DIR *d = opendir("/sys/bus/mdev/devices");

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			vt_mdev_remove(e->d_name);
	closedir(d);
}

long long vt_pins(long long *acquired)
{
	long long acq = -1, rel = -1, v;
	char line[128], name[64];
	FILE *f;

	/* fold the per-CPU counters first */
	vt_sysfs_write("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld", name, &v) != 2)
			continue;
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	if (acq < 0 || rel < 0)
		return -ENOENT;
	if (acquired)
		*acquired = acq;
	return acq - rel;
}

const char *vt_errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EINVAL, "EINVAL" }, { ENODEV, "ENODEV" }, { EBUSY, "EBUSY" },
		{ ENOENT, "ENOENT" }, { EEXIST, "EEXIST" }, { ENOMEM, "ENOMEM" },
		{ ENOSPC, "ENOSPC" }, { EFAULT, "EFAULT" }, { EPERM, "EPERM" },
		{ ENOTTY, "ENOTTY" }, { EAGAIN, "EAGAIN" }, { EIO, "EIO" },
		{ EBADF, "EBADF" }, { E2BIG, "E2BIG" }, { ERANGE, "ERANGE" },
		{ ENXIO, "ENXIO" }, { EACCES, "EACCES" }, { EINTR, "EINTR" },
		{ EOVERFLOW, "EOVERFLOW" }, { EDEADLK, "EDEADLK" },
		{ EUSERS, "EUSERS" }, { ENAMETOOLONG, "ENAMETOOLONG" },
		{ ENOTSUP, "EOPNOTSUPP" }, { ESRCH, "ESRCH" },
		{ EPROTO, "EPROTO" }, { ESPIPE, "ESPIPE" }, { ENOSYS, "ENOSYS" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return NULL;
}

int vt_mdev_group(const char *uuid)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/sys/bus/mdev/devices/%s", uuid);
	return vt_link_group(dir);
}

int vt_mdev_attr(const char *uuid, const char *attr, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/%s", uuid,
		 attr);
	return vt_sysfs_read(path, buf, len);
}

long vt_sysfs_long(const char *path)
{
	char buf[64];
	int r = vt_sysfs_read(path, buf, sizeof(buf));

	return r < 0 ? r : strtol(buf, NULL, 0);
}

long vt_wait_long(const char *path, long want, int ms)
{
	long v = vt_sysfs_long(path);

	for (; v != want && ms > 0; ms -= 50) {
		usleep(50000);
		v = vt_sysfs_long(path);
	}
	return v;
}

int vt_container_open(void)
{
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int vt_group_open(int group)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vt_group_status(int gfd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (ioctl(gfd, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	return (int)st.flags;
}

int vt_group_set_container(int gfd, int cfd)
{
	return ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd) ? -errno : 0;
}

int vt_group_unset_container(int gfd)
{
	return ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER) ? -errno : 0;
}

int vt_set_iommu(int cfd, int type)
{
	return ioctl(cfd, VFIO_SET_IOMMU, type) ? -errno : 0;
}

int vt_device_open(int gfd, const char *name)
{
	int fd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, name);

	return fd < 0 ? -errno : fd;
}

int vt_map_flags(int cfd, void *vaddr, uint64_t iova, uint64_t size,
		 uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(cfd, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

int vt_map(int cfd, void *vaddr, uint64_t iova, uint64_t size)
{
	return vt_map_flags(cfd, vaddr, iova, size,
			    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
}

int vt_unmap(int cfd, uint64_t iova, uint64_t size, uint32_t flags,
	     uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = flags,
		.iova = iova,
		.size = size,
	};

	if (ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	if (unmapped)
		*unmapped = u.size;
	return 0;
}

int vt_dev_open(struct vt_dev *d, int cfd, int group, const char *name,
		int type)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cfd = d->gfd = d->dfd = -1;
	d->gfd = vt_group_open(group);
	if (d->gfd < 0)
		return d->gfd;
	if (cfd < 0) {
		d->cfd = vt_container_open();
		if (d->cfd < 0) {
			r = d->cfd;
			goto err;
		}
		d->own_container = 1;
	} else {
		d->cfd = cfd;
	}
	r = vt_group_set_container(d->gfd, d->cfd);
	if (r)
		goto err;
	if (d->own_container) {
		r = vt_set_iommu(d->cfd, type);
		if (r)
			goto err;
	}
	d->dfd = vt_device_open(d->gfd, name);
	if (d->dfd < 0) {
		r = d->dfd;
		goto err;
	}
	r = vt_dev_regions(d);
	if (r)
		goto err;
	return 0;
err:
	vt_dev_close(d);
	return r;
}

int vt_dma_check(struct vt_dev *d, uint64_t iova, uint32_t seed)
{
	enum { VT_PG = 4096, VT_DMA_LEN = 2048 };
	uint8_t *src = vt_alloc(VT_PG), *dst = vt_alloc(VT_PG);
	uint64_t n = 0;
	int i;

	VT_ASSERT(src && dst, "alloc");
	vt_fill(src, VT_DMA_LEN, seed);
	VT_OK(vt_map(d->cfd, src, iova, VT_PG));
	VT_OK(vt_map(d->cfd, dst, iova + VT_PG, VT_PG));
	VT_OK(edu_roundtrip(d, iova, iova + VT_PG, VT_DMA_LEN));
	VT_ASSERT(memcmp(src, dst, VT_DMA_LEN) == 0, "bytes differ (iova %#llx)",
		  (unsigned long long)iova);
	for (i = VT_DMA_LEN; i < VT_PG; i++)
		VT_ASSERT(dst[i] == 0, "byte %d past the transfer written", i);
	VT_OK(vt_unmap(d->cfd, iova, 2 * VT_PG, 0, &n));
	VT_ASSERT(n == 2 * VT_PG, "unmapped %llu", (unsigned long long)n);
	vt_free(src, VT_PG);
	vt_free(dst, VT_PG);
	return 0;
}

int vt_dev_regions(struct vt_dev *d)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	void *p;

	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(d->dfd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	d->cfg_off = ri.offset;
	memset(&ri, 0, sizeof(ri));
	ri.argsz = sizeof(ri);
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(d->dfd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -ENOTSUP;
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->dfd,
		 ri.offset);
	if (p == MAP_FAILED)
		return -errno;
	d->bar0 = p;
	d->bar0_size = ri.size;
	return 0;
}

void vt_dev_close(struct vt_dev *d)
{
	if (d->bar0)
		munmap((void *)d->bar0, d->bar0_size);
	if (d->dfd >= 0)
		close(d->dfd);
	if (d->gfd >= 0)
		close(d->gfd);
	if (d->own_container && d->cfd >= 0)
		close(d->cfd);
	d->bar0 = NULL;
	d->dfd = d->gfd = d->cfd = -1;
}

int vt_cfg_read(struct vt_dev *d, uint32_t off, void *buf, size_t len)
{
	ssize_t n = pread(d->dfd, buf, len, d->cfg_off + off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

int vt_cfg_write(struct vt_dev *d, uint32_t off, const void *buf,
		 size_t len)
{
	ssize_t n = pwrite(d->dfd, buf, len, d->cfg_off + off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

int vt_enable_bus_master(struct vt_dev *d)
{
	uint16_t cmd;
	int r;

	r = vt_cfg_read(d, 4, &cmd, 2);
	if (r)
		return r;
	cmd |= 0x6;	/* memory space + bus master */
	return vt_cfg_write(d, 4, &cmd, 2);
}

static int vt_irq_set(struct vt_dev *d, uint32_t index, uint32_t flags,
		      uint32_t count, int32_t efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (void *)buf;

	s->argsz = sizeof(*s) + (count ? sizeof(int32_t) : 0);
	s->flags = flags;
	s->index = index;
	s->start = 0;
	s->count = count;
	if (count)
		memcpy(s->data, &efd, sizeof(efd));
	return ioctl(d->dfd, VFIO_DEVICE_SET_IRQS, s) ? -errno : 0;
}

int vt_irq_eventfd(struct vt_dev *d, uint32_t index)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int r;

	if (efd < 0)
		return -errno;
	r = vt_irq_set(d, index, VFIO_IRQ_SET_DATA_EVENTFD |
		       VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd);
	if (r) {
		close(efd);
		return r;
	}
	return efd;
}

int vt_irq_disable(struct vt_dev *d, uint32_t index)
{
	return vt_irq_set(d, index, VFIO_IRQ_SET_DATA_NONE |
			  VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
}

long vt_eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return (long)v;
}

void *vt_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);
	return p;
}

void vt_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

void vt_fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

int vt_klog_contains(const char *needle, const char *needle2)
{
	return vt_klog_count(needle, needle2) > 0;
}

int vt_klog_count(const char *needle, const char *needle2)
{
	int len = klogctl(10 /* SIZE_BUFFER */, NULL, 0);
	char *buf, *line, *save = NULL;
	int found = 0, n;

	if (len <= 0)
		return 0;
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	n = klogctl(3 /* READ_ALL */, buf, len);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		found += strstr(line, needle) &&
			 (!needle2 || strstr(line, needle2));
	free(buf);
	return found;
}

int vt_ewrap(void)
{
	struct utsname u;

	if (uname(&u) || atoi(u.release) < 7)
		return EINVAL;
	return EOVERFLOW;
}

int vt_dmar_write_fault(const char *bdf, uint64_t iova, char *needle)
{
	int i;

	/*
	 * "bb:dd.f] fault addr 0xIOVA ": the tail of both forms the kernel
	 * writes, "[bb:dd.f]" (6.x) and "[dddd:bb:dd.f]" (7.x), up to the
	 * space that ends the address (so 0x20 does not match 0x2000)
	 */
	snprintf(needle, 64, "%s] fault addr 0x%llx ", bdf + 5,
		 (unsigned long long)iova);
	/* the fault interrupt's handler logs it a moment after the DMA */
	for (i = 0; i < 40; i++) {
		if (vt_klog_contains("DMAR: [DMA Write", needle))
			return 1;
		usleep(50000);
	}
	return 0;
}

long vt_locked_vm_kb(void)
{
	char line[256];
	long kb = -ENOENT;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

uint32_t edu_rd32(struct vt_dev *d, uint32_t off)
{
	return *(volatile uint32_t *)(d->bar0 + off);
}

void edu_wr32(struct vt_dev *d, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(d->bar0 + off) = val;
}

void edu_wr64(struct vt_dev *d, uint32_t off, uint64_t val)
{
	*(volatile uint64_t *)(d->bar0 + off) = val;
}

uint64_t edu_rd64(struct vt_dev *d, uint32_t off)
{
	return *(volatile uint64_t *)(d->bar0 + off);
}

/*
 * Wait until edu runs no transfer: the start bit reads clear twice, 1 ms
 * apart (a lost read can return 0 as well).  edu runs a transfer about
 * 100 ms after it is started; 10 s is the bound.
 */
static int edu_dma_wait_idle(struct vt_dev *d)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!(edu_rd32(d, EDU_DMA_CMD) & EDU_DMA_START)) {
			usleep(1000);
			if (!(edu_rd32(d, EDU_DMA_CMD) & EDU_DMA_START))
				return 0;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int64_t edu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Program one transfer and start it.  A transfer still running (started by
 * a previous user of the device) makes edu ignore new registers: wait for
 * it first.  QEMU 7.2's multi-threaded TCG can also drop an MMIO access of
 * one vCPU while another vCPU changes the memory map (a bus reset restoring
 * BARs elsewhere in the guest): a lost write would leave the transfer
 * unstarted and the poll for its end would take it for done.  So every
 * register is read back, and a start bit found clear right after the
 * command means a lost command: edu runs a transfer 100 ms after it is
 * started, so within 50 ms it cannot have finished (later, this vCPU may
 * just have been descheduled: taken as started).  A lost access is said on
 * stderr, counted in edu_redos and redone; the revoke cases fail if any
 * was (a "lost" access there could be the revoke working).
 */
unsigned int edu_redos;

static int edu_dma_start(struct vt_dev *d, uint64_t src, uint64_t dst,
			 uint32_t len, uint32_t cmd)
{
	uint32_t got;
	int64_t t0;
	int t, r;

	for (t = 0; t < 3; t++) {
		r = edu_dma_wait_idle(d);
		if (r)
			return r;
		edu_wr64(d, EDU_DMA_SRC, src);
		edu_wr64(d, EDU_DMA_DST, dst);
		edu_wr64(d, EDU_DMA_CNT, len);
		if (edu_rd64(d, EDU_DMA_SRC) != src ||
		    edu_rd64(d, EDU_DMA_DST) != dst ||
		    edu_rd64(d, EDU_DMA_CNT) != len) {
			fprintf(stderr, "# edu: a register write did not take (src %#llx dst %#llx cnt %#llx read back; try %d)\n",
				(unsigned long long)edu_rd64(d, EDU_DMA_SRC),
				(unsigned long long)edu_rd64(d, EDU_DMA_DST),
				(unsigned long long)edu_rd64(d, EDU_DMA_CNT),
				t + 1);
			edu_redos++;
			continue;
		}
		t0 = edu_now_ms();
		edu_wr64(d, EDU_DMA_CMD, cmd);
		got = edu_rd32(d, EDU_DMA_CMD);
		if ((got & EDU_DMA_START) || edu_now_ms() - t0 >= 50)
			return 0;
		fprintf(stderr, "# edu: the start did not take (command reads %#x; try %d)\n",
			got, t + 1);
		edu_redos++;
	}
	return -EIO;
}

int edu_dma(struct vt_dev *d, uint64_t iova, uint32_t len, int to_ram,
	    int irq)
{
	uint32_t cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0) |
		       (irq ? EDU_DMA_IRQ : 0);
	int r;

	/*
	 * QEMU 7.2's edu aborts the whole VM on a device-side range that
	 * reaches the end of its 4 KiB buffer: keep len below 4096.
	 */
	if (len == 0 || len >= EDU_BUF_SIZE)
		return -EINVAL;
	r = edu_dma_start(d, to_ram ? EDU_BUF_ADDR : iova,
			  to_ram ? iova : EDU_BUF_ADDR, len, cmd);
	return r ? r : edu_dma_wait_idle(d);
}

int edu_roundtrip(struct vt_dev *d, uint64_t iova_src, uint64_t iova_dst,
		  uint32_t len)
{
	int r = edu_dma(d, iova_src, len, 0, 0);

	return r ? r : edu_dma(d, iova_dst, len, 1, 0);
}

int vt_classic_create(const char *uuid)
{
	static const char types[] =
		"/sys/class/mdev_bus/vim_classic/mdev_supported_types";
	/* the type is "<parent driver>-test"; the parent has none */
	DIR *dir = opendir(types);
	struct dirent *e;
	char path[512];

	if (!dir)
		return -ENOENT;
	while ((e = readdir(dir)) && e->d_name[0] == '.')
		;
	if (!e) {
		closedir(dir);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/%s/create", types, e->d_name);
	closedir(dir);
	return vt_sysfs_write(path, uuid);
}

long vt_backend_holders(void)
{
	DIR *dir = opendir("/sys/module/vfio_iommu_mdev/holders");
	struct dirent *e;
	long n = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	dir = opendir("/sys/bus/mdev/drivers/vfio_mdev_pci");
	while (dir && (e = readdir(dir)))
		n += strlen(e->d_name) == 36 && e->d_name[8] == '-';
	if (dir)
		closedir(dir);
	return n;
}

void vt_show_task(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	if (vt_sysfs_read(path, line, sizeof(line)) >= 0)
		VT_NOTE("  wchan: %s", line);
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		VT_NOTE("  %s", line);
	}
	fclose(f);
}

/* ---- devices opened the way the suites open them ---- */

/* Bind @bdf to vfio-mdev-pci and create mdev @uuid on it. */
int vt_make_mdev(const char *bdf, const char *uuid)
{
	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(bdf, uuid));
	return 0;
}

/* Open mdev @uuid into container @cfd (new one if < 0). */
int vt_open_mdev(struct vt_dev *d, int cfd, const char *uuid)
{
	int g = vt_mdev_group(uuid);

	VT_ASSERT(g >= 0, "mdev %s has no iommu_group (%d)", uuid, g);
	VT_OK(vt_dev_open(d, cfd, g, uuid, VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(d));
	return 0;
}

int vt_open_pci(struct vt_dev *d, int cfd, const char *bdf)
{
	int g;

	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	g = vt_pci_group(bdf);
	VT_ASSERT(g >= 0, "group of %s", bdf);
	VT_OK(vt_dev_open(d, cfd, g, bdf, VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(d));
	return 0;
}

int vt_classic_open(const char *uuid, int *gfd, int *cfd)
{
	int g, dfd, r;

	*gfd = *cfd = -1;
	r = vt_classic_create(uuid);
	g = r ? r : vt_mdev_group(uuid);
	if (g < 0)
		return g;
	*gfd = vt_group_open(g);
	*cfd = vt_container_open();
	if (*gfd < 0 || *cfd < 0)
		return *gfd < 0 ? *gfd : *cfd;
	r = vt_group_set_container(*gfd, *cfd);
	if (!r)
		r = vt_set_iommu(*cfd, VFIO_TYPE1v2_IOMMU);
	dfd = r ? r : vt_device_open(*gfd, uuid);
	return dfd;
}
