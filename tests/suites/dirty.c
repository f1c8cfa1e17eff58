// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty: dirty page tracking for live migration (VFIO_IOMMU_DIRTY_PAGES,
 * VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, GET_INFO's migration capability);
 * run against type1 (plan stock) and ours (plan mdev) alike.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "../lib/vt.h"
#include "../kmod/vim_classic.h"

#define PG		4096ULL
#define IOVA_S		0x100000ULL
/* 62 pages above IOVA_S: its four bits straddle two 64-bit words */
#define IOVA_D		(IOVA_S + 62 * PG)
#define D_SIZE		(4 * PG)
#define UUID_D		"5a1d7c2e-7e1a-4b0c-9d3e-000000000040"

static int dirty_op(int cfd, uint32_t flags)
{
	struct vfio_iommu_type1_dirty_bitmap d = {
		.argsz = sizeof(d), .flags = flags,
	};

	return ioctl(cfd, VFIO_IOMMU_DIRTY_PAGES, &d) ? -errno : 0;
}

/* GET_BITMAP of [iova, + size) in pages of @pgsize into @bits. */
static int dirty_get(int cfd, uint64_t iova, uint64_t size, uint64_t pgsize,
		     uint64_t *bits, uint64_t bytes)
{
	char buf[sizeof(struct vfio_iommu_type1_dirty_bitmap) +
		 sizeof(struct vfio_iommu_type1_dirty_bitmap_get)];
	struct vfio_iommu_type1_dirty_bitmap *d = (void *)buf;
	struct vfio_iommu_type1_dirty_bitmap_get *g = (void *)d->data;

	memset(buf, 0, sizeof(buf));
	d->argsz = sizeof(buf);
	d->flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	g->iova = iova;
	g->size = size;
	g->bitmap.pgsize = pgsize;
	g->bitmap.size = bytes;
	g->bitmap.data = (void *)bits;
	if (bits)
		memset(bits, 0, bytes);
	return ioctl(cfd, VFIO_IOMMU_DIRTY_PAGES, d) ? -errno : 0;
}

/* UNMAP_DMA with the dirty bitmap of what it unmaps. */
static int unmap_dirty(int cfd, uint64_t iova, uint64_t size, uint64_t *bits,
		       uint64_t bytes, uint64_t *unmapped)
{
	char buf[sizeof(struct vfio_iommu_type1_dma_unmap) +
		 sizeof(struct vfio_bitmap)];
	struct vfio_iommu_type1_dma_unmap *u = (void *)buf;
	struct vfio_bitmap *b = (void *)u->data;

	memset(buf, 0, sizeof(buf));
	u->argsz = sizeof(buf);
	u->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	u->iova = iova;
	u->size = size;
	b->pgsize = PG;
	b->size = bytes;
	b->data = (void *)bits;
	memset(bits, 0, bytes);
	if (ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, u))
		return -errno;
	*unmapped = u->size;
	return 0;
}

/* Close what vt_classic_open() opened and remove the mdev. */
static int classic_close(int dfd, int gfd, int cfd)
{
	close(dfd);
	close(gfd);
	close(cfd);
	VT_OK(vt_mdev_remove(UUID_D));
	return 0;
}

/* GET_INFO's migration capability: one bit per 4 KiB page. */
static int check_cap(int cfd)
{
	char buf[4096];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iommu_type1_info_cap_migration *m = NULL;
	struct vfio_info_cap_header *h;
	uint32_t off;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	VT_OK(ioctl(cfd, VFIO_IOMMU_GET_INFO, info) ? -errno : 0);
	for (off = info->cap_offset; off; off = h->next) {
		VT_ASSERT(off + sizeof(*h) <= sizeof(buf), "cap chain");
		h = (void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION)
			m = (void *)h;
	}
	VT_ASSERT(m, "no migration capability");
	VT_ASSERT(m->pgsize_bitmap == PG && m->max_dirty_bitmap_size == 1ULL << 28,
		  "migration cap: pgsize %#llx, max bitmap %#llx",
		  (unsigned long long)m->pgsize_bitmap,
		  (unsigned long long)m->max_dirty_bitmap_size);
	return 0;
}

/*
 * dirty.iommu A: A on vfio-pci can write any mapped page, so every page of
 * every mapping reads dirty at every report, packed into the user's words
 * at the mappings' offsets; malformed requests fail as type1's do; the
 * unmap hands over the bitmap of what it unmapped; a type1 (v1) container
 * has no dirty tracking (EACCES).  With "exact" (ours), the bits past the
 * range read must be clear too: type1 leaves stale bits there after a
 * report that shifted a mapping's bitmap (seen on Debian's 6.1 and 6.12:
 * 0xc00000000000000f where the range has four pages).
 */
static int t_iommu(int argc, char **argv)
{
	uint8_t *s = vt_alloc(PG), *dst = vt_alloc(D_SIZE);
	uint64_t bits[4], n, past;
	struct vt_dev a;

	VT_ASSERT((argc == 2 || argc == 3) && s && dst, "usage / alloc");
	/* the bits a four-page report may set past its range */
	past = argc == 3 ? 0 : ~0xfULL;
	if (vt_open_pci(&a, -1, argv[1]) || check_cap(a.cfd))
		return 1;
	VT_OK(vt_map(a.cfd, s, IOVA_S, PG));
	VT_OK(vt_map(a.cfd, dst, IOVA_D, D_SIZE));
	VT_ERRNO(dirty_get(a.cfd, IOVA_D, D_SIZE, PG, bits, 8), EINVAL);
	VT_OK(dirty_op(a.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	VT_OK(dirty_op(a.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	VT_ERRNO(dirty_op(a.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
			  VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP), EINVAL);

	VT_OK(dirty_get(a.cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT((bits[0] & ~past) == 0xf, "one mapping: bits %#llx",
		  (unsigned long long)bits[0]);
	VT_OK(dirty_get(a.cfd, IOVA_S, IOVA_D + D_SIZE - IOVA_S, PG, bits, 16));
	VT_ASSERT(bits[0] == (1ULL | 3ULL << 62) && bits[1] == 3,
		  "two mappings: words %#llx %#llx (want %#llx 0x3)",
		  (unsigned long long)bits[0], (unsigned long long)bits[1],
		  (unsigned long long)(1ULL | 3ULL << 62));
	/* still all dirty: a device may have written them again */
	VT_OK(dirty_get(a.cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT((bits[0] & ~past) == 0xf, "second report: bits %#llx",
		  (unsigned long long)bits[0]);
	VT_ERRNO(dirty_get(a.cfd, IOVA_D, D_SIZE, 2 * PG, bits, 8), EINVAL);
	VT_ERRNO(dirty_get(a.cfd, IOVA_D, D_SIZE, PG, bits, 0), EINVAL);
	VT_ERRNO(dirty_get(a.cfd, IOVA_D + PG, PG, PG, bits, 8), EINVAL);
	VT_ERRNO(dirty_get(a.cfd, IOVA_D, D_SIZE, PG, NULL, 8), EFAULT);

	VT_OK(unmap_dirty(a.cfd, IOVA_D, D_SIZE, bits, 8, &n));
	VT_ASSERT(n == D_SIZE && (bits[0] & ~past) == 0xf,
		  "unmap: %llu bytes, bits %#llx", (unsigned long long)n,
		  (unsigned long long)bits[0]);
	VT_OK(dirty_op(a.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	VT_ERRNO(dirty_get(a.cfd, IOVA_S, PG, PG, bits, 8), EINVAL);
	VT_ERRNO(unmap_dirty(a.cfd, IOVA_S, PG, bits, 8, &n), EINVAL);
	VT_NOTE("IOMMU-mapped pages all dirty, packed at their offsets; errors as type1");
	vt_dev_close(&a);

	VT_OK(vt_dev_open(&a, -1, vt_pci_group(argv[1]), argv[1],
			  VFIO_TYPE1_IOMMU));
	VT_ERRNO(dirty_op(a.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_START), EACCES);
	vt_dev_close(&a);
	VT_OK(vt_pci_bind(argv[1], ""));
	vt_free(s, PG);
	vt_free(dst, D_SIZE);
	return 0;
}

/*
 * dirty.classic: a container with only a classic emulated mdev (no IOMMU
 * domain) reports exactly the pages its device pinned or wrote through
 * dma_rw since the last report, and those it still holds pinned.
 */
static int t_classic(int argc, char **argv __attribute__((unused)))
{
	uint8_t *buf = vt_alloc(D_SIZE), pat[16] = { 1 };
	struct vc_rw rw = { 0 };
	int gfd, cfd, dfd;
	uint64_t bits[1];

	VT_ASSERT(argc == 1 && buf, "usage / alloc");
	vt_mdev_remove_all();
	dfd = vt_classic_open(UUID_D, &gfd, &cfd);
	VT_OK(dfd);
	VT_OK(vt_map(cfd, buf, IOVA_D, D_SIZE));
	VT_OK(dirty_op(cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	VT_OK(dirty_get(cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT(bits[0] == 0, "nothing touched yet: bits %#llx",
		  (unsigned long long)bits[0]);
	VT_OK(ioctl(dfd, VC_PIN, IOVA_D + PG) ? -errno : 0);
	rw.iova = IOVA_D + 3 * PG + 8;
	rw.uaddr = (uintptr_t)pat;
	rw.len = sizeof(pat);
	rw.write = 1;
	VT_OK(ioctl(dfd, VC_RW, &rw) ? -errno : 0);
	VT_OK(dirty_get(cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT(bits[0] == 0xa, "pinned page 1, written page 3: bits %#llx",
		  (unsigned long long)bits[0]);
	/* the write is reported once; the pin as long as it is held */
	VT_OK(dirty_get(cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT(bits[0] == 0x2, "page 1 still pinned: bits %#llx",
		  (unsigned long long)bits[0]);
	VT_OK(ioctl(dfd, VC_UNPIN) ? -errno : 0);
	/* pinned during this interval too; none the next one */
	VT_OK(dirty_get(cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT(bits[0] == 0x2, "interval of the unpin: bits %#llx",
		  (unsigned long long)bits[0]);
	VT_OK(dirty_get(cfd, IOVA_D, D_SIZE, PG, bits, 8));
	VT_ASSERT(bits[0] == 0, "after the unpin: bits %#llx",
		  (unsigned long long)bits[0]);
	VT_NOTE("emulated scope: a pinned and a written page reported, then only the held pin");
	VT_OK(dirty_op(cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	vt_free(buf, D_SIZE);
	return classic_close(dfd, gfd, cfd);
}

static struct {
	int cfd;
	atomic_int stop;
} sr;

/* Turn dirty tracking on and off until told to stop. */
static void *sr_toggle(void *arg)
{
	(void)arg;
	unsigned int i = 0;

	while (!atomic_load(&sr.stop)) {
		dirty_op(sr.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
		usleep(i++ % 200);	/* on for 0 to 200 us, then off */
		dirty_op(sr.cfd, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	}
	return NULL;
}

/*
 * dirty.stop_race N: an unmap with a dirty bitmap drops the container's
 * lock while the classic device unpins (its dma_unmap callback); another
 * thread turns tracking on and off meanwhile.  N rounds of pin, map,
 * unmap: each unmap returns 0 (what it unmapped reported) or EINVAL
 * (tracking was off), and the kernel survives (the unmap used to report
 * from a bitmap the stop had freed).
 */
static int t_stop_race(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(D_SIZE);
	int gfd, cfd, dfd, i, n, ok = 0, off = 0, r;
	uint64_t bits[1], un;
	pthread_t th;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	n = atoi(argv[1]);
	vt_mdev_remove_all();
	dfd = vt_classic_open(UUID_D, &gfd, &cfd);
	VT_OK(dfd);
	sr.cfd = cfd;
	VT_OK(-pthread_create(&th, NULL, sr_toggle, NULL));
	for (i = 0; i < n; i++) {
		VT_OK(vt_map(cfd, buf, IOVA_D, D_SIZE));
		VT_OK(ioctl(dfd, VC_PIN, IOVA_D + PG) ? -errno : 0);
		r = unmap_dirty(cfd, IOVA_D, D_SIZE, bits, 8, &un);
		if (r == -EINVAL) {
			off++;
			VT_OK(vt_unmap(cfd, IOVA_D, D_SIZE, 0, &un));
		} else {
			VT_OK(r);
			ok++;
		}
		VT_ASSERT(un == D_SIZE, "round %d: unmapped %llu", i,
			  (unsigned long long)un);
	}
	atomic_store(&sr.stop, 1);
	pthread_join(th, NULL);
	VT_NOTE("%d unmaps with a bitmap, %d refused (tracking off), none crashed",
		ok, off);
	vt_free(buf, D_SIZE);
	return classic_close(dfd, gfd, cfd);
}

const struct vt_case dirty_cases[] = {
	{ "stop_race", t_stop_race, "ROUNDS" },
	{ "iommu", t_iommu, "BDF [exact]" },
	{ "classic", t_classic, "" },
	{ NULL, NULL, NULL },
};
