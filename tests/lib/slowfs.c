// SPDX-License-Identifier: GPL-2.0-only
/*
 * slowfs: a minimal FUSE file system spoken over /dev/fuse (no libfuse),
 * for tests that need a page fault to wait as long as the test likes.  It
 * has one regular file, "f", of SLOWFS_SIZE bytes; every FUSE_READ is held
 * until the test releases the file system (slowfs_release), then answered
 * with bytes of value 0x5a.  Other requests are answered at once.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fuse.h>

#include "vt.h"

#define MAX_HELD	64

struct held {
	uint64_t unique;
	uint32_t size;
};

static int reply(int fd, uint64_t unique, int err, const void *data,
		 size_t len)
{
	char buf[sizeof(struct fuse_out_header) + 65536];
	struct fuse_out_header *h = (void *)buf;

	if (len > sizeof(buf) - sizeof(*h))
		len = sizeof(buf) - sizeof(*h);
	h->len = sizeof(*h) + len;
	h->error = err;
	h->unique = unique;
	if (len)
		memcpy(buf + sizeof(*h), data, len);
	return write(fd, buf, h->len) == (ssize_t)h->len ? 0 : -errno;
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
	} else {
		a->mode = S_IFREG | 0644;
		a->size = SLOWFS_SIZE;
		a->blocks = SLOWFS_SIZE / 512;
	}
}

static void answer_read(int fd, struct held *h)
{
	static char data[65536];

	memset(data, 0x5a, sizeof(data));
	reply(fd, h->unique, 0, data, h->size < sizeof(data) ? h->size :
	      sizeof(data));
}

/* The server loop: answer everything, hold reads until @rel is readable. */
static void serve(int fd, int rel)
{
	static char buf[1 << 20];
	struct held held[MAX_HELD];
	int nheld = 0, released = 0, i;

	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { rel, POLLIN, 0 } };
		struct fuse_in_header *in = (void *)buf;
		void *arg = buf + sizeof(*in);
		ssize_t n;

		if (poll(p, released ? 1 : 2, -1) < 0)
			continue;
		if (!released && p[1].revents) {
			released = 1;
			for (i = 0; i < nheld; i++)
				answer_read(fd, &held[i]);
			nheld = 0;
		}
		if (!p[0].revents)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == ENODEV)
			_exit(0);	/* unmounted */
		if (n < (ssize_t)sizeof(*in))
			continue;
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out o = { 0 };

			o.major = FUSE_KERNEL_VERSION;
			o.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
				  ii->minor : FUSE_KERNEL_MINOR_VERSION;
			o.max_readahead = ii->max_readahead;
			o.max_write = 65536;
			o.max_background = 16;
			o.congestion_threshold = 12;
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { 0 };

			if (strcmp(arg, "f")) {
				reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			o.nodeid = 2;
			o.attr_valid = 3600;
			o.entry_valid = 3600;
			fill_attr(&o.attr, 2);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			o.attr_valid = 3600;
			fill_attr(&o.attr, in->nodeid);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { 0 };

			o.open_flags = FOPEN_KEEP_CACHE;
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			struct fuse_read_in *ri = arg;

			if (released || nheld == MAX_HELD) {
				struct held h = { in->unique, ri->size };

				answer_read(fd, &h);
			} else {
				held[nheld].unique = in->unique;
				held[nheld++].size = ri->size;
			}
			break;
		}
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_ACCESS:
			reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_DESTROY:
			reply(fd, in->unique, 0, NULL, 0);
			_exit(0);
		default:
			reply(fd, in->unique, -ENOSYS, NULL, 0);
		}
	}
}

int slowfs_mount(struct slowfs *s, const char *dir)
{
	char opts[128];
	int fd, p[2];

	mkdir(dir, 0755);
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount("slowfs", dir, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (pipe(p)) {
		umount2(dir, MNT_DETACH);
		close(fd);
		return -errno;
	}
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (!s->pid) {
		close(p[1]);
		serve(fd, p[0]);
	}
	close(fd);
	close(p[0]);
	s->release_fd = p[1];
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	return 0;
}

void slowfs_release(struct slowfs *s)
{
	if (s->release_fd >= 0) {
		if (write(s->release_fd, "r", 1) != 1)
			kill(s->pid, SIGKILL);
		close(s->release_fd);
		s->release_fd = -1;
	}
}

void slowfs_unmount(struct slowfs *s)
{
	slowfs_release(s);
	umount2(s->dir, MNT_DETACH);
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
}
