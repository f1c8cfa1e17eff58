// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "fuzz": random and hostile use of every container, group and
 * device interface by several processes at once, while an agent removes
 * and recreates the mdevs, rebinds the devices and removes/rescans them.
 *
 * fuzz.run SEED SECONDS PCI_BDF MDEV_BDF [MDEV2_BDF]
 *
 * Processes (all children of the runner, the process started by the plan):
 * - the supervisor runs epochs until SECONDS are over.  An epoch: look at
 *   how each target device is bound now (vfio-pci: its group, named by its
 *   BDF; vfio-mdev-pci with our mdev: the mdev's group, named by its UUID),
 *   open 1-3 containers, the groups, set containers and IOMMU types (as
 *   QEMU does: the IOMMU once the first group is in, or after all groups
 *   joined), get device fds, map a buffer of its own, then fork FZ_NPROC
 *   workers that inherit all of it (one container, group, device file
 *   shared across several mms), close its own copies and wait for the
 *   workers.
 * - a worker runs random operations (fz_ops[]) on the inherited objects,
 *   on objects it opens itself and on hostile arguments until the epoch
 *   ends (0.3 to 2 s), then exits, so every file is released at each epoch
 *   end in an order the scheduling decides.
 * - the agent removes and recreates the mdevs, unbinds and rebinds the
 *   devices (vfio-pci, vfio-mdev-pci, none), removes them from the PCI bus
 *   and rescans.  It removes from the bus only devices alone in their
 *   IOMMU group, unless FUZZ_REMOVE_SHARED=1: removing one member of a
 *   group behind a PCIe-to-PCI bridge while a VFIO domain holds the group
 *   clears the context entries of the DMA alias the members share (Intel
 *   IOMMU driver, stock 6.1 and 6.12: the other members' DMA stops), on
 *   6.1 detaching the group then WARNs in domain_exit(), with
 *   vfio_iommu_type1 as with ours, and the rescan can race a hot reset of
 *   the bus in the stock PCI core (docs/reliability.md).  Removing or
 *   unbinding a device whose VFIO device is open waits until it is closed
 *   (as designed); the epochs bound that wait:
 *   every file is closed at an epoch's end, the next epoch cannot get the
 *   device any more, so the agent's write returns.  The agent never gets a
 *   signal while waiting (that would turn the wait uninterruptible).
 * Every process draws from its own PRNG stream derived from SEED and its
 * role (supervisor, agent, epoch and index of a worker), so a run replays
 * as far as the scheduling allows.  FUZZ_TRACE=1 prints the supervisor's
 * and the agent's steps.
 *
 * QEMU's edu aborts the whole VM on a DMA whose device-side range leaves
 * its 4 KiB buffer, and its INTx line, once raised without a handler, would
 * storm a handler sharing the line.  So random writes to BAR0 (pwrite,
 * mmap, ioeventfd) never touch 0x20 (status: IRQ after factorial), 0x60
 * (raise IRQ) nor 0x80-0x9f (DMA registers); the DMA operation writes
 * source and destination in [0x40000, 0x40800) and a count below 0x800, so
 * that any interleaving of several processes' writes stays in range, and
 * it never asks for the completion IRQ.  The RAM side of such a DMA is
 * IOVA 0x40000-0x407ff, inside the range the workers map.
 *
 * After the run (everyone gone within SECONDS + 60 s, else the stuck
 * processes are shown with their kernel stacks): no process of ours left,
 * no user task blocked, every page pinned during the run released
 * (nr_foll_pin_acquired - nr_foll_pin_released back to its start value),
 * the backend holds no container, every target device does DMA again as a
 * vfio-pci device and as an mdev, and the kernel log has no report.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vt.h"

#define PG		4096ULL
#define NSEC		1000000000LL
#define FZ_NPROC	4		/* workers per epoch */
#define FZ_MAXT		3		/* target devices */
#define FZ_NERR		256		/* errno histogram; 255: SIGBUS */
#define FZ_SIGBUS	255
#define FZ_GRACE	60		/* seconds everyone may overrun */
#define FZ_BUF_PAGES	16		/* a worker's DMA buffer */
#define FZ_BUF_SZ	(FZ_BUF_PAGES * PG)
#define FZ_IOVA_PAGES	128		/* IOVAs 0 .. 512 KiB, overlapping */
#define FZ_ARG_SZ	(4 * PG)	/* ioctl argument area, then a guard */
#define FZ_EDU_WIN	0x40000u	/* edu's buffer, as the device sees it */
#define FZ_EDU_HALF	0x800u
#define FZ_BAR0_SZ	(1ULL << 20)
#define FZ_REGION(i)	((uint64_t)(i) << 40)	/* vfio_pci_core's layout */
#define FZ_CFG_INDEX	7

/* ---- operations ------------------------------------------------------ */

enum fz_op {
	/* container */
	O_API, O_EXT, O_SET_IOMMU, O_INFO, O_MAP, O_UNMAP, O_DIRTY,
	O_COPEN, O_DOMSEQ,
	/* group */
	O_GSTATUS, O_GSET, O_GUNSET, O_GDEV, O_GOPEN,
	/* device */
	O_DINFO, O_RINFO, O_IINFO, O_IRQS, O_RESET, O_HRINFO, O_HRESET,
	O_IOEVENTFD, O_KICK, O_FEATURE, O_READ, O_WRITE, O_MMAP, O_TOUCH,
	O_MUNMAP, O_DMA,
	/* memory, files */
	O_FORKMAP, O_BUF_MUNMAP, O_BUF_MADV, O_CLOSE, O_DUP,
	O_FUZZ_NR,
	/* the agent's */
	A_MDEV_REMOVE = O_FUZZ_NR, A_MDEV_CREATE, A_UNBIND, A_BIND,
	A_PCI_REMOVE, A_RESCAN,
	/* the supervisor's setup of an epoch */
	S_GSET, S_IOMMU, S_GDEV,
	O_NR,
};

static const struct {
	const char *name;
	int weight;
} fz_ops[O_NR] = {
	[O_API] = { "get_api_version", 2 },
	[O_EXT] = { "check_extension", 3 },
	[O_SET_IOMMU] = { "set_iommu", 3 },
	[O_INFO] = { "iommu_get_info", 4 },
	[O_MAP] = { "map_dma", 24 },
	[O_UNMAP] = { "unmap_dma", 16 },
	[O_DIRTY] = { "dirty_pages", 2 },
	[O_COPEN] = { "open_container", 1 },
	[O_DOMSEQ] = { "domain_set_change_map", 3 },
	[O_GSTATUS] = { "group_get_status", 2 },
	[O_GSET] = { "group_set_container", 4 },
	[O_GUNSET] = { "group_unset_container", 1 },
	[O_GDEV] = { "group_get_device_fd", 4 },
	[O_GOPEN] = { "open_group", 2 },
	[O_DINFO] = { "device_get_info", 2 },
	[O_RINFO] = { "get_region_info", 3 },
	[O_IINFO] = { "get_irq_info", 2 },
	[O_IRQS] = { "set_irqs", 6 },
	[O_RESET] = { "device_reset", 2 },
	[O_HRINFO] = { "hot_reset_info", 2 },
	[O_HRESET] = { "pci_hot_reset", 2 },
	[O_IOEVENTFD] = { "ioeventfd", 4 },
	[O_KICK] = { "eventfd_signal", 3 },
	[O_FEATURE] = { "device_feature", 4 },
	[O_READ] = { "device_pread", 8 },
	[O_WRITE] = { "device_pwrite", 8 },
	[O_MMAP] = { "device_mmap", 4 },
	[O_TOUCH] = { "bar_mmap_access", 6 },
	[O_MUNMAP] = { "bar_munmap", 2 },
	[O_DMA] = { "edu_dma", 4 },
	[O_FORKMAP] = { "fork_map_exit", 2 },
	[O_BUF_MUNMAP] = { "munmap_mapped_buf", 2 },
	[O_BUF_MADV] = { "madvise_mapped_buf", 2 },
	[O_CLOSE] = { "close_fd", 3 },
	[O_DUP] = { "dup_fd", 1 },
	[A_MDEV_REMOVE] = { "agent_mdev_remove", 0 },
	[A_MDEV_CREATE] = { "agent_mdev_create", 0 },
	[A_UNBIND] = { "agent_unbind", 0 },
	[A_BIND] = { "agent_bind", 0 },
	[A_PCI_REMOVE] = { "agent_pci_remove", 0 },
	[A_RESCAN] = { "agent_pci_rescan", 0 },
	[S_GSET] = { "setup_set_container", 0 },
	[S_IOMMU] = { "setup_set_iommu", 0 },
	[S_GDEV] = { "setup_get_device_fd", 0 },
};

/* ---- state shared by every process of a run -------------------------- */

enum fz_role { R_FREE, R_SUPERVISOR, R_AGENT, R_WORKER, R_CHILD };

static const char *const fz_role_name[] = {
	"free", "supervisor", "agent", "worker", "worker's child",
};

/* Who runs what, for the report on a stuck process. */
struct fz_slot {
	int pid;
	int role;
	int op;			/* -1: between operations */
	int epoch;
	uint64_t arg[4];
	int64_t since;		/* CLOCK_MONOTONIC ns the op started */
};

#define FZ_NSLOT	(2 + 2 * FZ_NPROC)

struct fz_shared {
	int64_t t0, deadline;
	uint64_t ok[O_NR];
	uint64_t err[O_NR][FZ_NERR];
	uint64_t epochs, forks, mdev_cycles, unbinds, removes;
	uint64_t dma_started;
	int failed;		/* a child saw something wrong */
	char fail[8][160];
	struct fz_slot slot[FZ_NSLOT];
};

static struct fz_shared *sh;

/* The target devices, as the supervisor saw them at an epoch's start. */
enum fz_kind { K_NONE, K_PCI, K_MDEV };

struct fz_target {
	char bdf[32];
	char uuid[48];
	int kind;
	int group;
	int pgroup;		/* the physical IOMMU group of bdf */
	const char *name;	/* bdf or uuid */
};

static struct fz_target tg[FZ_MAXT];
static int ntg;

/* FUZZ_TRACE=1: the supervisor's and the agent's steps on stderr */
static int fz_tracing;

#define fz_trace(fmt, ...) do { \
	if (fz_tracing) \
		fprintf(stderr, "# trace %.3f %d: " fmt "\n", \
			(now_ns() - sh->t0) / 1e9, getpid(), ##__VA_ARGS__); \
} while (0)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Record a child's failure for the runner (first few kept). */
static void fz_child_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void fz_child_fail(const char *fmt, ...)
{
	int i = __atomic_fetch_add(&sh->failed, 1, __ATOMIC_SEQ_CST);
	va_list ap;

	if (i >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(sh->fail[i], sizeof(sh->fail[i]), fmt, ap);
	va_end(ap);
}

/* ---- randomness ------------------------------------------------------ */

static uint64_t rs;	/* this process's stream */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 */
static uint64_t rnd64(void)
{
	rs += 0x9e3779b97f4a7c15ULL;
	return mix64(rs);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

/* true with probability pct % */
static int chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* The stream of role @role, index @idx (an epoch's worker: epoch<<8|i). */
static void fz_seed(uint64_t seed, uint64_t role, uint64_t idx)
{
	rs = mix64(seed ^ mix64(role * 0x100000001b3ULL + idx + 1));
}

/* ---- bookkeeping ----------------------------------------------------- */

static int my_slot = -1;

static void slot_take(int s, int role, int epoch)
{
	struct fz_slot *sl = &sh->slot[s];

	sl->role = role;
	sl->epoch = epoch;
	sl->op = -1;
	__atomic_store_n(&sl->pid, getpid(), __ATOMIC_RELEASE);
	my_slot = s;
}

static void slot_op(int op, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3)
{
	struct fz_slot *sl;

	if (my_slot < 0)
		return;
	sl = &sh->slot[my_slot];
	sl->arg[0] = a0;
	sl->arg[1] = a1;
	sl->arg[2] = a2;
	sl->arg[3] = a3;
	sl->since = now_ns();
	__atomic_store_n(&sl->op, op, __ATOMIC_RELEASE);
}

/* Count result r (>= 0 ok, or -errno) of op; returns r. */
static long fz_count(int op, long r)
{
	long e = -r;

	if (my_slot >= 0)
		__atomic_store_n(&sh->slot[my_slot].op, -1, __ATOMIC_RELEASE);
	if (r >= 0) {
		__atomic_add_fetch(&sh->ok[op], 1, __ATOMIC_RELAXED);
		return r;
	}
	if (e <= 0 || e >= FZ_NERR)
		e = FZ_NERR - 2;
	__atomic_add_fetch(&sh->err[op][e], 1, __ATOMIC_RELAXED);
	return r;
}

static long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* ---- a worker's objects ---------------------------------------------- */

#define NC	6
#define NGR	6
#define ND	10
#define NE	6
#define NMM	6
#define NB	4
#define NREC	8

struct fz_fd {
	int fd;
	int t;		/* target, -1 if none */
};

static int cfd[NC];
static struct fz_fd gfd[NGR];
static struct fz_fd dfd[ND];
static int efd[NE];
static struct {
	uint8_t *p;
	size_t len;
	int index;	/* region */
	uint64_t off;	/* offset in the region of p */
	int prot;
} mm[NMM];
static uint8_t *buf[NB];
static uint8_t *ro_buf;		/* read-only mapping */
static uint8_t *argp;		/* FZ_ARG_SZ, then a PROT_NONE page */
static struct {
	uint64_t iova, size;
} rec[NREC];
static int epoch_no;
static int64_t epoch_end;

static void tables_clear(void)
{
	int i;

	for (i = 0; i < NC; i++)
		cfd[i] = -1;
	for (i = 0; i < NGR; i++)
		gfd[i].fd = -1;
	for (i = 0; i < ND; i++)
		dfd[i].fd = -1;
	for (i = 0; i < NE; i++)
		efd[i] = -1;
	memset(mm, 0, sizeof(mm));
	memset(rec, 0, sizeof(rec));
}

static void close_all(void)
{
	int i;

	for (i = 0; i < NC; i++)
		if (cfd[i] >= 0)
			close(cfd[i]);
	for (i = 0; i < NGR; i++)
		if (gfd[i].fd >= 0)
			close(gfd[i].fd);
	for (i = 0; i < ND; i++)
		if (dfd[i].fd >= 0)
			close(dfd[i].fd);
	for (i = 0; i < NE; i++)
		if (efd[i] >= 0)
			close(efd[i]);
	tables_clear();
}

/*
 * Put fd into a table of n ints (closing a random one when full); the
 * first entry is left to what the supervisor put there (cfd[0]: the
 * container holding most groups).
 */
static void put_int(int *tab, int n, int fd)
{
	int i;

	for (i = 1; i < n; i++)
		if (tab[i] < 0) {
			tab[i] = fd;
			return;
		}
	i = 1 + rnd(n - 1);	/* the first one stays */
	close(tab[i]);
	tab[i] = fd;
}

static void put_fd(struct fz_fd *tab, int n, int fd, int t)
{
	int i;

	for (i = 0; i < n; i++)
		if (tab[i].fd < 0)
			break;
	if (i == n) {
		i = rnd(n);
		close(tab[i].fd);
	}
	tab[i].fd = fd;
	tab[i].t = t;
}

static int pick_int(int *tab, int n)
{
	int i, k = 0, c[16];

	for (i = 0; i < n; i++)
		if (tab[i] >= 0)
			c[k++] = i;
	return k ? c[rnd(k)] : -1;
}

static int pick_fd(struct fz_fd *tab, int n)
{
	int i, k = 0, c[16];

	for (i = 0; i < n; i++)
		if (tab[i].fd >= 0)
			c[k++] = i;
	return k ? c[rnd(k)] : -1;
}

/* A hostile file descriptor: of the wrong kind, closed, or invalid. */
static int hostile_fd(void)
{
	int i;

	switch (rnd(8)) {
	case 0:
		return -1;
	case 1:
		return 0;
	case 2:
		return 1000 + rnd(24);
	case 3:
		i = pick_fd(gfd, NGR);
		return i < 0 ? -1 : gfd[i].fd;
	case 4:
		i = pick_fd(dfd, ND);
		return i < 0 ? -1 : dfd[i].fd;
	case 5:
		i = pick_int(efd, NE);
		return i < 0 ? -1 : efd[i];
	case 6:
		i = pick_int(cfd, NC);
		return i < 0 ? -1 : cfd[i];
	default:
		return (int)rnd64();
	}
}

/*
 * A container fd (85 %: half of the time the first one, where the
 * supervisor put most groups) or a hostile one.
 */
static int a_cfd(void)
{
	int i = pick_int(cfd, NC);

	if (cfd[0] >= 0 && chance(50))
		return cfd[0];
	return i >= 0 && chance(85) ? cfd[i] : hostile_fd();
}

static int a_gfd(int *slot)
{
	int i = pick_fd(gfd, NGR);

	if (slot)
		*slot = i;
	return i >= 0 && chance(85) ? gfd[i].fd : hostile_fd();
}

static int a_dfd(int *slot)
{
	int i = pick_fd(dfd, ND);

	if (slot)
		*slot = i;
	return i >= 0 && chance(90) ? dfd[i].fd : hostile_fd();
}

/*
 * An argument of len bytes in the argument area: at its start, or ending
 * at the guard page (so that the kernel reading past len faults).
 */
static void *arg_buf(size_t len)
{
	uint8_t *p;

	if (len > FZ_ARG_SZ)
		len = FZ_ARG_SZ;
	p = chance(85) ? argp : argp + FZ_ARG_SZ - len;
	memset(p, 0, len);
	return p;
}

static void rnd_fill(void *p, size_t len)
{
	uint8_t *b = p;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = rnd64();
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* argsz: mostly right, else too small, odd or huge. */
static uint32_t a_argsz(uint32_t right)
{
	static const uint32_t odd[] = { 0, 1, 4, 7, 8, 15, 16, 23, 24, 25,
					31, 32, 33, 100, 4096, 0xffffffffu };

	if (chance(75))
		return right;
	if (chance(50))
		return odd[rnd(sizeof(odd) / sizeof(odd[0]))];
	return chance(50) ? right - 1 - rnd(right ? right : 1) :
			    right + 1 + rnd(64);
}

/* ---- IOVAs, sizes, addresses ----------------------------------------- */

static uint64_t a_iova(void)
{
	static const uint64_t special[] = {
		0, 0xfee00000ULL, 0xfee00000ULL - PG, 0xfeeff000ULL,
		0xfef00000ULL, (1ULL << 32) - PG, (1ULL << 39) - PG,
		1ULL << 39, 1ULL << 48, 1ULL << 63, ~0ULL - PG + 1,
		~0ULL - 2 * PG + 1, ~0ULL, FZ_EDU_WIN,
	};
	int i;

	if (chance(75))
		return rnd(FZ_IOVA_PAGES) * PG;
	if (chance(40)) {
		for (i = 0; i < 4; i++) {
			int k = rnd(NREC);

			if (rec[k].size)
				return rec[k].iova;
		}
	}
	if (chance(20))
		return rnd(FZ_IOVA_PAGES) * PG + (chance(50) ? 1 : 0x800);
	if (chance(85))
		return special[rnd(sizeof(special) / sizeof(special[0]))];
	return rnd64();
}

static uint64_t a_size(void)
{
	static const uint64_t special[] = {
		0, 1, 0x800, PG + 1, FZ_BUF_SZ + PG, 1ULL << 30, 1ULL << 40,
		~0ULL, ~0ULL & ~(PG - 1), 1ULL << 63,
	};

	if (chance(80))
		return (1 + rnd(FZ_BUF_PAGES)) * PG;
	if (chance(85))
		return special[rnd(sizeof(special) / sizeof(special[0]))];
	return rnd64();
}

static uint64_t a_vaddr(void)
{
	int i = rnd(NB);

	if (chance(80) && buf[i])
		return (uint64_t)(uintptr_t)buf[i] + rnd(FZ_BUF_PAGES) * PG;
	switch (rnd(7)) {
	case 0:
		return 0;
	case 1:
		return 0xffff888000000000ULL;	/* kernel */
	case 2:
		return buf[i] ? (uint64_t)(uintptr_t)buf[i] + FZ_BUF_SZ : 0;
	case 3:
		return ro_buf ? (uint64_t)(uintptr_t)ro_buf : 0;
	case 4:
		i = rnd(NMM);
		return mm[i].p ? (uint64_t)(uintptr_t)mm[i].p : 0;
	case 5:
		return buf[i] ? (uint64_t)(uintptr_t)buf[i] + 1 + rnd(4095) : 0;
	default:
		return rnd64();
	}
}

static void rec_add(uint64_t iova, uint64_t size)
{
	int i = rnd(NREC);

	rec[i].iova = iova;
	rec[i].size = size;
}

/* ---- BAR0 safety ----------------------------------------------------- */

/*
 * May [off, off + len) of BAR0 be written with random bytes?  Not the
 * status register (its bit 7 raises an IRQ after a factorial), not the IRQ
 * raise register, not the DMA registers.
 */
static int bar0_write_ok(uint64_t off, uint64_t len)
{
	static const uint64_t bad[][2] = {
		{ 0x20, 0x24 }, { 0x60, 0x64 }, { 0x80, 0xa0 },
	};
	size_t i;

	if (off + len < off)
		return 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (off < bad[i][1] && off + len > bad[i][0])
			return 0;
	return 1;
}

/* A BAR0 offset for a random write of len bytes, maybe past the end. */
static uint64_t bar0_write_off(uint64_t len)
{
	static const uint64_t good[] = { 0x0, 0x4, 0x8, 0x24, 0x64, 0x100 };
	uint64_t off;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		if (chance(50))
			off = good[rnd(sizeof(good) / sizeof(good[0]))];
		else if (chance(80))
			off = rnd(0x200);
		else
			off = rnd(FZ_BAR0_SZ + 2 * PG);
		if (bar0_write_ok(off, len))
			return off;
	}
	return 0x100;
}

/* ---- container operations -------------------------------------------- */

static long op_api(void)
{
	int fd = chance(70) ? a_cfd() : hostile_fd();

	slot_op(O_API, fd, 0, 0, 0);
	return sys_ret(ioctl(fd, VFIO_GET_API_VERSION));
}

static long op_ext(void)
{
	int fd = chance(85) ? a_cfd() : hostile_fd();
	unsigned long arg = chance(80) ? rnd(13) : rnd64();

	slot_op(O_EXT, fd, arg, 0, 0);
	return sys_ret(ioctl(fd, VFIO_CHECK_EXTENSION, arg));
}

static long op_set_iommu(void)
{
	static const unsigned long types[] = {
		VFIO_TYPE1v2_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_TYPE1v2_IOMMU,
		VFIO_TYPE1_IOMMU, VFIO_TYPE1_IOMMU, 0, 2, 4, 5, 6, 7, 8, 9,
	};
	int fd = a_cfd();
	unsigned long t = chance(90) ? types[rnd(sizeof(types) /
						 sizeof(types[0]))] : rnd64();

	slot_op(O_SET_IOMMU, fd, t, 0, 0);
	return sys_ret(ioctl(fd, VFIO_SET_IOMMU, t));
}

static long op_info(void)
{
	int fd = a_cfd();
	uint32_t argsz = a_argsz(chance(50) ? 24 : 1024);
	struct vfio_iommu_type1_info *info;

	info = arg_buf(argsz > sizeof(*info) ? argsz : sizeof(*info));

	info->argsz = argsz;
	info->flags = chance(90) ? 0 : (uint32_t)rnd64();
	slot_op(O_INFO, fd, argsz, 0, 0);
	return sys_ret(ioctl(fd, VFIO_IOMMU_GET_INFO, info));
}

static uint32_t a_map_flags(void)
{
	static const uint32_t f[] = {
		VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE, 0,
		VFIO_DMA_MAP_FLAG_VADDR,
		VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ |
			VFIO_DMA_MAP_FLAG_WRITE,
	};

	if (chance(75))
		return VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (chance(90))
		return f[rnd(sizeof(f) / sizeof(f[0]))];
	return (uint32_t)rnd64();
}

static long op_map(void)
{
	struct vfio_iommu_type1_dma_map *m;
	uint32_t argsz = chance(92) ? sizeof(*m) : a_argsz(sizeof(*m));
	int fd = a_cfd();
	long r;

	m = arg_buf(argsz > sizeof(*m) ? argsz : sizeof(*m));
	m->argsz = argsz;
	m->flags = a_map_flags();
	m->vaddr = a_vaddr();
	m->iova = a_iova();
	m->size = a_size();
	slot_op(O_MAP, fd, m->vaddr, m->iova, m->size);
	r = sys_ret(ioctl(fd, VFIO_IOMMU_MAP_DMA, m));
	if (!r)
		rec_add(m->iova, m->size);
	return r;
}

static long op_unmap(void)
{
	struct {
		struct vfio_iommu_type1_dma_unmap u;
		struct vfio_bitmap b;
	} *x;
	uint32_t flags, argsz;
	uint64_t iova, size;
	int fd = a_cfd(), k = rnd(NREC);

	switch (rnd(12)) {
	case 0:
		flags = VFIO_DMA_UNMAP_FLAG_ALL;
		break;
	case 1:
		flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
		break;
	case 2:
		flags = VFIO_DMA_UNMAP_FLAG_VADDR;
		break;
	case 3:
		flags = VFIO_DMA_UNMAP_FLAG_ALL | (chance(50) ?
			VFIO_DMA_UNMAP_FLAG_VADDR :
			VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP);
		break;
	case 4:
		flags = (uint32_t)rnd64();
		break;
	default:
		flags = 0;
	}
	if (chance(50) && rec[k].size) {
		/* what was mapped, or a piece of it */
		iova = rec[k].iova;
		size = rec[k].size;
		if (chance(25) && size > PG) {
			iova += PG * rnd(size / PG);
			size = PG;
		}
	} else {
		iova = a_iova();
		size = a_size();
	}
	if ((flags & VFIO_DMA_UNMAP_FLAG_ALL) && chance(70))
		iova = size = 0;
	argsz = sizeof(x->u);
	if (flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)
		argsz += sizeof(x->b);
	if (chance(8))
		argsz = a_argsz(argsz);
	x = arg_buf(sizeof(*x) + 64);
	x->u.argsz = argsz;
	x->u.flags = flags;
	x->u.iova = iova;
	x->u.size = size;
	x->b.pgsize = chance(80) ? PG : rnd64();
	x->b.size = chance(50) ? (size / PG + 63) / 64 * 8 : rnd(256);
	x->b.data = chance(80) ? (void *)(argp + PG) : (void *)(uintptr_t)rnd64();
	slot_op(O_UNMAP, fd, flags, iova, size);
	return sys_ret(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &x->u));
}

static long op_dirty(void)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap d;
		struct vfio_iommu_type1_dirty_bitmap_get g;
	} *x = arg_buf(sizeof(*x));
	static const uint32_t fl[] = {
		VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
		VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
		VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
		VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
			VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
		0,
	};
	int fd = chance(90) ? a_cfd() : hostile_fd();

	x->d.argsz = a_argsz(sizeof(*x));
	x->d.flags = chance(90) ? fl[rnd(sizeof(fl) / sizeof(fl[0]))] :
				  (uint32_t)rnd64();
	x->g.iova = a_iova();
	x->g.size = a_size();
	x->g.bitmap.pgsize = chance(80) ? PG : rnd64();
	x->g.bitmap.size = rnd(512);
	x->g.bitmap.data = (void *)(argp + PG);
	slot_op(O_DIRTY, fd, x->d.flags, x->g.iova, x->g.size);
	return sys_ret(ioctl(fd, VFIO_IOMMU_DIRTY_PAGES, &x->d));
}

/*
 * The container's domain set changes between maps: a group leaves (the
 * last one: no domain is left; or a vfio-pci group before the mdevs of
 * its physical group: they are revoked), a small mapping at the top of
 * the IOVA space or at an IOMMU's aperture edge is made meanwhile, and a
 * group joins (the same or another), which must check every mapping
 * before the IOMMU driver sees one.  Then the mapping goes.
 */
/* Is group @fd in no container (so taking it disturbs no one)? */
static int group_free(int fd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	return !ioctl(fd, VFIO_GROUP_GET_STATUS, &st) &&
	       !(st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET);
}

/* Group fds of a vfio-pci group and of an mdev of the same group. */
static int pci_mdev_pair(int *g, int *g2)
{
	int i, j;

	for (i = 0; i < NGR; i++) {
		if (gfd[i].fd < 0 || tg[gfd[i].t].kind != K_PCI)
			continue;
		for (j = 0; j < NGR; j++) {
			if (gfd[j].fd < 0 || tg[gfd[j].t].kind != K_MDEV ||
			    tg[gfd[j].t].pgroup != tg[gfd[i].t].pgroup)
				continue;
			*g = gfd[i].fd;
			*g2 = gfd[j].fd;
			return 1;
		}
	}
	return 0;
}

static long op_domseq(void)
{
	static const uint64_t edge[] = {
		~0ULL - PG + 1, ~0ULL - 2 * PG + 1, (1ULL << 39) - PG,
		1ULL << 39, (1ULL << 48) - PG, 1ULL << 48, (1ULL << 57) - PG,
		1ULL << 57, 1ULL << 62, 1ULL << 63,
	};
	int c, g = a_gfd(NULL), g2 = a_gfd(NULL), own, pair = 0, j;
	struct vfio_iommu_type1_dma_map *m;
	uint64_t iova, size;
	long r;

	iova = edge[rnd(sizeof(edge) / sizeof(edge[0]))];
	size = (1 + rnd(2)) * PG;
	slot_op(O_DOMSEQ, g, g2, iova, size);
	/*
	 * Groups in no container go into a container of its own: g, then
	 * g2, mostly a vfio-pci group and an mdev of the same physical
	 * group, so that g leaving next revokes the mdev and leaves no
	 * domain.  A group is never taken out of a shared container here:
	 * its last group leaving under another worker's ioctl is the stock
	 * core's use-after-free when type1 serves it (docs/upstream/).
	 * Otherwise: a map at the edge in a shared container.
	 */
	if (chance(70))
		pair = pci_mdev_pair(&g, &g2);
	c = a_cfd();
	own = -1;
	if (group_free(g)) {
		own = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		if (own < 0)
			return -errno;
		c = own;
		if (!ioctl(g, VFIO_GROUP_SET_CONTAINER, &own) &&
		    !ioctl(own, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
		    group_free(g2))
			ioctl(g2, VFIO_GROUP_SET_CONTAINER, &own);
		if (pair || chance(80))
			ioctl(g, VFIO_GROUP_UNSET_CONTAINER);
		g2 = pair ? g : a_gfd(NULL);
	}
	m = arg_buf(sizeof(*m));
	m->argsz = sizeof(*m);
	m->flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	m->vaddr = a_vaddr();
	m->iova = iova;
	m->size = size;
	r = sys_ret(ioctl(c, VFIO_IOMMU_MAP_DMA, m));
	j = chance(40) ? g : g2;
	if (own >= 0 && chance(90) && group_free(j))
		ioctl(j, VFIO_GROUP_SET_CONTAINER, &c);
	if (!r) {
		struct vfio_iommu_type1_dma_unmap *u = arg_buf(sizeof(*u));

		u->argsz = sizeof(*u);
		u->iova = iova;
		u->size = size;
		ioctl(c, VFIO_IOMMU_UNMAP_DMA, u);
	}
	if (own >= 0)
		close(own);
	return r;
}

static long op_copen(void)
{
	int fd;

	slot_op(O_COPEN, 0, 0, 0, 0);
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	put_int(cfd, NC, fd);
	return 0;
}

/* ---- group operations ------------------------------------------------ */

static long op_gstatus(void)
{
	int fd = a_gfd(NULL);
	uint32_t argsz = a_argsz(sizeof(struct vfio_group_status));
	struct vfio_group_status *st = arg_buf(argsz > 8 ? argsz : 8);

	st->argsz = argsz;
	slot_op(O_GSTATUS, fd, argsz, 0, 0);
	return sys_ret(ioctl(fd, VFIO_GROUP_GET_STATUS, st));
}

/* Set a group's container; mostly then the IOMMU type as well. */
static long op_gset(void)
{
	int fd = a_gfd(NULL), c = a_cfd();
	long r;

	slot_op(O_GSET, fd, c, 0, 0);
	if (chance(5))		/* a pointer the kernel cannot read */
		return sys_ret(ioctl(fd, VFIO_GROUP_SET_CONTAINER,
				     argp + FZ_ARG_SZ - 2));
	r = sys_ret(ioctl(fd, VFIO_GROUP_SET_CONTAINER, &c));
	if (!r && chance(70)) {
		slot_op(O_SET_IOMMU, c, VFIO_TYPE1v2_IOMMU, 1, 0);
		fz_count(O_SET_IOMMU, sys_ret(ioctl(c, VFIO_SET_IOMMU,
						    VFIO_TYPE1v2_IOMMU)));
	}
	return r;
}

static long op_gunset(void)
{
	int fd = a_gfd(NULL);

	slot_op(O_GUNSET, fd, 0, 0, 0);
	return sys_ret(ioctl(fd, VFIO_GROUP_UNSET_CONTAINER));
}

static long op_gdev(void)
{
	int s, fd = a_gfd(&s), t = s >= 0 ? gfd[s].t : -1, u = rnd(ntg);
	char *name = arg_buf(256);
	long r;

	switch (rnd(10)) {
	case 0:
		break;		/* "" */
	case 1:		/* no NUL before the guard page */
		name = (char *)argp + FZ_ARG_SZ - PG;
		memset(name, 'a', PG);
		break;
	case 2:
		snprintf(name, 256, "%s vf_token=%08x-0000-4000-8000-000000000000",
			 tg[u].bdf, (uint32_t)rnd64());
		break;
	case 3:
		snprintf(name, 256, "%s", tg[u].uuid);
		break;
	case 4:
		snprintf(name, 256, "%s", tg[u].bdf);
		break;
	case 5:
		rnd_fill(name, 64);
		break;
	default:	/* the right name of this group's device */
		if (t >= 0 && tg[t].name)
			snprintf(name, 256, "%s", tg[t].name);
		else if (tg[u].name)
			snprintf(name, 256, "%s", tg[u].name);
	}
	slot_op(O_GDEV, fd, t, 0, 0);
	r = sys_ret(ioctl(fd, VFIO_GROUP_GET_DEVICE_FD, name));
	if (r >= 0) {
		put_fd(dfd, ND, (int)r, t);
		r = 0;
	}
	return r;
}

static long op_gopen(void)
{
	char path[64];
	int t = rnd(ntg), g = chance(80) && tg[t].kind ? tg[t].group :
			      (int)rnd(24), fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", g);
	slot_op(O_GOPEN, g, 0, 0, 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	put_fd(gfd, NGR, fd, g == tg[t].group ? t : -1);
	return 0;
}

/* ---- device operations ----------------------------------------------- */

static long op_dinfo(void)
{
	int fd = a_dfd(NULL);
	uint32_t argsz = a_argsz(sizeof(struct vfio_device_info));
	struct vfio_device_info *in = arg_buf(argsz > 256 ? 256 : argsz + 8);

	in->argsz = argsz;
	slot_op(O_DINFO, fd, argsz, 0, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_GET_INFO, in));
}

static long op_rinfo(void)
{
	int fd = a_dfd(NULL);
	uint32_t argsz = a_argsz(chance(50) ?
				 sizeof(struct vfio_region_info) : 512);
	struct vfio_region_info *ri = arg_buf(argsz > 1024 ? 1024 : argsz + 16);

	ri->argsz = argsz;
	ri->index = chance(90) ? rnd(10) : (uint32_t)rnd64();
	slot_op(O_RINFO, fd, ri->index, argsz, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri));
}

static long op_iinfo(void)
{
	int fd = a_dfd(NULL);
	uint32_t argsz = a_argsz(sizeof(struct vfio_irq_info));
	struct vfio_irq_info *ii = arg_buf(argsz > 256 ? 256 : argsz + 16);

	ii->argsz = argsz;
	ii->index = chance(90) ? rnd(6) : (uint32_t)rnd64();
	slot_op(O_IINFO, fd, ii->index, argsz, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, ii));
}

/* an eventfd of ours (80 %), -1, or a hostile fd */
static int32_t a_efd(void)
{
	int i = pick_int(efd, NE);

	if (i >= 0 && chance(80))
		return efd[i];
	return chance(50) ? -1 : hostile_fd();
}

static long op_irqs(void)
{
	static const uint32_t act[] = {
		VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_ACTION_TRIGGER,
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
	};
	static const uint32_t dat[] = {
		VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_EVENTFD,
		VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
	};
	static const uint32_t counts[] = { 0, 1, 1, 1, 2, 8, 0xffffffffu };
	struct vfio_irq_set *s;
	uint32_t flags, count, i, esz, argsz;
	int fd = a_dfd(NULL);

	flags = act[rnd(4)] | dat[rnd(4)];
	if (chance(5))
		flags = (uint32_t)rnd64();
	else if (chance(5))
		flags |= act[rnd(4)] | dat[rnd(4)];
	count = chance(90) ? counts[rnd(sizeof(counts) / sizeof(counts[0]))] :
			     (uint32_t)rnd64();
	esz = (flags & VFIO_IRQ_SET_DATA_EVENTFD) ? 4 :
	      (flags & VFIO_IRQ_SET_DATA_BOOL) ? 1 : 0;
	argsz = sizeof(*s) + (count < 64 ? count * esz : 64 * esz);
	if (chance(10))
		argsz = a_argsz(argsz);
	s = arg_buf(sizeof(*s) + 64 * 4);
	s->argsz = argsz;
	s->flags = flags;
	/* INTx, MSI, MSI-X, ERR, REQ and beyond */
	s->index = chance(90) ? rnd(6) : (uint32_t)rnd64();
	s->start = chance(80) ? 0 : chance(50) ? 1 : (uint32_t)rnd64();
	s->count = count;
	for (i = 0; i < 64; i++) {
		if (esz == 4)
			((int32_t *)s->data)[i] = a_efd();
		else
			s->data[i] = chance(80) ? rnd(2) : (uint8_t)rnd64();
	}
	slot_op(O_IRQS, fd, s->index, flags, count);
	return sys_ret(ioctl(fd, VFIO_DEVICE_SET_IRQS, s));
}

static long op_reset(void)
{
	int fd = a_dfd(NULL);

	slot_op(O_RESET, fd, 0, 0, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_RESET));
}

static long op_hrinfo(void)
{
	int fd = a_dfd(NULL);
	uint32_t argsz = a_argsz(chance(50) ?
				 sizeof(struct vfio_pci_hot_reset_info) : 512);
	struct vfio_pci_hot_reset_info *hi = arg_buf(argsz > 1024 ? 1024 :
						     argsz + 16);

	hi->argsz = argsz;
	slot_op(O_HRINFO, fd, argsz, 0, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hi));
}

static long op_hreset(void)
{
	static const uint32_t counts[] = { 0, 1, 1, 2, 3, 6, 0xffffffffu };
	struct vfio_pci_hot_reset *hr;
	uint32_t count = counts[rnd(sizeof(counts) / sizeof(counts[0]))], i;
	int fd = a_dfd(NULL);

	hr = arg_buf(sizeof(*hr) + 16 * 4);
	hr->argsz = sizeof(*hr) + (count <= 16 ? count : 16) * 4;
	if (chance(10))
		hr->argsz = a_argsz(hr->argsz);
	hr->flags = chance(90) ? 0 : (uint32_t)rnd64();
	hr->count = count;
	for (i = 0; i < 16; i++) {
		int g = pick_fd(gfd, NGR);

		hr->group_fds[i] = g >= 0 && chance(60) ? gfd[g].fd :
							  hostile_fd();
	}
	slot_op(O_HRESET, fd, count, 0, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_PCI_HOT_RESET, hr));
}

static long op_ioeventfd(void)
{
	static const uint32_t sizes[] = {
		VFIO_DEVICE_IOEVENTFD_8, VFIO_DEVICE_IOEVENTFD_16,
		VFIO_DEVICE_IOEVENTFD_32, VFIO_DEVICE_IOEVENTFD_64,
	};
	struct vfio_device_ioeventfd *ie = arg_buf(sizeof(*ie));
	int fd = a_dfd(NULL), k = rnd(4);
	uint64_t len = 1ULL << k, off;

	ie->argsz = a_argsz(sizeof(*ie));
	ie->flags = chance(92) ? sizes[k] : (uint32_t)rnd64();
	off = bar0_write_off(8);	/* whatever size the flags say */
	/* BAR0 is region 0; now and then another region, never BAR0's DMA */
	if (chance(10))
		off |= FZ_REGION(1 + rnd(9));
	ie->offset = off & ~(len - 1);
	if (!(ie->offset >> 40) && !bar0_write_ok(ie->offset, 8))
		ie->offset = 0x100;
	ie->data = rnd64();
	ie->fd = a_efd();
	slot_op(O_IOEVENTFD, fd, ie->offset, ie->flags, ie->fd);
	return sys_ret(ioctl(fd, VFIO_DEVICE_IOEVENTFD, ie));
}

static long op_kick(void)
{
	uint64_t v = 1;
	int i = pick_int(efd, NE), fd;

	if (i < 0 || chance(10)) {
		slot_op(O_KICK, 0, 0, 0, 0);
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			return -errno;
		put_int(efd, NE, fd);
		return 0;
	}
	slot_op(O_KICK, efd[i], 0, 0, 0);
	if (chance(30))
		return read(efd[i], &v, sizeof(v)) < 0 ? -errno : 0;
	return write(efd[i], &v, sizeof(v)) < 0 ? -errno : 0;
}

static long op_feature(void)
{
	struct vfio_device_feature *f;
	uint32_t flags, argsz;
	int fd = a_dfd(NULL);

	/* PCI_VF_TOKEN, migration, low power entry/exit, DMA logging, ... */
	flags = chance(90) ? rnd(10) : (uint32_t)rnd64() & 0xffff;
	switch (rnd(6)) {
	case 0:
		flags |= VFIO_DEVICE_FEATURE_GET;
		break;
	case 1:
		flags |= VFIO_DEVICE_FEATURE_PROBE | (chance(50) ?
			VFIO_DEVICE_FEATURE_SET : VFIO_DEVICE_FEATURE_GET);
		break;
	case 2:
		flags = (uint32_t)rnd64();
		break;
	default:
		flags |= VFIO_DEVICE_FEATURE_SET;
	}
	argsz = sizeof(*f) + (chance(50) ? 8 : chance(50) ? 16 : rnd(64));
	if (chance(10))
		argsz = a_argsz(argsz);
	f = arg_buf(256);
	f->argsz = argsz;
	f->flags = flags;
	rnd_fill(f->data, 64);
	/* LOW_POWER_ENTRY_WITH_WAKEUP takes an eventfd */
	if (chance(70))
		((int32_t *)f->data)[0] = a_efd();
	slot_op(O_FEATURE, fd, flags, argsz, 0);
	return sys_ret(ioctl(fd, VFIO_DEVICE_FEATURE, f));
}

/* A region offset and length for pread/pwrite. */
static void a_region(int write, uint64_t *pos, uint64_t *len)
{
	static const uint64_t lens[] = { 1, 2, 4, 4, 4, 8, 3, 16, 64, 256,
					 4096 };
	int k = rnd(10);

	*len = chance(95) ? lens[rnd(sizeof(lens) / sizeof(lens[0]))] :
			    rnd(8192);
	if (k < 4) {			/* BAR0 */
		*pos = write ? bar0_write_off(*len) :
			       chance(80) ? rnd(0x200) : rnd(FZ_BAR0_SZ + PG);
	} else if (k < 8) {		/* config space */
		*pos = FZ_REGION(FZ_CFG_INDEX) + (chance(90) ? rnd(256) :
						 rnd(4096 + 8));
	} else {			/* other regions, random places */
		*pos = FZ_REGION(chance(80) ? rnd(10) : rnd(0x1000000)) +
		       (chance(50) ? rnd(0x200) : rnd64() & 0xffffffffffULL);
		if (write && !(*pos >> 40) && !bar0_write_ok(*pos, *len))
			*pos = 0x100;
	}
}

static long op_read(void)
{
	uint64_t pos, len;
	int fd = a_dfd(NULL);
	uint8_t *b = arg_buf(8192);

	a_region(0, &pos, &len);
	if (len > 8192)
		len = 8192;
	slot_op(O_READ, fd, pos, len, 0);
	return sys_ret(pread(fd, b, len, (off_t)pos));
}

static long op_write(void)
{
	uint64_t pos, len;
	int fd = a_dfd(NULL);
	uint8_t *b = arg_buf(8192);

	a_region(1, &pos, &len);
	if (len > 8192)
		len = 8192;
	rnd_fill(b, len);
	slot_op(O_WRITE, fd, pos, len, 0);
	return sys_ret(pwrite(fd, b, len, (off_t)pos));
}

static long op_mmap(void)
{
	static const uint64_t pages[] = { 1, 1, 2, 16, 256, 257, 512 };
	int fd = a_dfd(NULL), i, prot, flags, index;
	uint64_t off, len;
	void *p;

	index = chance(90) ? 0 : rnd(10);
	off = chance(70) ? 0 : chance(70) ? rnd(256) * PG : rnd64() & 0xffffff000ULL;
	if (chance(3))
		off += 1 + rnd(PG - 1);
	len = pages[rnd(sizeof(pages) / sizeof(pages[0]))] * PG;
	prot = chance(85) ? PROT_READ | PROT_WRITE :
	       chance(50) ? PROT_READ : PROT_NONE;
	flags = chance(92) ? MAP_SHARED : MAP_PRIVATE;
	slot_op(O_MMAP, fd, FZ_REGION(index) + off, len, prot);
	p = mmap(NULL, len, prot, flags, fd, (off_t)(FZ_REGION(index) + off));
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < NMM && mm[i].p; i++)
		;
	if (i == NMM) {
		i = rnd(NMM);
		munmap(mm[i].p, mm[i].len);
	}
	mm[i].p = p;
	mm[i].len = len;
	mm[i].index = index;
	mm[i].off = off;
	mm[i].prot = prot;
	return 0;
}

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_touch;

static void on_sigbus(int sig)
{
	if (in_touch)
		siglongjmp(bus_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static long op_touch(void)
{
	int i = rnd(NMM), write;
	uint64_t o, bar;
	volatile uint32_t *p;
	uint32_t v = (uint32_t)rnd64();

	if (!mm[i].p)
		return op_mmap();	/* nothing mapped there: map */
	o = rnd(mm[i].len / 4) * 4;
	bar = mm[i].off + o;
	write = chance(40) && (mm[i].prot & PROT_WRITE) &&
		(mm[i].index || bar0_write_ok(bar, 4));
	if (!write && !(mm[i].prot & PROT_READ))
		return -EACCES;	/* would be SIGSEGV */
	p = (volatile uint32_t *)(mm[i].p + o);
	slot_op(O_TOUCH, (uintptr_t)p, bar, write, 0);
	if (sigsetjmp(bus_jmp, 1)) {
		in_touch = 0;
		return -FZ_SIGBUS;
	}
	in_touch = 1;
	if (write)
		*p = v;
	else
		v = *p;
	in_touch = 0;
	return 0;
}

static long op_munmap(void)
{
	int i = rnd(NMM);
	long r;

	if (!mm[i].p)
		return 0;
	slot_op(O_MUNMAP, (uintptr_t)mm[i].p, mm[i].len, 0, 0);
	/* now and then only its first page: the rest stays until exit */
	r = sys_ret(munmap(mm[i].p, chance(80) ? mm[i].len : PG));
	mm[i].p = NULL;
	return r;
}

/*
 * One DMA through the edu device of a device fd, programmed through
 * pwrite: source and destination in [0x40000, 0x40800), count in
 * [1, 0x7ff], so that whatever another process wrote in between, edu's
 * range check passes (see the top of the file).  The RAM side is IOVA
 * 0x40000-0x40fff.
 */
static long op_dma(void)
{
	uint32_t src = FZ_EDU_WIN + rnd(FZ_EDU_HALF),
		 dst = FZ_EDU_WIN + rnd(FZ_EDU_HALF),
		 cnt = 1 + rnd(FZ_EDU_HALF - 1),
		 cmd = EDU_DMA_START | (chance(50) ? EDU_DMA_TO_RAM : 0);
	int fd = a_dfd(NULL);

	slot_op(O_DMA, fd, src, dst, cnt);
	if (pwrite(fd, &src, 4, EDU_DMA_SRC) != 4 ||
	    pwrite(fd, &dst, 4, EDU_DMA_DST) != 4 ||
	    pwrite(fd, &cnt, 4, EDU_DMA_CNT) != 4)
		return errno ? -errno : -EIO;
	/* every register written: now it may start */
	if (pwrite(fd, &cmd, 4, EDU_DMA_CMD) != 4)
		return errno ? -errno : -EIO;
	__atomic_add_fetch(&sh->dma_started, 1, __ATOMIC_RELAXED);
	return 0;
}

/* ---- memory and files ------------------------------------------------ */

/* A buffer of FZ_BUF_SZ with a PROT_NONE page after it, at @hint. */
static uint8_t *buf_alloc(void *hint, int fixed)
{
	uint8_t *p = mmap(hint, FZ_BUF_SZ + PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0),
			  -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + FZ_BUF_SZ, PG, PROT_NONE);
	rnd_fill(p, 64);
	memset(p + 64, 0x5a, FZ_BUF_SZ - 64);
	return p;
}

/*
 * A child that shares everything maps its own memory into a container and
 * exits at once (now and then it unmaps something first): the mapping
 * stays with the pages of an mm that is gone.
 */
static long op_forkmap(void)
{
	int c = a_cfd(), status, slot = 2 + FZ_NPROC + (my_slot - 2);
	uint64_t iova = a_iova(), size = (1 + rnd(4)) * PG,
		 seed = rnd64();
	pid_t pid;

	slot_op(O_FORKMAP, c, iova, size, 0);
	__atomic_add_fetch(&sh->forks, 1, __ATOMIC_RELAXED);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		uint8_t *p;
		int r;

		rs = seed;
		slot_take(slot, R_CHILD, epoch_no);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(ENOMEM);
		memset(p, 0xc5, size);
		slot_op(O_FORKMAP, c, iova, size, 1);
		r = vt_map(c, p, iova, size);
		if (chance(20))
			vt_unmap(c, a_iova(), a_size(), 0, NULL);
		sh->slot[slot].op = -1;
		__atomic_store_n(&sh->slot[slot].pid, 0, __ATOMIC_RELEASE);
		_exit(-r);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status)) {
		fz_child_fail("epoch %d: a mapping child died by signal %d",
			      epoch_no, WIFSIGNALED(status) ?
			      WTERMSIG(status) : -1);
		return -EINTR;
	}
	if (!WEXITSTATUS(status))
		rec_add(iova, size);
	return -WEXITSTATUS(status);
}

static long op_buf_munmap(void)
{
	int i = rnd(NB), fixed = chance(50);
	uint8_t *old = buf[i];

	if (!old)
		return 0;
	slot_op(O_BUF_MUNMAP, (uintptr_t)old, fixed, 0, 0);
	/* pages that may be DMA-mapped go; new ones (maybe at once there) */
	if (!fixed && munmap(old, FZ_BUF_SZ + PG))
		return -errno;
	buf[i] = buf_alloc(old, fixed);
	return buf[i] ? 0 : -ENOMEM;
}

static long op_buf_madv(void)
{
	int i = rnd(NB), k = rnd(4);
	uint64_t off = rnd(FZ_BUF_PAGES) * PG, len;
	long r;

	if (!buf[i])
		return 0;
	len = (1 + rnd(FZ_BUF_PAGES - off / PG)) * PG;
	slot_op(O_BUF_MADV, (uintptr_t)buf[i] + off, len, k, 0);
	switch (k) {
	case 0:
	case 1:
		r = sys_ret(madvise(buf[i] + off, len, MADV_DONTNEED));
		/* no madvise (the debug kernel): new pages over the range */
		if (r == -ENOSYS &&
		    mmap(buf[i] + off, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    MAP_FAILED)
			r = 0;
		break;
	case 2:		/* read-only for a moment: a map needing write fails */
		r = sys_ret(mprotect(buf[i] + off, len, PROT_READ));
		if (!r && chance(70))
			r = sys_ret(mprotect(buf[i] + off, len,
					     PROT_READ | PROT_WRITE));
		return r;
	default:
		r = sys_ret(madvise(buf[i] + off, len, MADV_FREE));
	}
	/* touch it again (if writable): fresh pages under the pinned ones */
	if (!r && chance(50) && !mprotect(buf[i] + off, len,
					  PROT_READ | PROT_WRITE))
		memset(buf[i] + off, 0x3c, len);
	return r;
}

static long op_close(void)
{
	int i;

	switch (rnd(4)) {
	case 0:
		i = pick_int(cfd, NC);
		if (i == 0 && chance(90))
			i = -1;		/* keep the main container mostly */
		slot_op(O_CLOSE, 0, i, 0, 0);
		if (i < 0)
			return 0;
		close(cfd[i]);
		cfd[i] = -1;
		return 0;
	case 1:
		i = pick_fd(gfd, NGR);
		slot_op(O_CLOSE, 1, i, 0, 0);
		if (i < 0)
			return 0;
		close(gfd[i].fd);
		gfd[i].fd = -1;
		return 0;
	case 2:
		i = pick_fd(dfd, ND);
		slot_op(O_CLOSE, 2, i, 0, 0);
		if (i < 0)
			return 0;
		close(dfd[i].fd);
		dfd[i].fd = -1;
		return 0;
	default:
		i = pick_int(efd, NE);
		slot_op(O_CLOSE, 3, i, 0, 0);
		if (i < 0)
			return 0;
		close(efd[i]);
		efd[i] = -1;
		return 0;
	}
}

/* Another descriptor of the same file. */
static long op_dup(void)
{
	int i, fd;

	switch (rnd(3)) {
	case 0:
		i = pick_int(cfd, NC);
		if (i < 0)
			return 0;
		slot_op(O_DUP, cfd[i], 0, 0, 0);
		fd = dup(cfd[i]);
		if (fd < 0)
			return -errno;
		put_int(cfd, NC, fd);
		return 0;
	case 1:
		i = pick_fd(gfd, NGR);
		if (i < 0)
			return 0;
		slot_op(O_DUP, gfd[i].fd, 1, 0, 0);
		fd = dup(gfd[i].fd);
		if (fd < 0)
			return -errno;
		put_fd(gfd, NGR, fd, gfd[i].t);
		return 0;
	default:
		i = pick_fd(dfd, ND);
		if (i < 0)
			return 0;
		slot_op(O_DUP, dfd[i].fd, 2, 0, 0);
		fd = dup(dfd[i].fd);
		if (fd < 0)
			return -errno;
		put_fd(dfd, ND, fd, dfd[i].t);
		return 0;
	}
}

static long (*const op_fn[O_FUZZ_NR])(void) = {
	[O_API] = op_api, [O_EXT] = op_ext, [O_SET_IOMMU] = op_set_iommu,
	[O_INFO] = op_info, [O_MAP] = op_map, [O_UNMAP] = op_unmap,
	[O_DIRTY] = op_dirty, [O_COPEN] = op_copen, [O_DOMSEQ] = op_domseq,
	[O_GSTATUS] = op_gstatus, [O_GSET] = op_gset, [O_GUNSET] = op_gunset,
	[O_GDEV] = op_gdev, [O_GOPEN] = op_gopen, [O_DINFO] = op_dinfo,
	[O_RINFO] = op_rinfo, [O_IINFO] = op_iinfo, [O_IRQS] = op_irqs,
	[O_RESET] = op_reset, [O_HRINFO] = op_hrinfo,
	[O_HRESET] = op_hreset, [O_IOEVENTFD] = op_ioeventfd,
	[O_KICK] = op_kick, [O_FEATURE] = op_feature, [O_READ] = op_read,
	[O_WRITE] = op_write, [O_MMAP] = op_mmap, [O_TOUCH] = op_touch,
	[O_MUNMAP] = op_munmap, [O_DMA] = op_dma, [O_FORKMAP] = op_forkmap,
	[O_BUF_MUNMAP] = op_buf_munmap, [O_BUF_MADV] = op_buf_madv,
	[O_CLOSE] = op_close, [O_DUP] = op_dup,
};

/*
 * With vfio_iommu_type1 loaded, the domain-set changes are left out: type1
 * serves the containers ours refuses, and moving groups between
 * containers makes the stock core's container use-after-free
 * (docs/upstream/) likely enough to end runs in it; the other operations
 * then run exactly as before the operation was added.
 */
static int fz_type1;

static int op_weight(int i)
{
	return i == O_DOMSEQ && fz_type1 ? 0 : fz_ops[i].weight;
}

static int pick_op(void)
{
	static int total;
	int i, w;

	if (!total)
		for (i = 0; i < O_FUZZ_NR; i++)
			total += op_weight(i);
	w = rnd(total);
	for (i = 0; i < O_FUZZ_NR; i++) {
		w -= op_weight(i);
		if (w < 0)
			return i;
	}
	return O_MAP;
}

/* ---- worker ---------------------------------------------------------- */

static void worker_main(uint64_t seed, int idx)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int64_t end = epoch_end < sh->deadline ? epoch_end : sh->deadline;
	int i, op;

	fz_seed(seed, 3, ((uint64_t)epoch_no << 8) | idx);
	slot_take(2 + idx, R_WORKER, epoch_no);
	sigaction(SIGBUS, &sa, NULL);
	argp = mmap(NULL, FZ_ARG_SZ + PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (argp == MAP_FAILED) {
		fz_child_fail("worker %d: no memory", idx);
		_exit(3);
	}
	mprotect(argp + FZ_ARG_SZ, PG, PROT_NONE);
	ro_buf = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_buf == MAP_FAILED)
		ro_buf = NULL;
	for (i = 0; i < NB; i++)
		buf[i] = buf_alloc(NULL, 0);
	for (i = 0; i < 2; i++) {
		int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (fd >= 0)
			put_int(efd, NE, fd);
	}
	while (now_ns() < end) {
		op = pick_op();
		fz_count(op, op_fn[op]());
	}
	__atomic_store_n(&sh->slot[my_slot].pid, 0, __ATOMIC_RELEASE);
	_exit(0);
}

/* ---- supervisor ------------------------------------------------------ */

/* How target t is bound now: kind, group, device name. */
static void target_look(struct fz_target *t)
{
	char drv[64], path[128];

	t->kind = K_NONE;
	t->group = -1;
	t->pgroup = vt_pci_group(t->bdf);
	t->name = NULL;
	if (vt_pci_driver(t->bdf, drv, sizeof(drv)))
		return;
	if (!strcmp(drv, "vfio-pci")) {
		t->group = vt_pci_group(t->bdf);
		t->kind = t->group >= 0 ? K_PCI : K_NONE;
		t->name = t->bdf;
	} else if (!strcmp(drv, "vfio-mdev-pci")) {
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s",
			 t->uuid);
		if (access(path, F_OK))
			return;
		t->group = vt_mdev_group(t->uuid);
		t->kind = t->group >= 0 ? K_MDEV : K_NONE;
		t->name = t->uuid;
	}
}

static uint8_t *sup_buf;

/* Open what the workers of this epoch inherit. */
static void epoch_setup(void)
{
	int order[FZ_MAXT], i, j, k, nc, fd, c, set[NC] = { 0 };
	/* as QEMU: the IOMMU set once the first group is in */
	int qemu = chance(60);

	tables_clear();
	for (i = 0; i < ntg; i++) {
		target_look(&tg[i]);
		order[i] = i;
	}
	for (i = ntg - 1; i > 0; i--) {
		j = rnd(i + 1);
		k = order[i];
		order[i] = order[j];
		order[j] = k;
	}
	nc = 1 + rnd(3);
	for (i = 0; i < nc; i++) {
		fd = vt_container_open();
		if (fd >= 0)
			cfd[i] = fd;
	}
	for (k = 0; k < ntg; k++) {
		struct fz_target *t = &tg[order[k]];

		if (t->kind == K_NONE)
			continue;
		/* two vfio-pci targets of one IOMMU group: one group file */
		for (j = 0; j < NGR; j++)
			if (gfd[j].fd >= 0 && tg[gfd[j].t].group == t->group)
				break;
		if (j < NGR)
			continue;
		fd = vt_group_open(t->group);
		if (fd < 0)
			continue;
		put_fd(gfd, NGR, fd, order[k]);
		c = chance(75) ? 0 : rnd(nc);
		if (chance(92) && cfd[c] >= 0) {
			fz_trace("group %d (%s) into container %d", t->group,
				 t->name, c);
			if (fz_count(S_GSET, vt_group_set_container(fd, cfd[c])))
				continue;
			if (qemu && !set[c]) {
				fz_trace("set_iommu on container %d", c);
				set[c] = !fz_count(S_IOMMU,
						   vt_set_iommu(cfd[c],
								VFIO_TYPE1v2_IOMMU));
			}
		}
	}
	for (i = 0; i < nc; i++)
		if (cfd[i] >= 0 && !set[i] && chance(92)) {
			fz_trace("set_iommu on container %d", i);
			fz_count(S_IOMMU, vt_set_iommu(cfd[i], chance(85) ?
						       VFIO_TYPE1v2_IOMMU :
						       VFIO_TYPE1_IOMMU));
		}
	for (k = 0; k < ntg; k++) {
		struct fz_target *t = &tg[order[k]];

		if (t->kind == K_NONE || chance(8))
			continue;
		for (j = 0; j < NGR; j++)
			if (gfd[j].fd >= 0 && tg[gfd[j].t].group == t->group)
				break;
		if (j == NGR)
			continue;
		fz_trace("get_device_fd %s", t->name);
		fd = fz_count(S_GDEV, vt_device_open(gfd[j].fd, t->name));
		if (fd >= 0)
			put_fd(dfd, ND, fd, order[k]);
	}
	for (i = 0; i < 2; i++) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd >= 0)
			put_int(efd, NE, fd);
	}
	/* a mapping of the supervisor's memory, which it may drop later */
	if (cfd[0] >= 0 && chance(60)) {
		if (!sup_buf)
			sup_buf = vt_alloc(FZ_BUF_SZ);
		if (sup_buf)
			vt_map(cfd[0], sup_buf, FZ_EDU_WIN + PG * rnd(4),
			       PG * (1 + rnd(4)));
	}
}

static void supervisor_main(uint64_t seed, int nproc)
{
	pid_t pid[FZ_NPROC];
	int i, status;
	pid_t w;

	fz_seed(seed, 1, 0);
	slot_take(0, R_SUPERVISOR, 0);
	while (now_ns() < sh->deadline) {
		epoch_no++;
		slot_op(-2, epoch_no, 0, 0, 0);
		epoch_setup();
		epoch_end = now_ns() + (300 + rnd(1700)) * 1000000LL;
		__atomic_add_fetch(&sh->epochs, 1, __ATOMIC_RELAXED);
		for (i = 0; i < nproc; i++) {
			pid[i] = fork();
			if (!pid[i])
				worker_main(seed, i);
			if (pid[i] < 0)
				fz_child_fail("epoch %d: fork: %s", epoch_no,
					      strerror(errno));
		}
		__atomic_add_fetch(&sh->forks, nproc, __ATOMIC_RELAXED);
		/* only the workers hold the files now */
		close_all();
		if (sup_buf && chance(30)) {
			/* memory that may be DMA-mapped goes away */
			vt_free(sup_buf, FZ_BUF_SZ);
			sup_buf = NULL;
		}
		slot_op(-3, epoch_no, 0, 0, 0);
		for (i = 0; i < nproc; i++) {
			if (pid[i] <= 0)
				continue;
			status = 0;
			do
				w = waitpid(pid[i], &status, 0);
			while (w < 0 && errno == EINTR);
			if (w == pid[i] &&
			    (!WIFEXITED(status) || WEXITSTATUS(status)))
				fz_child_fail("epoch %d: worker %d (pid %d) %s %d (op %d)",
					      epoch_no, i, pid[i],
					      WIFSIGNALED(status) ?
					      "killed by signal" : "exit",
					      WIFSIGNALED(status) ?
					      WTERMSIG(status) :
					      WEXITSTATUS(status),
					      sh->slot[2 + i].op);
		}
		sh->slot[0].op = -1;
	}
	__atomic_store_n(&sh->slot[0].pid, 0, __ATOMIC_RELEASE);
	_exit(0);
}

/* ---- agent ----------------------------------------------------------- */

static long ag_write(int op, const char *path, const char *val)
{
	fz_trace("%s: %s > %s", fz_ops[op].name, val, path);
	slot_op(op, 0, 0, 0, 0);
	return fz_count(op, vt_sysfs_write(path, val));
}

static int pci_present(const char *bdf)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return !access(path, F_OK);
}

static int mdev_present(const char *uuid)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	return !access(path, F_OK);
}

static void ag_mdev_create(struct fz_target *t)
{
	char path[512];

	snprintf(path, sizeof(path),
		 "/sys/class/mdev_bus/%s/mdev_supported_types/%s/create",
		 t->bdf, VT_MDEV_TYPE);
	ag_write(A_MDEV_CREATE, path, t->uuid);
}

/* Bind t to a driver: mostly (60 %) its home one; create its mdev. */
static void ag_bind(struct fz_target *t, int home_mdev)
{
	const char *drv;
	char path[512];
	int k = rnd(100);

	if (k < 5)
		return;		/* left unbound */
	drv = (k < 65) == home_mdev ? "vfio-mdev-pci" : "vfio-pci";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 t->bdf);
	if (vt_sysfs_write(path, drv))
		return;
	if (chance(80)) {
		ag_write(A_BIND, "/sys/bus/pci/drivers_probe", t->bdf);
	} else {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind",
			 drv);
		ag_write(A_BIND, path, t->bdf);
	}
	if (!strcmp(drv, "vfio-mdev-pci") && chance(85))
		ag_mdev_create(t);
}

/* Is the device alone in its IOMMU group? */
static int alone(const char *bdf)
{
	return vt_group_ndevs(vt_pci_group(bdf)) == 1;
}

static void agent_main(uint64_t seed)
{
	char path[512];
	int i;

	const char *e = getenv("FUZZ_REMOVE_SHARED");
	int remove_shared = e && atoi(e);

	fz_seed(seed, 2, 0);
	slot_take(1, R_AGENT, 0);
	while (now_ns() < sh->deadline) {
		int ti = rnd(ntg), k = rnd(100), home_mdev;
		struct fz_target *t;
		char drv[64] = "";

		/* a removal goes to the first target alone in its group */
		for (i = 0; k >= 80 && !remove_shared && i < ntg; i++)
			if (alone(tg[i].bdf)) {
				ti = i;
				break;
			}
		t = &tg[ti];
		home_mdev = ti > 0;

		usleep(rnd(300) * 1000);
		if (now_ns() >= sh->deadline)
			break;
		if (!pci_present(t->bdf)) {
			ag_write(A_RESCAN, "/sys/bus/pci/rescan", "1");
			continue;
		}
		vt_pci_driver(t->bdf, drv, sizeof(drv));
		if (k < 45) {
			/* the mdev goes (waits while open) and comes back */
			if (strcmp(drv, "vfio-mdev-pci")) {
				ag_bind(t, home_mdev);
				continue;
			}
			if (mdev_present(t->uuid)) {
				snprintf(path, sizeof(path),
					 "/sys/bus/mdev/devices/%s/remove",
					 t->uuid);
				if (ag_write(A_MDEV_REMOVE, path, "1") == 0)
					__atomic_add_fetch(&sh->mdev_cycles, 1,
							   __ATOMIC_RELAXED);
			}
			if (chance(90))
				ag_mdev_create(t);
		} else if (k < 80 || (!remove_shared && !alone(t->bdf))) {
			/* unbind (waits while open), bind again */
			if (drv[0]) {
				snprintf(path, sizeof(path),
					 "/sys/bus/pci/devices/%s/driver/unbind",
					 t->bdf);
				if (ag_write(A_UNBIND, path, t->bdf) == 0)
					__atomic_add_fetch(&sh->unbinds, 1,
							   __ATOMIC_RELAXED);
			}
			ag_bind(t, home_mdev);
		} else {
			/* off the bus (waits while open), rescan, bind */
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/remove", t->bdf);
			if (ag_write(A_PCI_REMOVE, path, "1") == 0)
				__atomic_add_fetch(&sh->removes, 1,
						   __ATOMIC_RELAXED);
			usleep(rnd(200) * 1000);
			ag_write(A_RESCAN, "/sys/bus/pci/rescan", "1");
			for (i = 0; i < 20 && !pci_present(t->bdf); i++)
				usleep(50000);
			if (pci_present(t->bdf))
				ag_bind(t, home_mdev);
		}
	}
	__atomic_store_n(&sh->slot[1].pid, 0, __ATOMIC_RELEASE);
	_exit(0);
}

/* ---- the runner: checks ---------------------------------------------- */

static const char *errno_name(int e)
{
	static char b[FZ_NERR][24];
	const char *name = e == FZ_SIGBUS ? "SIGBUS" : vt_errno_name(e);

	if (name)
		return name;
	snprintf(b[e], sizeof(b[e]), "errno %d", e);
	return b[e];
}

/* One line per operation: ok and the commonest errnos. */
static void fz_report_ops(void)
{
	char line[512];
	int op, e, n, best, o;
	uint64_t fail, seen[FZ_NERR];

	for (op = 0; op < O_NR; op++) {
		fail = 0;
		for (e = 0; e < FZ_NERR; e++) {
			seen[e] = sh->err[op][e];
			fail += seen[e];
		}
		if (!sh->ok[op] && !fail)
			continue;
		o = snprintf(line, sizeof(line), "  %s: %llu ok, %llu failed",
			     fz_ops[op].name, (unsigned long long)sh->ok[op],
			     (unsigned long long)fail);
		for (n = 0; n < 5 && o < (int)sizeof(line); n++) {
			best = 0;
			for (e = 1; e < FZ_NERR; e++)
				if (seen[e] > seen[best])
					best = e;
			if (!seen[best])
				break;
			o += snprintf(line + o, sizeof(line) - o, "%s %s %llu",
				      n ? "," : " (", errno_name(best),
				      (unsigned long long)seen[best]);
			seen[best] = 0;
		}
		if (n && o < (int)sizeof(line))
			snprintf(line + o, sizeof(line) - o, ")");
		VT_NOTE("%s", line);
	}
}

static const char *op_label(int op)
{
	if (op == -1)
		return "between operations";
	if (op == -2)
		return "setting up an epoch";
	if (op == -3)
		return "waiting for its workers";
	if (op >= 0 && op < O_NR)
		return fz_ops[op].name;
	return "?";
}

/* Every other task in D state (kernel threads too), with its stack. */
static void fz_show_d_tasks(void)
{
	char path[300], stat[512], comm[64];
	struct dirent *e;
	DIR *d = opendir("/proc");

	while (d && (e = readdir(d))) {
		pid_t pid = atoi(e->d_name);
		char *p;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (vt_sysfs_read(path, stat, sizeof(stat)) < 0)
			continue;
		p = strrchr(stat, ')');
		if (!p || p[2] != 'D' ||
		    sscanf(stat, "%*d (%63[^)]", comm) != 1)
			continue;
		VT_NOTE("  task %d (%s) in D state:", pid, comm);
		vt_show_task(pid);
	}
	if (d)
		closedir(d);
}

/* Show every process of ours still registered; returns how many. */
static int fz_show_stuck(void)
{
	int i, n = 0;

	for (i = 0; i < FZ_NSLOT; i++) {
		struct fz_slot *s = &sh->slot[i];
		int pid = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);

		if (!pid || kill(pid, 0))
			continue;
		n++;
		VT_NOTE("FAIL: %s (pid %d, epoch %d) stuck in %s (%#llx %#llx %#llx %#llx) for %.1f s",
			fz_role_name[s->role], pid, s->epoch, op_label(s->op),
			(unsigned long long)s->arg[0],
			(unsigned long long)s->arg[1],
			(unsigned long long)s->arg[2],
			(unsigned long long)s->arg[3],
			s->op == -1 ? 0.0 : (now_ns() - s->since) / (double)NSEC);
		vt_show_task(pid);
	}
	return n;
}

/* No process of ours left, no user task in D state. */
static int fz_no_blocked(void)
{
	char path[300], stat[512], comm[64];
	int tries, bad = 0;
	struct dirent *e;
	DIR *d;

	for (tries = 0; tries < 50; tries++) {
		bad = 0;
		d = opendir("/proc");
		if (!d)
			return 0;
		while ((e = readdir(d))) {
			pid_t pid = atoi(e->d_name);
			char *p, state;
			int kthread;

			if (pid <= 0 || pid == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			if (vt_sysfs_read(path, stat, sizeof(stat)) < 0)
				continue;
			p = strrchr(stat, ')');
			if (!p || sscanf(stat, "%*d (%63[^)]", comm) != 1)
				continue;
			state = p[2];
			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			kthread = vt_sysfs_read(path, stat, sizeof(stat)) <= 0;
			if (!strcmp(comm, "vt") || (!kthread && state == 'D')) {
				if (tries == 49) {
					VT_NOTE("FAIL: task %d (%s) %s, state %c",
						pid, comm, !strcmp(comm, "vt") ?
						"of ours left over" : "blocked",
						state);
					vt_show_task(pid);
				}
				bad++;
			}
		}
		closedir(d);
		if (!bad)
			return 0;
		usleep(100000);
	}
	return 1;
}

/* The device ends on vfio-pci or as an mdev; one DMA round trip. */
static int fz_dma_works(const char *bdf, const char *uuid, uint32_t seed)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	const uint64_t iova = 0x100000;
	const uint32_t len = 2048;
	struct vt_dev d;
	int g, r;

	VT_ASSERT(src && dst, "alloc");
	if (uuid) {
		VT_OK(vt_pci_bind(bdf, "vfio-mdev-pci"));
		VT_OK(vt_mdev_create(bdf, uuid));
		g = vt_mdev_group(uuid);
	} else {
		VT_OK(vt_pci_bind(bdf, "vfio-pci"));
		g = vt_pci_group(bdf);
	}
	VT_ASSERT(g >= 0, "no group for %s", uuid ? uuid : bdf);
	r = vt_dev_open(&d, -1, g, uuid ? uuid : bdf, VFIO_TYPE1v2_IOMMU);
	VT_ASSERT(r == 0, "%s %s does not open: %s", uuid ? "mdev on" : "vfio-pci",
		  bdf, strerror(-r));
	VT_OK(vt_enable_bus_master(&d));
	vt_fill(src, len, seed);
	VT_OK(vt_map(d.cfd, src, iova, PG));
	VT_OK(vt_map(d.cfd, dst, iova + PG, PG));
	VT_OK(edu_roundtrip(&d, iova, iova + PG, len));
	VT_ASSERT(!memcmp(src, dst, len), "%s %s: DMA bytes differ",
		  uuid ? "mdev on" : "vfio-pci", bdf);
	VT_OK(vt_unmap(d.cfd, iova, 2 * PG, 0, NULL));
	vt_dev_close(&d);
	if (uuid)
		VT_OK(vt_mdev_remove(uuid));
	VT_OK(vt_pci_bind(bdf, ""));
	vt_free(src, PG);
	vt_free(dst, PG);
	return 0;
}

/* Every target back on the bus, no mdev of ours, unbound. */
static int fz_restore(void)
{
	int i, j;

	for (i = 0; i < ntg; i++) {
		for (j = 0; j < 50 && !pci_present(tg[i].bdf); j++) {
			if (j % 10 == 0)
				vt_sysfs_write("/sys/bus/pci/rescan", "1");
			usleep(100000);
		}
		VT_ASSERT(pci_present(tg[i].bdf), "%s not back on the bus",
			  tg[i].bdf);
	}
	for (i = 0; i < ntg; i++) {
		if (mdev_present(tg[i].uuid))
			VT_OK(vt_mdev_remove(tg[i].uuid));
		VT_OK(vt_pci_bind(tg[i].bdf, ""));
	}
	return 0;
}

/* Kernel-log reports parse.sh fails a run on (tests/bed/parse.sh). */
static int fz_klog_reports(void)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "general protection fault",
		"Kernel panic", "soft lockup", "hard LOCKUP",
		"blocked for more than", "detected stall", "Call Trace",
		"UBSAN:", "kernel BUG", "refcount_t:", "list_add corruption",
		"list_del corruption", "KASAN:", "possible circular locking",
		"possible recursive locking", "inconsistent lock state",
		"suspicious RCU usage", "DEBUG_LOCKS_WARN_ON",
		"sleeping function called from invalid context",
	};
	size_t i;
	int n = 0, k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = vt_klog_count(bad[i], NULL);
		if (k)
			VT_NOTE("FAIL: kernel log: %d lines with '%s'", k,
				bad[i]);
		n += k;
	}
	return n;
}

static int fz_post(long long pins0)
{
	const char *refcnt = "/sys/module/vfio_iommu_mdev/refcnt";
	long long p = vt_pins(NULL);
	long holders, refs;
	int i;

	if (fz_no_blocked())
		return 1;
	VT_NOTE("no process of ours left, no task blocked");
	VT_OK(pins0);
	for (i = 0; i < 300 && p > pins0; i++) {
		usleep(100000);
		p = vt_pins(NULL);
	}
	VT_ASSERT(p <= pins0,
		  "%lld pages still pinned 30 s after the run, %lld before", p,
		  pins0);
	VT_ASSERT(p == pins0,
		  "%lld pins outstanding, %lld before: more released than acquired",
		  p, pins0);
	VT_NOTE("pins back to %lld (%lld before)", p, pins0);
	if (fz_restore())
		return 1;
	holders = vt_backend_holders();
	VT_OK(holders);
	/* a state is freed an RCU Tasks grace period after close */
	refs = vt_wait_long(refcnt, holders, 30000);
	VT_ASSERT(refs == holders,
		  "vfio_iommu_mdev refcnt %ld, %ld idle: a container leaked",
		  refs, holders);
	for (i = 0; i < ntg; i++) {
		if (fz_dma_works(tg[i].bdf, NULL, 0xf0 + i) ||
		    fz_dma_works(tg[i].bdf, tg[i].uuid, 0xf8 + i))
			return 1;
	}
	VT_NOTE("every device does DMA again, as vfio-pci device and as mdev");
	return 0;
}

/* Wait for the supervisor and the agent until the bound. */
static int fz_reap(pid_t *pid, int n, int64_t bound)
{
	int i, left = n, status, bad = 0;

	while (left && now_ns() < bound) {
		for (i = 0; i < n; i++) {
			if (!pid[i])
				continue;
			if (waitpid(pid[i], &status, WNOHANG) != pid[i])
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				VT_NOTE("FAIL: %s %s %d", i ? "agent" : "supervisor",
					WIFSIGNALED(status) ? "killed by signal" :
					"exit", WIFSIGNALED(status) ?
					WTERMSIG(status) : WEXITSTATUS(status));
				bad = 1;
			}
			pid[i] = 0;
			left--;
		}
		if (left)
			usleep(50000);
	}
	if (!left)
		return bad;
	VT_NOTE("FAIL: not everyone exited %d s after the end", FZ_GRACE);
	fz_show_stuck();
	fz_show_d_tasks();
	for (i = 0; i < FZ_NSLOT; i++)
		if (sh->slot[i].pid)
			kill(sh->slot[i].pid, SIGKILL);
	for (i = 0; i < n; i++)
		if (pid[i])
			kill(pid[i], SIGKILL);
	return 1;
}

/* fuzz.run SEED SECONDS PCI_BDF MDEV_BDF [MDEV2_BDF] */
static int t_run(int argc, char **argv)
{
	uint64_t seed, ok = 0, fail = 0;
	pid_t pid[2];
	long long pins0;
	int secs, i, e, op, bad = 0;

	VT_ASSERT(argc == 5 || argc == 6,
		  "usage: SEED SECONDS PCI_BDF MDEV_BDF [MDEV2_BDF]");
	seed = strtoull(argv[1], NULL, 0);
	fz_tracing = getenv("FUZZ_TRACE") && atoi(getenv("FUZZ_TRACE"));
	fz_type1 = !access("/sys/module/vfio_iommu_type1", F_OK);
	secs = atoi(argv[2]);
	VT_ASSERT(secs > 0, "SECONDS %s", argv[2]);
	ntg = argc - 3;
	for (i = 0; i < ntg; i++) {
		snprintf(tg[i].bdf, sizeof(tg[i].bdf), "%s", argv[3 + i]);
		snprintf(tg[i].uuid, sizeof(tg[i].uuid),
			 "f0220000-0000-4000-8000-00000000000%d", i);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(sh != MAP_FAILED, "mmap shared");
	memset(sh, 0, sizeof(*sh));

	/* left by an earlier run? */
	for (i = 0; i < ntg; i++)
		if (mdev_present(tg[i].uuid))
			vt_mdev_remove(tg[i].uuid);
	pins0 = vt_pins(NULL);
	/* the starting point: one vfio-pci device, the others mdevs */
	VT_OK(vt_pci_bind(tg[0].bdf, "vfio-pci"));
	for (i = 1; i < ntg; i++) {
		VT_OK(vt_pci_bind(tg[i].bdf, "vfio-mdev-pci"));
		VT_OK(vt_mdev_create(tg[i].bdf, tg[i].uuid));
	}
	VT_NOTE("fuzz: seed %llu, %d s, %d processes and an agent, targets %s%s%s%s%s",
		(unsigned long long)seed, secs, FZ_NPROC, tg[0].bdf,
		ntg > 1 ? ", " : "", ntg > 1 ? tg[1].bdf : "",
		ntg > 2 ? ", " : "", ntg > 2 ? tg[2].bdf : "");
	fflush(stdout);

	sh->t0 = now_ns();
	sh->deadline = sh->t0 + secs * NSEC;
	pid[0] = fork();
	if (!pid[0])
		supervisor_main(seed, FZ_NPROC);
	pid[1] = fork();
	if (!pid[1])
		agent_main(seed);
	VT_ASSERT(pid[0] > 0 && pid[1] > 0, "fork");
	if (fz_reap(pid, 2, sh->deadline + FZ_GRACE * NSEC))
		bad = 1;

	for (op = 0; op < O_FUZZ_NR; op++) {
		ok += sh->ok[op];
		for (e = 0; e < FZ_NERR; e++)
			fail += sh->err[op][e];
	}
	VT_NOTE("fuzz: seed %llu, %d s, %d processes, %llu operations (%llu ok, %llu failed), agent: %llu mdev cycles, %llu unbinds, %llu removes",
		(unsigned long long)seed, secs, FZ_NPROC,
		(unsigned long long)(ok + fail), (unsigned long long)ok,
		(unsigned long long)fail,
		(unsigned long long)sh->mdev_cycles,
		(unsigned long long)sh->unbinds,
		(unsigned long long)sh->removes);
	VT_NOTE("fuzz: %llu epochs, %llu processes forked, %llu DMAs started, %.1f s",
		(unsigned long long)sh->epochs, (unsigned long long)sh->forks,
		(unsigned long long)sh->dma_started,
		(now_ns() - sh->t0) / (double)NSEC);
	for (i = 0; i < sh->failed && i < 8; i++)
		VT_NOTE("FAIL: %s", sh->fail[i]);
	if (sh->failed)
		bad = 1;
	if (!bad && fz_post(pins0))
		bad = 1;
	if (fz_klog_reports())
		bad = 1;
	/* last: a failure's reason stays in the first lines of the report */
	fz_report_ops();
	if (bad) {
		VT_NOTE("fuzz: FAILED with seed %llu: replay with make fuzz SEED=%llu SECONDS=%d",
			(unsigned long long)seed, (unsigned long long)seed,
			secs);
		return 1;
	}
	return 0;
}

const struct vt_case fuzz_cases[] = {
	{ "run", t_run, "SEED SECONDS PCI_BDF MDEV_BDF [MDEV2_BDF]" },
	{ NULL, NULL, NULL },
};
