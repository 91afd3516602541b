// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox ioctl fuzzer: random sequences of every FDBox ioctl (and its
 * neighbours) with random and boundary arguments, from several processes
 * with several threads each, interleaved with SEAL/UNSEAL/DELETE, sysfs
 * reads, limit changes and rmmod/insmod attempts. Every result is checked
 * against the errno table of the spec: exactly where the outcome does not
 * depend on what other threads do (bad pointer, flags, name, fd type, wrong
 * device, unknown number), as a set of allowed results otherwise.
 *
 * The run is split into rounds; between rounds every worker closes its
 * FDBox files and waits, and the leader checks that the listing, the device
 * nodes and sysfs agree, and sometimes deletes every box, which must let
 * rmmod succeed, and loads the module again.
 *
 * Environment:
 *   FDBOX_FUZZ_SEED     64-bit seed (default: from the clock; always printed)
 *   FDBOX_FUZZ_OPS      total number of operations (default: see below)
 *   FDBOX_FUZZ_PROCS    worker processes (default 2)
 *   FDBOX_FUZZ_THREADS  threads per worker process (default 2)
 *   FDBOX_FUZZ_UNLOAD   0: never rmmod/insmod (default 1)
 * The sequence of operations of each thread is a function of the seed; the
 * interleaving of threads is not, so a seed reproduces a run's operations,
 * not necessarily its timing.
 */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

/* Operations in continuous integration, per kernel; soak runs set more. */
#define OPS_NORMAL	200000
#define OPS_DEBUG	20000
#define ROUND_OPS	1500	/* per thread between two quiescent points */
#define MAX_WORKERS	64
#define NR_POOL_BOXES	8
#define NR_POOL_FDS	16
#define NR_HELD		8
#define MAX_MSGS	40
#define SCRATCH_SIZE	(4UL << 20)

/* ------------------------------------------------------------------ */
/* configuration, shared state                                        */

struct config {
	uint64_t seed;
	unsigned long ops;
	int procs;
	int threads;
	int unload;
	int debug;
};

enum op {
	OP_PUT, OP_GET, OP_LIST, OP_SEAL, OP_UNSEAL, OP_CREATE, OP_DELETE,
	OP_CREATE_TMP, OP_RAW, OP_MISC, OP_SYSFS, OP_CLOSE, OP_TRUNC,
	OP_PARAM, OP_RMMOD, OP_INSMOD, OP_FORK, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"put", "get", "list", "seal", "unseal", "create", "delete",
	"create_tmp", "raw_ioctl", "misc_syscall", "sysfs", "close",
	"truncate", "param", "rmmod", "insmod", "fork",
};

/* Relative weights of the operations. */
static const unsigned int op_weight[NR_OPS] = {
	[OP_PUT] = 220, [OP_GET] = 140, [OP_LIST] = 110, [OP_SEAL] = 45,
	[OP_UNSEAL] = 45, [OP_CREATE] = 70, [OP_DELETE] = 40,
	[OP_CREATE_TMP] = 20, [OP_RAW] = 110, [OP_MISC] = 25,
	[OP_SYSFS] = 40, [OP_CLOSE] = 40, [OP_TRUNC] = 25, [OP_PARAM] = 4,
	[OP_RMMOD] = 2, [OP_INSMOD] = 2, [OP_FORK] = 1,
};

struct shared {
	pthread_barrier_t round_a, round_b;
	struct config cfg;
	atomic_long ops_done;
	atomic_long unexpected;
	atomic_long fd_leaks;
	atomic_long rounds, teardowns, unloads, racy_unloads;
	atomic_long nr[NR_OPS], ok[NR_OPS];
	atomic_int nmsgs;
	int ran;
	char msgs[MAX_MSGS][320];
};

static struct shared *sh;

__attribute__((constructor)) static void shared_init(void)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
}

/* ------------------------------------------------------------------ */
/* random numbers                                                     */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static bool one_in(struct rng *r, uint32_t n)
{
	return below(r, n) == 0;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static bool debug_kernel(void)
{
	return access("/proc/self/make-it-fail", F_OK) == 0 ||
	       access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

static void read_config(struct config *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c->debug = debug_kernel();
	c->seed = env_u64("FDBOX_FUZZ_SEED",
			  ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ getpid());
	c->ops = env_u64("FDBOX_FUZZ_OPS", c->debug ? OPS_DEBUG : OPS_NORMAL);
	c->procs = env_u64("FDBOX_FUZZ_PROCS", 2);
	c->threads = env_u64("FDBOX_FUZZ_THREADS", 2);
	c->unload = env_u64("FDBOX_FUZZ_UNLOAD", 1);
	if (access(FDBOX_MODULE, R_OK))
		c->unload = 0;
	if (c->procs < 1)
		c->procs = 1;
	if (c->threads < 1)
		c->threads = 1;
	while (c->procs * c->threads > MAX_WORKERS)
		c->threads > 1 ? c->threads-- : c->procs--;
}

/* ------------------------------------------------------------------ */
/* the worker                                                         */

enum fdkind {
	K_MEMFD, K_MEMFD_BIG, K_MEMFD_SEALED, K_MEMFD_RO, K_HELD,
	K_PIPE, K_SOCK, K_TIMERFD, K_TMPFILE, K_DEVNULL, K_DIR, K_PROC,
	K_EPOLL, K_CTL, K_BOX, K_OPATH, K_CLOSED, K_HUGE, NR_KINDS
};

enum ptrkind {
	P_GOOD, P_MISALIGNED, P_RO, P_NULL, P_UNMAPPED, P_STRADDLE,
	P_KERNEL, P_NONCANON, NR_PTRS
};

enum target {
	T_BOX, T_BOX_FRESH, T_BOX_RDONLY, T_CTL, T_DEVNULL, T_MEMFD,
	T_OPATH, NR_TARGETS
};

struct worker {
	struct rng rng;
	int proc, thread;
	unsigned long op;
	const char *opname;
	int ctl;			/* cached control device, or -1 */
	int box[NR_POOL_BOXES];	/* cached box devices, or -1 */
	int held[NR_HELD];		/* memfds got back from boxes */
	int nheld;
	int other[NR_KINDS];		/* files of the non-memfd kinds */
	int ko;				/* fdbox.ko, for insmod */
	unsigned char *guard;		/* RW page followed by a PROT_NONE page */
	unsigned char *ro;		/* read-only page */
	unsigned char *buf;		/* RW buffer, 2 pages */
	unsigned char *scratch;		/* big RW area for listings */
	bool child;			/* a forked child of a worker */
};

static int fdbox_check_name_user(const __u8 *name);

static void report(struct worker *w, const char *fmt, ...)
{
	long n = atomic_fetch_add(&sh->unexpected, 1);
	va_list ap;
	int off;

	if (n >= MAX_MSGS)
		return;
	off = snprintf(sh->msgs[n], sizeof(sh->msgs[n]), "p%d.t%d%s op %lu %s: ",
		       w->proc, w->thread, w->child ? "(child)" : "", w->op,
		       w->opname);
	va_start(ap, fmt);
	vsnprintf(sh->msgs[n] + off, sizeof(sh->msgs[n]) - off, fmt, ap);
	va_end(ap);
	atomic_fetch_add(&sh->nmsgs, 1);
}

/* ret: >= 0 success, < 0 -errno. @allowed: 0 for success, errnos, -1. */
static bool expect(struct worker *w, int ret, const int *allowed,
		   const char *what)
{
	int i;

	for (i = 0; allowed[i] >= 0; i++)
		if ((allowed[i] == 0 && ret >= 0) ||
		    (allowed[i] > 0 && ret == -allowed[i]))
			return true;
	report(w, "%s: got %d (%s)", what, ret,
	       ret < 0 ? strerror(-ret) : "success");
	return false;
}

static bool expect_exact(struct worker *w, int ret, int err, const char *what)
{
	int allowed[] = { err, -1 };

	return expect(w, ret, allowed, what);
}

#define EXPECT_ONE_OF(w, ret, what, ...) \
	expect(w, ret, (const int[]){ __VA_ARGS__, -1 }, what)

static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

static void pool_box_name(char *out, size_t len, int i)
{
	/* The last pool box has a name of the maximum length. */
	if (i == NR_POOL_BOXES - 1) {
		memset(out, 'L', FDBOX_NAME_LEN - 1);
		memcpy(out, "fz-long.", 8);
		out[FDBOX_NAME_LEN - 1] = 0;
	} else {
		snprintf(out, len, "fz%d", i);
	}
}

/*
 * Fill a name field. Returns true if the kernel must accept the name (as a
 * box name if @box). @pool: index of a pool name, or -1 for a random one.
 */
static bool gen_name(struct worker *w, __u8 *field, int pool, bool box)
{
	struct rng *r = &w->rng;
	char tmp[FDBOX_NAME_LEN];
	unsigned int len, i;

	memset(field, 0, FDBOX_NAME_LEN);
	if (pool >= 0 && !one_in(r, 12)) {
		if (box)
			pool_box_name(tmp, sizeof(tmp), pool);
		else
			snprintf(tmp, sizeof(tmp), "f%d", pool);
		memcpy(field, tmp, strlen(tmp));
		/* Bytes after the NUL are ignored. */
		if (one_in(r, 8))
			memset(field + strlen(tmp) + 1, 0xff,
			       FDBOX_NAME_LEN - strlen(tmp) - 1);
		return true;
	}
	switch (below(r, 10)) {
	case 0:			/* empty */
		return false;
	case 1:			/* "." */
		field[0] = '.';
		return false;
	case 2:			/* ".." */
		field[0] = field[1] = '.';
		return false;
	case 3:			/* the control device */
		memcpy(field, "fdbox", 5);
		return !box;
	case 4:			/* 256 bytes, no NUL */
		for (i = 0; i < FDBOX_NAME_LEN; i++)
			field[i] = name_chars[below(r, sizeof(name_chars) - 1)];
		return false;
	case 5:			/* one bad byte somewhere */
		len = 1 + below(r, FDBOX_NAME_LEN - 1);
		for (i = 0; i < len; i++)
			field[i] = name_chars[below(r, sizeof(name_chars) - 1)];
		do
			i = 1 + below(r, 255);
		while (i == '.' || i == '_' || i == '-' || (i >= '0' && i <= '9') ||
		       (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z'));
		field[below(r, len)] = i;
		return false;
	case 6:			/* 255 valid bytes */
		len = FDBOX_NAME_LEN - 1;
		break;
	case 7:			/* "..." and friends are fine */
		memset(field, '.', 3 + below(r, 10));
		return true;
	default:		/* random valid */
		len = 1 + below(r, one_in(r, 4) ? 255 : 12);
		break;
	}
	for (i = 0; i < len; i++)
		field[i] = name_chars[below(r, sizeof(name_chars) - 1)];
	if ((len == 1 && field[0] == '.') ||
	    (len == 2 && field[0] == '.' && field[1] == '.'))
		field[0] = 'x';
	if (box && len == 5 && !memcmp(field, "fdbox", 5))
		field[0] = 'x';
	return true;
}

/*
 * Place @len bytes of @arg where @kind says and return the user pointer the
 * ioctl gets; *bad says whether reading it must fault.
 */
static void *place_arg(struct worker *w, enum ptrkind kind, const void *arg,
		       size_t len, bool *bad)
{
	unsigned char *p;

	*bad = false;
	switch (kind) {
	case P_GOOD:
		memcpy(w->buf, arg, len);
		return w->buf;
	case P_MISALIGNED:
		p = w->buf + 1 + below(&w->rng, 7);
		memcpy(p, arg, len);
		return p;
	case P_RO:
		mprotect(w->ro, 4096, PROT_READ | PROT_WRITE);
		memcpy(w->ro, arg, len);
		mprotect(w->ro, 4096, PROT_READ);
		return w->ro;
	case P_NULL:
		*bad = true;
		return NULL;
	case P_UNMAPPED:
		*bad = true;
		return w->guard + 4096;
	case P_STRADDLE:
		/* Starts in a mapped page, ends in an unmapped one. */
		*bad = true;
		p = w->guard + 4096 - len / 2;
		memcpy(p, arg, len / 2);
		return p;
	case P_KERNEL:
		*bad = true;
		return (void *)0xffff888000001000UL;
	default:
		*bad = true;
		return (void *)0x8000000000001000UL;
	}
}

static enum ptrkind pick_ptr(struct worker *w)
{
	return one_in(&w->rng, 6) ? (enum ptrkind)below(&w->rng, NR_PTRS) :
	       (one_in(&w->rng, 4) ? P_MISALIGNED : P_GOOD);
}

static int ctl_fd(struct worker *w)
{
	int fd;

	if (w->ctl >= 0 && !one_in(&w->rng, 64))
		return w->ctl;
	if (w->ctl >= 0)
		close(w->ctl);
	w->ctl = -1;
	fd = open(FDBOX_CTL, (one_in(&w->rng, 8) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		/* Not loaded, or being loaded or unloaded. */
		EXPECT_ONE_OF(w, -errno, "open control device", ENOENT, ENXIO,
			      ENODEV);
		return -1;
	}
	return w->ctl = fd;
}

static int open_box(struct worker *w, int i, int flags)
{
	char name[FDBOX_NAME_LEN], path[FDBOX_NAME_LEN + 16];
	int fd;

	pool_box_name(name, sizeof(name), i);
	snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		/* No such box, or it is being deleted. */
		EXPECT_ONE_OF(w, -errno, "open box device", ENOENT, ENXIO,
			      ENODEV);
		return -errno;
	}
	return fd;
}

/* A file to send box ioctls to; *kind says which. Close it if *fresh. */
static int pick_target(struct worker *w, int boxi, enum target *kind,
		       bool *fresh)
{
	int fd;

	*fresh = false;
	*kind = one_in(&w->rng, 10) ? (enum target)below(&w->rng, NR_TARGETS) :
		(one_in(&w->rng, 4) ? T_BOX_FRESH : T_BOX);
	switch (*kind) {
	case T_BOX:
		if (w->box[boxi] >= 0 && !one_in(&w->rng, 32))
			return w->box[boxi];
		if (w->box[boxi] >= 0)
			close(w->box[boxi]);
		w->box[boxi] = open_box(w, boxi, O_RDWR);
		return w->box[boxi] >= 0 ? w->box[boxi] : -1;
	case T_BOX_FRESH:
	case T_BOX_RDONLY:
		fd = open_box(w, boxi, *kind == T_BOX_RDONLY ? O_RDONLY : O_RDWR);
		*fresh = fd >= 0;
		return fd >= 0 ? fd : -1;
	case T_OPATH:
		fd = open_box(w, boxi, O_PATH);
		*fresh = fd >= 0;
		return fd >= 0 ? fd : -1;
	case T_CTL:
		return ctl_fd(w);
	case T_DEVNULL:
		return w->other[K_DEVNULL];
	default:
		return w->other[K_MEMFD_RO];
	}
}

static bool target_is_box(enum target t)
{
	return t == T_BOX || t == T_BOX_FRESH || t == T_BOX_RDONLY;
}

static void done_target(int fd, bool fresh)
{
	if (fresh)
		close(fd);
}

static int sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* A new memfd of the kind asked for; *ino is its inode number. */
static int new_memfd(struct worker *w, enum fdkind kind, ino_t *ino)
{
	struct stat st;
	char path[64];
	int fd, ro;

	fd = memfd_create(one_in(&w->rng, 2) ? "fz" : "fuzz-memfd-with-a-longer-name",
			  MFD_CLOEXEC | (kind == K_MEMFD_SEALED ? MFD_ALLOW_SEALING : 0));
	if (fd < 0)
		return -errno;
	switch (kind) {
	case K_MEMFD_BIG:
		/* Sparse, up to the largest size a file can have. */
		ftruncate(fd, one_in(&w->rng, 2) ? LLONG_MAX - below(&w->rng, 4096) :
			  1LL << (30 + below(&w->rng, 32)));
		break;
	case K_MEMFD_SEALED:
		ftruncate(fd, 4096 * below(&w->rng, 4));
		fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
		      (one_in(&w->rng, 2) ? F_SEAL_WRITE : 0) |
		      (one_in(&w->rng, 4) ? F_SEAL_SEAL : 0));
		break;
	case K_MEMFD_RO:
		/* The same memfd opened again read-only. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ro = open(path, O_RDONLY | O_CLOEXEC);
		close(fd);
		if (ro < 0)
			return -errno;
		fd = ro;
		break;
	default:
		if (one_in(&w->rng, 2))
			ftruncate(fd, 4096 * below(&w->rng, 4) + below(&w->rng, 4096));
		if (one_in(&w->rng, 4))
			pwrite(fd, w->buf, 1 + below(&w->rng, 4096), below(&w->rng, 8192));
		break;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return -EIO;
	}
	/*
	 * Memfds of the fuzzer have no FD_CLOEXEC and GET_FD always sets it:
	 * a number without it and with this inode is still this descriptor,
	 * even if another thread got the same memfd back at the same number.
	 */
	fcntl(fd, F_SETFD, 0);
	*ino = st.st_ino;
	return fd;
}

/* Is @fd still the descriptor of the fuzzer's memfd @ino? */
static bool still_mine(int fd, ino_t ino)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && !(fl & FD_CLOEXEC) && !fstat(fd, &st) &&
	       st.st_ino == ino;
}

static ino_t fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

static void put_held(struct worker *w, int fd)
{
	fcntl(fd, F_SETFD, 0);
	if (w->nheld < NR_HELD)
		w->held[w->nheld++] = fd;
	else
		close(fd);
}

static int take_held(struct worker *w)
{
	int i, fd;

	if (!w->nheld)
		return -1;
	i = below(&w->rng, w->nheld);
	fd = w->held[i];
	w->held[i] = w->held[--w->nheld];
	return fd;
}

static void op_put(struct worker *w)
{
	struct fdbox_put_fd arg = { 0 };
	enum fdkind kind = below(&w->rng, 3) ? below(&w->rng, 5) : below(&w->rng, NR_KINDS);
	int boxi = below(&w->rng, NR_POOL_BOXES), fd, target, ret;
	bool name_ok, bad, fresh, memfd = kind <= K_HELD, mine = false;
	bool dup_fd = false;
	static const unsigned int huge[] = { 0xffffffffU, 0x7fffffffU, 0x80000000U,
					     65536, 1U << 20, 4096 };
	enum target tk;
	enum ptrkind pk;
	ino_t ino = 0;
	void *p;

	switch (kind) {
	case K_MEMFD:
	case K_MEMFD_BIG:
	case K_MEMFD_SEALED:
	case K_MEMFD_RO:
		fd = new_memfd(w, kind, &ino);
		if (fd < 0) {
			report(w, "memfd_create: %s", strerror(-fd));
			return;
		}
		mine = true;
		break;
	case K_HELD:
		fd = take_held(w);
		if (fd < 0) {
			kind = K_MEMFD;
			fd = new_memfd(w, kind, &ino);
			if (fd < 0)
				return;
		}
		mine = true;
		ino = fd_ino(fd);
		fcntl(fd, F_SETFD, 0);
		break;
	case K_CTL:
	case K_BOX:
		/*
		 * A duplicate: picking the target below may close and reopen
		 * the cached descriptors.
		 */
		fd = kind == K_CTL ? ctl_fd(w) : w->box[below(&w->rng, NR_POOL_BOXES)];
		if (fd < 0)
			fd = w->other[K_DEVNULL];
		fd = dup(fd);
		if (fd < 0)
			return;
		dup_fd = true;
		break;
	case K_CLOSED:
		fd = 1000 + w->thread;	/* never opened by anyone here */
		break;
	case K_HUGE:
		fd = huge[below(&w->rng, sizeof(huge) / sizeof(huge[0]))];
		if (fd == 4096)
			fd = -2;	/* as u32: 0xfffffffe */
		break;
	default:
		fd = w->other[kind];
		break;
	}

	arg.fd = fd;
	if (one_in(&w->rng, 40))
		arg.flags = 1ULL << below(&w->rng, 64);
	if (one_in(&w->rng, 40))
		arg.pad = 1U << below(&w->rng, 32);
	name_ok = gen_name(w, arg.name, below(&w->rng, NR_POOL_FDS), false);
	pk = pick_ptr(w);
	p = place_arg(w, pk, &arg, sizeof(arg), &bad);

	target = pick_target(w, boxi, &tk, &fresh);
	if (target < 0)
		goto out;
	ret = sys_ioctl(target, FDBOX_PUT_FD, p);
	if (tk == T_OPATH)
		expect_exact(w, ret, EBADF, "put through an O_PATH fd");
	else if (!target_is_box(tk))
		expect_exact(w, ret, ENOTTY, "put on a device that is no box");
	else if (bad)
		expect_exact(w, ret, EFAULT, "put with a bad pointer");
	else if (arg.flags || arg.pad || !name_ok)
		expect_exact(w, ret, EINVAL, "put with bad flags, pad or name");
	else if (kind == K_CLOSED || kind == K_HUGE || kind == K_OPATH)
		expect_exact(w, ret, EBADF, "put of no open descriptor");
	else if (!memfd)
		expect_exact(w, ret, EOPNOTSUPP, "put of a file that is no memfd");
	else
		EXPECT_ONE_OF(w, ret, "put of a memfd", 0, ENOENT, EBUSY, EEXIST,
			      EMFILE, ENOSPC);
	done_target(target, fresh);

	if (dup_fd) {
		if (ret)
			close(fd);
		return;
	}
	if (!mine) {
		if (ret == 0 && kind != K_CLOSED && kind != K_HUGE) {
			/* Reported above; its descriptor is gone. */
			if (kind < NR_KINDS && w->other[kind] == fd)
				w->other[kind] = -1;
		}
		return;
	}
	if (ret == 0) {
		/* The number is closed, or reused by another thread. */
		if (still_mine(fd, ino))
			report(w, "put succeeded but fd %d is still open", fd);
		return;
	}
	if (!still_mine(fd, ino)) {
		report(w, "failed put (%d) took fd %d away", ret, fd);
		return;
	}
out:
	if (dup_fd)
		close(fd);
	if (mine) {
		if (kind == K_HELD || one_in(&w->rng, 4))
			put_held(w, fd);
		else
			close(fd);
	}
}

static void op_get(struct worker *w)
{
	struct fdbox_get_fd arg = { 0 };
	int boxi = below(&w->rng, NR_POOL_BOXES), target, ret, fl;
	bool name_ok, bad, fresh;
	enum target tk;
	struct stat st;
	void *p;

	if (one_in(&w->rng, 40))
		arg.flags = 1ULL << below(&w->rng, 64);
	name_ok = gen_name(w, arg.name, below(&w->rng, NR_POOL_FDS), false);
	p = place_arg(w, pick_ptr(w), &arg, sizeof(arg), &bad);
	target = pick_target(w, boxi, &tk, &fresh);
	if (target < 0)
		return;
	ret = sys_ioctl(target, FDBOX_GET_FD, p);
	if (tk == T_OPATH)
		expect_exact(w, ret, EBADF, "get through an O_PATH fd");
	else if (!target_is_box(tk))
		expect_exact(w, ret, ENOTTY, "get on a device that is no box");
	else if (bad)
		expect_exact(w, ret, EFAULT, "get with a bad pointer");
	else if ((arg.flags & ~FDBOX_GET_FD_KEEP) || !name_ok)
		expect_exact(w, ret, EINVAL, "get with bad flags or name");
	else
		EXPECT_ONE_OF(w, ret, "get", 0, ENOENT, EBUSY);
	/* With FDBOX_GET_FD_KEEP the box keeps the fd; the same file is held. */
	done_target(target, fresh);
	if (ret < 0)
		return;
	if (!target_is_box(tk)) {
		close(ret);
		return;
	}
	fl = fcntl(ret, F_GETFD);
	if (fl < 0 || !(fl & FD_CLOEXEC))
		report(w, "got fd %d without FD_CLOEXEC (%d)", ret, fl);
	if (fstat(ret, &st) || !S_ISREG(st.st_mode) || st.st_nlink)
		report(w, "got fd %d that is no memfd", ret);
	put_held(w, ret);
}

static void check_list_out(struct worker *w, const struct fdbox_list *l,
			   const struct fdbox_box_info *b, __u32 nb,
			   const struct fdbox_fd_info *f, __u32 nf, bool one)
{
	__u32 i;

	if (one && l->nr_boxes != 1)
		report(w, "box listing reports %u boxes", l->nr_boxes);
	for (i = 0; b && i < nb && i < l->nr_boxes; i++) {
		if (strnlen((const char *)b[i].name, FDBOX_NAME_LEN) == FDBOX_NAME_LEN ||
		    fdbox_check_name_user(b[i].name) ||
		    b[i].state < FDBOX_STATE_OPEN || b[i].state > FDBOX_STATE_SEALED ||
		    b[i].reserved)
			report(w, "bad box entry %u: '%.40s' state %u reserved %u", i,
			       b[i].name, b[i].state, b[i].reserved);
	}
	for (i = 0; f && i < nf && i < l->nr_fds; i++) {
		if (fdbox_check_name_user(f[i].name) ||
		    f[i].type != FDBOX_FD_TYPE_MEMFD || f[i].flags)
			report(w, "bad fd entry %u: '%.40s' type %u flags %u", i,
			       f[i].name, f[i].type, f[i].flags);
	}
}

static void op_list(struct worker *w)
{
	static const __u32 sizes[] = { 0, 1, 8, 24, 39, 40, 41, 48, 64, 4096,
				       0xffffffffU };
	static const __u32 rooms[] = { 0, 1, 2, 7, 64, 0xffffffffU };
	struct fdbox_box_info *boxes = (void *)w->scratch;
	struct fdbox_fd_info *fds = (void *)(w->scratch + SCRATCH_SIZE / 4);
	bool bad, fresh, one, tail_dirty = false, arrays_bad = false;
	int boxi = below(&w->rng, NR_POOL_BOXES), target, ret;
	unsigned char argbuf[4096 + 64] = { 0 };
	struct fdbox_list *l = (void *)argbuf;
	unsigned long cmd = FDBOX_LIST;
	bool size_readable;
	__u32 usize, nb, nf;
	enum ptrkind pk;
	enum target tk;
	void *p;

	usize = one_in(&w->rng, 6) ? sizes[below(&w->rng, 11)] : sizeof(*l);
	l->size = usize;
	if (one_in(&w->rng, 30))
		l->flags = 1U << below(&w->rng, 32);
	nb = l->nr_boxes = rooms[below(&w->rng, 6)];
	nf = l->nr_fds = rooms[below(&w->rng, 6)];
	l->boxes = (uintptr_t)boxes;
	l->fds = (uintptr_t)fds;
	if (one_in(&w->rng, 8)) {
		/* Arrays the kernel cannot write, if it has anything to write. */
		arrays_bad = true;
		l->boxes = one_in(&w->rng, 2) ? 0 : (uintptr_t)w->ro;
		l->fds = one_in(&w->rng, 2) ? (uintptr_t)(w->guard + 4096) :
			 0xffff888000000000ULL;
	}
	if (usize > sizeof(*l) && usize <= sizeof(argbuf) && one_in(&w->rng, 3)) {
		argbuf[sizeof(*l) + below(&w->rng, usize - sizeof(*l))] = 1;
		tail_dirty = true;
	}
	/* The size in the ioctl number is not looked at. */
	if (one_in(&w->rng, 10))
		cmd = _IOC(_IOC_READ | _IOC_WRITE, FDBOX_TYPE, FDBOX_BASE + 6,
			   below(&w->rng, 1U << _IOC_SIZEBITS));

	if (one_in(&w->rng, 2)) {
		target = ctl_fd(w);
		tk = T_CTL;
		fresh = false;
		one = false;
	} else {
		target = pick_target(w, boxi, &tk, &fresh);
		one = target_is_box(tk);
	}
	if (target < 0)
		return;
	pk = pick_ptr(w);
	if (usize <= sizeof(argbuf)) {
		p = place_arg(w, pk, argbuf, usize < sizeof(*l) ? sizeof(*l) : usize,
			      &bad);
	} else {
		/* The kernel reads up to 4 GiB from here: zero, then garbage. */
		pk = P_GOOD;
		p = argbuf;
		bad = false;
	}
	/* A straddling argument has its size field in the mapped page. */
	size_readable = !bad || pk == P_STRADDLE;
	ret = sys_ioctl(target, cmd, p);
	if (tk == T_OPATH)
		expect_exact(w, ret, EBADF, "list through an O_PATH fd");
	else if (tk != T_CTL && !target_is_box(tk))
		expect_exact(w, ret, ENOTTY, "list on a file that is no FDBox device");
	else if (!size_readable)
		expect_exact(w, ret, EFAULT, "list with a bad pointer");
	else if (usize < FDBOX_LIST_SIZE_VER0)
		expect_exact(w, ret, EINVAL, "list with a short size");
	else if (bad && tail_dirty)
		/* The tail is checked first: its mapped part may hold the 1. */
		EXPECT_ONE_OF(w, ret, "list with a straddling argument", EFAULT,
			      E2BIG);
	else if (bad)
		expect_exact(w, ret, EFAULT, "list with a straddling argument");
	else if (usize > sizeof(argbuf))
		EXPECT_ONE_OF(w, ret, "list with a huge size", E2BIG, EFAULT);
	else if (tail_dirty)
		expect_exact(w, ret, E2BIG, "list with a non-zero tail");
	else if (l->flags)
		expect_exact(w, ret, EINVAL, "list with flags");
	else if (arrays_bad || pk == P_RO)
		EXPECT_ONE_OF(w, ret, "list into unwritable memory", 0, EFAULT,
			      ENOENT);
	else if (one)
		EXPECT_ONE_OF(w, ret, "list of a box", 0, ENOENT);
	else
		expect_exact(w, ret, 0, "list of all boxes");
	if (ret == 0 && !arrays_bad && pk != P_RO && usize <= sizeof(argbuf)) {
		struct fdbox_list out;
		__u32 i;

		memcpy(&out, p, sizeof(out));
		if (out.unclaimed_bytes)
			report(w, "unclaimed_bytes %llu without handover",
			       (unsigned long long)out.unclaimed_bytes);
		for (i = sizeof(out); i < usize; i++)
			if (((unsigned char *)p)[i]) {
				report(w, "byte %u of a %u-byte listing not cleared",
				       i, usize);
				break;
			}
		check_list_out(w, &out, boxes, nb, fds, nf, one);
	}
	done_target(target, fresh);
}

static void op_seal(struct worker *w, bool seal)
{
	int boxi = below(&w->rng, NR_POOL_BOXES), target, ret;
	enum target tk;
	bool fresh;

	target = pick_target(w, boxi, &tk, &fresh);
	if (target < 0)
		return;
	/* No argument: whatever is passed is not looked at. */
	ret = sys_ioctl(target, seal ? FDBOX_SEAL : FDBOX_UNSEAL,
			one_in(&w->rng, 4) ? (void *)0x8000000000001000UL : NULL);
	if (tk == T_OPATH)
		expect_exact(w, ret, EBADF, "seal through an O_PATH fd");
	else if (!target_is_box(tk))
		expect_exact(w, ret, ENOTTY, "seal on a device that is no box");
	else if (seal)
		/*
		 * Or the error of a handler that cannot hand a memfd over
		 * (too large, unknown seals, the same inode sealed twice) or
		 * of joining the handover.
		 */
		EXPECT_ONE_OF(w, ret, "seal", 0, EINVAL, ENOENT, EFBIG, EBUSY,
			      EOPNOTSUPP, ENAMETOOLONG, ENOSPC);
	else
		EXPECT_ONE_OF(w, ret, "unseal", 0, EINVAL, ENOENT);
	done_target(target, fresh);
}

static void op_create_delete(struct worker *w, bool create)
{
	struct fdbox_create_box arg = { 0 };	/* same layout as delete */
	bool name_ok, bad, wrong = one_in(&w->rng, 20);
	int target, ret;
	void *p;

	if (one_in(&w->rng, 40))
		arg.flags = 1ULL << below(&w->rng, 64);
	name_ok = gen_name(w, arg.name, below(&w->rng, NR_POOL_BOXES), true);
	p = place_arg(w, pick_ptr(w), &arg, sizeof(arg), &bad);
	if (wrong) {
		/* A box device, or /dev/null. */
		target = w->box[below(&w->rng, NR_POOL_BOXES)];
		if (target < 0)
			target = w->other[K_DEVNULL];
	} else {
		target = ctl_fd(w);
		if (target < 0)
			return;
	}
	ret = sys_ioctl(target, create ? FDBOX_CREATE_BOX : FDBOX_DELETE_BOX, p);
	if (wrong)
		expect_exact(w, ret, ENOTTY, "create/delete on a device that is no control device");
	else if (bad)
		expect_exact(w, ret, EFAULT, "create/delete with a bad pointer");
	else if (arg.flags || !name_ok)
		expect_exact(w, ret, EINVAL, "create/delete with bad flags or name");
	else if (create)
		EXPECT_ONE_OF(w, ret, "create", 0, EEXIST, ENOSPC);
	else
		EXPECT_ONE_OF(w, ret, "delete", 0, ENOENT, EBUSY);
	/* Names outside the pool must not pile up. */
	if (create && ret == 0 && !wrong && !bad) {
		char pool[FDBOX_NAME_LEN];
		int i;

		for (i = 0; i < NR_POOL_BOXES; i++) {
			pool_box_name(pool, sizeof(pool), i);
			if (!strcmp(pool, (char *)arg.name))
				return;
		}
		EXPECT_ONE_OF(w, fdbox_delete(target, (char *)arg.name),
			      "delete of a box with a name outside the pool",
			      0, ENOENT);
	}
}

/*
 * Create a box with a name only this thread uses (up to 255 bytes), maybe
 * put a memfd in it and seal it, and delete it.
 */
static void op_create_tmp(struct worker *w)
{
	char name[FDBOX_NAME_LEN];
	int ctl = ctl_fd(w), box, ret, fd, len, i;
	bool closed = false;
	ino_t ino;

	if (ctl < 0)
		return;
	len = snprintf(name, sizeof(name), "tmp-p%d-t%d%s-", w->proc, w->thread,
		       w->child ? "c" : "");
	for (i = len + below(&w->rng, FDBOX_NAME_LEN - len); len < i; len++)
		name[len] = name_chars[below(&w->rng, sizeof(name_chars) - 1)];
	name[len] = 0;
	ret = fdbox_create(ctl, name);
	if (!EXPECT_ONE_OF(w, ret, "create of a new name", 0, ENOSPC) || ret)
		return;
	if (one_in(&w->rng, 2)) {
		box = fdbox_box_open(name);
		if (box < 0) {
			report(w, "open of new box '%.40s': %s", name, strerror(-box));
			goto del;
		}
		fd = new_memfd(w, K_MEMFD, &ino);
		if (fd >= 0) {
			ret = fdbox_put(box, fd, "x");
			EXPECT_ONE_OF(w, ret, "put into a new box", 0, EMFILE, ENOSPC);
			if (ret)
				close(fd);
		}
		/* EOPNOTSUPP: this kernel cannot hand over (no KHO). */
		ret = fdbox_seal(box);
		if (EXPECT_ONE_OF(w, ret, "seal of a new box", 0, EOPNOTSUPP) &&
		    !ret) {
			expect_exact(w, fdbox_delete(ctl, name), EBUSY,
				     "delete of a sealed box");
			expect_exact(w, fdbox_unseal(box), 0, "unseal");
		}
		if (one_in(&w->rng, 2)) {
			close(box);
			closed = true;
		}
		expect_exact(w, fdbox_delete(ctl, name), 0,
			     "delete of an unsealed box");
		if (!closed) {
			expect_exact(w, fdbox_seal(box), ENOENT,
				     "seal of a deleted box");
			close(box);
		}
		return;
	}
del:
	expect_exact(w, fdbox_delete(ctl, name), 0, "delete of a new box");
}

/* Is @cmd one the device answers (FDBOX_LIST: with any size)? */
/* @cmd is @known but for the size, which a sized argument carries itself. */
static bool same_but_size(unsigned long cmd, unsigned long known)
{
	unsigned long mask = ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT);

	return (cmd & mask) == (known & mask);
}

static bool known_cmd(unsigned long cmd, bool box)
{
	if (same_but_size(cmd, FDBOX_LIST))
		return true;
	if (box)
		return cmd == FDBOX_PUT_FD || cmd == FDBOX_GET_FD ||
		       cmd == FDBOX_SEAL || cmd == FDBOX_UNSEAL;
	return cmd == FDBOX_CREATE_BOX || cmd == FDBOX_DELETE_BOX;
}

/*
 * Types no generic (VFS) ioctl uses: on FDBox devices every unknown number
 * of these must be ENOTTY. (FIGETBSZ is type 0, FIOCLEX 'T', ...)
 */
static bool fdbox_like_type(unsigned int type)
{
	return type == '.' || type == '-' || type == '/' || type == 0xff;
}

/* ioctl numbers near the real ones, on FDBox devices and other files. */
static void op_raw(struct worker *w)
{
	static const unsigned int types[] = { '.', '.', '.', '-', '/', 0, 0xff };
	struct rng *r = &w->rng;
	unsigned long cmd;
	unsigned int dir, type, nr, size;
	int boxi = below(r, NR_POOL_BOXES), target, ret;
	enum target tk;
	bool fresh, bad, box;
	void *p;

	dir = below(r, 4);
	type = types[below(r, 7)];
	nr = one_in(r, 2) ? below(r, 16) : below(r, 256);
	size = one_in(r, 2) ? 0 : (one_in(r, 2) ? below(r, 1U << _IOC_SIZEBITS) :
				   (unsigned int[]){ 8, 40, 48, 264, 272 }[below(r, 5)]);
	cmd = _IOC(dir, type, nr, size);
	if (one_in(r, 8))
		cmd ^= 1UL << below(r, 32);	/* one bit away from a real one */
	if (one_in(r, 8))
		cmd = (unsigned long)(unsigned int)rnd(r);
	if (one_in(r, 3)) {
		target = ctl_fd(w);
		tk = T_CTL;
		fresh = false;
	} else {
		target = pick_target(w, boxi, &tk, &fresh);
	}
	if (target < 0)
		return;
	box = target_is_box(tk);
	if ((box || tk == T_CTL) && known_cmd(cmd, box)) {
		/* Typed operations cover these. */
		done_target(target, fresh);
		return;
	}
	memset(w->buf, 0, 512);
	p = place_arg(w, pick_ptr(w), w->buf, 512, &bad);
	ret = sys_ioctl(target, cmd, p);
	if (tk == T_OPATH)
		expect_exact(w, ret, EBADF, "ioctl through an O_PATH fd");
	else if (tk == T_CTL && same_but_size(cmd, FDBOX_CREATE_BOX2) && bad)
		/* A bad pointer may still have its size field readable. */
		EXPECT_ONE_OF(w, ret, "CREATE_BOX2 with a bad pointer",
			      EFAULT, EINVAL);
	else if (tk == T_CTL && same_but_size(cmd, FDBOX_CREATE_BOX2))
		/* A zeroed argument: its size field, 0, is too small. */
		expect_exact(w, ret, EINVAL,
			     "CREATE_BOX2 of any size with a zeroed argument");
	else if ((box || tk == T_CTL) && fdbox_like_type(_IOC_TYPE(cmd)))
		expect_exact(w, ret, ENOTTY, "unknown ioctl number on an FDBox device");
	else if (ret >= 0 && _IOC_TYPE(cmd) == '.')
		report(w, "ioctl %#lx on a file that is no FDBox device succeeded", cmd);
	done_target(target, fresh);
}

/* Syscalls FDBox devices do not implement. */
static void op_misc(struct worker *w)
{
	int boxi = below(&w->rng, NR_POOL_BOXES), target, ret;
	enum target tk;
	bool fresh = false;
	char c = 0;
	void *m;

	if (one_in(&w->rng, 2)) {
		target = ctl_fd(w);
		tk = T_CTL;
	} else {
		target = pick_target(w, boxi, &tk, &fresh);
	}
	if (target < 0 || !(tk == T_CTL || target_is_box(tk))) {
		if (target >= 0)
			done_target(target, fresh);
		return;
	}
	switch (below(&w->rng, 3)) {
	case 0:
		ret = read(target, &c, 1) < 0 ? -errno : 0;
		EXPECT_ONE_OF(w, ret, "read of an FDBox device", EINVAL, EBADF);
		break;
	case 1:
		ret = write(target, &c, 1) < 0 ? -errno : 0;
		EXPECT_ONE_OF(w, ret, "write of an FDBox device", EINVAL, EBADF);
		break;
	default:
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, target, 0);
		ret = m == MAP_FAILED ? -errno : 0;
		if (!ret)
			munmap(m, 4096);
		EXPECT_ONE_OF(w, ret, "mmap of an FDBox device", ENODEV, EACCES);
		break;
	}
	done_target(target, fresh);
}

static void op_sysfs(struct worker *w)
{
	static const char *const attrs[] = { "state", "nr_fds", "bytes", "dev",
					     "uevent" };
	char name[FDBOX_NAME_LEN], buf[512];
	const char *attr = attrs[below(&w->rng, 5)];
	int ret, i;

	pool_box_name(name, sizeof(name), below(&w->rng, NR_POOL_BOXES));
	ret = fdbox_sysfs(name, attr, buf, sizeof(buf));
	if (!EXPECT_ONE_OF(w, ret, "sysfs read", 0, ENOENT, ENODEV) || ret)
		return;
	if (!strcmp(attr, "state")) {
		if (strcmp(buf, "open") && strcmp(buf, "sealed"))
			report(w, "sysfs state '%s'", buf);
	} else if (!strcmp(attr, "nr_fds") || !strcmp(attr, "bytes")) {
		for (i = 0; buf[i]; i++)
			if (buf[i] < '0' || buf[i] > '9')
				report(w, "sysfs %s '%s'", attr, buf);
		if (!buf[0])
			report(w, "sysfs %s empty", attr);
	}
}

static void op_close(struct worker *w)
{
	int i = below(&w->rng, NR_POOL_BOXES + 2), fd;

	if (i < NR_POOL_BOXES) {
		if (w->box[i] >= 0)
			close(w->box[i]);
		w->box[i] = -1;
	} else if (i == NR_POOL_BOXES) {
		if (w->ctl >= 0)
			close(w->ctl);
		w->ctl = -1;
	} else {
		fd = take_held(w);
		if (fd >= 0)
			close(fd);
	}
}

/* Grow or shrink a memfd we hold (they may go back into a box later). */
static void op_trunc(struct worker *w)
{
	off_t size;
	int fd;

	if (!w->nheld)
		return;
	fd = w->held[below(&w->rng, w->nheld)];
	size = one_in(&w->rng, 4) ? LLONG_MAX : (off_t)below(&w->rng, 1U << 20);
	/* A sealed memfd refuses: that is fine. */
	ftruncate(fd, size);
}

static const char *const params[] = { "max_boxes", "max_fds_per_box", "max_bytes" };

static int param_write(const char *param, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), FDBOX_PARAMS "/%s", param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void op_param(struct worker *w)
{
	static const char *const vals[] = { "0", "1", "2", "4", "16", "256",
					    "1024", "4096", "4294967295",
					    "1073741824" };
	static const char *const bad[] = { "abc", "-", "1x", "0x", "99999999999999999999999" };
	const char *param = params[below(&w->rng, 3)];
	int ret;

	if (one_in(&w->rng, 4)) {
		const char *val = bad[below(&w->rng, 5)];

		ret = param_write(param, val);
		if (!EXPECT_ONE_OF(w, ret, "write of a bad limit", EINVAL, ERANGE,
				   ENOENT))
			report(w, "(%s = '%s')", param, val);
		return;
	}
	ret = param_write(param, vals[below(&w->rng, 10)]);
	EXPECT_ONE_OF(w, ret, "write of a limit", 0, ENOENT);
}

static int sys_rmmod(void)
{
	return syscall(SYS_delete_module, "fdbox", O_NONBLOCK) ? -errno : 0;
}

static int sys_insmod(int ko)
{
	return syscall(SYS_finit_module, ko, "", 0) ? -errno : 0;
}

static void op_rmmod(struct worker *w)
{
	int ret;

	if (!sh->cfg.unload || w->child)
		return;
	ret = sys_rmmod();
	/* In use (boxes or open files), being loaded, or not there. */
	if (EXPECT_ONE_OF(w, ret, "rmmod", 0, EWOULDBLOCK, EBUSY, ENOENT) && !ret)
		atomic_fetch_add(&sh->racy_unloads, 1);
}

static void op_insmod(struct worker *w)
{
	int ret;

	if (!sh->cfg.unload || w->child || w->ko < 0)
		return;
	ret = sys_insmod(w->ko);
	EXPECT_ONE_OF(w, ret, "insmod", 0, EEXIST, EBUSY);
}

static void run_op(struct worker *w, enum op op);

/* A child process does a few operations and exits with its files open. */
static void op_fork(struct worker *w)
{
	pid_t pid;
	int i, status;

	if (w->child)
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		w->child = true;
		w->rng.s ^= 0x5bd1e995;
		for (i = 0; i < 20; i++)
			run_op(w, (enum op[]){ OP_PUT, OP_GET, OP_LIST, OP_SEAL,
					       OP_UNSEAL }[below(&w->rng, 5)]);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		report(w, "forked child died (status %#x)", status);
}

static void run_op(struct worker *w, enum op op)
{
	w->opname = op_names[op];
	atomic_fetch_add(&sh->nr[op], 1);
	switch (op) {
	case OP_PUT:
		op_put(w);
		break;
	case OP_GET:
		op_get(w);
		break;
	case OP_LIST:
		op_list(w);
		break;
	case OP_SEAL:
		op_seal(w, true);
		break;
	case OP_UNSEAL:
		op_seal(w, false);
		break;
	case OP_CREATE:
		op_create_delete(w, true);
		break;
	case OP_DELETE:
		op_create_delete(w, false);
		break;
	case OP_CREATE_TMP:
		op_create_tmp(w);
		break;
	case OP_RAW:
		op_raw(w);
		break;
	case OP_MISC:
		op_misc(w);
		break;
	case OP_SYSFS:
		op_sysfs(w);
		break;
	case OP_CLOSE:
		op_close(w);
		break;
	case OP_TRUNC:
		op_trunc(w);
		break;
	case OP_PARAM:
		op_param(w);
		break;
	case OP_RMMOD:
		op_rmmod(w);
		break;
	case OP_INSMOD:
		op_insmod(w);
		break;
	default:
		op_fork(w);
		break;
	}
}

static enum op pick_op(struct worker *w)
{
	unsigned int total = 0, x, i;

	for (i = 0; i < NR_OPS; i++)
		total += op_weight[i];
	x = below(&w->rng, total);
	for (i = 0; i < NR_OPS; i++) {
		if (x < op_weight[i])
			return i;
		x -= op_weight[i];
	}
	return OP_LIST;
}

static void *map_or_die(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		_exit(3);
	}
	return p;
}

static void worker_init(struct worker *w, int proc, int thread)
{
	int p[2], s[2], i;

	memset(w, 0, sizeof(*w));
	w->proc = proc;
	w->thread = thread;
	w->rng.s = sh->cfg.seed ^ ((uint64_t)(proc * 256 + thread + 1) * 0x9e3779b97f4a7c15ULL);
	rnd(&w->rng);
	w->ctl = -1;
	for (i = 0; i < NR_POOL_BOXES; i++)
		w->box[i] = -1;
	for (i = 0; i < NR_KINDS; i++)
		w->other[i] = -1;
	w->ko = open(FDBOX_MODULE, O_RDONLY | O_CLOEXEC);
	w->guard = map_or_die(2 * 4096, PROT_READ | PROT_WRITE);
	mprotect(w->guard + 4096, 4096, PROT_NONE);
	w->ro = map_or_die(4096, PROT_READ);
	w->buf = map_or_die(2 * 4096, PROT_READ | PROT_WRITE);
	/* The scratch area ends in a guard page: overruns fault, not corrupt. */
	w->scratch = map_or_die(SCRATCH_SIZE + 4096, PROT_READ | PROT_WRITE);
	mprotect(w->scratch + SCRATCH_SIZE, 4096, PROT_NONE);

	if (!pipe2(p, O_CLOEXEC)) {
		i = below(&w->rng, 2);
		w->other[K_PIPE] = p[i];
		close(p[!i]);
	}
	if (!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s)) {
		w->other[K_SOCK] = s[0];
		close(s[1]);
	}
	w->other[K_TIMERFD] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	w->other[K_TMPFILE] = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	w->other[K_DEVNULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	w->other[K_DIR] = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	w->other[K_PROC] = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	w->other[K_EPOLL] = epoll_create1(EPOLL_CLOEXEC);
	w->other[K_OPATH] = open("/dev/null", O_PATH | O_CLOEXEC);
	{
		ino_t ino;

		w->other[K_MEMFD_RO] = new_memfd(w, K_MEMFD_RO, &ino);
	}
}

static void worker_close_fdbox_files(struct worker *w)
{
	int i;

	if (w->ctl >= 0)
		close(w->ctl);
	w->ctl = -1;
	for (i = 0; i < NR_POOL_BOXES; i++) {
		if (w->box[i] >= 0)
			close(w->box[i]);
		w->box[i] = -1;
	}
}

static void worker_fini(struct worker *w)
{
	int i;

	worker_close_fdbox_files(w);
	while (w->nheld)
		close(w->held[--w->nheld]);
	for (i = 0; i < NR_KINDS; i++)
		if (w->other[i] >= 0 && close(w->other[i]))
			report(w, "close of own fd %d (kind %d): %s", w->other[i],
			       i, strerror(errno));
	if (w->ko >= 0)
		close(w->ko);
}

/* ------------------------------------------------------------------ */
/* consistency of listing, nodes and sysfs                            */

static int fdbox_check_name_user(const __u8 *name)
{
	size_t len = strnlen((const char *)name, FDBOX_NAME_LEN), i;

	if (!len || len == FDBOX_NAME_LEN)
		return -EINVAL;
	if (!strcmp((const char *)name, ".") || !strcmp((const char *)name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!strchr(name_chars, name[i]))
			return -EINVAL;
	return 0;
}

struct listing {
	struct fdbox_list l;
	struct fdbox_box_info *boxes;
	struct fdbox_fd_info *fds;
};

static int get_listing(int fd, struct listing *ls)
{
	__u32 nb = 0, nf = 0;
	int err, tries;

	memset(ls, 0, sizeof(*ls));
	for (tries = 0; tries < 5; tries++) {
		free(ls->boxes);
		free(ls->fds);
		ls->boxes = calloc(nb + 1, sizeof(*ls->boxes));
		ls->fds = calloc(nf + 1, sizeof(*ls->fds));
		err = fdbox_list(fd, &ls->l, ls->boxes, nb, ls->fds, nf);
		if (err)
			return err;
		if (ls->l.nr_boxes <= nb && ls->l.nr_fds <= nf)
			return 0;
		nb = ls->l.nr_boxes + 8;
		nf = ls->l.nr_fds + 64;
	}
	return -EAGAIN;
}

static void free_listing(struct listing *ls)
{
	free(ls->boxes);
	free(ls->fds);
}

static bool listed(const struct listing *ls, const char *name)
{
	__u32 i;

	for (i = 0; i < ls->l.nr_boxes; i++)
		if (!strcmp((char *)ls->boxes[i].name, name))
			return true;
	return false;
}

/* Every entry of @dir but @skip must be a listed box; returns the count. */
static int dir_matches(const struct listing *ls, const char *dir,
		       const char *skip, char *why, size_t len)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (skip && !strcmp(e->d_name, skip)))
			continue;
		if (!listed(ls, e->d_name)) {
			snprintf(why, len, "%s/%.60s is no listed box", dir, e->d_name);
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	return n;
}

/*
 * With nothing else running: does every listed box have its node and sysfs
 * entries with the same numbers, and nothing else? 0 or -1 with @why.
 */
static int check_state(char *why, size_t len)
{
	static const char *const states[] = { "?", "open", "sealed", "restored" };
	struct listing ls, one;
	__u32 i, j, k, idx = 0;
	int ctl, err, n, ret = -1;

	ctl = fdbox_ctl_open();
	if (ctl < 0) {
		snprintf(why, len, "open control device: %s", strerror(-ctl));
		return -1;
	}
	err = get_listing(ctl, &ls);
	close(ctl);
	if (err) {
		snprintf(why, len, "list: %s", strerror(-err));
		return -1;
	}
	for (i = 0; i < ls.l.nr_boxes; i++) {
		struct fdbox_box_info *b = &ls.boxes[i];
		char path[FDBOX_NAME_LEN + 32], attr[64], name[FDBOX_NAME_LEN];
		unsigned long long sum = 0;
		unsigned int maj, min;
		struct stat st;
		int box;

		memcpy(name, b->name, sizeof(name));
		if (fdbox_check_name_user(b->name) || b->state < 1 || b->state > 3) {
			snprintf(why, len, "box %u: bad name or state %u", i, b->state);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (!strcmp((char *)ls.boxes[j].name, name)) {
				snprintf(why, len, "box '%.60s' listed twice", name);
				goto out;
			}
		if (b->fd_index != idx) {
			snprintf(why, len, "box '%.60s': fd_index %u, expected %u",
				 name, b->fd_index, idx);
			goto out;
		}
		for (j = idx; j < idx + b->nr_fds; j++) {
			sum += ls.fds[j].size;
			for (k = idx; k < j; k++)
				if (!strcmp((char *)ls.fds[k].name, (char *)ls.fds[j].name)) {
					snprintf(why, len, "box '%.60s': fd '%.60s' twice",
						 name, ls.fds[j].name);
					goto out;
				}
		}
		idx += b->nr_fds;
		if (sum != b->bytes) {
			snprintf(why, len, "box '%.60s': bytes %llu, fds sum to %llu",
				 name, (unsigned long long)b->bytes, sum);
			goto out;
		}
		if (fdbox_sysfs(name, "state", attr, sizeof(attr)) ||
		    strcmp(attr, states[b->state])) {
			snprintf(why, len, "box '%.60s': sysfs state '%s', listed %u",
				 name, attr, b->state);
			goto out;
		}
		if (fdbox_sysfs(name, "nr_fds", attr, sizeof(attr)) ||
		    strtoul(attr, NULL, 10) != b->nr_fds) {
			snprintf(why, len, "box '%.60s': sysfs nr_fds '%s', listed %u",
				 name, attr, b->nr_fds);
			goto out;
		}
		if (fdbox_sysfs(name, "bytes", attr, sizeof(attr)) ||
		    strtoull(attr, NULL, 10) != b->bytes) {
			snprintf(why, len, "box '%.60s': sysfs bytes '%s', listed %llu",
				 name, attr, (unsigned long long)b->bytes);
			goto out;
		}
		if (fdbox_sysfs(name, "dev", attr, sizeof(attr)) ||
		    sscanf(attr, "%u:%u", &maj, &min) != 2) {
			snprintf(why, len, "box '%.60s': no sysfs dev", name);
			goto out;
		}
		snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%s", name);
		if (stat(path, &st) || !S_ISCHR(st.st_mode) ||
		    major(st.st_rdev) != maj || minor(st.st_rdev) != min) {
			snprintf(why, len, "box '%.60s': node missing or not %u:%u",
				 name, maj, min);
			goto out;
		}
		box = open(path, O_RDWR | O_CLOEXEC);
		if (box < 0) {
			snprintf(why, len, "box '%.60s': open: %s", name, strerror(errno));
			goto out;
		}
		err = get_listing(box, &one);
		close(box);
		if (err || one.l.nr_boxes != 1 || one.l.nr_fds != b->nr_fds ||
		    memcmp(one.boxes, b, offsetof(struct fdbox_box_info, fd_index)) ||
		    (b->nr_fds && memcmp(one.fds, &ls.fds[b->fd_index],
					 b->nr_fds * sizeof(*one.fds)))) {
			snprintf(why, len, "box '%.60s': its own listing differs (%d)",
				 name, err);
			free_listing(&one);
			goto out;
		}
		free_listing(&one);
	}
	if (idx != ls.l.nr_fds) {
		snprintf(why, len, "fd counts sum to %u, listed %u", idx, ls.l.nr_fds);
		goto out;
	}
	n = dir_matches(&ls, FDBOX_SYS_CLASS, NULL, why, len);
	if (n < 0)
		goto out;
	if ((__u32)n != ls.l.nr_boxes) {
		snprintf(why, len, "%d boxes in sysfs, %u listed", n, ls.l.nr_boxes);
		goto out;
	}
	n = dir_matches(&ls, FDBOX_DEV_DIR, "fdbox", why, len);
	if (n < 0)
		goto out;
	if ((__u32)n != ls.l.nr_boxes) {
		snprintf(why, len, "%d box nodes, %u listed", n, ls.l.nr_boxes);
		goto out;
	}
	ret = 0;
out:
	free_listing(&ls);
	return ret;
}

/* Unseal and delete every box. 0 or -1 with @why. */
static int delete_all(char *why, size_t len)
{
	struct listing ls;
	__u32 i;
	int ctl, err, box;

	ctl = fdbox_ctl_open();
	if (ctl < 0) {
		snprintf(why, len, "open control device: %s", strerror(-ctl));
		return -1;
	}
	err = get_listing(ctl, &ls);
	if (err) {
		snprintf(why, len, "list: %s", strerror(-err));
		close(ctl);
		return -1;
	}
	for (i = 0; i < ls.l.nr_boxes; i++) {
		const char *name = (char *)ls.boxes[i].name;

		if (ls.boxes[i].state != FDBOX_STATE_OPEN) {
			box = fdbox_box_open(name);
			err = box < 0 ? box : fdbox_unseal(box);
			if (box >= 0)
				close(box);
			if (err) {
				snprintf(why, len, "unseal '%.60s': %s", name, strerror(-err));
				break;
			}
		}
		err = fdbox_delete(ctl, name);
		if (err) {
			snprintf(why, len, "delete '%.60s': %s", name, strerror(-err));
			break;
		}
	}
	free_listing(&ls);
	close(ctl);
	return err ? -1 : 0;
}

static void restore_params(void)
{
	param_write("max_boxes", "256");
	param_write("max_fds_per_box", "1024");
	param_write("max_bytes", "0");
}

/* The leader, between rounds, with every other worker waiting. */
static void quiescent_checks(struct worker *w, bool last)
{
	char why[256];
	int ret;

	w->opname = "quiescent-check";
	if (access("/sys/module/fdbox", F_OK)) {
		ret = sys_insmod(w->ko);
		if (ret)
			report(w, "insmod after a racy rmmod: %s", strerror(-ret));
	}
	restore_params();
	if (check_state(why, sizeof(why)))
		report(w, "state: %s", why);
	if (last || !sh->cfg.unload || !one_in(&w->rng, 3))
		return;
	atomic_fetch_add(&sh->teardowns, 1);
	if (delete_all(why, sizeof(why))) {
		report(w, "delete all: %s", why);
		return;
	}
	ret = sys_rmmod();
	if (ret) {
		report(w, "rmmod with no box and no open file: %s", strerror(-ret));
		return;
	}
	atomic_fetch_add(&sh->unloads, 1);
	if (!access(FDBOX_CTL, F_OK) || !access(FDBOX_SYS_CLASS, F_OK))
		report(w, "control node or sysfs class left after rmmod");
	ret = sys_insmod(w->ko);
	if (ret)
		report(w, "insmod: %s", strerror(-ret));
	if (check_state(why, sizeof(why)))
		report(w, "state after reload: %s", why);
}

struct thread_arg {
	int proc, thread;
	unsigned long ops;
};

static void *worker_thread(void *arg)
{
	struct thread_arg *ta = arg;
	unsigned long done = 0, n;
	struct worker *w = calloc(1, sizeof(*w));
	bool leader = ta->proc == 0 && ta->thread == 0;

	worker_init(w, ta->proc, ta->thread);
	while (done < ta->ops) {
		n = ta->ops - done < ROUND_OPS ? ta->ops - done : ROUND_OPS;
		atomic_fetch_add(&sh->ops_done, n);
		for (; n; n--, done++) {
			w->op = done;
			run_op(w, pick_op(w));
		}
		worker_close_fdbox_files(w);
		pthread_barrier_wait(&sh->round_a);
		if (leader) {
			atomic_fetch_add(&sh->rounds, 1);
			quiescent_checks(w, done >= ta->ops);
		}
		pthread_barrier_wait(&sh->round_b);
	}
	worker_fini(w);
	free(w);
	return NULL;
}

static void worker_process(int proc)
{
	struct thread_arg ta[MAX_WORKERS];
	pthread_t th[MAX_WORKERS];
	int i, before, after;
	unsigned long per = sh->cfg.ops / (sh->cfg.procs * sh->cfg.threads);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	before = fd_count();
	for (i = 0; i < sh->cfg.threads; i++) {
		ta[i] = (struct thread_arg){ proc, i, per ? per : 1 };
		if (pthread_create(&th[i], NULL, worker_thread, &ta[i]))
			_exit(4);
	}
	for (i = 0; i < sh->cfg.threads; i++)
		pthread_join(th[i], NULL);
	after = fd_count();
	if (after != before) {
		atomic_fetch_add(&sh->fd_leaks, after - before);
		fprintf(stderr, "# worker %d: %d descriptors before, %d after\n",
			proc, before, after);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* the tests                                                          */

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	if (access(FDBOX_CTL, F_OK) && access("/sys/module/fdbox", F_OK))
		SKIP(return, "fdbox.ko not loaded");
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, random_ioctls_get_only_the_results_the_spec_allows, 86400)
{
	struct config *c = &sh->cfg;
	pthread_barrierattr_t ba;
	pid_t pids[MAX_WORKERS];
	struct timespec t0, t1;
	int i, status, failed = 0;
	double secs;

	read_config(c);
	printf("# fuzz: FDBOX_FUZZ_SEED=%#llx FDBOX_FUZZ_OPS=%lu procs=%d threads=%d unload=%d (%s kernel)\n",
	       (unsigned long long)c->seed, c->ops, c->procs, c->threads,
	       c->unload, c->debug ? "debug" : "normal");
	fflush(stdout);
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sh->round_a, &ba, c->procs * c->threads);
	pthread_barrier_init(&sh->round_b, &ba, c->procs * c->threads);
	sh->ran = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < c->procs; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			worker_process(i);
	}
	for (i = 0; i < c->procs; i++) {
		pid_t pid = wait(&status);
		int j;

		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		/* The others would wait for it at the next round: stop them. */
		TH_LOG("worker pid %d died: status %#x", pid, status);
		failed = 1;
		for (j = 0; j < c->procs; j++)
			if (pids[j] != pid)
				kill(pids[j], SIGKILL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# fuzz: %ld ops in %.1f s (%.0f/s), %ld rounds, %ld teardowns with rmmod, %ld racy rmmods\n",
	       atomic_load(&sh->ops_done), secs, atomic_load(&sh->ops_done) / secs,
	       atomic_load(&sh->rounds), atomic_load(&sh->unloads),
	       atomic_load(&sh->racy_unloads));
	for (i = 0; i < NR_OPS; i++)
		printf("#   %-13s %ld\n", op_names[i], atomic_load(&sh->nr[i]));
	for (i = 0; i < atomic_load(&sh->nmsgs) && i < MAX_MSGS; i++)
		printf("# unexpected: %s\n", sh->msgs[i]);
	if (atomic_load(&sh->unexpected))
		printf("# %ld unexpected results; reproduce with FDBOX_FUZZ_SEED=%#llx FDBOX_FUZZ_OPS=%lu FDBOX_FUZZ_PROCS=%d FDBOX_FUZZ_THREADS=%d\n",
		       atomic_load(&sh->unexpected), (unsigned long long)c->seed,
		       c->ops, c->procs, c->threads);
	fflush(stdout);
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, atomic_load(&sh->unexpected));
}

TEST_F(fuzz, workers_leaked_no_descriptors)
{
	if (!sh->ran)
		SKIP(return, "the fuzzer did not run");
	EXPECT_EQ(0, atomic_load(&sh->fd_leaks));
}

TEST_F(fuzz, listing_nodes_and_sysfs_agree_after_fuzzing)
{
	char why[256] = "";

	if (access("/sys/module/fdbox", F_OK))
		ASSERT_EQ(0, sys_insmod(open(FDBOX_MODULE, O_RDONLY | O_CLOEXEC)));
	restore_params();
	EXPECT_EQ(0, check_state(why, sizeof(why))) TH_LOG("%s", why);
}

static const char *const log_patterns[] = {
	"BUG:", "WARNING:", "Oops", "Kernel panic", "KASAN", "UBSAN",
	"new suspected", "possible recursive locking",
	"possible circular locking", "inconsistent lock state",
	"sleeping function called", "general protection fault",
	"list_add corruption", "list_del corruption", NULL
};

TEST_F(fuzz, kernel_log_has_no_oops_warning_or_sanitizer_report)
{
	int size = klogctl(10, NULL, 0), n, i, bad = 0;
	char *buf, *line, *save;

	ASSERT_LT(0, size);
	buf = calloc(1, size + 1);
	ASSERT_NE(NULL, buf);
	n = klogctl(3, buf, size);
	ASSERT_LE(0, n);
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (i = 0; log_patterns[i]; i++)
			if (strstr(line, log_patterns[i])) {
				if (bad++ < 20)
					TH_LOG("%s", line);
				break;
			}
	free(buf);
	EXPECT_EQ(0, bad);
}

TEST_F(fuzz, deleting_every_box_lets_rmmod_and_insmod_succeed)
{
	char why[256] = "";
	int ko;

	ASSERT_EQ(0, delete_all(why, sizeof(why))) TH_LOG("%s", why);
	ko = open(FDBOX_MODULE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ko);
	ASSERT_EQ(0, sys_rmmod());
	EXPECT_NE(0, access("/sys/module/fdbox", F_OK));
	EXPECT_NE(0, access(FDBOX_CTL, F_OK));
	EXPECT_NE(0, access(FDBOX_SYS_CLASS, F_OK));
	ASSERT_EQ(0, sys_insmod(ko));
	close(ko);
	EXPECT_EQ(0, check_state(why, sizeof(why))) TH_LOG("%s", why);
}

TEST_HARNESS_MAIN
