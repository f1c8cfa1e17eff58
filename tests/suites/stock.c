// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "stock": proves the bed with vfio-pci and whichever type1-ABI
 * backend is loaded (vfio_iommu_type1, or ours in its place).
 * Each case takes the BDF of an edu device.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vt.h"

#define IOVA_SRC	0x100000ULL
#define IOVA_DST	0x200000ULL
#define LEN		2048	/* bytes moved by one DMA */
#define PG		4096	/* bytes mapped per buffer */

static int open_edu(struct vt_dev *d, const char *bdf)
{
	int g;

	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	g = vt_pci_group(bdf);
	VT_ASSERT(g >= 0, "no iommu group for %s", bdf);
	VT_OK(vt_dev_open(d, -1, g, bdf, VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(d));
	return 0;
}

/* RAM -> edu -> RAM through the IOMMU; bytes compared. */
static int t_dma(int argc, char **argv)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	struct vt_dev d;
	int r, skew;

	VT_ASSERT(argc == 2 && src && dst, "usage / alloc");
	if (open_edu(&d, argv[1]))
		return 1;
	vt_fill(src, LEN, 0x5eed);
	VT_OK(vt_map(d.cfd, src, IOVA_SRC, PG));
	VT_OK(vt_map(d.cfd, dst, IOVA_DST, PG));
	VT_OK(edu_roundtrip(&d, IOVA_SRC, IOVA_DST, LEN));
	/*
	 * The bed's self-test (tests/unit/run.sh) sets VT_SELFTEST_WRONG_BYTES
	 * to compare the wrong bytes and proves that the run then fails.
	 */
	skew = getenv("VT_SELFTEST_WRONG_BYTES") ? 1 : 0;
	r = memcmp(src + skew, dst, LEN - skew);
	VT_ASSERT(r == 0, "bytes differ after round trip");
	for (r = LEN; r < PG; r++)
		VT_ASSERT(dst[r] == 0, "byte %d past the transfer written", r);
	VT_NOTE("group %d: %d bytes RAM->edu->RAM intact",
		vt_pci_group(argv[1]), LEN);
	vt_dev_close(&d);
	return 0;
}

/* DMA to an unmapped IOVA never reaches the memory that used to be there. */
static int t_dma_unmapped(int argc, char **argv)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	uint64_t n = 0;
	struct vt_dev d;
	char dev[64];
	int i;

	VT_ASSERT(argc == 2 && src && dst, "usage / alloc");
	if (open_edu(&d, argv[1]))
		return 1;
	vt_fill(src, LEN, 0xbad);
	VT_OK(vt_map(d.cfd, src, IOVA_SRC, PG));
	VT_OK(vt_map(d.cfd, dst, IOVA_DST, PG));
	VT_OK(edu_dma(&d, IOVA_SRC, LEN, 0, 0));
	VT_OK(vt_unmap(d.cfd, IOVA_DST, PG, 0, &n));
	VT_ASSERT(n == PG, "unmapped %llu", (unsigned long long)n);
	VT_OK(edu_dma(&d, IOVA_DST, LEN, 1, 0));
	for (i = 0; i < PG; i++)
		VT_ASSERT(dst[i] == 0, "byte %d of the unmapped buffer changed",
			  i);
	VT_ASSERT(vt_dmar_write_fault(argv[1], IOVA_DST, dev),
		  "no DMAR write fault '%s' in the kernel log", dev);
	VT_NOTE("fault logged, destination untouched");
	vt_dev_close(&d);
	return 0;
}

/* A group with a member bound to a kernel driver is not viable. */
static int t_not_viable(int argc, char **argv)
{
	int g, gfd, cfd, st;

	VT_ASSERT(argc == 2, "usage");
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	g = vt_pci_group(argv[1]);
	VT_ASSERT(g >= 0, "group");
	VT_ASSERT(vt_group_ndevs(g) > 1, "group %d must be shared", g);
	gfd = vt_group_open(g);
	VT_OK(gfd);
	st = vt_group_status(gfd);
	VT_OK(st);
	VT_ASSERT(!(st & VFIO_GROUP_FLAGS_VIABLE), "group %d viable", g);
	cfd = vt_container_open();
	VT_OK(cfd);
	VT_ERRNO(vt_group_set_container(gfd, cfd), EPERM);
	VT_ERRNO(vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU), EINVAL);
	close(gfd);
	close(cfd);
	return 0;
}

static int irq_case(const char *bdf, uint32_t index)
{
	struct vt_dev d;
	int efd;
	long n;

	if (open_edu(&d, bdf))
		return 1;
	efd = vt_irq_eventfd(&d, index);
	VT_OK(efd);
	VT_ASSERT(vt_eventfd_wait(efd, 0) == 0, "eventfd fired too early");
	edu_wr32(&d, EDU_IRQ_RAISE, 0x1);
	n = vt_eventfd_wait(efd, 5000);
	VT_ASSERT(n > 0, "no interrupt on the eventfd (%ld)", n);
	VT_ASSERT(edu_rd32(&d, EDU_IRQ_STATUS) == 0x1, "irq status");
	edu_wr32(&d, EDU_IRQ_ACK, 0x1);
	if (index == VFIO_PCI_INTX_IRQ_INDEX) {
		struct vfio_irq_set s = {
			.argsz = sizeof(s),
			.flags = VFIO_IRQ_SET_DATA_NONE |
				 VFIO_IRQ_SET_ACTION_UNMASK,
			.index = index, .count = 1,
		};
		VT_OK(ioctl(d.dfd, VFIO_DEVICE_SET_IRQS, &s) ? -errno : 0);
	}
	VT_OK(vt_irq_disable(&d, index));
	close(efd);
	vt_dev_close(&d);
	return 0;
}

static int t_msi(int argc, char **argv)
{
	VT_ASSERT(argc == 2, "usage");
	return irq_case(argv[1], VFIO_PCI_MSI_IRQ_INDEX);
}

static int t_intx(int argc, char **argv)
{
	VT_ASSERT(argc == 2, "usage");
	return irq_case(argv[1], VFIO_PCI_INTX_IRQ_INDEX);
}

/* DMA completion raises MSI on the eventfd; data intact. */
static int t_dma_irq(int argc, char **argv)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	struct vt_dev d;
	int efd;
	long n;

	VT_ASSERT(argc == 2 && src && dst, "usage / alloc");
	if (open_edu(&d, argv[1]))
		return 1;
	efd = vt_irq_eventfd(&d, VFIO_PCI_MSI_IRQ_INDEX);
	VT_OK(efd);
	vt_fill(src, LEN, 77);
	VT_OK(vt_map(d.cfd, src, IOVA_SRC, PG));
	VT_OK(vt_map(d.cfd, dst, IOVA_DST, PG));
	VT_OK(edu_dma(&d, IOVA_SRC, LEN, 0, 0));
	VT_OK(edu_dma(&d, IOVA_DST, LEN, 1, 1));
	n = vt_eventfd_wait(efd, 5000);
	VT_ASSERT(n > 0, "no completion interrupt (%ld)", n);
	edu_wr32(&d, EDU_IRQ_ACK, edu_rd32(&d, EDU_IRQ_STATUS));
	VT_ASSERT(memcmp(src, dst, LEN) == 0, "bytes differ");
	close(efd);
	vt_dev_close(&d);
	return 0;
}

/* Config space and BAR0 through VFIO read the real device. */
static int t_config(int argc, char **argv)
{
	struct vt_dev d;
	uint16_t id[2];

	VT_ASSERT(argc == 2, "usage");
	if (open_edu(&d, argv[1]))
		return 1;
	VT_OK(vt_cfg_read(&d, 0, id, 4));
	VT_ASSERT(id[0] == 0x1234 && id[1] == 0x11e8, "ids %04x:%04x",
		  id[0], id[1]);
	VT_ASSERT(edu_rd32(&d, EDU_ID) == 0x010000ed, "edu id %#x",
		  edu_rd32(&d, EDU_ID));
	edu_wr32(&d, EDU_LIVENESS, 0x12345678);
	VT_ASSERT(edu_rd32(&d, EDU_LIVENESS) == ~0x12345678u, "liveness");
	vt_dev_close(&d);
	return 0;
}

const struct vt_case stock_cases[] = {
	{ "dma", t_dma, "BDF" },
	{ "dma_unmapped", t_dma_unmapped, "BDF" },
	{ "not_viable", t_not_viable, "BDF" },
	{ "msi", t_msi, "BDF" },
	{ "intx", t_intx, "BDF" },
	{ "dma_irq", t_dma_irq, "BDF" },
	{ "config", t_config, "BDF" },
	{ NULL, NULL, NULL },
};
