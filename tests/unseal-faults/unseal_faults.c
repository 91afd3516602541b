// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures while a handed-over box is restored.
 *
 * Stage 1 seals box "uf" holding memfds of every shape the restore treats
 * differently: empty, one page, 8 MiB of order-0 folios (256 batches of the
 * zero-copy path, a page allocation per folio on the module-only path),
 * sparse, written while shmem made 2 MiB folios (copied on the module-only
 * path), and sealed.
 *
 * Stage 2 unseals it with a share of this task's allocations failing
 * (failslab and fail_page_alloc, make-it-fail), call after call, until one
 * gets through: each call fails somewhere else, and a restore resumes where
 * the failed call stopped. Every call must either succeed or fail with
 * ENOMEM (ENOSPC when tmpfs could not allocate an inode), leaving the box
 * sealed (GET_FD: EBUSY) and the
 * caller's descriptors as they were. Once UNSEAL succeeds, every memfd has
 * its size, seals, blocks and every byte; once they are closed, Shmem is
 * back where it was (nothing of the failed calls left over or counted
 * twice); the kernel log is clean. The kmemleak scan after this program
 * finds what a failed call leaked. Without fault injection (the normal
 * kernel) stage 2 unseals once and runs the same checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"
#include "fault_inject.h"

#define MiB		(1024LL * 1024)
#define BOX		"uf"
#define SHMEM_SLACK_KB	512
#define MAX_CALLS	20000U
/*
 * Share of allocations failing: the module-only path allocates a page per
 * folio (thousands of fault points), zero-copy only page-cache nodes and
 * bookkeeping (dozens); either way a few dozen calls fail.
 */
#define FAIL_PERCENT_MODULE_ONLY	3
#define FAIL_PERCENT_ZERO_COPY		20

struct shape {
	const char *name;
	long long size;
	long long hole_off, hole_len;	/* a hole punched after writing */
	unsigned int seals;
	bool huge;			/* written with shmem_enabled=always */
};

static const struct shape shapes[] = {
	{ "empty", 0, 0, 0, 0, false },
	{ "page", 4096, 0, 0, 0, false },
	{ "order0", 8 * MiB, 0, 0, 0, false },
	{ "sparse", 6 * MiB + 123, 1 * MiB, 3 * MiB, 0, false },
	{ "huge", 4 * MiB, 0, 0, 0, true },
	{ "sealed", 64 * 1024 + 5, 0, 0, F_SEAL_GROW | F_SEAL_SHRINK, false },
};

#define NR_SHAPES	(sizeof(shapes) / sizeof(shapes[0]))

static uint64_t seed_of(const struct shape *s)
{
	return 0x5eed0000ULL + (uint64_t)s->size * 31 + strlen(s->name);
}

static long long data_bytes(const struct shape *s)
{
	return s->size - s->hole_len;
}

static int make_shape(const struct shape *s)
{
	char mode[32] = "";
	int fd, err = 0;

	fd = memfd_create(s->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (s->huge && (thp_shmem_mode(mode, sizeof(mode)) ||
			write_text(THP_SHMEM, "always")))
		mode[0] = 0;
	if (ftruncate(fd, s->size) || pattern_fill_fd(fd, seed_of(s), s->size))
		err = -errno ?: -EIO;
	if (mode[0])
		write_text(THP_SHMEM, mode);
	if (!err && s->hole_len &&
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      s->hole_off, s->hole_len))
		err = -errno;
	if (!err && s->seals && fcntl(fd, F_ADD_SEALS, s->seals))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Every byte of @s in @fd: the pattern around the hole, zeroes in it. */
static long long check_shape(int fd, const struct shape *s)
{
	long long bad, i;
	char page[4096];

	if (!s->hole_len)
		return pattern_check_fd(fd, seed_of(s), s->size);
	bad = pattern_check_range(fd, seed_of(s), 0, s->hole_off);
	if (bad >= 0)
		return bad;
	for (i = s->hole_off; i < s->hole_off + s->hole_len; i += sizeof(page)) {
		if (pread(fd, page, sizeof(page), i) != sizeof(page))
			return i;
		if (page[0] || memcmp(page, page + 1, sizeof(page) - 1))
			return i;
	}
	return pattern_check_range(fd, seed_of(s), i, s->size - i);
}

FIXTURE(stage1) {
	int ctl;
};

FIXTURE_SETUP(stage1)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->ctl);
}

TEST_F(stage1, seal_box)
{
	unsigned int i;
	int box, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, BOX));
	box = fdbox_box_open(BOX);
	ASSERT_GE(box, 0);
	for (i = 0; i < NR_SHAPES; i++) {
		fd = make_shape(&shapes[i]);
		ASSERT_GE(fd, 0) TH_LOG("memfd %s: %s", shapes[i].name,
					strerror(-fd));
		ASSERT_EQ(0, fdbox_put(box, fd, shapes[i].name));
		close(fd);
	}
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

FIXTURE(stage2) {
	int ctl;
	int box;
};

FIXTURE_SETUP(stage2)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_GE(self->ctl, 0);
	self->box = fdbox_box_open(BOX);
	ASSERT_GE(self->box, 0) TH_LOG("box " BOX " did not survive the kexec");
}

FIXTURE_TEARDOWN(stage2)
{
	if (mif_fd >= 0) {
		make_it_fail(false);
		close(mif_fd);
		mif_fd = -1;
		setup_fault_attrs(0);
	}
	close(self->box);
	fdbox_destroy(self->ctl, BOX);
	close(self->ctl);
}

TEST_F_TIMEOUT(stage2, unseal_under_allocation_failures_resumes_and_loses_nothing, 1800)
{
	unsigned int n, failed = 0, nospc = 0;
	long long shmem0, shmem, want_kb = 0, bad;
	char path[32] = "";
	struct stat st;
	bool inject;
	int ret, fds, fd;
	size_t i;

	read_text(FDBOX_PARAMS "/restore_path", path, sizeof(path));
	shmem0 = meminfo_kb("Shmem");
	inject = have_fault_injection();
	if (inject) {
		ASSERT_EQ(0, setup_fault_attrs(strcmp(path, "zero-copy") ?
					       FAIL_PERCENT_MODULE_ONLY :
					       FAIL_PERCENT_ZERO_COPY));
		ASSERT_EQ(0, open_make_it_fail());
	} else {
		/*
		 * Nothing to inject (no FAULT_INJECTION: the normal kernel):
		 * the same checks of a restore without failures. A pass, not
		 * a SKIP: every check below ran and could have failed.
		 */
		TH_LOG("no fault injection in this kernel: one UNSEAL without failures");
		ASSERT_EQ(0, fdbox_unseal(self->box));
	}

	fds = fd_count();
	for (n = 1; inject && n <= MAX_CALLS; n++) {
		make_it_fail(true);
		ret = fdbox_unseal(self->box);
		make_it_fail(false);
		if (!ret)
			break;
		/* tmpfs reports an inode it could not allocate as ENOSPC. */
		ASSERT_TRUE(ret == -ENOMEM || ret == -ENOSPC)
			TH_LOG("UNSEAL call %u: %s", n, strerror(-ret));
		nospc += ret == -ENOSPC;
		ASSERT_EQ(-EBUSY, fdbox_get(self->box, "page"))
			TH_LOG("the box is not sealed after a failed UNSEAL");
		ASSERT_EQ(fds, fd_count());
		failed++;
	}
	if (inject) {
		ASSERT_GE(MAX_CALLS, n) TH_LOG("UNSEAL never got through");
		TH_LOG("path %s: %u UNSEAL calls failed (%u with ENOSPC, the rest ENOMEM), then one got through",
		       path, failed, nospc);
		EXPECT_LT(0U, failed);
	}

	for (i = 0; i < NR_SHAPES; i++) {
		const struct shape *s = &shapes[i];

		fd = fdbox_get(self->box, s->name);
		ASSERT_GE(fd, 0) TH_LOG("GET_FD %s: %s", s->name, strerror(-fd));
		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_EQ(s->size, st.st_size) TH_LOG("%s", s->name);
		EXPECT_EQ((data_bytes(s) + 4095) / 4096 * 8, st.st_blocks)
			TH_LOG("%s: %lld blocks", s->name, (long long)st.st_blocks);
		EXPECT_EQ((int)s->seals, fcntl(fd, F_GET_SEALS))
			TH_LOG("%s: seals", s->name);
		bad = check_shape(fd, s);
		EXPECT_EQ(-1, bad) TH_LOG("%s: byte %lld differs", s->name, bad);
		want_kb += (data_bytes(s) + 4095) / 4096 * 4;
		close(fd);
		fd = fdbox_get(self->box, s->name);
		EXPECT_EQ(-ENOENT, fd);
	}
	/* The files are closed: what the restore accounted is gone again. */
	shmem = meminfo_kb("Shmem");
	EXPECT_LE(shmem - shmem0, SHMEM_SLACK_KB)
		TH_LOG("Shmem %lld kB, %lld kB before UNSEAL (%lld kB of data)",
		       shmem, shmem0, want_kb);
	EXPECT_GE(shmem - shmem0, -SHMEM_SLACK_KB);
	EXPECT_EQ(0, fdbox_delete(self->ctl, BOX));
}

FDBOX_STAGED_HARNESS_MAIN
