/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vt: helpers shared by the in-guest VFIO test suites.
 *
 * Every function that can fail returns 0 (or a non-negative value) on
 * success and -errno on failure, so a test can assert the exact errno.
 */
#ifndef VT_H
#define VT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/types.h>
#include <linux/vfio.h>


#define KB(x)	((uint64_t)(x) << 10)	/* bytes in x KiB */
/* ---- reporting ------------------------------------------------------- */

#define VT_NOTE(fmt, ...) \
	fprintf(stdout, "# " fmt "\n", ##__VA_ARGS__)

/* Fail the current test case with file:line and a message. */
#define VT_FAIL(fmt, ...) do { \
	fprintf(stdout, "# FAIL %s:%d: " fmt "\n", __FILE__, __LINE__, \
		##__VA_ARGS__); \
	fflush(stdout); \
	return 1; \
} while (0)

#define VT_ASSERT(cond, fmt, ...) do { \
	if (!(cond)) \
		VT_FAIL("%s: " fmt, #cond, ##__VA_ARGS__); \
} while (0)

/* Assert that an expression returning 0/-errno returned 0. */
#define VT_OK(expr) do { \
	long __r = (long)(expr); \
	if (__r < 0) \
		VT_FAIL("%s = %ld (%s)", #expr, __r, strerror((int)-__r)); \
} while (0)

/* Assert that an expression returning 0/-errno returned -err. */
#define VT_ERRNO(expr, err) do { \
	long __r = (long)(expr); \
	if (__r != -(long)(err)) \
		VT_FAIL("%s = %ld (%s), expected -%s", #expr, __r, \
			__r < 0 ? strerror((int)-__r) : "success", #err); \
} while (0)

/* ---- sysfs ----------------------------------------------------------- */

int vt_sysfs_write(const char *path, const char *val);
int vt_sysfs_read(const char *path, char *buf, size_t len);
/* IOMMU group number of a PCI device (0000:bb:dd.f) or -errno. */
int vt_pci_group(const char *bdf);
/* Number of devices in an IOMMU group, or -errno. */
int vt_group_ndevs(int group);
/* Name of the driver bound to a PCI device, "" if none. */
int vt_pci_driver(const char *bdf, char *buf, size_t len);
/* Unbind from whatever driver, then bind to drv ("" = leave unbound). */
int vt_pci_bind(const char *bdf, const char *drv);

/* mdevs of vfio-mdev-pci (type vfio-mdev-pci-passthrough) */
#define VT_MDEV_TYPE "vfio-mdev-pci-passthrough"
/* Read attribute @attr of the parent's mdev type into buf. */
int vt_mdev_type_attr(const char *bdf, const char *attr, char *buf,
		      size_t len);
int vt_mdev_create(const char *bdf, const char *uuid);
int vt_mdev_remove(const char *uuid);
/* Remove every mdev (a previous failed case may have left some). */
void vt_mdev_remove_all(void);
/*
 * Pages pinned system-wide now (nr_foll_pin_acquired - _released, per-CPU
 * counters folded first), the acquired count in *acquired if not NULL;
 * -ENOENT without those counters.
 */
long long vt_pins(long long *acquired);
/* "EINVAL" for EINVAL; NULL for an errno it does not name. */
const char *vt_errno_name(int e);
/* Create mdev @uuid of the test module vim_classic (no IOMMU behind it). */
int vt_classic_create(const char *uuid);
/*
 * Create classic mdev @uuid and open it alone in a new type1v2 container:
 * its device fd or -errno; *@gfd and *@cfd get the group and the
 * container (-1 when not open; the caller closes them).
 */
int vt_classic_open(const char *uuid, int *gfd, int *cfd);
/* IOMMU group of an mdev (its VFIO group), or -errno. */
int vt_mdev_group(const char *uuid);
/* Read attribute @attr of mdev @uuid. */
int vt_mdev_attr(const char *uuid, const char *attr, char *buf, size_t len);
/* Integer value of a sysfs file, or -errno. */
long vt_sysfs_long(const char *path);
/*
 * vfio_iommu_mdev's refcount while no container uses it: one per module
 * depending on it and one per mdev of vfio_mdev_pci (each holds the
 * backend's API, kernel/vmp_backend.c); -errno if it is not loaded.
 */
long vt_backend_holders(void);
/* Print a task's wait channel and kernel stack (a stuck child). */
void vt_show_task(pid_t pid);
/* Poll @path until it reads @want or @ms pass; returns the last value. */
long vt_wait_long(const char *path, long want, int ms);

/* ---- container / group / device ------------------------------------- */

int vt_container_open(void);
int vt_group_open(int group);
/* VFIO_GROUP_GET_STATUS flags, or -errno. */
int vt_group_status(int gfd);
int vt_group_set_container(int gfd, int cfd);
int vt_group_unset_container(int gfd);
int vt_set_iommu(int cfd, int type);
int vt_device_open(int gfd, const char *name);

int vt_map(int cfd, void *vaddr, uint64_t iova, uint64_t size);
int vt_map_flags(int cfd, void *vaddr, uint64_t iova, uint64_t size,
		 uint32_t flags);
/* Unmap; on success *unmapped (if not NULL) receives the size unmapped. */
int vt_unmap(int cfd, uint64_t iova, uint64_t size, uint32_t flags,
	     uint64_t *unmapped);

/* One open VFIO PCI device with BAR0 mapped. */
struct vt_dev {
	int cfd;		/* container (owned when own_container) */
	int gfd;		/* group */
	int dfd;		/* device */
	int own_container;
	volatile uint8_t *bar0;
	size_t bar0_size;
	uint64_t cfg_off;	/* offset of the config region */
};

/*
 * Open group @group into container @cfd (or a new one when cfd < 0 and
 * then SET_IOMMU @type), get device @name, mmap BAR0.  Returns 0/-errno;
 * on failure nothing stays open.
 */
int vt_dev_open(struct vt_dev *d, int cfd, int group, const char *name,
		int type);
/*
 * Fill in @d's config offset and map BAR0 for its open device fd d->dfd
 * (a device opened another way, as a VFIO cdev bound to iommufd).
 * Returns 0 or -errno; vt_dev_close() undoes it.
 */
int vt_dev_regions(struct vt_dev *d);
void vt_dev_close(struct vt_dev *d);
/*
 * The suites' way in, each 0, or 1 with a FAIL line (a case's return):
 * bind @bdf to vfio-mdev-pci and create mdev @uuid on it; open mdev @uuid,
 * or PCI device @bdf bound to vfio-pci, into container @cfd (a new type1v2
 * one if < 0), bus master on.
 */
int vt_make_mdev(const char *bdf, const char *uuid);
int vt_open_mdev(struct vt_dev *d, int cfd, const char *uuid);
int vt_open_pci(struct vt_dev *d, int cfd, const char *bdf);

/*
 * Map two fresh pages at @iova and @iova + 4 KiB in @d's container, copy
 * 2 KiB RAM -> edu -> RAM, compare (nothing past the transfer written),
 * unmap.  The bytes went through the IOMMU.  0, or 1 with a FAIL line.
 */
int vt_dma_check(struct vt_dev *d, uint64_t iova, uint32_t seed);
int vt_cfg_read(struct vt_dev *d, uint32_t off, void *buf, size_t len);
int vt_cfg_write(struct vt_dev *d, uint32_t off, const void *buf,
		 size_t len);
int vt_enable_bus_master(struct vt_dev *d);

/* Attach an eventfd to irq @index vector 0; returns the eventfd or -errno. */
int vt_irq_eventfd(struct vt_dev *d, uint32_t index);
int vt_irq_disable(struct vt_dev *d, uint32_t index);
/* Wait for an eventfd count; returns the count, 0 on timeout, or -errno. */
long vt_eventfd_wait(int efd, int timeout_ms);

/* A page-aligned, zero-filled anonymous buffer, or NULL. */
void *vt_alloc(size_t size);
void vt_free(void *p, size_t size);
void vt_fill(void *p, size_t len, uint32_t seed);

/* Kernel log: non-zero if the log read so far contains needle. */
int vt_klog_contains(const char *needle, const char *needle2);
/* Number of such lines in the kernel log read so far. */
int vt_klog_count(const char *needle, const char *needle2);
/*
 * Non-zero if the kernel log holds, or within 2 s gets, the Intel IOMMU's
 * write fault of PCI device @bdf (dddd:bb:dd.f) at @iova: "DMAR: [DMA
 * Write ...] Request device [bb:dd.f] fault addr 0x..." (Linux 6.x) or
 * "[dddd:bb:dd.f]" (7.x).  @needle (at least 64 bytes) gets what is
 * looked for, the tail both forms share, for a message.
 */
int vt_dmar_write_fault(const char *bdf, uint64_t iova, char *needle);
/*
 * The errno type1 gives a range whose end passes 2^64: EINVAL up to Linux
 * 6.12, EOVERFLOW from 7.x (kernel/vim_compat.h, VIM_EWRAP).
 */
int vt_ewrap(void);
/* locked_vm of this process in KiB, or -errno. */
long vt_locked_vm_kb(void);

/* ---- iommufd and VFIO cdevs (tests/lib/ifd.c) ------------------------ */

/* An iommufd (/dev/iommu) with one IOAS. */
struct ifd {
	int fd;
	uint32_t ioas;
};

int ifd_open(struct ifd *f);
/* Map @len bytes at @va to @iova (fixed, read and write); 0 or -errno. */
int ifd_map(struct ifd *f, void *va, uint64_t iova, uint64_t len);
int ifd_unmap(struct ifd *f, uint64_t iova, uint64_t len);
/* Make @f's IOAS the context's compat IOAS (IOMMU_VFIO_IOAS); 0/-errno. */
int ifd_compat_set(struct ifd *f);
/* The same by ids, for hostile callers: 0 or -errno. */
int ifd_ioas_alloc(int fd, uint32_t *ioas);
int ifd_map_id(int fd, uint32_t ioas, void *va, uint64_t iova, uint64_t len);
int ifd_unmap_id(int fd, uint32_t ioas, uint64_t iova, uint64_t len);
int ifd_destroy(int fd, uint32_t id);
/* IOMMU_GET_HW_INFO's out_capabilities of device @dev_id; 0 or -errno. */
int ifd_hw_caps(int fd, uint32_t dev_id, uint64_t *caps);
#define IFD_HW_CAP_DIRTY_TRACKING	(1ull << 0)
#define IFD_HWPT_ALLOC_DIRTY_TRACKING	(1u << 1)
/* IOMMU_HWPT_ALLOC for @dev_id on IOAS @pt_id; 0 or -errno. */
int ifd_hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		   uint32_t *hwpt);
/* vt_cdev_bind() that also returns the bound device's id. */
int vt_cdev_bind_id(const char *sysdir, struct ifd *f, uint32_t *devid);
/* VFIO cdev ioctls on an open cdev @dfd: 0 or -errno. */
int vt_cdev_bind_fd(int dfd, int iommufd);
int vt_cdev_attach(int dfd, uint32_t pt_id);
int vt_cdev_detach(int dfd);
/* /dev/vfio/devices/vfioN of the VFIO device at sysfs directory @sysdir. */
int vt_cdev_path(const char *sysdir, char *out, size_t len);
/* Open the cdev of @sysdir and bind it to @f: the device fd or -errno. */
int vt_cdev_bind(const char *sysdir, struct ifd *f);
/*
 * The VFIO device at sysfs directory @sysdir through its cdev: bound to
 * @f, attached to @f's IOAS, BAR0 mapped, bus master on (d->cfd and
 * d->gfd are -1).  0 or -errno; nothing stays open on failure.
 */
int vt_cdev_open_iommufd(struct vt_dev *d, const char *sysdir,
			 struct ifd *f);
/*
 * Device @name of VFIO group @group through the group route: @f's IOAS
 * made its compat IOAS, the group set to @f, the device fd, BAR0 mapped,
 * bus master on (d->cfd is -1).  0 or -errno; nothing stays open.
 */
int vt_group_open_iommufd(struct vt_dev *d, int group, const char *name,
			  struct ifd *f);
/*
 * PCI device @bdf on vfio-pci, its cdev bound to @f and attached to @f's
 * IOAS, BAR0 mapped, bus master on (d->cfd and d->gfd are -1).  0, or 1
 * with a FAIL line (a test case's return).
 */
int vt_pci_open_iommufd(struct vt_dev *d, const char *bdf, struct ifd *f);

/* ---- QEMU's edu device ---------------------------------------------- */

#define EDU_ID			0x00
#define EDU_LIVENESS		0x04
#define EDU_STATUS		0x20
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_IRQ		0x4
#define EDU_BUF_ADDR		0x40000ULL
#define EDU_BUF_SIZE		4096

uint32_t edu_rd32(struct vt_dev *d, uint32_t off);
void edu_wr32(struct vt_dev *d, uint32_t off, uint32_t val);
uint64_t edu_rd64(struct vt_dev *d, uint32_t off);
void edu_wr64(struct vt_dev *d, uint32_t off, uint64_t val);
/* Run one DMA; to_ram: device buffer -> iova, else iova -> buffer. */
int edu_dma(struct vt_dev *d, uint64_t iova, uint32_t len, int to_ram,
	    int irq);
/* Lost MMIO accesses edu_dma() redid (said on stderr), since start. */
extern unsigned int edu_redos;
/* RAM(iova_src) -> edu -> RAM(iova_dst), len bytes. */
int edu_roundtrip(struct vt_dev *d, uint64_t iova_src, uint64_t iova_dst,
		  uint32_t len);

/* ---- slowfs: a FUSE file whose reads wait (tests/lib/slowfs.c) ------- */

#define SLOWFS_SIZE	(64 * 4096)	/* the file "f" */

struct slowfs {
	pid_t pid;		/* the server */
	int release_fd;		/* write to answer every read from now on */
	char dir[64];
};

/* Mount at @dir (created); reads of @dir/f wait for slowfs_release(). */
int slowfs_mount(struct slowfs *s, const char *dir);
void slowfs_release(struct slowfs *s);
void slowfs_unmount(struct slowfs *s);

/* ---- test registry --------------------------------------------------- */

struct vt_case {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

/* Each suite defines a NULL-terminated table; main.c lists the suites. */
extern const struct vt_case stock_cases[];
extern const struct vt_case mdev_cases[];
extern const struct vt_case backend_cases[];
extern const struct vt_case bench_cases[];
extern const struct vt_case race_cases[];
extern const struct vt_case robust_cases[];
extern const struct vt_case hotplug_cases[];
extern const struct vt_case fuzz_cases[];
extern const struct vt_case iommufd_cases[];
extern const struct vt_case ifuzz_cases[];
extern const struct vt_case p2p_cases[];
extern const struct vt_case vaddr_cases[];
extern const struct vt_case dirty_cases[];

#endif
