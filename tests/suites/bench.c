// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "bench": time VFIO_IOMMU_MAP_DMA and UNMAP_DMA of one large buffer
 * through whichever type1-ABI backend is loaded.  Run side by side with the
 * stock backend in one boot by tests/bench/run.sh; never a pass/fail timing.
 *
 *   vt bench.map BDF LABEL MIB
 * prints "BENCH LABEL KIND map_ms unmap_ms runs" for KIND 4k (pages faulted
 * in reverse order, so physically scattered) and 2m (transparent huge
 * pages), best of three.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vt.h"

#define IOVA	0x1000000ULL
#define HUGE	(2ULL << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Physically contiguous runs of [p, p + len), from /proc/self/pagemap. */
static long count_runs(uint8_t *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e, prev = 0;
	long runs = 0;
	size_t i;

	if (fd < 0)
		return -errno;
	for (i = 0; i < len; i += 4096) {
		if (pread(fd, &e, 8, ((uintptr_t)(p + i) / 4096) * 8) != 8) {
			close(fd);
			return -EIO;
		}
		e &= (1ULL << 55) - 1;
		if (!i || e != prev + 1)
			runs++;
		prev = e;
	}
	close(fd);
	return runs;
}

static const char *backend_refcnt(const char *label)
{
	return strcmp(label, "ours") ? "/sys/module/vfio_iommu_type1/refcnt" :
				       "/sys/module/vfio_iommu_mdev/refcnt";
}

static int run(struct vt_dev *d, const char *label, const char *kind,
	       size_t len)
{
	double best_map = 1e12, best_unmap = 1e12, t0, t1, t2;
	size_t alloc = len + (kind[0] == '2' ? HUGE : 0);
	uint8_t *raw, *p;
	uint64_t n;
	long runs;
	size_t i;
	int rep;

	raw = mmap(NULL, alloc, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(raw != MAP_FAILED, "mmap %zu", alloc);
	if (kind[0] == '2') {
		p = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
		madvise(p, len, MADV_HUGEPAGE);
		for (i = 0; i < len; i += 4096)
			p[i] = 1;
	} else {
		p = raw;
		madvise(p, len, MADV_NOHUGEPAGE);
		for (i = len; i; i -= 4096)
			p[i - 4096] = 1;
	}
	runs = count_runs(p, len);
	for (rep = 0; rep < 3; rep++) {
		t0 = now_ms();
		VT_OK(vt_map(d->cfd, p, IOVA, len));
		t1 = now_ms();
		VT_OK(vt_unmap(d->cfd, IOVA, len, 0, &n));
		t2 = now_ms();
		VT_ASSERT(n == len, "unmapped %llu", (unsigned long long)n);
		if (t1 - t0 < best_map)
			best_map = t1 - t0;
		if (t2 - t1 < best_unmap)
			best_unmap = t2 - t1;
	}
	printf("BENCH %s %s %.1f %.1f %ld\n", label, kind, best_map,
	       best_unmap, runs);
	munmap(raw, alloc);
	return 0;
}

static int t_map(int argc, char **argv)
{
	struct vt_dev d;
	size_t len;
	long refs;

	VT_ASSERT(argc == 4, "usage");
	len = (size_t)atol(argv[3]) << 20;
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	refs = vt_sysfs_long(backend_refcnt(argv[2]));
	VT_OK(refs);
	VT_OK(vt_dev_open(&d, -1, vt_pci_group(argv[1]), argv[1],
			  VFIO_TYPE1v2_IOMMU));
	/* the VFIO core holds the serving backend's module while set */
	VT_ASSERT(vt_sysfs_long(backend_refcnt(argv[2])) == refs + 1,
		  "the container is not served by %s (%s: %ld, was %ld)",
		  argv[2], backend_refcnt(argv[2]),
		  vt_sysfs_long(backend_refcnt(argv[2])), refs);
	if (run(&d, argv[2], "4k", len) || run(&d, argv[2], "2m", len))
		return 1;
	vt_dev_close(&d);
	return 0;
}

const struct vt_case bench_cases[] = {
	{ "map", t_map, "BDF LABEL MIB" },
	{ NULL, NULL, NULL },
};
