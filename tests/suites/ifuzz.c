// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "ifuzz": the iommufd ioctls on mdevs, at random, from several
 * processes.  Each worker keeps a small table of file descriptors (iommufd
 * contexts, some inherited from the parent and so shared between workers;
 * cdevs and groups of two mdevs of one IOMMU group and of their vfio-pci
 * group-mate) and, for a fixed time, opens, binds, attaches and detaches
 * (to valid and invalid ids), maps and unmaps IOAS ranges (valid, huge,
 * misaligned, overlapping), destroys objects, starts DMA and closes in any
 * order.  Afterwards: every worker exited, nothing is pinned, and every
 * device does DMA through a fresh context (bytes compared).  The plan then
 * unloads the modules and checks the kernel log (KASAN and lockdep on the
 * bed's iommufd kernels).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vt.h"

#define IF_NPROC	4
#define IF_NFD		12
#define IF_BUF		(64 * 4096)

static const char *const IF_UUID[2] = {
	"1f0d0000-0000-4000-8000-00000000f0a1",
	"1f0d0000-0000-4000-8000-00000000f0b2",
};

/* The devices: two mdevs and, where given, the vfio-pci group-mate. */
static char if_sys[3][128];
static int if_grp[3];
static const char *if_name[3];
static int if_ndev;

static unsigned long long if_rnd_state;

#define IF_NOPS		12
static const char *const if_op_name[IF_NOPS] = {
	"open_ctx", "ioas_alloc", "open_cdev", "bind", "attach", "detach",
	"map", "unmap", "destroy", "group_route", "dma", "close",
};
/* per operation: tries and successes, summed over the workers (shared) */
static unsigned long (*if_count)[IF_NOPS][2];

static unsigned int rnd(unsigned int n)
{
	if_rnd_state = if_rnd_state * 6364136223846793005ULL +
		       1442695040888963407ULL;
	return n ? (unsigned int)(if_rnd_state >> 33) % n : 0;
}

enum if_kind { F_NONE, F_CTX, F_DEV, F_GROUP };

struct if_fd {
	enum if_kind kind;
	int fd;
	uint32_t ioas[2];	/* F_CTX: IOAS ids, 0 if none */
};

struct if_state {
	struct if_fd t[IF_NFD];
	uint8_t *buf;
	unsigned long ops, ok;
};

static int pick(struct if_state *s, enum if_kind k)
{
	int i, n = 0, c[IF_NFD];

	for (i = 0; i < IF_NFD; i++)
		if (s->t[i].kind == k)
			c[n++] = i;
	return n ? c[rnd(n)] : -1;
}

static int slot(struct if_state *s)
{
	int i = pick(s, F_NONE);

	if (i < 0) {
		i = rnd(IF_NFD);
		close(s->t[i].fd);
		s->t[i].kind = F_NONE;
	}
	return i;
}

static uint32_t some_id(struct if_state *s)
{
	int c = pick(s, F_CTX);

	switch (rnd(4)) {
	case 0:
		return rnd(8);
	case 1:
		return 0xffffffffu - rnd(2);
	default:
		return c >= 0 ? s->t[c].ioas[rnd(2)] : rnd(4);
	}
}

static uint64_t some_iova(void)
{
	static const uint64_t base[] = {
		0x100000, 0x200000, 0x10000000, 0, 0xfffffffffffff000ULL,
		1ULL << 39, 1ULL << 62,
	};

	return base[rnd(7)] + (rnd(8) ? 0 : rnd(4096)) + rnd(8) * 4096ULL;
}

static void op(struct if_state *s)
{
	int i = -1, c, r = -1, d, k = rnd(IF_NOPS);

	switch (k) {
	case 0:		/* a new context with an IOAS */
		i = slot(s);
		s->t[i].fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		if (s->t[i].fd < 0)
			break;
		s->t[i].kind = F_CTX;
		s->t[i].ioas[0] = s->t[i].ioas[1] = 0;
		r = ifd_ioas_alloc(s->t[i].fd, &s->t[i].ioas[0]);
		break;
	case 1:		/* another IOAS in a context */
		c = pick(s, F_CTX);
		if (c >= 0)
			r = ifd_ioas_alloc(s->t[c].fd, &s->t[c].ioas[1]);
		break;
	case 2:		/* open a device's cdev */
		i = slot(s);
		d = rnd(if_ndev);
		{
			char path[300];

			if (vt_cdev_path(if_sys[d], path, sizeof(path)))
				break;
			s->t[i].fd = open(path, O_RDWR | O_CLOEXEC);
		}
		if (s->t[i].fd >= 0)
			s->t[i].kind = F_DEV, r = 0;
		break;
	case 3:		/* bind a cdev to a context (or to garbage) */
		i = pick(s, F_DEV);
		c = pick(s, F_CTX);
		if (i >= 0)
			r = vt_cdev_bind_fd(s->t[i].fd, c >= 0 && rnd(8) ?
					    s->t[c].fd : (int)rnd(40));
		break;
	case 4:		/* attach */
		i = pick(s, F_DEV);
		if (i >= 0)
			r = vt_cdev_attach(s->t[i].fd, some_id(s));
		break;
	case 5:		/* detach */
		i = pick(s, F_DEV);
		if (i >= 0)
			r = vt_cdev_detach(s->t[i].fd);
		break;
	case 6:		/* map */
		c = pick(s, F_CTX);
		if (c >= 0) {
			uint64_t off = rnd(IF_BUF / 4096) * 4096ULL;
			uint64_t len = (rnd(4) + 1) * 4096ULL;

			if (off + len > IF_BUF)
				len = IF_BUF - off;
			if (!rnd(10))
				len += rnd(4096);
			r = ifd_map_id(s->t[c].fd, s->t[c].ioas[rnd(2)],
				       s->buf + off, some_iova(), len);
		}
		break;
	case 7:		/* unmap, sometimes everything */
		c = pick(s, F_CTX);
		if (c >= 0)
			r = ifd_unmap_id(s->t[c].fd, s->t[c].ioas[rnd(2)],
					 rnd(4) ? some_iova() : 0,
					 rnd(4) ? (rnd(8) + 1) * 4096ULL : ~0ULL);
		break;
	case 8:		/* destroy an object by id */
		c = pick(s, F_CTX);
		if (c >= 0)
			r = ifd_destroy(s->t[c].fd, some_id(s));
		break;
	case 9:		/* the group route: set to a context, get the device */
		i = slot(s);
		d = rnd(if_ndev);
		c = pick(s, F_CTX);
		s->t[i].fd = vt_group_open(if_grp[d]);
		if (s->t[i].fd < 0)
			break;
		s->t[i].kind = F_GROUP;
		if (c >= 0 && !vt_group_set_container(s->t[i].fd, s->t[c].fd)) {
			int dfd = vt_device_open(s->t[i].fd, if_name[d]);

			if (dfd >= 0) {
				int j = pick(s, F_NONE);

				if (j >= 0 && j != i)
					s->t[j].kind = F_DEV, s->t[j].fd = dfd;
				else
					close(dfd);
				r = 0;
			}
		}
		break;
	case 10:	/* a DMA from the device's buffer to some IOVA */
		i = pick(s, F_DEV);
		if (i >= 0) {
			struct vt_dev dv = { .cfd = -1, .gfd = -1,
					     .dfd = s->t[i].fd };

			if (!vt_dev_regions(&dv)) {
				vt_enable_bus_master(&dv);
				r = edu_dma(&dv, 0x100000 + rnd(4) * 4096ULL,
					    64, rnd(2), 0);
				munmap((void *)dv.bar0, dv.bar0_size);
			}
		}
		break;
	default:	/* close anything */
		i = rnd(IF_NFD);
		if (s->t[i].kind != F_NONE) {
			close(s->t[i].fd);
			s->t[i].kind = F_NONE;
			r = 0;
		}
		break;
	}
	s->ops++;
	s->ok += r == 0;
	__atomic_fetch_add(&(*if_count)[k][0], 1, __ATOMIC_RELAXED);
	if (!r)
		__atomic_fetch_add(&(*if_count)[k][1], 1, __ATOMIC_RELAXED);
}

static void worker(unsigned long long seed, int secs, struct if_state *s)
{
	time_t end = time(NULL) + secs;

	if_rnd_state = seed;
	s->buf = vt_alloc(IF_BUF);
	if (!s->buf)
		_exit(3);
	while (time(NULL) < end)
		op(s);
	printf("# ifuzz: worker %d: %lu operations, %lu succeeded\n",
	       (int)getpid(), s->ops, s->ok);
	_exit(0);
}

/* RAM -> edu -> RAM through a fresh context; bytes compared. */
static int works(int d)
{
	struct vt_dev dv;
	struct ifd f;
	uint8_t *src = vt_alloc(4096), *dst = vt_alloc(4096);
	int r;

	VT_ASSERT(src && dst, "alloc");
	VT_OK(ifd_open(&f));
	r = vt_cdev_open_iommufd(&dv, if_sys[d], &f);
	VT_ASSERT(!r, "%s does not open through iommufd after the run: %s",
		  if_name[d], strerror(-r));
	vt_fill(src, 2048, 0xf00 + d);
	VT_OK(ifd_map(&f, src, 0x100000, 4096));
	VT_OK(ifd_map(&f, dst, 0x101000, 4096));
	VT_OK(edu_roundtrip(&dv, 0x100000, 0x101000, 2048));
	VT_ASSERT(!memcmp(src, dst, 2048), "%s: DMA bytes differ after the run",
		  if_name[d]);
	vt_dev_close(&dv);
	close(f.fd);
	vt_free(src, 4096);
	vt_free(dst, 4096);
	return 0;
}

/*
 * ifuzz.run SEED SECONDS MDEV_A_BDF MDEV_B_BDF [PCI_BDF]: A and B (one
 * IOMMU group) get an mdev each; PCI, if given, is bound to vfio-pci.
 */
static int t_run(int argc, char **argv)
{
	unsigned long long seed;
	long long pins0 = vt_pins(NULL), p;
	struct if_state s0;
	pid_t pid[IF_NPROC];
	int secs, i, st, bad = 0;

	VT_ASSERT(argc == 5 || argc == 6, "usage: SEED SECONDS A B [PCI]");
	seed = strtoull(argv[1], NULL, 0);
	secs = atoi(argv[2]);
	vt_mdev_remove_all();
	for (i = 0; i < 2; i++) {
		VT_OK(vt_pci_bind(argv[3 + i], "vfio-mdev-pci"));
		VT_OK(vt_mdev_create(argv[3 + i], IF_UUID[i]));
		snprintf(if_sys[i], sizeof(if_sys[i]), "/sys/bus/mdev/devices/%s",
			 IF_UUID[i]);
		if_grp[i] = vt_mdev_group(IF_UUID[i]);
		if_name[i] = IF_UUID[i];
	}
	if_ndev = 2;
	if (argc == 6) {
		VT_OK(vt_pci_bind(argv[5], "vfio-pci"));
		snprintf(if_sys[2], sizeof(if_sys[2]), "/sys/bus/pci/devices/%s",
			 argv[5]);
		if_grp[2] = vt_pci_group(argv[5]);
		if_name[2] = argv[5];
		if_ndev = 3;
	}
	if_count = mmap(NULL, sizeof(*if_count), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(if_count != MAP_FAILED, "mmap");
	/* two contexts every worker inherits: shared between processes */
	memset(&s0, 0, sizeof(s0));
	for (i = 0; i < 2; i++) {
		s0.t[i].fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		VT_ASSERT(s0.t[i].fd >= 0, "open /dev/iommu: %s", strerror(errno));
		s0.t[i].kind = F_CTX;
		VT_OK(ifd_ioas_alloc(s0.t[i].fd, &s0.t[i].ioas[0]));
	}
	VT_NOTE("ifuzz: seed %llu, %d s, %d processes, devices %s %s%s%s", seed,
		secs, IF_NPROC, argv[3], argv[4], argc == 6 ? " and " : "",
		argc == 6 ? argv[5] : "");
	for (i = 0; i < IF_NPROC; i++) {
		pid[i] = fork();
		if (!pid[i])
			worker(seed * 1000 + i, secs, &s0);
		VT_ASSERT(pid[i] > 0, "fork");
	}
	for (i = 0; i < 2; i++)
		close(s0.t[i].fd);
	for (i = 0; i < IF_NPROC; i++) {
		int w, waited = 0;

		while (!(w = waitpid(pid[i], &st, WNOHANG)) &&
		       waited++ < (secs + 60) * 10)
			usleep(100000);
		if (w != pid[i]) {
			VT_NOTE("FAIL: worker %d still running %d s after the end",
				pid[i], 60);
			vt_show_task(pid[i]);
			kill(pid[i], SIGKILL);
			bad = 1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			VT_NOTE("FAIL: worker %d %s %d", pid[i],
				WIFSIGNALED(st) ? "killed by signal" : "exit",
				WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			bad = 1;
		}
	}
	for (i = 0; i < IF_NOPS; i++)
		VT_NOTE("ifuzz:   %-12s %8lu tries, %8lu succeeded", if_op_name[i],
			(*if_count)[i][0], (*if_count)[i][1]);
	if (bad)
		return 1;
	p = vt_pins(NULL);
	VT_OK(pins0);
	for (i = 0; i < 100 && p != pins0; i++) {
		usleep(100000);
		p = vt_pins(NULL);
	}
	VT_ASSERT(p == pins0, "%lld pages pinned after the run, %lld before",
		  p, pins0);
	for (i = 0; i < if_ndev; i++)
		if (works(i))
			return 1;
	VT_NOTE("ifuzz: every worker exited, pins back to %lld, every device does DMA",
		p);
	for (i = 0; i < 2; i++)
		VT_OK(vt_mdev_remove(IF_UUID[i]));
	for (i = 3; i < argc; i++)
		VT_OK(vt_pci_bind(argv[i], ""));
	return 0;
}

const struct vt_case ifuzz_cases[] = {
	{ "run", t_run, "SEED SECONDS MDEV_A_BDF MDEV_B_BDF [PCI_BDF]" },
	{ NULL, NULL, NULL },
};
