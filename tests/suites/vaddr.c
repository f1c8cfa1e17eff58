// SPDX-License-Identifier: GPL-2.0-only
/*
 * vaddr: VFIO_UPDATE_VADDR (QEMU's live update): a mapping loses its user
 * address and gets a new one, while the device goes on reaching the same
 * pages; run against type1 (plan stock) and ours (plan mdev) alike.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../lib/vt.h"

#define PG		4096
#define LEN		2048
#define IOVA_SRC	0x100000ULL
#define IOVA_DST	0x200000ULL
#define DST_SIZE	(2 * PG)
#define UUID_C		"5a1d7c2e-7e1a-4b0c-9d3e-000000000030"

static int unmap_vaddr(int cfd, uint64_t iova, uint64_t size,
		       uint64_t *done)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_VADDR,
		.iova = iova, .size = size,
	};

	if (ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	*done = u.size;
	return 0;
}

static int map_vaddr(int cfd, void *va, uint64_t iova, uint64_t size)
{
	return vt_map_flags(cfd, va, iova, size, VFIO_DMA_MAP_FLAG_VADDR);
}

/* edu: RAM(IOVA_SRC) -> edu -> RAM(IOVA_DST), then compare @dst to @src. */
static int copy_check(struct vt_dev *d, uint8_t *src, uint8_t *dst,
		      uint32_t seed)
{
	vt_fill(src, LEN, seed);
	memset(dst, 0, LEN);
	VT_OK(edu_roundtrip(d, IOVA_SRC, IOVA_DST, LEN));
	VT_ASSERT(!memcmp(src, dst, LEN), "the DMA did not reach the pages (seed %#x)",
		  seed);
	return 0;
}

/*
 * A child process takes the mapping over (its own mapping of the same
 * memfd, VFIO_DMA_MAP_FLAG_VADDR): the locked memory the mapping charged
 * moves from the parent to the child.  0, or 1 with a FAIL line.
 */
static int take_over(int cfd, int memfd)
{
	long before = vt_locked_vm_kb(), after, child_kb = -1;
	int up[2], down[2], st;
	uint64_t n;
	pid_t pid;
	char c;

	VT_OK(pipe(up) ? -errno : 0);
	VT_OK(pipe(down) ? -errno : 0);
	VT_OK(unmap_vaddr(cfd, IOVA_DST, DST_SIZE, &n));
	pid = fork();
	VT_ASSERT(pid >= 0, "fork");
	if (!pid) {
		void *va = mmap(NULL, DST_SIZE, PROT_READ | PROT_WRITE,
				MAP_SHARED, memfd, 0);
		long kb = -1;

		if (va != MAP_FAILED && !map_vaddr(cfd, va, IOVA_DST, DST_SIZE))
			kb = vt_locked_vm_kb();
		if (write(up[1], &kb, sizeof(kb)) != sizeof(kb) ||
		    read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	VT_ASSERT(read(up[0], &child_kb, sizeof(child_kb)) == sizeof(child_kb),
		  "no word from the child");
	after = vt_locked_vm_kb();
	VT_OK(write(down[1], "x", 1) == 1 ? 0 : -EIO);
	VT_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		  !WEXITSTATUS(st), "child failed");
	VT_ASSERT(child_kb == (long)DST_SIZE / 1024,
		  "the child's locked memory %ld KiB after taking the mapping over (want %ld)",
		  child_kb, (long)DST_SIZE / 1024);
	VT_ASSERT(after == before - (long)DST_SIZE / 1024,
		  "the parent's locked memory %ld KiB, %ld before (want the mapping's charge gone)",
		  after, before);
	VT_NOTE("a child took the mapping over: %ld KiB charged to it, the parent's %ld -> %ld KiB",
		child_kb, before, after);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return 0;
}

/*
 * vaddr.update A B: A on vfio-pci maps a memfd at IOVA_DST; the mapping's
 * vaddr is taken away (VFIO_DMA_UNMAP_FLAG_VADDR) and A's DMA still lands
 * in those pages; meanwhile B's group may not join (EBUSY) and every
 * malformed update fails with type1's errno; the memfd mapped elsewhere
 * becomes the new vaddr, B joins, DMA goes on; a child takes it over;
 * locked memory back to its start after the unmap.
 */
static int t_update(int argc, char **argv)
{
	uint8_t *src = vt_alloc(PG), *va1, *va2;
	long lck0 = vt_locked_vm_kb();
	uint64_t n = 0;
	struct vt_dev a;
	int memfd, gfd;

	VT_ASSERT(argc == 3 && src, "usage / alloc");
	if (vt_open_pci(&a, -1, argv[1]))
		return 1;
	VT_ASSERT(ioctl(a.cfd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR) == 1,
		  "VFIO_UPDATE_VADDR not offered");
	memfd = memfd_create("vaddr", 0);
	VT_OK(memfd < 0 ? -errno : 0);
	VT_OK(ftruncate(memfd, DST_SIZE) ? -errno : 0);
	va1 = mmap(NULL, DST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
		   0);
	VT_ASSERT(va1 != MAP_FAILED, "mmap");
	VT_OK(vt_map(a.cfd, src, IOVA_SRC, PG));
	VT_OK(vt_map(a.cfd, va1, IOVA_DST, DST_SIZE));
	if (copy_check(&a, src, va1, 1))
		return 1;

	VT_OK(unmap_vaddr(a.cfd, IOVA_DST, DST_SIZE, &n));
	VT_ASSERT(n == DST_SIZE, "invalidated %llu", (unsigned long long)n);
	VT_ERRNO(unmap_vaddr(a.cfd, IOVA_DST, DST_SIZE, &n), EINVAL);
	/* both at once: the first still valid, the second not: none changes */
	VT_ERRNO(unmap_vaddr(a.cfd, IOVA_SRC, IOVA_DST + DST_SIZE - IOVA_SRC,
			     &n), EINVAL);
	VT_ERRNO(vt_map(a.cfd, va1, IOVA_DST, DST_SIZE), EEXIST);
	VT_ERRNO(vt_map_flags(a.cfd, va1, IOVA_DST, DST_SIZE,
			      VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ),
		 EINVAL);
	VT_ERRNO(map_vaddr(a.cfd, va1, IOVA_DST, PG), EINVAL);
	VT_ERRNO(map_vaddr(a.cfd, va1, 0x400000, DST_SIZE), ENOENT);
	VT_ERRNO(map_vaddr(a.cfd, src, IOVA_SRC, PG), EINVAL);
	/* the device still reaches the same pages */
	if (copy_check(&a, src, va1, 2))
		return 1;
	VT_OK(vt_pci_bind(argv[2], "vfio-pci"));
	gfd = vt_group_open(vt_pci_group(argv[2]));
	VT_OK(gfd);
	VT_ERRNO(vt_group_set_container(gfd, a.cfd), EBUSY);
	VT_NOTE("vaddr taken away: DMA reaches the pages, another group refused (EBUSY)");

	va2 = mmap(NULL, DST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
		   0);
	VT_ASSERT(va2 != MAP_FAILED && va2 != va1, "mmap");
	VT_OK(munmap(va1, DST_SIZE) ? -errno : 0);
	VT_OK(map_vaddr(a.cfd, va2, IOVA_DST, DST_SIZE));
	VT_ERRNO(map_vaddr(a.cfd, va2, IOVA_DST, DST_SIZE), EINVAL);
	VT_OK(vt_group_set_container(gfd, a.cfd));
	if (copy_check(&a, src, va2, 3))
		return 1;
	VT_OK(vt_group_unset_container(gfd));
	close(gfd);
	VT_NOTE("new vaddr taken; the other group joins; DMA goes on");

	if (take_over(a.cfd, memfd))
		return 1;
	if (copy_check(&a, src, va2, 4))
		return 1;
	VT_OK(vt_unmap(a.cfd, IOVA_DST, DST_SIZE, 0, &n));
	VT_ASSERT(n == DST_SIZE, "unmapped %llu", (unsigned long long)n);
	VT_OK(vt_unmap(a.cfd, IOVA_SRC, PG, 0, &n));
	VT_ASSERT(vt_locked_vm_kb() == lck0, "locked memory %ld KiB, %ld at the start",
		  vt_locked_vm_kb(), lck0);
	vt_dev_close(&a);
	munmap(va2, DST_SIZE);
	close(memfd);
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	vt_free(src, PG);
	return 0;
}

/*
 * vaddr.classic A: with a classic emulated mdev (vim_classic) in the
 * container, whose device pins through user addresses, the feature is
 * off: CHECK_EXTENSION 0, VFIO_DMA_UNMAP_FLAG_VADDR EBUSY; and a classic
 * group cannot join while a vaddr is away (EBUSY).
 */
static int t_classic(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(PG);
	struct vt_dev a;
	uint64_t n;
	int gfd;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	vt_mdev_remove_all();
	if (vt_open_pci(&a, -1, argv[1]))
		return 1;
	VT_OK(vt_classic_create(UUID_C));
	gfd = vt_group_open(vt_mdev_group(UUID_C));
	VT_OK(gfd);
	VT_OK(vt_map(a.cfd, buf, IOVA_DST, PG));
	VT_OK(unmap_vaddr(a.cfd, IOVA_DST, PG, &n));
	VT_ERRNO(vt_group_set_container(gfd, a.cfd), EBUSY);
	VT_OK(map_vaddr(a.cfd, buf, IOVA_DST, PG));
	VT_OK(vt_group_set_container(gfd, a.cfd));
	VT_ASSERT(ioctl(a.cfd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR) == 0,
		  "VFIO_UPDATE_VADDR offered with an emulated group in the container");
	VT_ERRNO(unmap_vaddr(a.cfd, IOVA_DST, PG, &n), EBUSY);
	VT_OK(vt_group_unset_container(gfd));
	VT_ASSERT(ioctl(a.cfd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR) == 1,
		  "VFIO_UPDATE_VADDR not offered again");
	VT_NOTE("classic emulated group: feature off (0, EBUSY), and refused while a vaddr is away");
	close(gfd);
	vt_dev_close(&a);
	VT_OK(vt_mdev_remove(UUID_C));
	VT_OK(vt_pci_bind(argv[1], ""));
	vt_free(buf, PG);
	return 0;
}

const struct vt_case vaddr_cases[] = {
	{ "update", t_update, "BDF_A BDF_B" },
	{ "classic", t_classic, "BDF" },
	{ NULL, NULL, NULL },
};
