// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "robust": the backend's contract where vfio_iommu_mdev is stricter
 * than type1 or where the code review of issue 11 found defects.  Run
 * against vfio_iommu_mdev only.  A classic mdev of the test module
 * vim_classic gives a container without an IOMMU domain.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "../lib/vt.h"
#include "../kmod/vim_classic.h"

#define UUID_R	"22222222-3333-4444-5555-666666666662"
#define IOVA	0x100000ULL

/* A container holding the classic mdev UUID_R (no IOMMU domain). */
struct classic {
	int cfd, gfd, dfd;
};

static int classic_open(struct classic *c)
{
	int g;

	vt_mdev_remove(UUID_R);
	VT_OK(vt_classic_create(UUID_R));
	g = vt_mdev_group(UUID_R);
	VT_OK(g);
	c->gfd = vt_group_open(g);
	VT_OK(c->gfd);
	c->cfd = vt_container_open();
	VT_OK(c->cfd);
	VT_OK(vt_group_set_container(c->gfd, c->cfd));
	VT_OK(vt_set_iommu(c->cfd, VFIO_TYPE1v2_IOMMU));
	c->dfd = vt_device_open(c->gfd, UUID_R);
	VT_OK(c->dfd);
	return 0;
}

static int classic_close(struct classic *c)
{
	close(c->dfd);
	close(c->gfd);
	close(c->cfd);
	VT_OK(vt_mdev_remove(UUID_R));
	return 0;
}

/*
 * robust.keep_pins: a device that keeps its pin past the dma_unmap
 * callback: UNMAP_DMA fails with EBUSY and the mapping stays (its page is
 * never freed under the device, so a later unpin cannot hit someone
 * else's mapping); once the device unpins, the unmap succeeds and nothing
 * stays charged.
 */
static int t_keep_pins(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(16));
	long lck0 = vt_locked_vm_kb();
	struct classic c;
	uint64_t n;

	(void)argv;
	VT_ASSERT(argc == 1 && buf, "usage / alloc");
	if (classic_open(&c))
		return 1;
	VT_OK(vt_map(c.cfd, buf, IOVA, KB(16)));
	VT_OK(ioctl(c.dfd, VC_PIN, IOVA + KB(4)) ? -errno : 0);
	VT_OK(ioctl(c.dfd, VC_KEEP, 1) ? -errno : 0);
	VT_ERRNO(vt_unmap(c.cfd, IOVA, KB(16), 0, &n), EBUSY);
	VT_ERRNO(vt_map(c.cfd, buf, IOVA, KB(16)), EEXIST);
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 4, "VmLck %ld kB, %ld before",
		  vt_locked_vm_kb(), lck0);
	VT_ASSERT(vt_klog_contains("keeps pins", "EBUSY"),
		  "no log line for the refused unmap");
	VT_OK(ioctl(c.dfd, VC_KEEP, 0) ? -errno : 0);
	VT_OK(ioctl(c.dfd, VC_UNPIN) ? -errno : 0);
	VT_OK(vt_unmap(c.cfd, IOVA, KB(16), 0, &n));
	VT_ASSERT(n == KB(16), "unmapped %llu", (unsigned long long)n);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB after", vt_locked_vm_kb());
	return classic_close(&c);
}

/*
 * robust.huge: one MAP_DMA of 2 TiB (address space only) in a container
 * without a domain fails with E2BIG before anything is allocated, so a
 * later attach cannot try to pin it into one giant array (kvmalloc's size
 * warning); the container is unchanged and works.
 */
static int t_huge(int argc, char **argv)
{
	const uint64_t huge = 2ULL << 40;
	uint8_t *buf = vt_alloc(KB(4));
	struct classic c;
	void *va;

	(void)argv;
	VT_ASSERT(argc == 1 && buf, "usage / alloc");
	va = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	VT_ASSERT(va != MAP_FAILED, "mmap 2 TiB: %s", strerror(errno));
	if (classic_open(&c))
		return 1;
	VT_ERRNO(vt_map(c.cfd, va, 1ULL << 40, huge), E2BIG);
	VT_OK(vt_map(c.cfd, buf, IOVA, KB(4)));
	VT_OK(vt_unmap(c.cfd, IOVA, KB(4), 0, NULL));
	munmap(va, huge);
	return classic_close(&c);
}

/* Drop CAP_IPC_LOCK and set RLIMIT_MEMLOCK to @kb KiB. */
static int limit_memlock(unsigned long kb)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct cap[2];
	struct rlimit rl = { KB(kb), KB(kb) };

	VT_OK(syscall(SYS_capget, &hdr, cap) ? -errno : 0);
	cap[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	VT_OK(syscall(SYS_capset, &hdr, cap) ? -errno : 0);
	VT_OK(setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0);
	return 0;
}

/*
 * robust.charge_owner BDF: locked memory is charged to the process that
 * made the mapping, with its limit and capability, whoever pins.  A child
 * without CAP_IPC_LOCK and a 64 KiB RLIMIT_MEMLOCK maps 128 KiB into a
 * container without a domain (nothing pinned yet).  The parent, root with
 * CAP_IPC_LOCK, then attaches a vfio-pci group: the replay must be charged
 * to the child and fail (ENOMEM), leaving nothing pinned or charged; with a
 * 256 KiB limit the same attach succeeds and the child's VmLck shows it.
 */
static int charge_case(const char *bdf, unsigned long limit_kb, int want)
{
	int sync[2], back[2], gfd, r, status;
	struct classic c;
	long lck = -1;
	char ok;
	pid_t pid;

	if (classic_open(&c))
		return 1;
	VT_OK(pipe(sync) ? -errno : 0);
	VT_OK(pipe(back) ? -errno : 0);
	pid = fork();
	VT_ASSERT(pid >= 0, "fork");
	if (!pid) {
		uint8_t *buf = vt_alloc(KB(128));

		if (!buf || limit_memlock(limit_kb) ||
		    vt_map(c.cfd, buf, IOVA, KB(128)))
			_exit(2);
		ok = 1;
		if (write(back[1], &ok, 1) != 1 || read(sync[0], &ok, 1) != 1)
			_exit(3);
		lck = vt_locked_vm_kb();
		if (write(back[1], &lck, sizeof(lck)) != sizeof(lck))
			_exit(4);
		_exit(0);
	}
	VT_ASSERT(read(back[0], &ok, 1) == 1, "child did not map");
	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	gfd = vt_group_open(vt_pci_group(bdf));
	VT_OK(gfd);
	r = vt_group_set_container(gfd, c.cfd);
	VT_ASSERT(write(sync[1], &ok, 1) == 1, "sync");
	VT_ASSERT(read(back[0], &lck, sizeof(lck)) == sizeof(lck), "child's VmLck");
	VT_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		  !WEXITSTATUS(status), "child failed (%d)", status);
	VT_ERRNO(r, want);
	VT_ASSERT(lck == (want ? 0 : 128), "child's VmLck %ld kB, expected %d",
		  lck, want ? 0 : 128);
	VT_NOTE("limit %lu KiB: attach %s, the mapper's VmLck %ld kB", limit_kb,
		r ? "refused" : "done", lck);
	close(gfd);
	VT_OK(vt_pci_bind(bdf, ""));
	return classic_close(&c);
}

static int t_charge_owner(int argc, char **argv)
{
	VT_ASSERT(argc == 2, "usage");
	if (charge_case(argv[1], 64, ENOMEM))
		return 1;
	return charge_case(argv[1], 256, 0);
}

const struct vt_case robust_cases[] = {
	{ "keep_pins", t_keep_pins, "" },
	{ "huge", t_huge, "" },
	{ "charge_owner", t_charge_owner, "BDF" },
	{ NULL, NULL, NULL },
};
