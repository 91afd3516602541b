// SPDX-License-Identifier: GPL-2.0
/*
 * The handover promise, across a real kexec.
 *
 * What SEAL accepts, the next kernel gives back; what the next kernel would
 * refuse, SEAL refuses first, with the box left open and usable. The limits
 * are the reader's (kernel/handover_abi.h, "Limits"): a box blob of at most
 * 16 MiB, so at most (16 MiB - 288) / 688 = 24385 fds in one box, and a
 * memfd of at most U32_MAX pages.
 *
 * Stage 1 seals the largest box and the largest memfd SEAL accepts, a memfd
 * named "" under a 255-byte fd name in a box of a 255-byte name, a box whose
 * first memfd's folio table is damaged through the debug knob, and leaves a
 * process sealing and unsealing a box in a loop while the harness kexecs.
 * Stage 2 takes everything back and checks it, salvages the damaged box,
 * and last freezes the handover as a reboot does and checks that nothing
 * changes any more.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"

#define PAGE		4096ULL
#define MAX_FDS		24385U			/* FDBOX_KHO_BOX_MAX_FDS */
#define MAX_PAGES	0xffffffffULL		/* FDBOX_KHO_MEMFD_MAX_PAGES */
#define MAX_SIZE	(MAX_PAGES * PAGE)

#define BOX_MAX		"pr-max-fds"
#define BOX_OVER	"pr-over-fds"
#define BOX_HUGE	"pr-huge"
#define BOX_RACE	"pr-race"
#define BOX_BROKEN	"pr-broken"
#define BOX_OPEN	"pr-frozen-open"
#define BOX_SEALED	"pr-frozen-sealed"
#define KNOB_CORRUPT	"/sys/kernel/debug/fdbox/corrupt"
#define KNOB_FREEZE	"/sys/kernel/debug/fdbox/freeze"

#define SEED_FIRST	0x5eed0001ULL
#define SEED_LAST	0x5eed0002ULL
#define SEED_HUGE	0x5eed0003ULL
#define SEED_NAMES	0x5eed0004ULL
#define SEED_RACE	0x5eed0005ULL
#define SEED_BAD	0x5eed0006ULL
#define SEED_GOOD	0x5eed0007ULL
/*
 * 24385 memfds, each created, filled and PUT (or GET and checked), take
 * 15-40 s on a busy TCG host: more than the harness's 30 s default.
 */
#define BIG_BOX_TIMEOUT	600
#define RACE_SIZE	(8 * 1024 * 1024)
#define BROKEN_SIZE	(64 * 1024ULL)

/* A name of 255 bytes, the longest there is: @c repeated. */
static const char *long_name(char c)
{
	static char name[2][FDBOX_NAME_LEN];
	char *n = name[c & 1];

	memset(n, c, FDBOX_NAME_LEN - 1);
	n[FDBOX_NAME_LEN - 1] = 0;
	return n;
}

static void fd_name(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "f%05u", i);
}

/* A memfd of @size bytes with a pattern in its first and last pages. */
static int sparse_memfd(const char *name, unsigned long long size,
			uint64_t seed)
{
	int fd = memfd_create(name, 0);

	if (fd < 0 || ftruncate(fd, size) ||
	    pattern_fill_range(fd, seed, 0, PAGE) ||
	    pattern_fill_range(fd, seed, size - PAGE, PAGE))
		return -1;
	return fd;
}

static bool sparse_memfd_ok(int fd, unsigned long long size, uint64_t seed)
{
	struct stat st;
	char buf[PAGE];

	if (fstat(fd, &st) || (unsigned long long)st.st_size != size ||
	    st.st_blocks != 2 * PAGE / 512)
		return false;
	if (pattern_check_range(fd, seed, 0, PAGE) != -1 ||
	    pattern_check_range(fd, seed, size - PAGE, PAGE) != -1)
		return false;
	/* Between them a hole reads as zeroes. */
	if (pread(fd, buf, sizeof(buf), size / 2 & ~(PAGE - 1)) != PAGE)
		return false;
	return !buf[0] && !memcmp(buf, buf + 1, sizeof(buf) - 1);
}

/* Fill box @name with @n memfds f00000.. (first and last with data). */
static int fill_box(int ctl, const char *name, unsigned int n)
{
	char fname[16];
	unsigned int i;
	int box, memfd, err = 0;

	box = fdbox_create_open(ctl, name);
	if (box < 0)
		return box;
	for (i = 0; i < n && !err; i++) {
		memfd = memfd_create("pr", 0);
		if (memfd < 0) {
			err = -errno;
			break;
		}
		if (i == 0 || i == n - 1) {
			uint64_t seed = i ? SEED_LAST : SEED_FIRST;

			if (ftruncate(memfd, PAGE) ||
			    pattern_fill_fd(memfd, seed, PAGE))
				err = -EIO;
		}
		fd_name(fname, sizeof(fname), i);
		if (!err)
			err = fdbox_put(box, memfd, fname);
		if (err)
			close(memfd);
	}
	close(box);
	return err;
}


static int box_state(const char *name, char *state, size_t len)
{
	return fdbox_sysfs(name, "state", state, len);
}

FIXTURE(stage1) {
	int ctl;
};

FIXTURE_SETUP(stage1)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, access(KNOB_CORRUPT, F_OK))
		TH_LOG("no %s: this suite needs the FDBOX_DEBUG=y module", KNOB_CORRUPT);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->ctl);
}

TEST_F_TIMEOUT(stage1, largest_box_by_fds_is_sealed, BIG_BOX_TIMEOUT)
{
	int box;

	/* max_fds_per_box may exceed what one box can hand over. */
	ASSERT_EQ(0, fdbox_param_set("max_fds_per_box", MAX_FDS + 1));
	ASSERT_EQ(0, fill_box(self->ctl, BOX_MAX, MAX_FDS));
	box = fdbox_box_open(BOX_MAX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

TEST_F_TIMEOUT(stage1, one_fd_past_the_limit_is_refused_at_seal, BIG_BOX_TIMEOUT)
{
	char state[32], nr[32];
	int box, memfd;

	ASSERT_EQ(0, fdbox_param_set("max_fds_per_box", MAX_FDS + 1));
	ASSERT_EQ(0, fill_box(self->ctl, BOX_OVER, MAX_FDS + 1));
	box = fdbox_box_open(BOX_OVER);
	ASSERT_LE(0, box);
	EXPECT_EQ(-EMFILE, fdbox_seal(box));
	EXPECT_TRUE(kernel_log_has("at most 24385 can be handed over in one box"));
	ASSERT_EQ(0, box_state(BOX_OVER, state, sizeof(state)));
	EXPECT_STREQ("open", state);
	ASSERT_EQ(0, fdbox_sysfs(BOX_OVER, "nr_fds", nr, sizeof(nr)));
	EXPECT_STREQ("24386", nr);
	/* Still usable: GET, PUT back, and with one fd less SEAL works. */
	memfd = fdbox_get(box, "f00000");
	ASSERT_LE(0, memfd);
	EXPECT_EQ(-1, pattern_check_fd(memfd, SEED_FIRST, PAGE));
	ASSERT_EQ(0, fdbox_put(box, memfd, "f00000"));
	memfd = fdbox_get(box, "f00001");
	ASSERT_LE(0, memfd);
	close(memfd);
	ASSERT_EQ(0, fdbox_seal(box));
	ASSERT_EQ(0, fdbox_unseal(box));
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, BOX_OVER));
}

TEST_F(stage1, largest_memfd_is_sealed)
{
	int box, memfd;

	ASSERT_EQ(0, fdbox_create(self->ctl, BOX_HUGE));
	box = fdbox_box_open(BOX_HUGE);
	ASSERT_LE(0, box);
	memfd = sparse_memfd("pr-huge", MAX_SIZE, SEED_HUGE);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fdbox_put(box, memfd, "huge"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

TEST_F(stage1, memfd_one_page_past_the_limit_is_refused_at_seal)
{
	char state[32];
	int box, memfd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "pr-too-huge"));
	box = fdbox_box_open("pr-too-huge");
	ASSERT_LE(0, box);
	memfd = sparse_memfd("pr-too-huge", MAX_SIZE + PAGE, SEED_HUGE);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fdbox_put(box, memfd, "too-huge"));
	EXPECT_EQ(-EFBIG, fdbox_seal(box));
	ASSERT_EQ(0, box_state("pr-too-huge", state, sizeof(state)));
	EXPECT_STREQ("open", state);
	memfd = fdbox_get(box, "too-huge");
	ASSERT_LE(0, memfd);
	EXPECT_TRUE(sparse_memfd_ok(memfd, MAX_SIZE + PAGE, SEED_HUGE));
	close(memfd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "pr-too-huge"));
}

TEST_F(stage1, longest_names_and_empty_memfd_name_are_sealed)
{
	int box, memfd;

	ASSERT_EQ(0, fdbox_create(self->ctl, long_name('b')));
	box = fdbox_box_open(long_name('b'));
	ASSERT_LE(0, box);
	/* memfd_create(2) takes "": the file is called "memfd:". */
	memfd = memfd_create("", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, 3 * PAGE + 5));
	ASSERT_EQ(0, pattern_fill_fd(memfd, SEED_NAMES, 3 * PAGE + 5));
	ASSERT_EQ(0, fdbox_put(box, memfd, long_name('f')));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

TEST_F(stage1, damaged_box_is_sealed)
{
	char line[64];
	int box, memfd;

	ASSERT_EQ(0, fdbox_create(self->ctl, BOX_BROKEN));
	box = fdbox_box_open(BOX_BROKEN);
	ASSERT_LE(0, box);
	memfd = memfd_create("pr-bad", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, BROKEN_SIZE));
	ASSERT_EQ(0, pattern_fill_fd(memfd, SEED_BAD, BROKEN_SIZE));
	ASSERT_EQ(0, fdbox_put(box, memfd, "bad"));
	memfd = memfd_create("pr-good", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, BROKEN_SIZE));
	ASSERT_EQ(0, pattern_fill_fd(memfd, SEED_GOOD, BROKEN_SIZE));
	ASSERT_EQ(0, fdbox_put(box, memfd, "good"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
	/* Record 0 ("bad") points at memory that was never preserved. */
	snprintf(line, sizeof(line), "%s folio-outside-ram", BOX_BROKEN);
	ASSERT_EQ(0, write_text(KNOB_CORRUPT, line));
}

/*
 * Last in stage 1: a process seals and unseals a box without pause, and
 * goes on while the harness kexecs. Whatever instant the reboot takes, the
 * next kernel must find the box whole or not at all.
 */
TEST_F(stage1, seal_and_unseal_go_on_into_the_kexec)
{
	int box, memfd;
	pid_t pid;

	ASSERT_EQ(0, fdbox_create(self->ctl, BOX_RACE));
	box = fdbox_box_open(BOX_RACE);
	ASSERT_LE(0, box);
	memfd = memfd_create("pr-race", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, RACE_SIZE));
	ASSERT_EQ(0, pattern_fill_fd(memfd, SEED_RACE, RACE_SIZE));
	ASSERT_EQ(0, fdbox_put(box, memfd, "data"));
	ASSERT_EQ(0, fdbox_seal(box));
	ASSERT_EQ(0, fdbox_unseal(box));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Out of the harness's process group: it outlives the test. */
		setsid();
		for (;;) {
			fdbox_seal(box);
			fdbox_unseal(box);
		}
	}
	close(box);
}

FIXTURE(stage2) {
	int ctl;
};

FIXTURE_SETUP(stage2)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(stage2)
{
	close(self->ctl);
}

TEST_F(stage2, no_box_was_refused)
{
	EXPECT_FALSE(kernel_log_has("box refused"));
	EXPECT_FALSE(kernel_log_has("rejected"));
}

TEST_F_TIMEOUT(stage2, largest_box_comes_back_whole, BIG_BOX_TIMEOUT)
{
	char state[32], nr[32], fname[16];
	unsigned int i, bad = 0;
	int box, memfd;
	struct stat st;

	ASSERT_EQ(0, box_state(BOX_MAX, state, sizeof(state)));
	EXPECT_STREQ("restored", state);
	ASSERT_EQ(0, fdbox_sysfs(BOX_MAX, "nr_fds", nr, sizeof(nr)));
	EXPECT_STREQ("24385", nr);
	box = fdbox_box_open(BOX_MAX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	for (i = 0; i < MAX_FDS; i++) {
		unsigned long long want = (i == 0 || i == MAX_FDS - 1) ? PAGE : 0;

		fd_name(fname, sizeof(fname), i);
		memfd = fdbox_get(box, fname);
		if (memfd < 0 || fstat(memfd, &st) ||
		    (unsigned long long)st.st_size != want) {
			if (!bad++)
				TH_LOG("fd %s: %d", fname, memfd);
		} else if (want && pattern_check_fd(memfd, i ? SEED_LAST : SEED_FIRST,
						    PAGE) != -1) {
			bad++;
			TH_LOG("fd %s: contents differ", fname);
		}
		if (memfd >= 0)
			close(memfd);
	}
	EXPECT_EQ(0U, bad);
	ASSERT_EQ(0, fdbox_sysfs(BOX_MAX, "nr_fds", nr, sizeof(nr)));
	EXPECT_STREQ("0", nr);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, BOX_MAX));
}

TEST_F(stage2, largest_memfd_comes_back_whole)
{
	int box, memfd;

	box = fdbox_box_open(BOX_HUGE);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	memfd = fdbox_get(box, "huge");
	ASSERT_LE(0, memfd);
	EXPECT_TRUE(sparse_memfd_ok(memfd, MAX_SIZE, SEED_HUGE));
	close(memfd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, BOX_HUGE));
	EXPECT_EQ(-ENOENT, fdbox_box_open("pr-too-huge"));
	EXPECT_EQ(-ENOENT, fdbox_box_open(BOX_OVER));
}

TEST_F(stage2, longest_names_and_empty_memfd_name_come_back)
{
	char link[64], target[64];
	int box, memfd;
	ssize_t n;

	box = fdbox_box_open(long_name('b'));
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	memfd = fdbox_get(box, long_name('f'));
	ASSERT_LE(0, memfd);
	EXPECT_EQ(-1, pattern_check_fd(memfd, SEED_NAMES, 3 * PAGE + 5));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", memfd);
	n = readlink(link, target, sizeof(target) - 1);
	ASSERT_LT(0, n);
	target[n] = 0;
	EXPECT_STREQ("/memfd: (deleted)", target);
	close(memfd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, long_name('b')));
}

TEST_F(stage2, damaged_box_gives_what_it_can_and_can_be_deleted)
{
	struct fdbox_list before, mine, after;
	char state[32];
	int box, memfd;

	box = fdbox_box_open(BOX_BROKEN);
	ASSERT_LE(0, box);
	/* "bad" cannot be restored; "good" is restored all the same. */
	EXPECT_EQ(-EINVAL, fdbox_unseal(box));
	EXPECT_TRUE(kernel_log_has("folio 0: bad address"));
	ASSERT_EQ(0, box_state(BOX_BROKEN, state, sizeof(state)));
	EXPECT_STREQ("restored", state);
	EXPECT_EQ(-EINVAL, fdbox_unseal(box));
	/* The handed-over memory of "bad" stays reserved, and says so. */
	ASSERT_EQ(0, fdbox_list(box, &mine, NULL, 0, NULL, 0));
	EXPECT_EQ(BROKEN_SIZE, mine.unclaimed_bytes);
	EXPECT_EQ(-EBUSY, fdbox_get(box, "bad"));
	memfd = fdbox_get(box, "good");
	ASSERT_LE(0, memfd);
	EXPECT_EQ(-1, pattern_check_fd(memfd, SEED_GOOD, BROKEN_SIZE));
	close(memfd);
	EXPECT_EQ(-ENOENT, fdbox_get(box, "good"));
	/* Deleting it drops "bad"; its memory is still reported. */
	ASSERT_EQ(0, fdbox_list(self->ctl, &before, NULL, 0, NULL, 0));
	EXPECT_EQ(0, fdbox_delete(self->ctl, BOX_BROKEN));
	EXPECT_EQ(-ENOENT, fdbox_unseal(box));
	close(box);
	EXPECT_EQ(-ENOENT, fdbox_box_open(BOX_BROKEN));
	ASSERT_EQ(0, fdbox_list(self->ctl, &after, NULL, 0, NULL, 0));
	EXPECT_EQ(before.unclaimed_bytes, after.unclaimed_bytes);
	EXPECT_TRUE(kernel_log_has("box '" BOX_BROKEN "' deleted with 1 of its 1 handed-over fds not restored: 65536 bytes"));
}

TEST_F(stage2, box_raced_into_the_kexec_is_whole_or_absent)
{
	char state[32];
	int box, memfd;
	struct stat st;

	box = fdbox_box_open(BOX_RACE);
	if (box == -ENOENT) {
		TH_LOG("the reboot came while the box was unsealed: not handed over");
		return;
	}
	ASSERT_LE(0, box);
	TH_LOG("the reboot came while the box was sealed: handed over");
	ASSERT_EQ(0, box_state(BOX_RACE, state, sizeof(state)));
	EXPECT_STREQ("restored", state);
	ASSERT_EQ(0, fdbox_unseal(box));
	memfd = fdbox_get(box, "data");
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fstat(memfd, &st));
	EXPECT_EQ(RACE_SIZE, st.st_size);
	EXPECT_EQ(-1, pattern_check_fd(memfd, SEED_RACE, RACE_SIZE));
	close(memfd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, BOX_RACE));
}

/* Last: the freeze cannot be undone in this kernel. */
TEST_F(stage2, once_a_reboot_began_nothing_changes)
{
	char before[8192], after[8192];
	int open_box, sealed_box, memfd, other;

	ASSERT_EQ(0, fdbox_create(self->ctl, BOX_OPEN));
	ASSERT_EQ(0, fdbox_create(self->ctl, BOX_SEALED));
	open_box = fdbox_box_open(BOX_OPEN);
	sealed_box = fdbox_box_open(BOX_SEALED);
	ASSERT_LE(0, open_box);
	ASSERT_LE(0, sealed_box);
	memfd = memfd_create("pr-frozen", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, PAGE));
	ASSERT_EQ(0, fdbox_put(open_box, memfd, "a"));
	memfd = memfd_create("pr-frozen", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fdbox_put(sealed_box, memfd, "a"));
	ASSERT_EQ(0, fdbox_seal(sealed_box));
	other = memfd_create("pr-other", 0);
	ASSERT_LE(0, other);

	ASSERT_EQ(0, fdbox_snapshot(self->ctl, before, sizeof(before)));
	ASSERT_EQ(0, write_text(KNOB_FREEZE, "1"));
	EXPECT_EQ(-EBUSY, fdbox_seal(open_box));
	EXPECT_EQ(-EBUSY, fdbox_unseal(sealed_box));
	EXPECT_EQ(-EBUSY, fdbox_put(open_box, other, "b"));
	EXPECT_TRUE(fd_is_open(other));
	EXPECT_EQ(-EBUSY, fdbox_get(open_box, "a"));
	EXPECT_EQ(-EBUSY, fdbox_delete(self->ctl, BOX_OPEN));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, after, sizeof(after)));
	EXPECT_STREQ(before, after);
	close(other);
	close(open_box);
	close(sealed_box);
}

FDBOX_STAGED_HARNESS_MAIN
