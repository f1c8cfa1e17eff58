// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "robust": the backend's contract where vfio_iommu_mdev is stricter
 * than type1, and the edges a review of its code found wanting.  Run
 * against vfio_iommu_mdev only.  A classic mdev of the test module
 * vim_classic gives a container without an IOMMU domain.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/io_uring.h>

#include "../lib/vt.h"
#include "../kmod/vim_classic.h"

#define PG	4096

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

/*
 * robust.sparse BDF: root (CAP_IPC_LOCK: no RLIMIT_MEMLOCK) maps 256 GiB of
 * IOVA whose user range has one page behind it, from SPARSE_PROCS
 * processes at once, for SPARSE_SECONDS, into a container with an IOMMU
 * domain (BDF on vfio-pci).  Every MAP_DMA fails with EFAULT at the second
 * page; none may allocate a page array for the whole range first (512 MiB
 * each, found as a peak of VmallocUsed; a few of them at once run a small
 * host out of memory), and the container works afterwards.
 */
#define SPARSE_SIZE	(256ULL << 30)
#define SPARSE_IOVA	(64ULL << 30)
#define SPARSE_PROCS	4
#define SPARSE_SECONDS	3
#define SPARSE_VMALLOC_KB (64 << 10)	/* the whole range would be 512 MiB */

/* A /proc/meminfo value in kB, or -1. */
static long meminfo_kb(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

static int sparse_child(int cfd, uint8_t *va)
{
	time_t end = time(NULL) + SPARSE_SECONDS;
	int r, n = 0;

	do {
		r = vt_map(cfd, va, SPARSE_IOVA, SPARSE_SIZE);
		if (r != -EFAULT) {
			fprintf(stderr, "# MAP_DMA of a sparse 256 GiB: %d (%s) after %d\n",
				r, strerror(-r), n);
			return 1;
		}
		n++;
	} while (time(NULL) < end);
	fprintf(stderr, "# %d sparse MAP_DMAs, each EFAULT\n", n);
	return 0;
}

static int t_sparse(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(PG), *va;
	pid_t pid[SPARSE_PROCS];
	int i, cfd, gfd, status, bad = 0;
	long v0 = meminfo_kb("VmallocUsed"), v, vmax = v0;
	pid_t w;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	/* one readable, writable page, then 256 GiB that cannot be pinned */
	va = mmap(NULL, SPARSE_SIZE, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	VT_ASSERT(va != MAP_FAILED, "mmap 256 GiB: %s", strerror(errno));
	VT_OK(mprotect(va, PG, PROT_READ | PROT_WRITE) ? -errno : 0);
	va[0] = 1;
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	cfd = vt_container_open();
	VT_OK(cfd);
	gfd = vt_group_open(vt_pci_group(argv[1]));
	VT_ASSERT(gfd >= 0, "group of %s: %d", argv[1], gfd);
	VT_OK(vt_group_set_container(gfd, cfd));
	VT_OK(vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU));
	for (i = 0; i < SPARSE_PROCS; i++) {
		pid[i] = fork();
		VT_ASSERT(pid[i] >= 0, "fork");
		if (!pid[i])
			_exit(sparse_child(cfd, va));
	}
	/* the peak of vmalloc'd memory while they run, every 10 ms */
	for (i = 0; i < SPARSE_PROCS;) {
		v = meminfo_kb("VmallocUsed");
		if (v > vmax)
			vmax = v;
		w = waitpid(-1, &status, WNOHANG);
		if (w <= 0) {
			usleep(10000);
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			VT_NOTE("FAIL: child %d: status 0x%x", (int)w, status);
			bad++;
		}
		i++;
	}
	VT_ASSERT(!bad, "%d of %d children failed", bad, SPARSE_PROCS);
	VT_NOTE("vmalloc: %ld kB before, at most %ld kB meanwhile", v0, vmax);
	VT_ASSERT(v0 >= 0 && vmax - v0 < SPARSE_VMALLOC_KB,
		  "vmalloc grew by %ld kB for mappings that pin one page",
		  vmax - v0);
	VT_ASSERT(!vt_klog_contains("Out of memory", NULL), "OOM killer ran");
	VT_OK(vt_map(cfd, buf, IOVA, PG));
	VT_OK(vt_unmap(cfd, IOVA, PG, 0, NULL));
	munmap(va, SPARSE_SIZE);
	close(gfd);
	close(cfd);
	vt_free(buf, PG);
	return 0;
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

#define UUID_F	"22222222-3333-4444-5555-666666666663"

/* Another tenant: an mdev on @bdf created, opened, DMA checked, removed. */
static int other_tenant(const char *bdf)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	struct vt_dev d;

	VT_ASSERT(src && dst, "alloc");
	VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(bdf, UUID_F));
	VT_OK(vt_dev_open(&d, -1, vt_mdev_group(UUID_F), UUID_F,
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&d));
	vt_fill(src, 2048, 61);
	VT_OK(vt_map(d.cfd, src, IOVA, PG));
	VT_OK(vt_map(d.cfd, dst, IOVA + PG, PG));
	VT_OK(edu_roundtrip(&d, IOVA, IOVA + PG, 2048));
	VT_ASSERT(!memcmp(src, dst, 2048), "DMA bytes differ");
	vt_dev_close(&d);
	VT_OK(vt_mdev_remove(UUID_F));
	return 0;
}

/* Wait up to @ms for @pid; its exit status, or -ETIMEDOUT. */
static int wait_ms(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 50) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

/*
 * robust.fuse_stall PCI OTHER: a user maps a file whose page faults never
 * end (a FUSE file system of its own that holds every read) into a
 * container without a domain, then attaches a vfio-pci group: the attach
 * pins the mapping and waits.  Meanwhile another tenant creates an mdev
 * (OTHER), opens it in its own container, does DMA and removes it: that
 * must complete, since the waiting attach holds only its own container's
 * lock.  Then the file system answers and the attach completes.
 */
static int t_fuse_stall(int argc, char **argv)
{
	int fd, gfd, r, go[2];
	struct slowfs fs;
	struct classic c;
	pid_t a, b;
	char x = 0;
	void *va;

	VT_ASSERT(argc == 3, "usage");
	VT_OK(slowfs_mount(&fs, "/tmp/slowfs"));
	fd = open("/tmp/slowfs/f", O_RDONLY);
	VT_ASSERT(fd >= 0, "open the slow file: %s", strerror(errno));
	/*
	 * The other tenant is forked now: once the attach waits, it holds
	 * this process's mmap lock (read), and fork() needs it for write.
	 */
	VT_OK(pipe(go) ? -errno : 0);
	b = fork();
	VT_ASSERT(b >= 0, "fork");
	if (!b)
		_exit(read(go[0], &x, 1) == 1 ? other_tenant(argv[2]) : 2);
	va = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	VT_ASSERT(va != MAP_FAILED, "mmap: %s", strerror(errno));
	if (classic_open(&c))
		return 1;
	VT_OK(vt_map(c.cfd, va, IOVA, 16 * PG));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	gfd = vt_group_open(vt_pci_group(argv[1]));
	VT_OK(gfd);
	a = fork();
	VT_ASSERT(a >= 0, "fork");
	if (!a)
		_exit(vt_group_set_container(gfd, c.cfd) ? 1 : 0);
	usleep(1000000);
	VT_ASSERT(wait_ms(a, 1) == -ETIMEDOUT,
		  "the attach did not wait for the slow page fault");
	VT_NOTE("attach waits in a page fault of the slow file");
	VT_ASSERT(write(go[1], &x, 1) == 1, "go");
	r = wait_ms(b, 30000);
	slowfs_release(&fs);
	VT_ASSERT(r == 0, "the other tenant %s while the attach waited (%d)",
		  r == -ETIMEDOUT ? "was stalled 30 s" : "failed", r);
	VT_NOTE("another tenant's mdev create, open, DMA and remove completed meanwhile");
	r = wait_ms(a, 30000);
	VT_ASSERT(r == 0, "the attach did not complete once the file answered (%d)",
		  r);
	VT_OK(vt_group_unset_container(gfd));
	close(gfd);
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_unmap(c.cfd, IOVA, 16 * PG, 0, NULL));
	if (classic_close(&c))
		return 1;
	munmap(va, 16 * PG);
	close(fd);
	slowfs_unmount(&fs);
	return vt_pci_bind(argv[2], "") ? 1 : 0;
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return r == 0 ? 0 : -EIO;
}

/*
 * Unload both modules, the backend right after its last container closed:
 * no module reference outlives the container (its state's retirement is
 * waited for by module exit, not refused with EAGAIN).
 */
static int unload(void)
{
	const char *refcnt = "/sys/module/vfio_iommu_mdev/refcnt";

	VT_OK(sh("rmmod vfio_mdev_pci"));
	VT_ASSERT(vt_sysfs_long(refcnt) == 0, "backend refcnt %ld",
		  vt_sysfs_long(refcnt));
	VT_OK(syscall(SYS_delete_module, "vfio_iommu_mdev", O_NONBLOCK) ?
	      -errno : 0);
	return 0;
}

/*
 * robust.cycles N BDF: N times: load both modules, bind BDF, create its
 * mdev, open it, DMA, close, remove, unbind, unload both.  Afterwards no
 * pin is outstanding, VmLck is back, both modules load again and the
 * device's group is usable by vfio-pci (DMA).
 */
static int t_cycles(int argc, char **argv)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	long long pins0;
	long lck0 = vt_locked_vm_kb();
	int i, n, loaded = 1;
	struct vt_dev d;

	VT_ASSERT(argc == 3 && src && dst, "usage / alloc");
	n = atoi(argv[1]);
	vt_mdev_remove(UUID_F);
	pins0 = vt_pins(NULL);
	VT_OK(pins0);
	for (i = 0; i < n; i++) {
		if (!loaded) {
			VT_OK(sh("modprobe vfio_iommu_mdev && modprobe vfio_mdev_pci"));
			loaded = 1;
		}
		VT_OK(vt_pci_bind(argv[2], "vfio-mdev-pci"));
		VT_OK(vt_mdev_create(argv[2], UUID_F));
		VT_OK(vt_dev_open(&d, -1, vt_mdev_group(UUID_F), UUID_F,
				  VFIO_TYPE1v2_IOMMU));
		VT_OK(vt_enable_bus_master(&d));
		vt_fill(src, 512, i);
		memset(dst, 0, 512);
		VT_OK(vt_map(d.cfd, src, IOVA, PG));
		VT_OK(vt_map(d.cfd, dst, IOVA + PG, PG));
		VT_OK(edu_roundtrip(&d, IOVA, IOVA + PG, 512));
		VT_ASSERT(!memcmp(src, dst, 512), "cycle %d: DMA bytes differ", i);
		vt_dev_close(&d);
		VT_OK(vt_mdev_remove(UUID_F));
		VT_OK(vt_pci_bind(argv[2], ""));
		if (unload())
			return 1;
		loaded = 0;
	}
	VT_OK(sh("modprobe vfio_iommu_mdev && modprobe vfio_mdev_pci"));
	VT_ASSERT(vt_pins(NULL) == pins0, "%lld pins outstanding, %lld before",
		  vt_pins(NULL), pins0);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB, %ld before",
		  vt_locked_vm_kb(), lck0);
	VT_OK(vt_pci_bind(argv[2], "vfio-pci"));
	VT_OK(vt_dev_open(&d, -1, vt_pci_group(argv[2]), argv[2],
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&d));
	/* fresh pages, bytes compared (src and dst held the last cycle's) */
	if (vt_dma_check(&d, IOVA, 0xc7))
		return 1;
	vt_dev_close(&d);
	VT_OK(vt_pci_bind(argv[2], ""));
	VT_NOTE("%d load/use/unload cycles; pins, VmLck and refcounts back", n);
	return 0;
}

/*
 * robust.rmmod_now BDF: a container served by ours does DMA and closes;
 * vfio_iommu_mdev is unloaded at once (delete_module with O_NONBLOCK, as
 * rmmod: no wait, no retry) and succeeds; then it loads again.  Modules
 * that use ours (vfio_mdev_pci, vim_classic) are unloaded first and loaded
 * again after.
 */
static int t_rmmod_now(int argc, char **argv)
{
	const char *refcnt = "/sys/module/vfio_iommu_mdev/refcnt";
	int classic = !access("/sys/module/vim_classic", F_OK);
	struct vt_dev d;
	long refs;

	VT_ASSERT(argc == 2, "usage: BDF");
	vt_mdev_remove_all();
	VT_OK(sh("rmmod vfio_mdev_pci"));
	if (classic)
		VT_OK(sh("rmmod vim_classic"));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	VT_OK(vt_dev_open(&d, -1, vt_pci_group(argv[1]), argv[1],
			  VFIO_TYPE1v2_IOMMU));
	refs = vt_sysfs_long(refcnt);
	VT_ASSERT(refs >= 1, "backend refcnt %ld with its container set: ours does not serve it",
		  refs);
	VT_OK(vt_enable_bus_master(&d));
	if (vt_dma_check(&d, IOVA, 81))
		return 1;
	vt_dev_close(&d);
	VT_OK(syscall(SYS_delete_module, "vfio_iommu_mdev", O_NONBLOCK) ?
	      -errno : 0);
	VT_ASSERT(access("/sys/module/vfio_iommu_mdev", F_OK),
		  "vfio_iommu_mdev still loaded");
	VT_NOTE("rmmod right after the container closed: done");
	VT_OK(sh("modprobe vfio_iommu_mdev && modprobe vfio_mdev_pci"));
	if (classic)
		VT_OK(sh("modprobe vim_classic"));
	VT_OK(vt_pci_bind(argv[1], ""));
	return 0;
}

#define UUID_T	"22222222-3333-4444-5555-666666666664"
#define TOP	0xfffffffffffff000ULL
#define FAR	(1ULL << 62)

/*
 * The attach of @bdf's group to container @cfd, whose mappings include
 * one at FAR, is refused with EINVAL before anything is pinned or mapped
 * into the IOMMU (no driver's "not sufficient" line), with our own line.
 */
static int far_attach_refused(int cfd, const char *bdf, long long pins)
{
	int gfd = vt_group_open(vt_pci_group(bdf));
	int n = vt_klog_count("is not sufficient", NULL);

	VT_OK(gfd);
	VT_ERRNO(vt_group_set_container(gfd, cfd), EINVAL);
	close(gfd);
	VT_ASSERT(vt_klog_contains("outside what its IOMMU translates", NULL),
		  "no refusal line in the kernel log");
	VT_ASSERT(vt_klog_count("is not sufficient", NULL) == n,
		  "the IOMMU driver was asked to map out of its width");
	VT_ASSERT(vt_pins(NULL) == pins, "%lld pins after the refused attach, %lld before",
		  vt_pins(NULL), pins);
	return 0;
}

/*
 * robust.aperture PCI MDEV OTHER: mappings made while a container has no
 * IOMMU domain are checked when one comes.  A container loses its last
 * domain (PCI's group leaves first, the mdev of MDEV in the same group is
 * revoked); MAP_DMA of the last page of the IOVA space (its end wraps to 0)
 * is refused with EINVAL, one at 1 << 62 is taken (as type1 takes it
 * without a domain); attaching OTHER's group then fails with EINVAL, as
 * type1's attach does (on Debian 6.1 the Intel driver's BUG_ON was reached
 * here), nothing stays pinned, a new container does DMA through OTHER's
 * group, and once the far mapping is unmapped OTHER attaches to the first
 * container and does DMA there.  The same for a container that never had
 * a domain (a classic mdev).
 */
static int t_aperture(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(2 * PG);
	long long pins0 = vt_pins(NULL);
	long lck0 = vt_locked_vm_kb();
	int gfd, mgfd, cfd;
	struct classic c;
	struct vt_dev d;

	VT_ASSERT(argc == 4 && buf, "usage: PCI MDEV OTHER / alloc");
	vt_mdev_remove_all();
	VT_OK(vt_pci_bind(argv[2], "vfio-mdev-pci"));
	VT_OK(vt_mdev_create(argv[2], UUID_T));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	VT_OK(vt_pci_bind(argv[3], "vfio-pci"));
	gfd = vt_group_open(vt_pci_group(argv[1]));
	VT_OK(gfd);
	cfd = vt_container_open();
	VT_OK(cfd);
	VT_OK(vt_group_set_container(gfd, cfd));
	VT_OK(vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU));
	mgfd = vt_group_open(vt_mdev_group(UUID_T));
	VT_OK(mgfd);
	VT_OK(vt_group_set_container(mgfd, cfd));
	VT_OK(vt_group_unset_container(gfd));
	close(gfd);
	VT_ASSERT(vt_klog_contains("DMA is revoked", NULL), "the mdev was not revoked");
	VT_ERRNO(vt_map(cfd, buf, TOP, PG), EINVAL);
	VT_ERRNO(vt_map(cfd, buf, TOP - PG, 2 * PG), EINVAL);
	VT_OK(vt_map(cfd, buf, FAR, PG));
	VT_OK(vt_map(cfd, buf + PG, IOVA, PG));
	if (far_attach_refused(cfd, argv[3], pins0))
		return 1;
	VT_NOTE("domainless after a revoke: top page EINVAL, the attach over a far mapping EINVAL");
	VT_OK(vt_dev_open(&d, -1, vt_pci_group(argv[3]), argv[3],
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&d));
	if (vt_dma_check(&d, IOVA, 91))
		return 1;
	vt_dev_close(&d);
	VT_OK(vt_unmap(cfd, FAR, PG, 0, NULL));
	VT_OK(vt_dev_open(&d, cfd, vt_pci_group(argv[3]), argv[3],
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&d));
	if (vt_dma_check(&d, 0x400000, 92))
		return 1;
	vt_dev_close(&d);
	VT_NOTE("the far mapping gone, the same attach works and DMA goes through");
	close(mgfd);
	close(cfd);
	VT_OK(vt_mdev_remove(UUID_T));

	if (classic_open(&c))
		return 1;
	VT_ERRNO(vt_map(c.cfd, buf, TOP, PG), EINVAL);
	VT_OK(vt_map(c.cfd, buf, FAR, PG));
	if (far_attach_refused(c.cfd, argv[3], pins0))
		return 1;
	VT_OK(vt_unmap(c.cfd, FAR, PG, 0, NULL));
	if (classic_close(&c))
		return 1;
	VT_NOTE("a container that never had a domain: the same");
	VT_ASSERT(vt_pins(NULL) == pins0, "%lld pins, %lld before", vt_pins(NULL),
		  pins0);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB, %ld before",
		  vt_locked_vm_kb(), lck0);
	VT_OK(vt_pci_bind(argv[1], ""));
	VT_OK(vt_pci_bind(argv[3], ""));
	vt_free(buf, 2 * PG);
	return 0;
}

/* robust.replay_stall: threads of the test process (one mm). */
static struct {
	int cfd, gfd;		/* the attach: group into container */
	void *slow;		/* a page of the slow FUSE file, mapped */
	long long pins;		/* pins before the big mapping was pinned */
	long long want;		/* the big mapping's pages and the far one */
	atomic_int attach_done, attach_ret, holding, read_done;
} rs;

static void *rs_attach(void *arg)
{
	(void)arg;
	atomic_store(&rs.attach_ret, vt_group_set_container(rs.gfd, rs.cfd));
	atomic_store(&rs.attach_done, 1);
	return NULL;
}

/*
 * Once the attach pinned its mappings (or after 3 s if it pins none),
 * read a page of the slow file through /proc/self/mem: the read holds this
 * process's mmap_lock (read) until the file system answers.
 */
static void *rs_hold(void *arg)
{
	char path[] = "/proc/self/mem", x;
	int i, fd = open(path, O_RDONLY);

	(void)arg;
	for (i = 0; i < 3000; i++) {
		if (vt_pins(NULL) >= rs.pins + rs.want ||
		    atomic_load(&rs.attach_done))
			break;
		usleep(1000);
	}
	atomic_store(&rs.holding, 1);
	if (fd >= 0 && pread(fd, &x, 1, (off_t)(uintptr_t)rs.slow) != 1)
		x = 0;
	atomic_store(&rs.read_done, 1);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Another tenant: @bdf on vfio-pci in its own container does DMA. */
static int rs_tenant(const char *bdf)
{
	struct vt_dev d;

	VT_OK(vt_pci_bind(bdf, "vfio-pci"));
	VT_OK(vt_dev_open(&d, -1, vt_pci_group(bdf), bdf,
			  VFIO_TYPE1v2_IOMMU));
	VT_OK(vt_enable_bus_master(&d));
	if (vt_dma_check(&d, IOVA, 93))
		return 1;
	vt_dev_close(&d);
	return vt_pci_bind(bdf, "") ? 1 : 0;
}

#define RS_BIG	(32ULL << 20)

/*
 * robust.replay_stall PCI OTHER: a container without a domain holds a big
 * mapping and one at 1 << 62; a thread attaches PCI's group to it while
 * another thread of the same process holds its own mmap_lock (a read of
 * its FUSE-backed page through /proc/self/mem that the file system never
 * answers).  The attach is refused (EINVAL) without waiting for that
 * lock, and another tenant's attach and DMA (OTHER, its own container)
 * complete while the read still waits: nothing that waits for an mm lock
 * runs under the backend's global lock (it used to unpin there, after the
 * replay into the new domain failed, and every tenant's attach stalled).
 * Then the file system answers and nothing stays pinned.
 */
static int t_replay_stall(int argc, char **argv)
{
	pthread_t ta, th;
	struct slowfs fs;
	struct classic c;
	long long pins0;
	int fd, r, go[2];
	uint8_t *big;
	char x = 0;
	pid_t q;
	size_t i;

	VT_ASSERT(argc == 3, "usage: PCI OTHER");
	VT_NOTE("start");	/* stdout's buffer, before any lock is held */
	VT_OK(slowfs_mount(&fs, "/tmp/slowfs"));
	fd = open("/tmp/slowfs/f", O_RDONLY);
	VT_ASSERT(fd >= 0, "open the slow file: %s", strerror(errno));
	rs.slow = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	VT_ASSERT(rs.slow != MAP_FAILED, "mmap: %s", strerror(errno));
	/* the tenant is forked before any lock is held: fork needs it */
	VT_OK(pipe(go) ? -errno : 0);
	q = fork();
	VT_ASSERT(q >= 0, "fork");
	if (!q)
		_exit(read(go[0], &x, 1) == 1 ? rs_tenant(argv[2]) : 2);
	big = vt_alloc(RS_BIG);
	VT_ASSERT(big, "alloc");
	for (i = RS_BIG; i; i -= PG)	/* scattered: a slow replay */
		big[i - PG] = 1;
	if (classic_open(&c))
		return 1;
	VT_OK(vt_map(c.cfd, big, IOVA, RS_BIG));
	VT_OK(vt_map(c.cfd, big, FAR, PG));
	VT_OK(vt_pci_bind(argv[1], "vfio-pci"));
	rs.gfd = vt_group_open(vt_pci_group(argv[1]));
	VT_OK(rs.gfd);
	rs.cfd = c.cfd;
	pins0 = vt_pins(NULL);
	rs.pins = pins0;
	rs.want = RS_BIG / PG + 1;
	VT_OK(-pthread_create(&th, NULL, rs_hold, NULL));
	VT_OK(-pthread_create(&ta, NULL, rs_attach, NULL));
	/* from here until the release: no allocation, no mmap (the lock) */
	for (i = 0; i < 5000 && !atomic_load(&rs.holding); i++)
		usleep(1000);
	usleep(500000);
	VT_ASSERT(atomic_load(&rs.holding) && !atomic_load(&rs.read_done),
		  "the reader does not hold the mmap lock");
	VT_ASSERT(write(go[1], &x, 1) == 1, "go");
	r = wait_ms(q, 30000);
	for (i = 0; i < 100 && !atomic_load(&rs.attach_done); i++)
		usleep(10000);
	x = atomic_load(&rs.read_done);
	slowfs_release(&fs);
	VT_ASSERT(!x, "the slow read finished early: the test proves nothing");
	VT_ASSERT(r == 0, "the other tenant %s while a thread held the mmap lock (%d)",
		  r == -ETIMEDOUT ? "was stalled 30 s" : "failed", r);
	VT_NOTE("another tenant attached and did DMA while the mmap lock was held");
	VT_ASSERT(atomic_load(&rs.attach_done), "the refused attach waited for the mmap lock");
	VT_ERRNO(atomic_load(&rs.attach_ret), EINVAL);
	pthread_join(th, NULL);
	pthread_join(ta, NULL);
	close(rs.gfd);
	VT_OK(vt_unmap(c.cfd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	if (classic_close(&c))
		return 1;
	VT_ASSERT(vt_pins(NULL) == pins0, "%lld pins, %lld before", vt_pins(NULL),
		  pins0);
	munmap(rs.slow, PG);
	close(fd);
	slowfs_unmount(&fs);
	vt_free(big, RS_BIG);
	return vt_pci_bind(argv[1], "") ? 1 : 0;
}

/* ---- robust.fput_stall ---- */

static struct {
	char *slow;			/* the FUSE page */
	atomic_int holding, read_done;
} fp;

/* Read the slow page through /proc/self/mem: holds our mmap_lock (read). */
static void *fp_hold(void *arg)
{
	int fd = open("/proc/self/mem", O_RDONLY);
	char x;

	(void)arg;
	atomic_store(&fp.holding, 1);
	if (fd >= 0 && pread(fd, &x, 1, (off_t)(uintptr_t)fp.slow) != 1)
		x = 0;
	atomic_store(&fp.read_done, 1);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* An io_uring ring holding @fd as its one registered file, or -errno. */
static int fp_ring(int fd)
{
	struct io_uring_params p = { 0 };
	int r = syscall(SYS_io_uring_setup, 2, &p);

	if (r < 0)
		return -errno;
	if (syscall(SYS_io_uring_register, r, IORING_REGISTER_FILES, &fd, 1)) {
		close(r);
		return -errno;
	}
	return r;
}

/*
 * robust.fput_stall PCI: a group file whose last reference an io_uring
 * ring holds is released by the ring's exit work, a kernel thread, from
 * the host's one delayed-fput work item; the group's detach uncharges
 * the mapping's locked memory, which needs the owner's mmap_lock, held
 * by another thread of the owner (a read of its FUSE page through
 * /proc/self/mem that the file system never answers).  A file released
 * the same way after it (a pipe's read end, in a second ring) must be
 * released all the same: the pipe's writer gets EPIPE (it waited as long
 * as the FUSE read when the uncharge waited in the release).  Then the
 * file system answers and the locked memory is uncharged.
 */
static int t_fput_stall(int argc, char **argv)
{
	uint8_t *buf = vt_alloc(KB(64));
	long lck0 = vt_locked_vm_kb();
	int fd, r1, r2, p[2], i, stalled;
	struct slowfs fs;
	struct vt_dev d;
	pthread_t th;
	char x;

	VT_ASSERT(argc == 2 && buf, "usage / alloc");
	VT_NOTE("start");	/* stdout's buffer, before any lock is held */
	signal(SIGPIPE, SIG_IGN);
	VT_OK(slowfs_mount(&fs, "/tmp/slowfs"));
	fd = open("/tmp/slowfs/f", O_RDONLY);
	VT_ASSERT(fd >= 0, "open the slow file: %s", strerror(errno));
	fp.slow = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	VT_ASSERT(fp.slow != MAP_FAILED, "mmap: %s", strerror(errno));
	if (vt_open_pci(&d, -1, argv[1]))
		return 1;
	VT_OK(vt_map(d.cfd, buf, IOVA, KB(64)));
	VT_ASSERT(vt_locked_vm_kb() == lck0 + 64, "VmLck %ld kB, %ld before",
		  vt_locked_vm_kb(), lck0);
	/* only the group file stays, held by a ring; a pipe's read end too */
	munmap((void *)d.bar0, d.bar0_size);
	close(d.dfd);
	close(d.cfd);
	r1 = fp_ring(d.gfd);
	VT_OK(r1);
	close(d.gfd);
	VT_OK(pipe(p) ? -errno : 0);
	r2 = fp_ring(p[0]);
	VT_OK(r2);
	close(p[0]);
	VT_OK(-pthread_create(&th, NULL, fp_hold, NULL));
	/* from here until the release: no allocation, no mmap (the lock) */
	for (i = 0; i < 5000 && !atomic_load(&fp.holding); i++)
		usleep(1000);
	usleep(300000);
	close(r1);		/* its exit work releases the group */
	usleep(500000);
	close(r2);		/* then the pipe's read end */
	for (i = 0; i < 100; i++) {
		if (write(p[1], "x", 1) < 0 && errno == EPIPE)
			break;
		usleep(50000);
	}
	stalled = i == 100;
	x = atomic_load(&fp.read_done);
	slowfs_release(&fs);
	pthread_join(th, NULL);
	VT_ASSERT(!x, "the slow read finished early: the test proves nothing");
	VT_ASSERT(!stalled, "the pipe released by a kernel thread waited 5 s behind the group's release (delayed fput held on the owner's mmap_lock)");
	VT_NOTE("a kernel thread's releases went on while the owner's mmap_lock was held");
	for (i = 0; i < 100 && vt_locked_vm_kb() != lck0; i++)
		usleep(50000);
	VT_ASSERT(vt_locked_vm_kb() == lck0, "VmLck %ld kB after the release, %ld before",
		  vt_locked_vm_kb(), lck0);
	close(p[1]);
	munmap(fp.slow, PG);
	close(fd);
	slowfs_unmount(&fs);
	vt_free(buf, KB(64));
	return vt_pci_bind(argv[1], "") ? 1 : 0;
}

const struct vt_case robust_cases[] = {
	{ "fput_stall", t_fput_stall, "BDF" },
	{ "cycles", t_cycles, "N BDF" },
	{ "fuse_stall", t_fuse_stall, "PCI_BDF OTHER_MDEV_BDF" },
	{ "rmmod_now", t_rmmod_now, "BDF" },
	{ "aperture", t_aperture, "PCI_BDF MDEV_BDF OTHER_BDF" },
	{ "replay_stall", t_replay_stall, "PCI_BDF OTHER_BDF" },
	{ "keep_pins", t_keep_pins, "" },
	{ "huge", t_huge, "" },
	{ "charge_owner", t_charge_owner, "BDF" },
	{ "sparse", t_sparse, "BDF" },
	{ NULL, NULL, NULL },
};
