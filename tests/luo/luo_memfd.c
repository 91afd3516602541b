// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline and harness proof: the kernel's Live Update Orchestrator
 * (/dev/liveupdate) carries a 256 MiB memfd across a real kexec.
 *
 * Stage 1 creates session "fdbox-luo-kept" holding a patterned memfd
 * (token 1), and a session "fdbox-luo-dropped" whose fd is closed before
 * the kexec. A detached holder process keeps the kept session open until
 * reboot(), as LUO needs. Stage 2 retrieves the memfd and checks every
 * byte, and checks that the dropped session did not come across.
 *
 * FDBox next to LUO: KHO keeps one bit per preserved folio, not an owner
 * count, so a memfd has one owner across a kexec. A memfd a LUO session
 * preserves is refused by FDBOX_SEAL (EBUSY) and the box stays open; a
 * memfd LUO preserves after it was sealed in a box keeps LUO's preservation
 * when the box is unsealed. Both LUO copies must come back byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/liveupdate.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"

#define KEPT_SESSION	"fdbox-luo-kept"
#define DROPPED_SESSION	"fdbox-luo-dropped"
#define SHARED_SESSION	"fdbox-luo-shared"
#define LATE_SESSION	"fdbox-luo-late"
#define KEPT_TOKEN	1
#define DROPPED_TOKEN	3
#define SHARED_TOKEN	4
#define LATE_TOKEN	5
#define MEMFD_SIZE	(256ULL << 20)
#define SMALL_SIZE	(4ULL << 20)
#define SEED		0x10a5eedULL
#define SEED_SHARED	(SEED + 2)
#define SEED_LATE	(SEED + 3)
#define BOX_SHARED	"luo-shared"
#define BOX_LATE	"luo-late"

static int create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	strncpy((char *)arg.name, name, sizeof(arg.name) - 1);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg))
		return -errno;
	return arg.fd;
}

static int retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	strncpy((char *)arg.name, name, sizeof(arg.name) - 1);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg))
		return -errno;
	return arg.fd;
}

static int preserve_fd(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

static int retrieve_fd(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
		return -errno;
	return arg.fd;
}

/*
 * Keep @fd open in a detached process until the kexec. Returns once that
 * process has closed everything else, /dev/liveupdate included (it allows
 * one opener at a time, and the next test opens it).
 */
static pid_t hold_until_reboot(int fd)
{
	int ready[2], i;
	char c;
	pid_t pid;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid) {
		close(ready[1]);
		if (pid < 0 || read(ready[0], &c, 1) != 1)
			pid = -1;
		close(ready[0]);
		return pid;
	}
	setsid();
	for (i = 0; i < 1024; i++)
		if (i != fd && i != ready[1])
			close(i);
	c = 1;
	if (write(ready[1], &c, 1) != 1)
		_exit(1);
	close(ready[1]);
	for (;;)
		pause();
}

FIXTURE(stage1) {
	int luo;
};

FIXTURE_SETUP(stage1)
{
	self->luo = open("/dev/liveupdate", O_RDWR);
	if (self->luo < 0 && errno == ENOENT)
		SKIP(return, "no /dev/liveupdate (LIVEUPDATE off or liveupdate=on missing)");
	ASSERT_LE(0, self->luo);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->luo);
}

TEST_F(stage1, preserve_memfd_256m)
{
	int session, kept, other;
	double t;

	session = create_session(self->luo, KEPT_SESSION);
	ASSERT_LE(0, session);
	kept = memfd_create("luo-kept", 0);
	ASSERT_LE(0, kept);
	ASSERT_EQ(0, ftruncate(kept, MEMFD_SIZE));
	t = now_ms();
	ASSERT_EQ(0, pattern_fill_fd(kept, SEED, MEMFD_SIZE));
	ksft_print_msg("luo: fill 256 MiB: %.0f ms\n", now_ms() - t);

	other = memfd_create("luo-other", 0);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ftruncate(other, 1 << 20));
	ASSERT_EQ(0, pattern_fill_fd(other, SEED + 1, 1 << 20));

	t = now_ms();
	ASSERT_EQ(0, preserve_fd(session, kept, KEPT_TOKEN));
	ksft_print_msg("luo: PRESERVE_FD 256 MiB: %.1f ms\n", now_ms() - t);
	/* a token is unique within a session */
	ASSERT_EQ(-EEXIST, preserve_fd(session, other, KEPT_TOKEN));

	close(kept);
	close(other);
	ASSERT_LT(0, hold_until_reboot(session));
	close(session);
}

TEST_F(stage1, dropped_session_not_handed_over)
{
	int session, memfd;

	session = create_session(self->luo, DROPPED_SESSION);
	ASSERT_LE(0, session);
	memfd = memfd_create("luo-dropped", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, 1 << 20));
	ASSERT_EQ(0, preserve_fd(session, memfd, DROPPED_TOKEN));
	/* closing the session fd before the kexec drops the session */
	close(session);
	close(memfd);
}

/* A memfd of SMALL_SIZE filled from @seed. */
static int small_memfd(const char *name, uint64_t seed)
{
	int fd = memfd_create(name, 0);

	if (fd < 0 || ftruncate(fd, SMALL_SIZE) ||
	    pattern_fill_fd(fd, seed, SMALL_SIZE))
		return -1;
	return fd;
}

TEST_F(stage1, memfd_in_a_luo_session_is_refused_at_seal)
{
	char state[32];
	int ctl, session, memfd, box, got;

	session = create_session(self->luo, SHARED_SESSION);
	ASSERT_LE(0, session);
	memfd = small_memfd("luo-shared", SEED_SHARED);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, preserve_fd(session, memfd, SHARED_TOKEN));

	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, fdbox_create(ctl, BOX_SHARED));
	box = fdbox_box_open(BOX_SHARED);
	ASSERT_LE(0, box);
	/* PUT moves the descriptor into the box. */
	ASSERT_EQ(0, fdbox_put(box, memfd, "shared"));
	EXPECT_EQ(-EBUSY, fdbox_seal(box));
	EXPECT_TRUE(kernel_log_has("'memfd:luo-shared' is preserved by the Live Update Orchestrator"));
	ASSERT_EQ(0, fdbox_sysfs(BOX_SHARED, "state", state, sizeof(state)));
	EXPECT_STREQ("open", state);
	/* The box is as it was: the fd comes out again, the box goes. */
	got = fdbox_get(box, "shared");
	EXPECT_LE(0, got);
	close(got);
	close(box);
	EXPECT_EQ(0, fdbox_delete(ctl, BOX_SHARED));
	close(ctl);
	ASSERT_LT(0, hold_until_reboot(session));
	close(session);
}

TEST_F(stage1, unseal_leaves_what_luo_preserved_after_seal)
{
	int ctl, session, memfd, keep, box, got;

	memfd = small_memfd("luo-late", SEED_LATE);
	ASSERT_LE(0, memfd);
	keep = dup(memfd);
	ASSERT_LE(0, keep);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, fdbox_create(ctl, BOX_LATE));
	box = fdbox_box_open(BOX_LATE);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_put(box, memfd, "late"));
	ASSERT_EQ(0, fdbox_seal(box));

	/* LUO does not know FDBox: it preserves the sealed memfd too. */
	session = create_session(self->luo, LATE_SESSION);
	ASSERT_LE(0, session);
	ASSERT_EQ(0, preserve_fd(session, keep, LATE_TOKEN));

	/* Unsealing must not unpreserve LUO's folios (stage 2 checks). */
	ASSERT_EQ(0, fdbox_unseal(box));
	got = fdbox_get(box, "late");
	EXPECT_LE(0, got);
	close(got);
	close(box);
	EXPECT_EQ(0, fdbox_delete(ctl, BOX_LATE));
	close(ctl);
	close(keep);
	ASSERT_LT(0, hold_until_reboot(session));
	close(session);
}

FIXTURE(stage2) {
	int luo;
};

FIXTURE_SETUP(stage2)
{
	self->luo = open("/dev/liveupdate", O_RDWR);
	if (self->luo < 0 && errno == ENOENT)
		SKIP(return, "no /dev/liveupdate");
	ASSERT_LE(0, self->luo);
}

FIXTURE_TEARDOWN(stage2)
{
	close(self->luo);
}

TEST_F(stage2, dropped_session_is_gone)
{
	ASSERT_EQ(-ENOENT, retrieve_session(self->luo, DROPPED_SESSION));
}

TEST_F(stage2, kept_memfd_restored_byte_for_byte)
{
	struct stat st;
	int session, memfd;
	long long bad;
	double t;

	t = now_ms();
	session = retrieve_session(self->luo, KEPT_SESSION);
	ASSERT_LE(0, session);
	memfd = retrieve_fd(session, KEPT_TOKEN);
	ASSERT_LE(0, memfd);
	ksft_print_msg("luo: RETRIEVE_SESSION + RETRIEVE_FD 256 MiB: %.1f ms\n",
		       now_ms() - t);
	ASSERT_EQ(0, fstat(memfd, &st));
	ASSERT_EQ(MEMFD_SIZE, (unsigned long long)st.st_size);
	t = now_ms();
	bad = pattern_check_fd(memfd, SEED, MEMFD_SIZE);
	ksft_print_msg("luo: verify 256 MiB: %.0f ms\n", now_ms() - t);
	ASSERT_EQ(-1, bad) TH_LOG("first wrong byte at offset %lld", bad);
	close(memfd);
	close(session);
}

/* The LUO copy of @token in @name is whole after the kexec. */
static void luo_copy_is_whole(struct __test_metadata *_metadata, int luo,
			      const char *name, uint64_t token, uint64_t seed)
{
	struct stat st;
	int session, memfd;
	long long bad;

	session = retrieve_session(luo, name);
	ASSERT_LE(0, session);
	memfd = retrieve_fd(session, token);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fstat(memfd, &st));
	ASSERT_EQ(SMALL_SIZE, (unsigned long long)st.st_size);
	bad = pattern_check_fd(memfd, seed, SMALL_SIZE);
	EXPECT_EQ(-1, bad) TH_LOG("first wrong byte at offset %lld", bad);
	close(memfd);
	close(session);
}

TEST_F(stage2, luo_copy_of_a_memfd_seal_refused_is_whole)
{
	luo_copy_is_whole(_metadata, self->luo, SHARED_SESSION, SHARED_TOKEN,
			  SEED_SHARED);
}

TEST_F(stage2, luo_copy_of_a_memfd_unsealed_from_a_box_is_whole)
{
	luo_copy_is_whole(_metadata, self->luo, LATE_SESSION, LATE_TOKEN,
			  SEED_LATE);
}

TEST_F(stage2, no_box_came_across)
{
	EXPECT_EQ(-ENOENT, fdbox_box_open(BOX_SHARED));
	EXPECT_EQ(-ENOENT, fdbox_box_open(BOX_LATE));
}

FDBOX_STAGED_HARNESS_MAIN
