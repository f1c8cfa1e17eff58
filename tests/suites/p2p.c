// SPDX-License-Identifier: GPL-2.0-only
/*
 * p2p: peer-to-peer DMA through a container's IOMMU mapping of another
 * device's BAR (a VFIO_IOMMU_MAP_DMA of its BAR0 mmap), as QEMU maps the
 * BARs of every assigned device.  The proof is edu's liveness register
 * (BAR0 + 0x04): it reads back the inverse of the last value written, so
 * an edu that DMAs a word from RAM into another edu's BAR0 + 0x04 leaves
 * the inverse of that word there.  Then the BAR's group leaves the
 * container and the same DMA must not reach the BAR any more.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../lib/vt.h"

#define PG		4096
#define IOVA_SRC	0x100000ULL
/* below edu's 28-bit DMA mask; room for a 1 MiB BAR each */
#define IOVA_BAR	0x800000ULL
#define IOVA_BAR2	0xa00000ULL
#define UUID_P		"5a1d7c2e-7e1a-4b0c-9d3e-000000000020"

/* @src's first word to @dst's BAR0 + 0x04 by @dma's DMA, via @bar_iova. */
static int p2p_write(struct vt_dev *dma, uint32_t *src, uint32_t v,
		     uint64_t bar_iova)
{
	*src = v;
	VT_OK(edu_dma(dma, IOVA_SRC, 4, 0, 0));
	VT_OK(edu_dma(dma, bar_iova + EDU_LIVENESS, 4, 1, 0));
	return 0;
}

/* The IOMMU's write fault of @bdf at @iova, logged within 2 s. */
static int p2p_faulted(const char *bdf, uint64_t iova)
{
	char needle[64];

	if (vt_dmar_write_fault(bdf, iova, needle))
		return 1;
	VT_NOTE("no DMAR write fault '%s' in the kernel log", needle);
	return 0;
}

/*
 * p2p.pci A B [leave]: vfio-pci devices A and B (two groups, one
 * container); A DMAs into B's BAR0 through an IOVA that maps it.  With
 * "leave" (our backend): B's group leaves the container; the entry stays
 * (UNMAP_DMA returns its size) but no longer translates: A's next DMA
 * there faults in the IOMMU and B's register keeps the first value.
 */
static int t_pci(int argc, char **argv)
{
	uint32_t *src = vt_alloc(PG), v = 0x5a5a0000u | (getpid() & 0xffff);
	uint64_t n = 0;
	struct vt_dev a, b;
	size_t bar;
	uint32_t got;

	VT_ASSERT((argc == 3 || argc == 4) && src, "usage / alloc");
	if (vt_open_pci(&a, -1, argv[1]) || vt_open_pci(&b, a.cfd, argv[2]))
		return 1;
	bar = b.bar0_size;
	VT_OK(vt_map(a.cfd, src, IOVA_SRC, PG));
	VT_OK(vt_map(a.cfd, (void *)b.bar0, IOVA_BAR, bar));
	edu_wr32(&b, EDU_LIVENESS, 0);
	if (p2p_write(&a, src, v, IOVA_BAR))
		return 1;
	got = edu_rd32(&b, EDU_LIVENESS);
	VT_ASSERT(got == ~v, "B's register %#x after A's DMA of %#x (want %#x)",
		  got, v, ~v);
	VT_NOTE("A's DMA wrote %#x into B's BAR0 through IOVA %#llx", v,
		IOVA_BAR);
	if (argc == 4) {
		vt_dev_close(&b);	/* B's group leaves A's container */
		VT_ASSERT(vt_klog_contains("of its BARs no longer translate", NULL),
			  "no line saying the BAR mapping was dropped");
		if (p2p_write(&a, src, v ^ 0xffff, IOVA_BAR))
			return 1;
		VT_ASSERT(p2p_faulted(argv[1], IOVA_BAR),
			  "A's DMA to B's old BAR mapping did not fault");
		VT_OK(vt_unmap(a.cfd, IOVA_BAR, bar, 0, &n));
		VT_ASSERT(n == bar, "unmapped %llu of %zu",
			  (unsigned long long)n, bar);
		if (vt_open_pci(&b, -1, argv[2]))
			return 1;
		got = edu_rd32(&b, EDU_LIVENESS);
		VT_ASSERT(got == ~v, "B's register %#x: A's DMA after B's group left reached B's BAR (want %#x)",
			  got, ~v);
		VT_NOTE("B's group left: the mapping faults, B untouched");
	}
	vt_dev_close(&b);
	vt_dev_close(&a);
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	vt_free(src, PG);
	return 0;
}

/*
 * p2p.mdev MDEV MATE PCI: in one container the vfio-pci group-mate MATE,
 * the mdev of MDEV and the vfio-pci device PCI (another group).  The mdev
 * DMAs into PCI's BAR0, PCI DMAs into the mdev's BAR0 (its parent's).
 * Then MATE leaves first: the mdev is revoked, and the mapping of its
 * BAR with it: PCI's next DMA there faults in the IOMMU (while the
 * parent's decode is off, a mapping left in place would write nowhere
 * and fault nowhere), and after the mdev is closed and opened again its
 * register holds what PCI wrote before the revoke.
 */
static int t_mdev(int argc, char **argv)
{
	uint32_t *src = vt_alloc(PG), v = 0xa5a50000u | (getpid() & 0xffff);
	struct vt_dev mate, m, p;
	uint32_t got;

	VT_ASSERT(argc == 4 && src, "usage / alloc");
	vt_mdev_remove_all();
	if (vt_open_pci(&mate, -1, argv[2]) ||
	    vt_make_mdev(argv[1], UUID_P) ||
	    vt_open_mdev(&m, mate.cfd, UUID_P) ||
	    vt_open_pci(&p, mate.cfd, argv[3]))
		return 1;
	VT_OK(vt_map(mate.cfd, src, IOVA_SRC, PG));
	VT_OK(vt_map(mate.cfd, (void *)p.bar0, IOVA_BAR, p.bar0_size));
	VT_OK(vt_map(mate.cfd, (void *)m.bar0, IOVA_BAR2, m.bar0_size));

	edu_wr32(&p, EDU_LIVENESS, 0);
	if (p2p_write(&m, src, v, IOVA_BAR))
		return 1;
	got = edu_rd32(&p, EDU_LIVENESS);
	VT_ASSERT(got == ~v, "PCI's register %#x after the mdev's DMA of %#x",
		  got, v);
	edu_wr32(&m, EDU_LIVENESS, 0);
	if (p2p_write(&p, src, v + 1, IOVA_BAR2))
		return 1;
	got = edu_rd32(&m, EDU_LIVENESS);
	VT_ASSERT(got == ~(v + 1), "the mdev's register %#x after PCI's DMA of %#x",
		  got, v + 1);
	VT_NOTE("mdev -> PCI's BAR0 and PCI -> the mdev's BAR0 through the IOMMU");

	vt_dev_close(&mate);	/* the group-mate leaves first: revoke */
	VT_ASSERT(vt_klog_contains("of its BARs no longer translate", NULL),
		  "no line saying the mdev's BAR mapping was dropped");
	if (p2p_write(&p, src, v + 2, IOVA_BAR2))
		return 1;
	VT_ASSERT(p2p_faulted(argv[3], IOVA_BAR2),
		  "PCI's DMA to the revoked mdev's BAR did not fault in the IOMMU");
	vt_dev_close(&m);
	vt_dev_close(&p);
	if (vt_open_mdev(&m, -1, UUID_P))
		return 1;
	got = edu_rd32(&m, EDU_LIVENESS);
	VT_ASSERT(got == ~(v + 1), "the parent's register %#x: PCI's DMA after the revoke reached it (want %#x)",
		  got, ~(v + 1));
	VT_NOTE("revoked: the mapping of the mdev's BAR faults, the parent untouched");
	vt_dev_close(&m);
	VT_OK(vt_mdev_remove(UUID_P));
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	VT_OK(vt_pci_bind(argv[3], ""));
	vt_free(src, PG);
	return 0;
}

/*
 * p2p.foreign A B: I/O memory that is not a BAR of the container's own
 * devices is refused (EFAULT, said in the log): B's BAR0 while B's group
 * is in another container, and a BAR mmap of a device no longer in it.
 */
static int t_foreign(int argc, char **argv)
{
	struct vt_dev a, b;

	VT_ASSERT(argc == 3, "usage");
	if (vt_open_pci(&a, -1, argv[1]) || vt_open_pci(&b, -1, argv[2]))
		return 1;
	VT_ERRNO(vt_map(a.cfd, (void *)b.bar0, IOVA_BAR, b.bar0_size), EFAULT);
	VT_ASSERT(vt_klog_contains("is I/O memory but not within one BAR", NULL),
		  "no line saying why");
	/* A's own BAR, one page of it, is fine */
	VT_OK(vt_map(a.cfd, (void *)a.bar0, IOVA_BAR, PG));
	VT_NOTE("another container's BAR refused (EFAULT), its own mapped");
	vt_dev_close(&b);
	vt_dev_close(&a);
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[2], ""));
	return 0;
}

const struct vt_case p2p_cases[] = {
	{ "pci", t_pci, "BDF_A BDF_B [leave]" },
	{ "mdev", t_mdev, "MDEV_BDF MATE_BDF PCI_BDF" },
	{ "foreign", t_foreign, "BDF_A BDF_B" },
	{ NULL, NULL, NULL },
};
