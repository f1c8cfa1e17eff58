// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "backend": the container ABI of vfio_iommu_mdev (type1 / type1v2):
 * map/unmap edge cases with exact errno values and unchanged state,
 * GET_INFO, the mapping limit, RLIMIT_MEMLOCK, v1 unmap semantics, and
 * the classic emulated path through tests/kmod/vim_classic.ko.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/vt.h"
#include "../kmod/vim_classic.h"

#define IOVA	0x100000ULL
/* dma_entry_limit of whichever backend is loaded (ours or type1) */
static const char *limit_path(void)
{
	static const char ours[] =
		"/sys/module/vfio_iommu_mdev/parameters/dma_entry_limit";

	return access(ours, F_OK) ? "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"
				  : ours;
}

#define LIMIT_PATH limit_path()

/* Container with one vfio-pci group (so there is a real IOMMU domain). */
static int open_container(struct vt_dev *d, const char *bdf, int type)
{
	int g;

	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	g = vt_pci_group(bdf);
	VT_ASSERT(g >= 0, "group");
	VT_OK(vt_dev_open(d, -1, g, bdf, type));
	return 0;
}

/* Number of mappings the container can still make (DMA_AVAIL cap). */
static long dma_avail(int cfd)
{
	char buf[4096];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_info_cap_header *h;
	uint32_t off;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	if (ioctl(cfd, VFIO_IOMMU_GET_INFO, info))
		return -errno;
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || !info->cap_offset)
		return -ENOENT;
	for (off = info->cap_offset; off; off = h->next) {
		if (off + sizeof(*h) > sizeof(buf))
			return -EOVERFLOW;
		h = (void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)
			return ((struct vfio_iommu_type1_info_dma_avail *)h)->avail;
	}
	return -ENOENT;
}

/* State that a refused request must leave unchanged. */
struct snap {
	long avail;
	long lck;
};

static int snap(int cfd, struct snap *s)
{
	s->avail = dma_avail(cfd);
	s->lck = vt_locked_vm_kb();
	VT_ASSERT(s->avail >= 0 && s->lck >= 0, "avail %ld lck %ld", s->avail,
		  s->lck);
	return 0;
}

static int same(int cfd, const struct snap *a, const char *what)
{
	struct snap b;

	if (snap(cfd, &b))
		return 1;
	VT_ASSERT(a->avail == b.avail && a->lck == b.lck,
		  "%s changed state: mappings left %ld -> %ld, VmLck %ld -> %ld kB",
		  what, a->avail, b.avail, a->lck, b.lck);
	return 0;
}

#define REFUSED(expr, err, cfd, s) do { \
	VT_ERRNO(expr, err); \
	if (same(cfd, s, #expr)) \
		return 1; \
} while (0)

/* backend.map_errors BDF */
static int t_map_errors(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(64));
	uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct snap s0, s1;
	struct vt_dev d;
	int c;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	if (open_container(&d, argv[1], VFIO_TYPE1v2_IOMMU))
		return 1;
	c = d.cfd;
	if (snap(c, &s0))
		return 1;
	REFUSED(vt_map(c, buf, IOVA, 0), EINVAL, c, &s0);
	REFUSED(vt_map(c, buf, IOVA + 1, KB(4)), EINVAL, c, &s0);
	REFUSED(vt_map(c, buf + 1, IOVA, KB(4)), EINVAL, c, &s0);
	REFUSED(vt_map(c, buf, IOVA, KB(4) + 1), EINVAL, c, &s0);
	REFUSED(vt_map_flags(c, buf, IOVA, KB(4), 0), EINVAL, c, &s0);
	REFUSED(vt_map_flags(c, buf, IOVA, KB(4), rw | (1u << 7)), EINVAL, c,
		&s0);
	/* ends past 2^64 (EOVERFLOW from 7.x, as type1) */
	REFUSED(vt_map(c, buf, 0xfffffffffffff000ULL, KB(8)), vt_ewrap(), c,
		&s0);
	REFUSED(vt_map(c, (void *)0xfffffffffffff000ULL, IOVA, KB(8)),
		vt_ewrap(), c, &s0);
	/* the MSI window is a reserved region of every group */
	REFUSED(vt_map(c, buf, 0xfee00000ULL, KB(4)), EINVAL, c, &s0);
	/* user memory that is not there: nothing pinned, nothing charged */
	REFUSED(vt_map(c, (void *)0x10000, IOVA, KB(4)), EFAULT, c, &s0);

	VT_OK(vt_map(c, buf, IOVA, KB(64)));
	if (snap(c, &s1))
		return 1;
	VT_ASSERT(s1.avail == s0.avail - 1, "avail %ld -> %ld", s0.avail,
		  s1.avail);
	VT_ASSERT(s1.lck == s0.lck + 64, "VmLck %ld -> %ld kB", s0.lck,
		  s1.lck);
	REFUSED(vt_map(c, buf, IOVA + KB(32), KB(4)), EEXIST, c, &s1);
	REFUSED(vt_map(c, buf, IOVA - KB(4), KB(8)), EEXIST, c, &s1);
	REFUSED(vt_map(c, buf, IOVA - KB(4), KB(128)), EEXIST, c, &s1);
	/* type1v2: a range that splits a mapping fails */
	REFUSED(vt_unmap(c, IOVA + KB(4), KB(4), 0, NULL), EINVAL, c, &s1);
	REFUSED(vt_unmap(c, IOVA, KB(32), 0, NULL), EINVAL, c, &s1);
	REFUSED(vt_unmap(c, IOVA, 0, 0, NULL), EINVAL, c, &s1);
	REFUSED(vt_unmap(c, IOVA + 1, KB(64), 0, NULL), EINVAL, c, &s1);
	REFUSED(vt_unmap(c, IOVA, KB(64), 1u << 5, NULL), EINVAL, c, &s1);
	REFUSED(vt_unmap(c, IOVA, KB(64), VFIO_DMA_UNMAP_FLAG_ALL, NULL),
		EINVAL, c, &s1);
	{
		uint64_t n = 1;

		VT_OK(vt_unmap(c, IOVA + KB(64), KB(64), 0, &n));
		VT_ASSERT(n == 0, "unmapped %llu of an empty range",
			  (unsigned long long)n);
		VT_OK(vt_unmap(c, IOVA - KB(64), KB(256), 0, &n));
		VT_ASSERT(n == KB(64), "unmapped %llu", (unsigned long long)n);
	}
	if (same(c, &s0, "map then unmap"))
		return 1;
	vt_dev_close(&d);
	return 0;
}

/* backend.unmap_all BDF: UNMAP_FLAG_ALL; the container close unpins. */
static int t_unmap_all(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(1024));
	struct snap s0;
	struct vt_dev d;
	long lck0;
	uint64_t n;
	int i;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	lck0 = vt_locked_vm_kb();
	if (open_container(&d, argv[1], VFIO_TYPE1v2_IOMMU))
		return 1;
	if (snap(d.cfd, &s0))
		return 1;
	for (i = 0; i < 4; i++)
		VT_OK(vt_map(d.cfd, buf + KB(256) * i, IOVA + KB(512) * i,
			     KB(256)));
	VT_ASSERT(vt_locked_vm_kb() == s0.lck + 1024, "VmLck %ld kB",
		  vt_locked_vm_kb());
	VT_OK(vt_unmap(d.cfd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &n));
	VT_ASSERT(n == KB(1024), "UNMAP_ALL unmapped %llu",
		  (unsigned long long)n);
	if (same(d.cfd, &s0, "UNMAP_ALL"))
		return 1;
	/* mappings left at close are unpinned and uncharged */
	VT_OK(vt_map(d.cfd, buf, IOVA, KB(1024)));
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 1024, "VmLck %ld kB",
		  vt_locked_vm_kb());
	vt_dev_close(&d);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB after close, %ld before",
		  vt_locked_vm_kb(), lck0);
	return 0;
}

/* backend.v1 BDF: VFIO_TYPE1_IOMMU keeps type1's own unmap semantics. */
static int t_v1(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(16));
	struct vt_dev d;
	uint64_t n;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	if (open_container(&d, argv[1], VFIO_TYPE1_IOMMU))
		return 1;
	VT_OK(vt_map(d.cfd, buf, IOVA, KB(16)));
	/* starts inside a mapping: success, nothing unmapped */
	VT_OK(vt_unmap(d.cfd, IOVA + KB(4), KB(4), 0, &n));
	VT_ASSERT(n == 0, "v1 unmapped %llu from inside a mapping",
		  (unsigned long long)n);
	/* covers its first page: the whole mapping goes */
	VT_OK(vt_unmap(d.cfd, IOVA, KB(4), 0, &n));
	VT_ASSERT(n == KB(16), "v1 unmapped %llu", (unsigned long long)n);
	vt_dev_close(&d);
	return 0;
}

/* backend.info BDF: CHECK_EXTENSION and GET_INFO with its capabilities. */
static int t_info(int argc, char **argv)
{
	char buf[4096];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iommu_type1_info_cap_iova_range *r = NULL;
	struct vfio_info_cap_header *h;
	struct vt_dev d;
	uint32_t off, i;
	int msi_hole = 0;

	VT_ASSERT(argc == 2, "usage");
	if (open_container(&d, argv[1], VFIO_TYPE1v2_IOMMU))
		return 1;
	VT_ASSERT(ioctl(d.cfd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) == 1,
		  "TYPE1");
	VT_ASSERT(ioctl(d.cfd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1,
		  "TYPE1v2");
	VT_ASSERT(ioctl(d.cfd, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL) == 1,
		  "UNMAP_ALL");
	/* both have it (suite vaddr) */
	VT_ASSERT(ioctl(d.cfd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR) == 1,
		  "UPDATE_VADDR");
	/* type1 has it; ours must not claim it */
	if (strstr(limit_path(), "vfio_iommu_mdev"))
		VT_ASSERT(ioctl(d.cfd, VFIO_CHECK_EXTENSION,
				VFIO_TYPE1_NESTING_IOMMU) == 0,
			  "NESTING is not implemented");

	/* too small for the capabilities: argsz tells the size needed */
	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(*info);
	VT_OK(ioctl(d.cfd, VFIO_IOMMU_GET_INFO, info) ? -errno : 0);
	VT_ASSERT(info->flags & VFIO_IOMMU_INFO_CAPS, "flags %#x", info->flags);
	VT_ASSERT(info->argsz > sizeof(*info) && info->cap_offset == 0,
		  "argsz %u cap_offset %u", info->argsz, info->cap_offset);

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	VT_OK(ioctl(d.cfd, VFIO_IOMMU_GET_INFO, info) ? -errno : 0);
	VT_ASSERT(info->flags & VFIO_IOMMU_INFO_PGSIZES, "flags %#x",
		  info->flags);
	VT_ASSERT(info->iova_pgsizes & 4096, "pgsizes %#llx",
		  (unsigned long long)info->iova_pgsizes);
	for (off = info->cap_offset; off; off = h->next) {
		VT_ASSERT(off + sizeof(*h) <= sizeof(buf), "cap chain");
		h = (void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			r = (void *)h;
	}
	VT_ASSERT(r && r->nr_iovas >= 2, "iova ranges %u", r ? r->nr_iovas : 0);
	for (i = 0; i < r->nr_iovas; i++) {
		VT_NOTE("usable IOVA %#llx-%#llx",
			(unsigned long long)r->iova_ranges[i].start,
			(unsigned long long)r->iova_ranges[i].end);
		VT_ASSERT(!i || r->iova_ranges[i].start >
			  r->iova_ranges[i - 1].end, "ranges unsorted");
		if (r->iova_ranges[i].end == 0xfedfffffULL)
			msi_hole = 1;
	}
	VT_ASSERT(msi_hole, "MSI window 0xfee00000 not excluded");
	VT_ASSERT(dma_avail(d.cfd) == vt_sysfs_long(LIMIT_PATH),
		  "avail %ld, limit %ld", dma_avail(d.cfd),
		  vt_sysfs_long(LIMIT_PATH));
	vt_dev_close(&d);
	return 0;
}

/* backend.limit BDF: dma_entry_limit refuses the next mapping: ENOSPC. */
static int t_limit(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(32));
	struct vt_dev d = { .cfd = -1, .gfd = -1, .dfd = -1 };
	struct snap s;
	char old[32];
	int i, r = 1;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	VT_OK(vt_sysfs_read(LIMIT_PATH, old, sizeof(old)));
	VT_OK(vt_sysfs_write(LIMIT_PATH, "4"));
	if (open_container(&d, argv[1], VFIO_TYPE1v2_IOMMU))
		goto out;
	for (i = 0; i < 4; i++)
		if (vt_map(d.cfd, buf + KB(4) * i, IOVA + KB(4) * i, KB(4)))
			goto out;
	if (snap(d.cfd, &s) || s.avail != 0)
		goto out;
	if (vt_map(d.cfd, buf + KB(16), IOVA + KB(16), KB(4)) != -ENOSPC)
		goto out;
	if (same(d.cfd, &s, "map past the limit"))
		goto out;
	r = 0;
out:
	vt_sysfs_write(LIMIT_PATH, old);
	vt_dev_close(&d);
	VT_ASSERT(r == 0, "limit of 4 mappings not enforced with ENOSPC");
	return 0;
}

/* backend.memlock BDF: RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM. */
static int t_memlock(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct cap[2];
	struct rlimit rl = { KB(64), KB(64) };
	uint8_t *buf = vt_alloc(KB(256));
	struct snap s0, s1;
	struct vt_dev d;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	if (open_container(&d, argv[1], VFIO_TYPE1v2_IOMMU))
		return 1;
	VT_OK(syscall(SYS_capget, &hdr, cap) ? -errno : 0);
	cap[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	VT_OK(syscall(SYS_capset, &hdr, cap) ? -errno : 0);
	VT_OK(setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0);
	if (snap(d.cfd, &s0))
		return 1;
	REFUSED(vt_map(d.cfd, buf, IOVA, KB(256)), ENOMEM, d.cfd, &s0);
	VT_OK(vt_map(d.cfd, buf, IOVA, KB(64)));
	if (snap(d.cfd, &s1))
		return 1;
	VT_ASSERT(s1.lck == s0.lck + 64, "VmLck %ld -> %ld kB", s0.lck,
		  s1.lck);
	REFUSED(vt_map(d.cfd, buf + KB(64), IOVA + KB(64), KB(4)), ENOMEM,
		d.cfd, &s1);
	vt_dev_close(&d);
	return 0;
}

/* ---- classic emulated path (tests/kmod/vim_classic.ko) ---- */

#define VC_UUID "22222222-3333-4444-5555-666666666661"

static int vc_stats(int dfd, struct vc_stats *st)
{
	return ioctl(dfd, VC_STATS, st) ? -errno : 0;
}

/*
 * backend.classic BDF: a classic mdev pins, moves bytes with dma_rw, is
 * told to unpin on unmap; then a vfio-pci group joins the container and
 * the existing mapping is replayed into its new domain (real DMA).
 */
static int t_classic(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(16)), pat[100], back[100];
	struct vc_rw rw = { 0 };
	struct vc_stats st;
	struct vt_dev p;
	long lck0;
	int gfd, cfd, dfd, i;
	uint64_t n;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	lck0 = vt_locked_vm_kb();
	dfd = vt_classic_open(VC_UUID, &gfd, &cfd);
	VT_OK(dfd);

	VT_OK(vt_map(cfd, buf, IOVA, KB(16)));
	VT_ASSERT(vt_locked_vm_kb() == lck0,
		  "no IOMMU domain: MAP_DMA must not pin (VmLck %ld kB)",
		  vt_locked_vm_kb());
	VT_OK(ioctl(dfd, VC_PIN, IOVA + KB(4)) ? -errno : 0);
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 4, "pin charged %ld kB",
		  vt_locked_vm_kb() - lck0);
	VT_OK(ioctl(dfd, VC_POKE, (100ULL << 8) | 0xa5) ? -errno : 0);
	VT_ASSERT(buf[KB(4) + 100] == 0xa5, "pinned page is not the user's");

	vt_fill(pat, sizeof(pat), 9);
	rw.iova = IOVA + KB(8) + 16;
	rw.uaddr = (uintptr_t)pat;
	rw.len = sizeof(pat);
	rw.write = 1;
	VT_OK(ioctl(dfd, VC_RW, &rw) ? -errno : 0);
	VT_ASSERT(!memcmp(buf + KB(8) + 16, pat, sizeof(pat)),
		  "dma_rw write did not reach user memory");
	vt_fill(buf + KB(12) - 50, sizeof(back), 10);
	rw.iova = IOVA + KB(12) - 50;	/* crosses a page boundary */
	rw.uaddr = (uintptr_t)back;
	rw.write = 0;
	VT_OK(ioctl(dfd, VC_RW, &rw) ? -errno : 0);
	VT_ASSERT(!memcmp(buf + KB(12) - 50, back, sizeof(back)),
		  "dma_rw read differs");
	rw.iova = IOVA + KB(64);
	VT_ERRNO(ioctl(dfd, VC_RW, &rw) ? -errno : 0, EINVAL);

	VT_OK(vc_stats(dfd, &st));
	VT_ASSERT(st.pinned && st.unmap_calls == 0, "stats %u/%u", st.pinned,
		  st.unmap_calls);
	VT_OK(vt_unmap(cfd, IOVA, KB(16), 0, &n));
	VT_ASSERT(n == KB(16), "unmapped %llu", (unsigned long long)n);
	VT_OK(vc_stats(dfd, &st));
	VT_ASSERT(!st.pinned && st.unmap_calls == 1,
		  "unmap notification: pinned %u, calls %u", st.pinned,
		  st.unmap_calls);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB after unmap",
		  vt_locked_vm_kb());

	/* replay: a mapping made before any IOMMU domain existed */
	vt_fill(buf, 2048, 77);
	memset(buf + KB(4), 0, KB(4));
	VT_OK(vt_map(cfd, buf, IOVA, KB(16)));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	VT_OK(vt_dev_open(&p, cfd, vt_pci_group(argv[1]), argv[1], 0));
	VT_OK(vt_enable_bus_master(&p));
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 16, "replay pinned %ld kB",
		  vt_locked_vm_kb() - lck0);
	VT_OK(edu_roundtrip(&p, IOVA, IOVA + KB(4), 2048));
	VT_ASSERT(!memcmp(buf, buf + KB(4), 2048),
		  "DMA through the replayed mapping differs");
	for (i = 2048; i < (int)KB(4); i++)
		VT_ASSERT(buf[KB(4) + i] == 0, "byte past the transfer");
	vt_dev_close(&p);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB once the domain left",
		  vt_locked_vm_kb());
	close(dfd);
	close(gfd);
	close(cfd);
	VT_OK(vt_mdev_remove(VC_UUID));
	return 0;
}

const struct vt_case backend_cases[] = {
	{ "map_errors", t_map_errors, "BDF" },
	{ "unmap_all", t_unmap_all, "BDF" },
	{ "v1", t_v1, "BDF" },
	{ "info", t_info, "BDF" },
	{ "limit", t_limit, "BDF" },
	{ "memlock", t_memlock, "BDF" },
	{ "classic", t_classic, "BDF" },
	{ NULL, NULL, NULL },
};
