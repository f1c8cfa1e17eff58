// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suite "race": a reproducer for the legacy container race of the VFIO
 * core.  vfio_fops_unl_ioctl() reads the container's backend and its data
 * and calls the backend's ioctl without the container's group_lock, while
 * the last group leaving the container (VFIO_GROUP_UNSET_CONTAINER or the
 * group fd's release) calls the backend's release() under that lock.  A
 * MAP_DMA, UNMAP_DMA or GET_INFO racing with that detach runs on freed
 * backend state (KASAN: use-after-free in vfio_iommu_type1_ioctl).
 *
 * race.container KIND TARGET SECONDS [NPROC]
 *   KIND pci:  TARGET is a BDF, bound to vfio-pci; its IOMMU group is used.
 *   KIND mdev: TARGET is the BDF of a parent, bound to vfio-mdev-pci; one
 *              mdev (RACE_UUID) is created on it and its group used.
 * The parent opens the container and the group, then forks NPROC children
 * (default 3) that share both.  Child 0, the detacher, loops
 * UNSET_CONTAINER (every REOPEN_EVERY-th cycle: close and reopen the group
 * fd instead), SET_CONTAINER, SET_IOMMU.  Children 1..NPROC-1, the mappers,
 * loop MAP_DMA, UNMAP_DMA, GET_INFO, UNMAP_DMA(ALL) on the container, at
 * a lower priority (nice 10) so that the detacher, whose releases open the
 * window, is not starved by them.  All stop after SECONDS; counters come
 * back through shared memory.
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

/* distinct from the UUIDs of suite "mdev" */
#define RACE_UUID	"7ace7ace-0000-4000-8000-000000000001"
#define PG		4096
#define RACE_PAGES	4		/* pages a mapper maps at once */
#define RACE_MAXPROC	16		/* mapper IOVAs stay below 256 MiB */
#define RACE_NERR	256		/* errno histogram; last slot: other */
#define REOPEN_EVERY	64		/* detach by close every 64th cycle */
#define RACE_GRACE	30		/* seconds a child may overrun */
#define NSEC		1000000000LL
#define RACE_MAPPER_NICE 10		/* the detacher gets most of a CPU */

enum race_op {
	OP_MAP,
	OP_UNMAP,
	OP_INFO,
	OP_UNMAP_ALL,
	OP_UNSET,
	OP_REOPEN,
	OP_SET_CONTAINER,
	OP_SET_IOMMU,
	OP_NR,
};

static const char *const op_name[OP_NR] = {
	[OP_MAP] = "map",
	[OP_UNMAP] = "unmap",
	[OP_INFO] = "get_info",
	[OP_UNMAP_ALL] = "unmap_all",
	[OP_UNSET] = "unset",
	[OP_REOPEN] = "close+reopen",
	[OP_SET_CONTAINER] = "set_container",
	[OP_SET_IOMMU] = "set_iommu",
};

/*
 * The errnos a mapper may see; anything else fails the run so that a
 * change of behaviour is noticed:
 * - EINVAL: the container has no backend at that moment (the detacher is
 *   between UNSET_CONTAINER and SET_IOMMU): vfio_fops_unl_ioctl() answers
 *   -EINVAL itself.  A backend that notices its state was released under
 *   the call may answer -EINVAL as well.
 * - ENODEV: a backend that notices its state was released under the call.
 * Nothing else is legitimate: a mapper's IOVA range is its own and it
 * unmaps it every iteration (a failed unmap means the backend instance that
 * held the mapping was released with it), so EEXIST means stale state;
 * root is not limited by RLIMIT_MEMLOCK (no ENOMEM); no device is open so
 * nothing pins (no EBUSY).  Stock type1 racing its own release runs on
 * freed memory and may answer anything: that is the bug.
 * The detacher alone changes the group's container, so every one of its
 * steps must succeed: no errno is allowed there.
 */
static int race_errno_allowed(enum race_op op, int err)
{
	if (op > OP_UNMAP_ALL)
		return 0;
	return err == EINVAL || err == ENODEV;
}

struct race_child {
	uint64_t ok[OP_NR];
	uint64_t err[OP_NR][RACE_NERR];
	uint64_t iters;		/* full loop iterations (detacher: cycles) */
	uint64_t unmapped;	/* bytes UNMAP_DMA of its own range removed */
	int first_op, first_err;	/* detacher: the step that failed */
	int done;		/* set just before a normal _exit */
};

struct race_shared {
	int ready;		/* mappers that closed their group fd */
	int go;			/* 1: start, -1: abort */
	int unmap_all;		/* VFIO_UNMAP_ALL is there */
	int64_t deadline;	/* CLOCK_MONOTONIC ns */
	struct race_child c[RACE_MAXPROC];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static const char *errno_name(int e)
{
	static char buf[RACE_NERR][16];
	const char *name = vt_errno_name(e);

	if (name)
		return name;
	if (e == RACE_NERR - 1)
		return "errno>254";
	snprintf(buf[e], sizeof(buf[e]), "errno %d", e);
	return buf[e];
}

/* Count the result r (0 or -errno) of op; returns r. */
static int race_count(struct race_child *me, enum race_op op, int r)
{
	int e = -r;

	if (!r) {
		me->ok[op]++;
		return 0;
	}
	if (e <= 0 || e >= RACE_NERR)
		e = RACE_NERR - 1;
	me->err[op][e]++;
	return r;
}

static int race_get_info(int cfd)
{
	/* room for the capability chain (IOVA ranges, DMA avail) */
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	return ioctl(cfd, VFIO_IOMMU_GET_INFO, info) ? -errno : 0;
}

/* Mapper @idx: its own buffer (this mm), its own IOVA range. */
static int race_mapper(struct race_shared *sh, int idx, int cfd)
{
	struct race_child *me = &sh->c[idx];
	uint64_t iova = (uint64_t)idx << 24, size = RACE_PAGES * PG, n;
	void *buf = vt_alloc(size);

	if (!buf)
		return 3;
	vt_fill(buf, size, idx);
	while (now_ns() < sh->deadline) {
		race_count(me, OP_MAP, vt_map(cfd, buf, iova, size));
		n = 0;
		if (!race_count(me, OP_UNMAP, vt_unmap(cfd, iova, size, 0, &n)))
			me->unmapped += n;
		race_count(me, OP_INFO, race_get_info(cfd));
		if (sh->unmap_all)
			race_count(me, OP_UNMAP_ALL,
				   vt_unmap(cfd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
					    NULL));
		me->iters++;
	}
	vt_free(buf, size);
	return 0;
}

/*
 * The detacher: the group's only user.  Each cycle makes the backend
 * release its state (the container's last group leaves), then gives the
 * container a group and a fresh backend instance again.  It stops at the
 * first failing step: the state after it is unknown.
 */
static int race_detacher(struct race_shared *sh, int gfd, int cfd, int group)
{
	struct race_child *me = &sh->c[0];
	enum race_op op;
	int r;

	while (now_ns() < sh->deadline) {
		if ((me->iters + 1) % REOPEN_EVERY == 0) {
			/* the last reference: release detaches the container */
			op = OP_REOPEN;
			close(gfd);
			gfd = vt_group_open(group);
			r = gfd < 0 ? gfd : 0;
		} else {
			op = OP_UNSET;
			r = vt_group_unset_container(gfd);
		}
		if (race_count(me, op, r))
			goto fail;
		op = OP_SET_CONTAINER;
		r = vt_group_set_container(gfd, cfd);
		if (race_count(me, op, r))
			goto fail;
		op = OP_SET_IOMMU;
		r = vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU);
		if (race_count(me, op, r))
			goto fail;
		me->iters++;
	}
	return 0;
fail:
	me->first_op = op;
	me->first_err = -r;
	return 0;
}

/* A child's life after fork: wait for the start, run its loop, report. */
static void race_child_main(struct race_shared *sh, int idx, int gfd, int cfd,
			    int group)
{
	int go, rc;

	if (idx) {
		/* only the detacher may hold the group fd */
		close(gfd);
		/*
		 * The window is the detacher's release: the more releases,
		 * the more chances.  Mappers spin on cheap ioctls and would
		 * take two thirds of the CPUs; at nice 10 they still run
		 * whenever the detacher sleeps or another CPU is free.
		 */
		errno = 0;
		if (nice(RACE_MAPPER_NICE) == -1 && errno)
			_exit(5);
		__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	}
	while (!(go = __atomic_load_n(&sh->go, __ATOMIC_ACQUIRE)))
		usleep(1000);
	if (go < 0)
		_exit(4);
	rc = idx ? race_mapper(sh, idx, cfd) :
		   race_detacher(sh, gfd, cfd, group);
	__atomic_store_n(&sh->c[idx].done, 1, __ATOMIC_RELEASE);
	_exit(rc);
}

/* "map 12 ok / 3 EINVAL / 0 ENODEV [/ n EXXX...]" summed over mappers. */
static void race_fmt_op(char *s, size_t len, struct race_shared *sh,
			int nproc, enum race_op op)
{
	uint64_t ok = 0, err[RACE_NERR] = { 0 };
	size_t o;
	int i, e;

	for (i = 0; i < nproc; i++) {
		ok += sh->c[i].ok[op];
		for (e = 0; e < RACE_NERR; e++)
			err[e] += sh->c[i].err[op][e];
	}
	o = snprintf(s, len, "%s %llu ok / %llu EINVAL / %llu ENODEV",
		     op_name[op], (unsigned long long)ok,
		     (unsigned long long)err[EINVAL],
		     (unsigned long long)err[ENODEV]);
	for (e = 1; e < RACE_NERR && o < len; e++)
		if (err[e] && e != EINVAL && e != ENODEV)
			o += snprintf(s + o, len - o, " / %llu %s",
				      (unsigned long long)err[e],
				      errno_name(e));
}

/* Every errno outside the allowed set, one note each; returns how many. */
static int race_bad_errnos(struct race_shared *sh, int nproc)
{
	int i, op, e, bad = 0;

	for (i = 0; i < nproc; i++)
		for (op = 0; op < OP_NR; op++)
			for (e = 1; e < RACE_NERR; e++) {
				if (!sh->c[i].err[op][e] ||
				    race_errno_allowed(op, e))
					continue;
				VT_NOTE("FAIL: child %d %s: %llu x %s", i,
					op_name[op],
					(unsigned long long)sh->c[i].err[op][e],
					errno_name(e));
				bad++;
			}
	return bad;
}

/*
 * The group works again: a new container, SET_IOMMU, the device fd; an edu
 * device does one DMA round trip through the IOMMU.
 */
static int race_group_usable(int group, const char *name)
{
	uint8_t *src = vt_alloc(PG), *dst = vt_alloc(PG);
	const uint64_t iova = 0x100000;
	const uint32_t len = 2048;
	struct vt_dev d;
	uint16_t id[2];
	int r, i;

	VT_ASSERT(src && dst, "alloc");
	/* the detacher's group fd is released at its exit; allow a moment */
	for (i = 0; i < 50; i++) {
		r = vt_dev_open(&d, -1, group, name, VFIO_TYPE1v2_IOMMU);
		if (r != -EBUSY)
			break;
		usleep(100000);
	}
	VT_OK(r);
	VT_OK(vt_cfg_read(&d, 0, id, sizeof(id)));
	if (id[0] != 0x1234 || id[1] != 0x11e8) {
		VT_NOTE("group %d usable again (%04x:%04x: no DMA check)",
			group, id[0], id[1]);
		vt_dev_close(&d);
		return 0;
	}
	VT_OK(vt_enable_bus_master(&d));
	vt_fill(src, len, 0x7ace);
	VT_OK(vt_map(d.cfd, src, iova, PG));
	VT_OK(vt_map(d.cfd, dst, iova + PG, PG));
	VT_OK(edu_roundtrip(&d, iova, iova + PG, len));
	if (memcmp(src, dst, len)) {
		uint32_t off = 0, nz = 0;

		while (off < len && src[off] == dst[off])
			off++;
		for (i = 0; i < (int)len; i++)
			nz += dst[i] != 0;
		VT_NOTE("group %d: DMA bytes differ from offset %u; %u of %u dst bytes non-zero",
			group, off, nz, len);
		/* once more: a lasting translation fault or a passing one */
		memset(dst, 0, len);
		r = edu_roundtrip(&d, iova, iova + PG, len);
		VT_NOTE("second round trip: %d, bytes %s", r,
			memcmp(src, dst, len) ? "differ" : "match");
		if (system("dmesg | grep -iE 'dmar|fault' | tail -n 20 >&2"))
			VT_NOTE("no DMAR line in the kernel log");
		VT_ASSERT(0, "DMA bytes differ");
	}
	VT_OK(vt_unmap(d.cfd, iova, 2 * PG, 0, NULL));
	vt_dev_close(&d);
	vt_free(src, PG);
	vt_free(dst, PG);
	VT_NOTE("group %d usable again: DMA round trip through the IOMMU",
		group);
	return 0;
}

/*
 * Pins are global: another reproducer running at the same time may hold
 * some when either value is read.  Wait (bounded) until the count is no
 * higher than at the start; a count below it means pins held at the start
 * by someone else were released since.
 */
static int race_pins_settled(long long pins0, long long acq0)
{
	long long acq = 0, p = vt_pins(&acq);
	int i;

	/* every bed kernel counts pins (nr_foll_pin_* in /proc/vmstat) */
	VT_OK(pins0);
	VT_OK(p);
	for (i = 0; i < 300 && p > pins0; i++) {
		usleep(100000);
		p = vt_pins(&acq);
	}
	VT_ASSERT(p <= pins0, "%lld pages still pinned, %lld at the start",
		  p, pins0);
	VT_NOTE("pins back to the start (%lld outstanding, %lld at the start; %lld pages pinned system-wide meanwhile)",
		p, pins0, acq - acq0);
	return 0;
}

/* Bind/create what KIND needs; *group and name (device name) result. */
static int race_setup(const char *kind, const char *target, int *group,
		      const char **name)
{
	if (!strcmp(kind, "pci")) {
		VT_OK(vt_pci_bind(target, "vfio-pci"));
		*group = vt_pci_group(target);
		*name = target;
	} else {
		/* a failed run may have left it */
		vt_mdev_remove(RACE_UUID);
		VT_OK(vt_pci_bind(target, "vfio-mdev-pci"));
		VT_OK(vt_mdev_create(target, RACE_UUID));
		*group = vt_mdev_group(RACE_UUID);
		*name = RACE_UUID;
	}
	VT_ASSERT(*group >= 0, "no IOMMU group for %s (%d)", target, *group);
	return 0;
}

static int race_teardown(const char *kind, const char *target)
{
	if (!strcmp(kind, "mdev"))
		VT_OK(vt_mdev_remove(RACE_UUID));
	VT_OK(vt_pci_bind(target, ""));
	return 0;
}

/* Kill what still runs after the bound; 1 if any child was stuck. */
static int race_reap(struct race_shared *sh, pid_t *pid, int *status,
		     int nproc, int64_t bound)
{
	int i, left = nproc, stuck = 0;
	pid_t w;

	while (left && now_ns() < bound) {
		for (i = 0; i < nproc; i++) {
			if (!pid[i])
				continue;
			w = waitpid(pid[i], &status[i], WNOHANG);
			if (w == pid[i] || (w < 0 && errno == ECHILD)) {
				pid[i] = 0;
				left--;
			}
		}
		if (left)
			usleep(20000);
	}
	for (i = 0; i < nproc; i++) {
		if (!pid[i])
			continue;
		stuck = 1;
		VT_NOTE("FAIL: child %d (%s, pid %d) did not exit %d s after the end: stuck (%llu iterations done)",
			i, i ? "mapper" : "detacher", pid[i], RACE_GRACE,
			(unsigned long long)sh->c[i].iters);
		vt_show_task(pid[i]);
		kill(pid[i], SIGKILL);
	}
	if (!stuck)
		return 0;
	/* a task stuck in the kernel may not even die: do not wait long */
	bound = now_ns() + 5 * NSEC;
	for (i = 0; i < nproc; i++) {
		while (pid[i] && now_ns() < bound) {
			if (waitpid(pid[i], &status[i], WNOHANG) == pid[i])
				pid[i] = 0;
			else
				usleep(20000);
		}
		if (pid[i])
			VT_NOTE("child %d (pid %d) survives SIGKILL", i,
				pid[i]);
	}
	return 1;
}

/* race.container KIND TARGET SECONDS [NPROC] */
static int t_container(int argc, char **argv)
{
	pid_t pid[RACE_MAXPROC] = { 0 };
	int status[RACE_MAXPROC] = { 0 };
	const char *kind, *target, *name;
	char map[160], unmap[160], info[160], unmap_all[160];
	struct race_shared *sh;
	int nproc = 3, fail = 0, i, cfd, gfd, group;
	int64_t t0, bound;
	long long pins0, acq0 = 0;
	double secs, el;
	uint64_t cycles;

	VT_ASSERT(argc == 4 || argc == 5, "usage: KIND TARGET SECONDS [NPROC]");
	kind = argv[1];
	target = argv[2];
	secs = strtod(argv[3], NULL);
	if (argc == 5)
		nproc = atoi(argv[4]);
	VT_ASSERT(!strcmp(kind, "pci") || !strcmp(kind, "mdev"),
		  "KIND is pci or mdev");
	VT_ASSERT(secs > 0, "SECONDS %s", argv[3]);
	VT_ASSERT(nproc >= 2 && nproc <= RACE_MAXPROC, "NPROC 2..%d",
		  RACE_MAXPROC);

	pins0 = vt_pins(&acq0);
	if (race_setup(kind, target, &group, &name))
		return 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(sh != MAP_FAILED, "mmap shared");
	memset(sh, 0, sizeof(*sh));

	cfd = vt_container_open();
	VT_OK(cfd);
	gfd = vt_group_open(group);
	VT_OK(gfd);
	VT_OK(vt_group_set_container(gfd, cfd));
	VT_OK(vt_set_iommu(cfd, VFIO_TYPE1v2_IOMMU));
	sh->unmap_all = ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL) > 0;

	fflush(stdout);
	for (i = 0; i < nproc; i++) {
		pid[i] = fork();
		if (!pid[i])
			race_child_main(sh, i, gfd, cfd, group);
		if (pid[i] < 0) {
			int e = errno;

			pid[i] = 0;
			__atomic_store_n(&sh->go, -1, __ATOMIC_RELEASE);
			race_reap(sh, pid, status, nproc, now_ns() + 10 * NSEC);
			VT_FAIL("fork: %s", strerror(e));
		}
	}
	/* the detacher's close of the group fd must drop the last reference */
	bound = now_ns() + 10 * NSEC;
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < nproc - 1 &&
	       now_ns() < bound)
		usleep(1000);
	close(gfd);
	t0 = now_ns();
	sh->deadline = t0 + (int64_t)(secs * NSEC);
	if (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < nproc - 1) {
		__atomic_store_n(&sh->go, -1, __ATOMIC_RELEASE);
		race_reap(sh, pid, status, nproc, now_ns() + 10 * NSEC);
		VT_FAIL("children did not start");
	}
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);

	if (race_reap(sh, pid, status, nproc,
		      sh->deadline + RACE_GRACE * NSEC)) {
		/* do not touch the container: the kernel is wedged on it */
		VT_FAIL("%s %s: a child is stuck (the race wedged the kernel)",
			kind, target);
	}
	el = (now_ns() - t0) / (double)NSEC;
	close(cfd);

	race_fmt_op(map, sizeof(map), sh, nproc, OP_MAP);
	race_fmt_op(unmap, sizeof(unmap), sh, nproc, OP_UNMAP);
	race_fmt_op(info, sizeof(info), sh, nproc, OP_INFO);
	race_fmt_op(unmap_all, sizeof(unmap_all), sh, nproc, OP_UNMAP_ALL);
	cycles = sh->c[0].iters;
	VT_NOTE("race %s %s: %.1f s, %llu attach/detach cycles (%llu by close), %.1f cycles/s, %s, %s, %s, %s",
		kind, target, el, (unsigned long long)cycles,
		(unsigned long long)sh->c[0].ok[OP_REOPEN], cycles / el, map,
		unmap, info, sh->unmap_all ? unmap_all : "no unmap_all");
	for (i = 1; i < nproc; i++)
		VT_NOTE("  mapper %d: %llu iterations, %llu map ok, %llu bytes unmapped",
			i, (unsigned long long)sh->c[i].iters,
			(unsigned long long)sh->c[i].ok[OP_MAP],
			(unsigned long long)sh->c[i].unmapped);

	for (i = 0; i < nproc; i++) {
		if (WIFEXITED(status[i]) && !WEXITSTATUS(status[i]) &&
		    sh->c[i].done)
			continue;
		VT_NOTE("FAIL: child %d: %s %d", i,
			WIFSIGNALED(status[i]) ? "killed by signal" : "exit",
			WIFSIGNALED(status[i]) ? WTERMSIG(status[i]) :
						 WEXITSTATUS(status[i]));
		fail = 1;
	}
	if (sh->c[0].first_err) {
		VT_NOTE("FAIL: detacher stopped: %s: %s after %llu cycles",
			op_name[sh->c[0].first_op],
			errno_name(sh->c[0].first_err),
			(unsigned long long)cycles);
		fail = 1;
	}
	if (cycles < el) {
		VT_NOTE("FAIL: %llu cycles in %.1f s: fewer than one a second",
			(unsigned long long)cycles, el);
		fail = 1;
	}
	for (i = 1; i < nproc; i++) {
		if (sh->c[i].iters && sh->c[i].ok[OP_MAP])
			continue;
		VT_NOTE("FAIL: mapper %d made no progress (%llu iterations, %llu maps)",
			i, (unsigned long long)sh->c[i].iters,
			(unsigned long long)sh->c[i].ok[OP_MAP]);
		fail = 1;
	}
	if (race_bad_errnos(sh, nproc))
		fail = 1;
	munmap(sh, sizeof(*sh));

	if (race_group_usable(group, name) || race_pins_settled(pins0, acq0) ||
	    race_teardown(kind, target))
		return 1;
	return fail;
}

const struct vt_case race_cases[] = {
	{ "container", t_container, "pci|mdev BDF SECONDS [NPROC]" },
	{ NULL, NULL, NULL },
};
