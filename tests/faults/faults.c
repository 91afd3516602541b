// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: every FDBox operation under allocation failures.
 *
 * Systematic part: for each operation, fail the 1st, 2nd, ... n-th
 * allocation the ioctl makes (/proc/thread-self/fail-nth, slab and page
 * allocations, sleeping ones included) until the operation runs without
 * reaching the injected failure. Every call must either succeed, leaving
 * exactly what a successful call leaves, or fail with ENOMEM leaving the
 * box, the listing, sysfs, device nodes and the caller's descriptors as
 * they were; and at least one failure must have been injected, or the
 * operation was not tested (UNSEAL of a box sealed in this kernel makes
 * no allocation: there the test proves that it has no fault point). GET_FD allocates only when the caller's
 * descriptor table is full and must grow, so it runs with a full table.
 * Random part: many operations with a share of all allocations of this
 * task failing (failslab and fail_page_alloc in task-filter mode); some
 * must fail with ENOMEM. Leaks: the kmemleak scan that runs after this
 * program (zz-kmemleak).
 *
 * Needs CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and
 * FAULT_INJECTION_DEBUG_FS (the debug kernel); elsewhere every test SKIPs.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"
#include "fault_inject.h"

#define SNAP_LEN	16384
#define MAX_NTH		5000

static bool exists(const char *fmt, const char *name)
{
	char path[FDBOX_NAME_LEN + 64];

	snprintf(path, sizeof(path), fmt, name);
	return access(path, F_OK) == 0;
}

/* ------------------------------------------------------------------ */

struct ctx;

/*
 * One operation under test. @setup brings the world to the state before
 * the call (without injection), @run is the one call, @undo takes a
 * successful call back; @check verifies a result beyond the snapshot
 * (return a message or NULL). @arm, if set, runs right before the call
 * and @disarm right after it, before anything is compared.
 */
struct fault_op {
	const char *name;
	void (*setup)(struct ctx *c);
	void (*arm)(struct ctx *c);
	void (*disarm)(struct ctx *c);
	int (*run)(struct ctx *c);
	void (*undo)(struct ctx *c, int ret);
	const char *(*check)(struct ctx *c, int ret);
	bool cannot_fail;
	bool no_alloc;		/* allocates nothing: no fault point */
};

struct ctx {
	struct __test_metadata *meta;
	int ctl;
	int box;
	int memfd;
	ino_t memfd_ino;
	struct fdbox_list list;
	struct fdbox_box_info boxes[8];
	struct fdbox_fd_info fds[16];
	char before[SNAP_LEN];
	char success[SNAP_LEN];
	char now[SNAP_LEN];
	unsigned int points;	/* fault points of a clean run */
	unsigned int failed;	/* injected runs that failed */
	unsigned int tolerated;	/* injected runs that still succeeded */
	int fill[4096];		/* descriptors that fill the table (GET_FD) */
	int nr_fill;
	int fill_size;		/* of the table they fill */
	char why[2048];
};

#define BOX	"faults"
#define BOX2	"faults-new"

static int snap(struct ctx *c, char *out)
{
	int err = fdbox_snapshot(c->ctl, out, SNAP_LEN);

	if (err)
		snprintf(out, SNAP_LEN, "snapshot failed: %s", strerror(-err));
	return err;
}

static int put_memfd(int box, const char *name, size_t size, int fill)
{
	int fd = memfd_with(name, size, fill, 0), err;

	if (fd < 0)
		return fd;
	err = fdbox_put(box, fd, name);
	if (err)
		close(fd);
	return err;
}

/* The box BOX, open, with three memfds of different shapes. */
static void setup_box(struct ctx *c)
{
	int box = fdbox_box_open(BOX);

	if (box < 0) {
		fdbox_create(c->ctl, BOX);
		box = fdbox_box_open(BOX);
		put_memfd(box, "small", 4096, 0x11);
		put_memfd(box, "large", 1 << 20, 0x22);
		put_memfd(box, "empty", 0, 0);
		put_memfd(box, "last", 8192, 0x77);
	}
	fdbox_unseal(box);
	if (c->box >= 0)
		close(c->box);
	c->box = box;
}

/* Run @op with the 1st, 2nd, ... fault point failing. */
static int run_faults(struct ctx *c, const struct fault_op *op)
{
	unsigned int n;
	int ret, fds;
	bool injected;
	const char *msg;

	/* A clean run: what success leaves. */
	op->setup(c);
	if (snap(c, c->before))
		goto bad_snap;
	set_nth(0);
	if (op->arm)
		op->arm(c);
	ret = op->run(c);
	if (op->disarm)
		op->disarm(c);
	if (ret < 0) {
		snprintf(c->why, sizeof(c->why), "%s without injection: %s",
			 op->name, strerror(-ret));
		return -1;
	}
	if (snap(c, c->success))
		goto bad_snap;
	msg = op->check ? op->check(c, ret) : NULL;
	if (msg) {
		snprintf(c->why, sizeof(c->why), "%s without injection: %s",
			 op->name, msg);
		return -1;
	}
	op->undo(c, ret);

	for (n = 1; n <= MAX_NTH; n++) {
		op->setup(c);
		if (snap(c, c->now))
			goto bad_snap;
		if (strcmp(c->now, c->before)) {
			snprintf(c->why, sizeof(c->why),
				 "%s: setup does not give the same state:\n%.900s---\n%.900s",
				 op->name, c->before, c->now);
			return -1;
		}
		fds = fd_count();
		if (op->arm)
			op->arm(c);
		set_nth(n);
		ret = op->run(c);
		injected = nth_injected();
		if (op->disarm)
			op->disarm(c);
		if (snap(c, c->now))
			goto bad_snap;
		if (ret >= 0) {
			if (strcmp(c->now, c->success)) {
				snprintf(c->why, sizeof(c->why),
					 "%s, fault point %u: success left a different state:\n%.900s---\n%.900s",
					 op->name, n, c->success, c->now);
				return -1;
			}
			msg = op->check ? op->check(c, ret) : NULL;
			if (msg) {
				snprintf(c->why, sizeof(c->why),
					 "%s, fault point %u, success: %s",
					 op->name, n, msg);
				return -1;
			}
			c->tolerated += injected;
			op->undo(c, ret);
		} else {
			if (op->cannot_fail || ret != -ENOMEM) {
				snprintf(c->why, sizeof(c->why),
					 "%s, fault point %u: %s", op->name, n,
					 strerror(-ret));
				return -1;
			}
			if (strcmp(c->now, c->before)) {
				snprintf(c->why, sizeof(c->why),
					 "%s, fault point %u: failure changed the state:\n%.900s---\n%.900s",
					 op->name, n, c->before, c->now);
				return -1;
			}
			msg = op->check ? op->check(c, ret) : NULL;
			if (msg) {
				snprintf(c->why, sizeof(c->why),
					 "%s, fault point %u, failure: %s",
					 op->name, n, msg);
				return -1;
			}
			if (fd_count() != fds) {
				snprintf(c->why, sizeof(c->why),
					 "%s, fault point %u: failure changed the descriptors (%d, now %d)",
					 op->name, n, fds, fd_count());
				return -1;
			}
			c->failed++;
		}
		if (!injected)
			break;
	}
	c->points = n - 1;
	if (n > MAX_NTH) {
		snprintf(c->why, sizeof(c->why), "%s: more than %d fault points",
			 op->name, MAX_NTH);
		return -1;
	}
	return 0;

bad_snap:
	snprintf(c->why, sizeof(c->why), "%s: %.900s", op->name, c->now);
	return -1;
}

/* ---- CREATE_BOX ------------------------------------------------------ */

static void create_setup(struct ctx *c)
{
	setup_box(c);
	fdbox_destroy(c->ctl, BOX2);
}

static int create_run(struct ctx *c)
{
	return fdbox_create(c->ctl, BOX2);
}

static void create_undo(struct ctx *c, int ret)
{
	(void)ret;
	fdbox_delete(c->ctl, BOX2);
}

static const char *create_check(struct ctx *c, int ret)
{
	int box;

	(void)c;
	/* A node anywhere but in /dev/fdbox is a stale node in waiting. */
	if (exists("/dev/%s", BOX2))
		return "a node /dev/" BOX2 " outside /dev/fdbox";
	if (ret < 0) {
		if (exists(FDBOX_DEV_DIR "/%s", BOX2) ||
		    exists(FDBOX_SYS_CLASS "/%s", BOX2))
			return "the node or sysfs directory of the box is left";
		return NULL;
	}
	if (!exists(FDBOX_DEV_DIR "/%s", BOX2))
		return "the box exists but has no node " FDBOX_DEV_DIR "/" BOX2;
	box = fdbox_box_open(BOX2);
	if (box < 0)
		return "the node of the new box cannot be opened";
	close(box);
	return NULL;
}

static const struct fault_op op_create = {
	.name = "CREATE_BOX",
	.setup = create_setup,
	.run = create_run,
	.undo = create_undo,
	.check = create_check,
};

/* ---- DELETE_BOX ------------------------------------------------------ */

static void delete_setup(struct ctx *c)
{
	int box;

	setup_box(c);
	box = fdbox_box_open(BOX2);
	if (box < 0) {
		fdbox_create(c->ctl, BOX2);
		box = fdbox_box_open(BOX2);
		put_memfd(box, "a", 8192, 0x33);
		put_memfd(box, "b", 4096, 0x44);
	}
	close(box);
}

static int delete_run(struct ctx *c)
{
	return fdbox_delete(c->ctl, BOX2);
}

static void delete_undo(struct ctx *c, int ret)
{
	(void)c;
	(void)ret;
}

static const char *delete_check(struct ctx *c, int ret)
{
	(void)c;
	if (ret < 0)
		return NULL;
	if (exists(FDBOX_DEV_DIR "/%s", BOX2))
		return "the node " FDBOX_DEV_DIR "/" BOX2 " is left after delete: the next box gets its minor, and whoever may open this node opens that box";
	if (exists(FDBOX_SYS_CLASS "/%s", BOX2))
		return "the sysfs directory is left after delete";
	return NULL;
}

static const struct fault_op op_delete = {
	.name = "DELETE_BOX",
	.setup = delete_setup,
	.run = delete_run,
	.undo = delete_undo,
	.check = delete_check,
	.cannot_fail = true,
};

/* ---- PUT_FD ---------------------------------------------------------- */

static void put_setup(struct ctx *c)
{
	struct stat st;
	int fd;

	setup_box(c);
	fd = fdbox_get(c->box, "new");
	if (fd >= 0)
		close(fd);
	if (c->memfd >= 0)
		close(c->memfd);
	c->memfd = memfd_with("new", 3 * 4096, 0x55, 0);
	fstat(c->memfd, &st);
	c->memfd_ino = st.st_ino;
}

static int put_run(struct ctx *c)
{
	return fdbox_put(c->box, c->memfd, "new");
}

static void put_undo(struct ctx *c, int ret)
{
	(void)ret;
	c->memfd = -1;
}

static const char *put_check(struct ctx *c, int ret)
{
	struct stat st;

	if (ret >= 0)
		return fcntl(c->memfd, F_GETFD) < 0 ? NULL :
		       "the descriptor is still open after a successful put";
	if (fstat(c->memfd, &st) || st.st_ino != c->memfd_ino)
		return "a failed put took the caller's descriptor";
	return NULL;
}

static const struct fault_op op_put = {
	.name = "PUT_FD",
	.setup = put_setup,
	.run = put_run,
	.undo = put_undo,
	.check = put_check,
};

/* ---- GET_FD ---------------------------------------------------------- */

/* Size of this process's descriptor table (FDSize), or -1. */
static int fd_table_size(void)
{
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");
	int size = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "FDSize: %d", &size) == 1)
			break;
	if (f)
		fclose(f);
	return size;
}

/*
 * GET_FD allocates nothing while the caller's descriptor table has a free
 * slot (get_unused_fd_flags() only allocates to grow the table): fill the
 * table to its last slot, so that the descriptor GET_FD reserves needs a
 * bigger table, and the growth is what fails.
 */
static void fill_fd_table(struct ctx *c)
{
	int size = fd_table_size(), fd;
	struct rlimit rl;

	c->nr_fill = 0;
	c->fill_size = size;
	if (size <= 0)
		return;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)size * 2) {
		rl.rlim_cur = size * 2;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	while (c->nr_fill < (int)(sizeof(c->fill) / sizeof(c->fill[0]))) {
		fd = dup(c->ctl);
		if (fd < 0)
			break;
		c->fill[c->nr_fill++] = fd;
		if (fd >= size - 1)
			break;
	}
}

static void unfill_fd_table(struct ctx *c)
{
	while (c->nr_fill > 0)
		close(c->fill[--c->nr_fill]);
}

/* The last fd of the box: putting it back gives the same listing. */
static int get_run(struct ctx *c)
{
	return fdbox_get(c->box, "last");
}

static void get_undo(struct ctx *c, int ret)
{
	fdbox_put(c->box, ret, "last");
}

static const char *get_check(struct ctx *c, int ret)
{
	(void)c;
	if (ret < 0)
		return NULL;
	if (memfd_check(ret, 8192, 0x77) != 1)
		return "the file got has other contents";
	if (!(fcntl(ret, F_GETFD) & FD_CLOEXEC))
		return "the descriptor got has no FD_CLOEXEC";
	return NULL;
}

static const struct fault_op op_get = {
	.name = "GET_FD",
	.setup = setup_box,
	.arm = fill_fd_table,
	.disarm = unfill_fd_table,
	.run = get_run,
	.undo = get_undo,
	.check = get_check,
};

/* ---- SEAL ------------------------------------------------------------ */

static int seal_run(struct ctx *c)
{
	return fdbox_seal(c->box);
}

static void seal_undo(struct ctx *c, int ret)
{
	(void)ret;
	fdbox_unseal(c->box);
}

static const char *seal_check(struct ctx *c, int ret)
{
	int err;

	if (ret >= 0)
		return NULL;
	/* Nothing stayed serialized: sealing again works, and undoes. */
	err = fdbox_seal(c->box);
	if (err) {
		snprintf(c->why, sizeof(c->why), "seal after a failed seal: %s",
			 strerror(-err));
		return c->why;
	}
	err = fdbox_unseal(c->box);
	return err ? "unseal after a failed seal failed" : NULL;
}

static const struct fault_op op_seal = {
	.name = "SEAL",
	.setup = setup_box,
	.run = seal_run,
	.undo = seal_undo,
	.check = seal_check,
};

/*
 * ---- UNSEAL (sealed in this kernel: cannot fail) ----------------------
 * It makes no allocation at all (withdrawing the handover only frees), so
 * no failure can be injected: the test proves there is no fault point. A
 * change that makes it allocate fails the test until each of its fault
 * points has been seen to be harmless and no_alloc is dropped. UNSEAL of a
 * handed-over box allocates; that is the unseal-faults suite.
 */

static void unseal_setup(struct ctx *c)
{
	setup_box(c);
	fdbox_seal(c->box);
}

static int unseal_run(struct ctx *c)
{
	return fdbox_unseal(c->box);
}

static void unseal_undo(struct ctx *c, int ret)
{
	(void)ret;
	fdbox_seal(c->box);
}

static const struct fault_op op_unseal = {
	.name = "UNSEAL",
	.setup = unseal_setup,
	.run = unseal_run,
	.undo = unseal_undo,
	.cannot_fail = true,
	.no_alloc = true,
};

/* ---- LIST ------------------------------------------------------------ */

static int list_run(struct ctx *c)
{
	return fdbox_list(c->ctl, &c->list, c->boxes, 8, c->fds, 16);
}

static void list_undo(struct ctx *c, int ret)
{
	(void)c;
	(void)ret;
}

static const char *list_check(struct ctx *c, int ret)
{
	__u32 i;

	if (ret < 0)
		return NULL;
	for (i = 0; i < c->list.nr_boxes && i < 8; i++)
		if (!strcmp((char *)c->boxes[i].name, BOX))
			return c->boxes[i].nr_fds == 4 ? NULL :
			       "the listing shows a wrong number of fds";
	return "the listing misses the box";
}

static const struct fault_op op_list = {
	.name = "LIST",
	.setup = setup_box,
	.run = list_run,
	.undo = list_undo,
	.check = list_check,
};

/* ------------------------------------------------------------------ */

FIXTURE(faults) {
	struct ctx c;
};

FIXTURE_SETUP(faults)
{
	memset(&self->c, 0, sizeof(self->c));
	self->c.ctl = self->c.box = self->c.memfd = -1;
	if (!have_fault_injection())
		SKIP(return, "no fault injection");
	self->c.ctl = fdbox_ctl_open();
	if (self->c.ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->c.ctl);
	ASSERT_EQ(0, setup_fault_attrs(0));
	ASSERT_EQ(0, open_nth());
	ASSERT_EQ(0, open_make_it_fail());
	fdbox_destroy(self->c.ctl, BOX);
	fdbox_destroy(self->c.ctl, BOX2);
}

FIXTURE_TEARDOWN(faults)
{
	if (nth_fd >= 0) {
		set_nth(0);
		close(nth_fd);
		nth_fd = -1;
	}
	if (mif_fd >= 0) {
		make_it_fail(false);
		close(mif_fd);
		mif_fd = -1;
	}
	setup_fault_attrs(0);
	if (self->c.box >= 0)
		close(self->c.box);
	if (self->c.memfd >= 0)
		close(self->c.memfd);
	if (self->c.ctl >= 0) {
		fdbox_destroy(self->c.ctl, BOX);
		fdbox_destroy(self->c.ctl, BOX2);
		close(self->c.ctl);
	}
}

#define FAULT_TEST(op)							\
	do {								\
		int __ret = run_faults(&self->c, &op);			\
									\
		TH_LOG("%s: %u fault points, %u failed cleanly, %u succeeded anyway", \
		       op.name, self->c.points, self->c.failed,		\
		       self->c.tolerated);				\
		ASSERT_EQ(0, __ret) TH_LOG("%s", self->c.why);		\
		if (op.no_alloc) {					\
			ASSERT_EQ(0U, self->c.points)			\
				TH_LOG("%s allocates now: check its failures, drop no_alloc", \
				       op.name);			\
		} else {						\
			ASSERT_LT(0U, self->c.points)			\
				TH_LOG("%s: no fault point was injected, no failure tested", \
				       op.name);			\
		}							\
	} while (0)

TEST_F_TIMEOUT(faults, create_under_allocation_failures_succeeds_or_changes_nothing, 1800)
{
	FAULT_TEST(op_create);
}

TEST_F_TIMEOUT(faults, delete_under_allocation_failures_removes_box_node_and_sysfs, 1800)
{
	FAULT_TEST(op_delete);
}

TEST_F_TIMEOUT(faults, put_under_allocation_failures_succeeds_or_changes_nothing, 1800)
{
	FAULT_TEST(op_put);
}

TEST_F_TIMEOUT(faults, get_under_allocation_failures_succeeds_or_changes_nothing, 1800)
{
	FAULT_TEST(op_get);
}

/* SEAL needs KHO: without it (kho=off, no scratch area) it is EOPNOTSUPP. */
static bool can_seal(struct ctx *c)
{
	setup_box(c);
	if (fdbox_seal(c->box) == -EOPNOTSUPP)
		return false;
	fdbox_unseal(c->box);
	return true;
}

TEST_F_TIMEOUT(faults, seal_under_allocation_failures_succeeds_or_stays_open, 1800)
{
	if (!can_seal(&self->c))
		SKIP(return, "SEAL is EOPNOTSUPP: no KHO in this kernel");
	FAULT_TEST(op_seal);
}

TEST_F_TIMEOUT(faults, unseal_under_allocation_failures_always_succeeds, 1800)
{
	if (!can_seal(&self->c))
		SKIP(return, "SEAL is EOPNOTSUPP: no KHO in this kernel");
	FAULT_TEST(op_unseal);
}

TEST_F_TIMEOUT(faults, list_under_allocation_failures_succeeds_or_changes_nothing, 1800)
{
	FAULT_TEST(op_list);
}

/*
 * GET_FD into a full descriptor table, in a fresh process (its table the
 * one embedded in files_struct): the table must grow, and when that
 * allocation fails GET_FD fails with ENOMEM and the file stays in the box.
 * Every fault point of the growth, and at least one must fail.
 */
TEST_F_TIMEOUT(faults, get_needing_a_bigger_fd_table_keeps_the_file_on_failure, 600)
{
	struct ctx *c = &self->c;
	int status, i, fd, failed = 0;
	bool injected;
	pid_t pid;

	setup_box(c);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* fail-nth of this process, not the parent's. */
		close(nth_fd);
		if (open_nth())
			_exit(9);
		for (i = 1; i < 200; i++) {
			fill_fd_table(c);
			if (!c->nr_fill ||
			    c->fill[c->nr_fill - 1] != c->fill_size - 1)
				_exit(10);	/* not full */
			set_nth(i);
			fd = fdbox_get(c->box, "small");
			injected = nth_injected();
			unfill_fd_table(c);
			if (!injected) {
				if (fd < 0)
					_exit(11);
				close(fd);
				/* 15: no failure was injected at all */
				_exit(failed ? 0 : 15);
			}
			if (fd >= 0) {
				if (memfd_check(fd, 4096, 0x11) != 1 ||
				    fdbox_put(c->box, fd, "small"))
					_exit(12);
				continue;
			}
			if (fd != -ENOMEM)
				_exit(13);
			failed++;
			/* Still in the box. */
			fd = fdbox_get(c->box, "small");
			if (fd < 0 || memfd_check(fd, 4096, 0x11) != 1 ||
			    fdbox_put(c->box, fd, "small"))
				_exit(14);
		}
		_exit(16);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s", (const char *[]){
			[9] = "cannot open fail-nth", [10] = "the table is not full",
			[11] = "GET_FD failed without injection",
			[12] = "a GET_FD that succeeded anyway got other contents",
			[13] = "GET_FD failed with an error other than ENOMEM",
			[14] = "the file is not in the box after a failed GET_FD",
			[15] = "no fault point was injected: the table did not grow",
			[16] = "more than 200 fault points" }[WEXITSTATUS(status) % 17] ?: "?");
}

/* ---- many operations with a share of all allocations failing --------- */

static unsigned int rnd32(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned int)*s;
}

TEST_F_TIMEOUT(faults, random_operations_with_ten_percent_of_allocations_failing, 3600)
{
	struct ctx *c = &self->c;
	uint64_t rng = 0x243f6a8885a308d3ULL;
	int i, ret, fd, ops = access("/sys/kernel/debug/kmemleak", F_OK) ? 3000 : 600;
	unsigned int nfail = 0, nok = 0;
	char name[16];

	if (getenv("FDBOX_FAULTS_OPS"))
		ops = atoi(getenv("FDBOX_FAULTS_OPS"));
	setup_box(c);
	ASSERT_EQ(0, setup_fault_attrs(10));
	for (i = 0; i < ops; i++) {
		unsigned int r = rnd32(&rng), what = r % 7;

		snprintf(name, sizeof(name), "r%u", (r >> 8) % 6);
		fd = what == 1 ? memfd_with("rand", 4096 * ((r >> 4) % 3), 0x66, 0) : -1;
		ASSERT_EQ(0, snap(c, c->before)) TH_LOG("%s", c->before);

		make_it_fail(true);
		switch (what) {
		case 0:
			ret = fdbox_create(c->ctl, BOX2);
			break;
		case 1:
			ret = fdbox_put(c->box, fd, name);
			break;
		case 2:
			ret = fdbox_get(c->box, name);
			break;
		case 3:
			ret = fdbox_seal(c->box);
			break;
		case 4:
			ret = fdbox_unseal(c->box);
			break;
		case 5:
			ret = fdbox_list(c->ctl, &c->list, c->boxes, 8, c->fds, 16);
			break;
		default:
			ret = fdbox_delete(c->ctl, BOX2);
			break;
		}
		make_it_fail(false);

		ASSERT_EQ(0, snap(c, c->now)) TH_LOG("%s", c->now);
		if (ret == -ENOMEM) {
			nfail++;
			ASSERT_STREQ(c->before, c->now) TH_LOG("op %d (%u) failed and changed the state", i, what);
			if (what == 1)
				ASSERT_LE(0, fcntl(fd, F_GETFD));
		} else {
			nok++;
			/* The errors the state explains. */
			switch (what) {
			case 0:
				ASSERT_TRUE(ret == 0 || ret == -EEXIST) TH_LOG("create: %d", ret);
				break;
			case 1:
				ASSERT_TRUE(ret == 0 || ret == -EEXIST || ret == -EBUSY) TH_LOG("put: %d", ret);
				break;
			case 2:
				ASSERT_TRUE(ret >= 0 || ret == -ENOENT || ret == -EBUSY) TH_LOG("get: %d", ret);
				break;
			case 3:
			case 4:
				ASSERT_TRUE(ret == 0 || ret == -EINVAL ||
					    (what == 3 && ret == -EOPNOTSUPP))
					TH_LOG("seal/unseal: %d", ret);
				break;
			case 5:
				ASSERT_EQ(0, ret);
				break;
			default:
				ASSERT_TRUE(ret == 0 || ret == -ENOENT) TH_LOG("delete: %d", ret);
				if (!ret)
					ASSERT_FALSE(exists(FDBOX_DEV_DIR "/%s", BOX2));
				break;
			}
			if (what == 0 && !ret)
				ASSERT_TRUE(exists(FDBOX_DEV_DIR "/%s", BOX2));
		}
		if (what == 2 && ret >= 0)
			close(ret);
		if (what == 1 && ret)
			close(fd);
	}
	setup_fault_attrs(0);
	TH_LOG("%d operations: %u failed with ENOMEM, %u did not", ops, nfail, nok);
	EXPECT_LT(0U, nfail) TH_LOG("no operation failed: nothing was injected");
}

/*
 * Module load with the n-th allocation failing: a failed insmod leaves no
 * device, class or sysfs entry, and the next insmod works. The loader makes
 * many allocations before the module's init runs; test the last ones
 * (fdbox_init's) all, and a sample of the earlier ones.
 */
static int sys_finit(int fd)
{
	return syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
}

static int sys_rmmod(void)
{
	return syscall(SYS_delete_module, "fdbox", O_NONBLOCK) ? -errno : 0;
}

TEST_F_TIMEOUT(faults, insmod_under_allocation_failures_loads_or_leaves_nothing, 3600)
{
	struct fdbox_list l;
	unsigned int total, n, step, loaded = 0, refused = 0;
	int ko, ret;
	char buf[16];
	struct stat st;

	/*
	 * Two kernel (not FDBox) bugs make this fail: misc_devnode() falls
	 * back to the bare name when kstrdup() fails, so /dev/fdbox becomes
	 * a char device and /dev/fdbox/fdbox cannot be made; kho_add_subtree()
	 * WARNs when its debugfs entry cannot be allocated.
	 */
	if (!getenv("FDBOX_FAULTS_INSMOD"))
		SKIP(return, "kernel bugs in misc_devnode() and kho_add_subtree() under ENOMEM; FDBOX_FAULTS_INSMOD=1 runs it");

	ASSERT_EQ(0, fdbox_list(self->c.ctl, &l, NULL, 0, NULL, 0));
	if (l.nr_boxes)
		SKIP(return, "%u boxes exist", l.nr_boxes);
	close(self->c.ctl);
	self->c.ctl = -1;
	ko = open(FDBOX_MODULE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ko);

	/* How many fault points does a clean load have? */
	ASSERT_EQ(0, sys_rmmod());
	set_nth(1000000);
	ret = sys_finit(ko);
	ASSERT_LT(0, pread(nth_fd, buf, sizeof(buf) - 1, 0));
	set_nth(0);
	ASSERT_EQ(0, ret);
	total = 1000000 - atoi(buf);
	TH_LOG("a clean insmod has %u fault points", total);

	step = total > 400 ? total / 100 : 1;
	for (n = 1; n <= total + 1; n += (n + 300 < total) ? step : 1) {
		ASSERT_EQ(0, sys_rmmod());
		set_nth(n);
		ret = sys_finit(ko);
		nth_injected();
		if (!ret) {
			loaded++;
			continue;
		}
		refused++;
		ASSERT_EQ(-ENOMEM, ret) TH_LOG("fault point %u: %s", n, strerror(-ret));
		ASSERT_NE(0, access("/sys/module/fdbox/initstate", F_OK)) TH_LOG("fault point %u", n);
		ASSERT_NE(0, access(FDBOX_CTL, F_OK)) TH_LOG("fault point %u", n);
		ASSERT_NE(0, access(FDBOX_SYS_CLASS, F_OK)) TH_LOG("fault point %u", n);
		ASSERT_EQ(0, sys_finit(ko)) TH_LOG("insmod after fault point %u", n);
		ASSERT_EQ(0, stat(FDBOX_DEV_DIR, &st));
		ASSERT_TRUE(S_ISDIR(st.st_mode)) TH_LOG("fault point %u: " FDBOX_DEV_DIR " is no directory", n);
	}
	TH_LOG("%u loads failed cleanly, %u succeeded anyway", refused, loaded);
	close(ko);
	self->c.ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->c.ctl);
}

TEST_HARNESS_MAIN
