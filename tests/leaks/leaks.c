// SPDX-License-Identifier: GPL-2.0
/*
 * Leaks: every FDBox path, run a few thousand times, must leave the kernel
 * with the memory it had. Unreclaimable slab (kmalloc'd boxes, fd entries,
 * listings) is watched through /proc/meminfo on any kernel; file references
 * through Shmem (a held memfd that is never released keeps its pages);
 * pinned pages (SEAL) through MemFree. On the debug kernel, KASAN's
 * quarantine makes slab numbers useless, so those checks are left to the
 * kmemleak scan that runs after this program (zz-kmemleak), which also
 * unloads the module first.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define BOX	"leaks"

static bool debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

/* Let freed objects settle (RCU-freed files, per-cpu caches). */
static void settle(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		sync();
		usleep(100 * 1000);
	}
}

FIXTURE(leaks) {
	int ctl;
	int box;
	int iters;
	long slab_before;
};

FIXTURE_SETUP(leaks)
{
	self->box = -1;
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	self->iters = debug_kernel() ? 200 : 3000;
	fdbox_destroy(self->ctl, BOX);
	ASSERT_EQ(0, fdbox_create(self->ctl, BOX));
	self->box = fdbox_box_open(BOX);
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(leaks)
{
	if (self->box >= 0)
		close(self->box);
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, BOX);
		close(self->ctl);
	}
}

/*
 * Unreclaimable slab may grow by noise only: 256 KiB over thousands of
 * iterations, where leaking one fd entry (kmalloc-512) per iteration
 * would be 1.5 MiB.
 */
#define SLAB_NOISE_KB	256

static void slab_mark(struct __test_metadata *_metadata, long *before)
{
	(void)_metadata;
	settle();
	*before = meminfo_kb("SUnreclaim");
}

#define SLAB_CHECK(before)						\
	do {								\
		long __after;						\
									\
		settle();						\
		__after = meminfo_kb("SUnreclaim");			\
		TH_LOG("SUnreclaim %ld kB before, %ld kB after", before, __after); \
		if (!debug_kernel())					\
			EXPECT_GE(before + SLAB_NOISE_KB, __after);	\
	} while (0)

TEST_F_TIMEOUT(leaks, create_delete_cycles_leave_no_slab, 600)
{
	long before;
	int i;

	slab_mark(_metadata, &before);
	for (i = 0; i < self->iters; i++) {
		ASSERT_EQ(0, fdbox_create(self->ctl, "leaks-cycle"));
		ASSERT_EQ(0, fdbox_delete(self->ctl, "leaks-cycle"));
	}
	SLAB_CHECK(before);
}

TEST_F_TIMEOUT(leaks, put_get_cycles_leave_no_slab_and_no_file, 600)
{
	long before, shmem;
	int i, fd;

	fd = memfd_with("cycle", 8 << 20, 0x31, 0);
	ASSERT_LE(0, fd);
	slab_mark(_metadata, &before);
	for (i = 0; i < self->iters; i++) {
		ASSERT_EQ(0, fdbox_put(self->box, fd, "cycle"));
		fd = fdbox_get(self->box, "cycle");
		ASSERT_LE(0, fd);
	}
	SLAB_CHECK(before);
	settle();
	shmem = meminfo_kb("Shmem");
	close(fd);
	settle();
	/* The last reference was ours: its 8 MiB are gone with it. */
	EXPECT_GE(shmem - 7 * 1024, meminfo_kb("Shmem"));
}

TEST_F_TIMEOUT(leaks, failed_puts_keep_no_reference_to_the_file, 600)
{
	struct fdbox_put_fd arg = { 0 };
	long shmem;
	int i, fd, other, sealed;

	other = memfd_with("taken", 4096, 0x32, 0);
	ASSERT_EQ(0, fdbox_put(self->box, other, "taken"));
	ASSERT_EQ(0, fdbox_create(self->ctl, "leaks-sealed"));
	sealed = fdbox_box_open("leaks-sealed");
	ASSERT_LE(0, sealed);
	if (fdbox_seal(sealed))
		SKIP(return, "SEAL does not work here");

	fd = memfd_with("victim", 8 << 20, 0x33, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < self->iters; i++) {
		/* Each error PUT_FD can give once the file is taken. */
		ASSERT_EQ(-EEXIST, fdbox_put(self->box, fd, "taken"));
		ASSERT_EQ(-EBUSY, fdbox_put(sealed, fd, "x"));
		ASSERT_EQ(-EINVAL, fdbox_put(self->box, fd, ".."));
		arg.fd = fd;
		arg.pad = 1;
		fdbox_set_name(arg.name, "pad");
		ASSERT_NE(0, ioctl(self->box, FDBOX_PUT_FD, &arg));
	}
	ASSERT_EQ(0, fdbox_param_set("max_bytes", 4096));
	ASSERT_EQ(-ENOSPC, fdbox_put(self->box, fd, "big"));
	ASSERT_EQ(0, fdbox_param_set("max_bytes", 0));
	ASSERT_EQ(0, fdbox_param_set("max_fds_per_box", 1));
	ASSERT_EQ(-EMFILE, fdbox_put(self->box, fd, "many"));
	ASSERT_EQ(0, fdbox_param_set("max_fds_per_box", 1024));
	settle();
	shmem = meminfo_kb("Shmem");
	close(fd);
	settle();
	/* Only the caller held the 8 MiB memfd: it is freed with its close. */
	EXPECT_GE(shmem - 7 * 1024, meminfo_kb("Shmem"));
	fdbox_unseal(sealed);
	close(sealed);
	fdbox_delete(self->ctl, "leaks-sealed");
}

TEST_F_TIMEOUT(leaks, bad_ioctls_leave_no_slab, 600)
{
	struct fdbox_get_fd get = { 0 };
	struct fdbox_list l;
	long before;
	int i;

	slab_mark(_metadata, &before);
	for (i = 0; i < self->iters; i++) {
		ASSERT_EQ(-ENOENT, fdbox_get(self->box, "missing"));
		ASSERT_EQ(-EEXIST, fdbox_create(self->ctl, BOX));
		ASSERT_EQ(-ENOENT, fdbox_delete(self->ctl, "missing"));
		ASSERT_EQ(-EBADF, fdbox_put(self->box, 999, "x"));
		get.flags = 1;
		ASSERT_NE(0, ioctl(self->box, FDBOX_GET_FD, &get));
		ASSERT_NE(0, ioctl(self->box, FDBOX_CREATE_BOX, NULL));
		ASSERT_NE(0, ioctl(self->ctl, FDBOX_GET_FD, (void *)1));
		ASSERT_EQ(-EINVAL, fdbox_unseal(self->box));
		memset(&l, 0, sizeof(l));
		l.size = 8;
		ASSERT_NE(0, ioctl(self->ctl, FDBOX_LIST, &l));
	}
	SLAB_CHECK(before);
}

TEST_F_TIMEOUT(leaks, list_cycles_leave_no_slab, 600)
{
	static struct fdbox_box_info boxes[64];
	static struct fdbox_fd_info fds[64];
	struct fdbox_list l;
	long before;
	int i, fd;

	for (i = 0; i < 16; i++) {
		char name[16];

		snprintf(name, sizeof(name), "l%d", i);
		fd = memfd_with(name, 4096, i, 0);
		ASSERT_EQ(0, fdbox_put(self->box, fd, name));
	}
	slab_mark(_metadata, &before);
	for (i = 0; i < self->iters; i++) {
		ASSERT_EQ(0, fdbox_list(self->ctl, &l, boxes, 64, fds, 64));
		ASSERT_EQ(0, fdbox_list(self->box, &l, boxes, 1, fds, 3));
		ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
		ASSERT_EQ(-EFAULT, fdbox_list(self->box, &l, (void *)8, 1, NULL, 0));
	}
	SLAB_CHECK(before);
}

/*
 * SEAL pins every page of every memfd and records it for handover; UNSEAL
 * in the same kernel must give all of it back, so that the memory is freed
 * when the file goes.
 */
TEST_F_TIMEOUT(leaks, seal_unseal_cycles_pin_nothing_for_good, 900)
{
	long free_before, free_after, before;
	int i, fd, cycles = debug_kernel() ? 20 : 200;

	fd = memfd_with("pinned", 64 << 20, 0x34, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "pinned"));
	if (fdbox_seal(self->box) == -EOPNOTSUPP)
		SKIP(return, "SEAL is EOPNOTSUPP here (no KHO)");
	ASSERT_EQ(0, fdbox_unseal(self->box));
	slab_mark(_metadata, &before);
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, fdbox_seal(self->box));
		ASSERT_EQ(0, fdbox_unseal(self->box));
	}
	SLAB_CHECK(before);
	fd = fdbox_get(self->box, "pinned");
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, memfd_check(fd, 64 << 20, 0x34));
	settle();
	free_before = meminfo_kb("MemFree");
	close(fd);
	settle();
	free_after = meminfo_kb("MemFree");
	TH_LOG("MemFree %ld kB before the close, %ld kB after", free_before,
	       free_after);
	/* Most of the 64 MiB come back (pinned pages would not). */
	EXPECT_LE(free_before + 48 * 1024, free_after);
}

/* A GET that finds no free descriptor keeps the file in the box. */
TEST_F(leaks, get_with_no_free_descriptor_is_emfile_and_keeps_the_file)
{
	struct rlimit rl = { 0 };
	int status, fd;
	pid_t pid;

	fd = memfd_with("kept", 4096, 0x35, 0);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "kept"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int n = 0, got;

		/* Fill the table up to a small limit. */
		rl.rlim_cur = rl.rlim_max = 16;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		while (open("/dev/null", O_RDONLY) >= 0)
			n++;
		got = fdbox_get(self->box, "kept");
		_exit(got == -EMFILE ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	fd = fdbox_get(self->box, "kept");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, memfd_check(fd, 4096, 0x35));
	close(fd);
}

/*
 * Load, use and unload the module many times: init and exit leave
 * nothing behind (slab here; kmemleak after on the debug kernel).
 */
TEST_F_TIMEOUT(leaks, module_reload_cycles_leave_no_slab, 900)
{
	struct fdbox_list l;
	int i, ko, ctl, box, fd, cycles = debug_kernel() ? 10 : 50;
	long before;

	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	if (l.nr_boxes > 1)
		SKIP(return, "%u boxes of others exist", l.nr_boxes);
	close(self->box);
	self->box = -1;
	ASSERT_EQ(0, fdbox_delete(self->ctl, BOX));
	close(self->ctl);
	self->ctl = -1;
	ko = open(FDBOX_MODULE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ko);

	/* One cycle first: the first unload frees what boot-time load made. */
	ASSERT_EQ(0, syscall(SYS_delete_module, "fdbox", O_NONBLOCK));
	ASSERT_EQ(0, syscall(SYS_finit_module, ko, "", 0));
	slab_mark(_metadata, &before);
	for (i = 0; i < cycles; i++) {
		ctl = fdbox_ctl_open();
		ASSERT_LE(0, ctl);
		ASSERT_EQ(0, fdbox_create(ctl, BOX));
		box = fdbox_box_open(BOX);
		ASSERT_LE(0, box);
		fd = memfd_with("reload", 4096, i, 0);
		ASSERT_EQ(0, fdbox_put(box, fd, "reload"));
		if (!fdbox_seal(box))
			ASSERT_EQ(0, fdbox_unseal(box));
		close(box);
		ASSERT_EQ(0, fdbox_delete(ctl, BOX));
		close(ctl);
		ASSERT_EQ(0, syscall(SYS_delete_module, "fdbox", O_NONBLOCK));
		ASSERT_EQ(0, syscall(SYS_finit_module, ko, "", 0));
	}
	SLAB_CHECK(before);
	close(ko);
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
}

TEST_HARNESS_MAIN
