// SPDX-License-Identifier: GPL-2.0
/*
 * Eventfds in boxes. Stage 1: an eventfd held in a box comes out with its
 * counter and modes untouched (every kernel); on a kernel without the
 * eventfd helpers SEAL refuses a box holding one and leaves it open; with
 * them the same eventfd put twice is sealed once (EBUSY), and box "ev" is
 * sealed with eventfds of every mode, the largest counter and a memfd,
 * then written to, read from and made nonblocking after SEAL. Stage 2
 * (with the helpers): UNSEAL gives each eventfd back with the counter and
 * modes it had when the reboot began.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "fdbox_test.h"

#define BOX		"ev"
#define MEMFD_SIZE	(64 * 1024)
#define MEMFD_FILL	0x3c
#define MAX_COUNT	(UINT64_MAX - 1)

/* Does this kernel hand eventfds over? Asks SEAL with one in a box. */
static int eventfd_handover(int ctl)
{
	int box, efd, err;

	fdbox_destroy(ctl, "ev-probe");
	box = fdbox_create_open(ctl, "ev-probe");
	if (box < 0)
		return box;
	efd = eventfd(0, 0);
	err = efd < 0 ? -errno : fdbox_put(box, efd, "e");
	if (!err) {
		err = fdbox_seal(box);
		if (!err)
			err = fdbox_unseal(box);
	}
	close(box);
	fdbox_destroy(ctl, "ev-probe");
	return err == -EOPNOTSUPP ? 0 : err ? err : 1;
}

static int read_count(int fd, uint64_t *v)
{
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -errno;
}

static int write_count(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -errno;
}

FIXTURE(stage1) {
	int ctl;
	int box;
	int handover;
};

FIXTURE_SETUP(stage1)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	self->handover = eventfd_handover(self->ctl);
	ASSERT_LE(0, self->handover);
	fdbox_destroy(self->ctl, "ev-hold");
	self->box = fdbox_create_open(self->ctl, "ev-hold");
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->box);
	fdbox_destroy(self->ctl, "ev-hold");
	close(self->ctl);
}

TEST_F(stage1, held_eventfd_comes_out_untouched)
{
	int efd = eventfd(5, EFD_SEMAPHORE | EFD_NONBLOCK);
	struct fdbox_fd_info fi;
	uint64_t v;
	int i, back;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, fdbox_put(self->box, efd, "e"));
	ASSERT_EQ(0, fdbox_fd_info_of(self->box, "e", &fi));
	EXPECT_EQ((__u32)FDBOX_FD_TYPE_EVENTFD, fi.type);
	back = fdbox_get(self->box, "e");
	ASSERT_LE(0, back);
	EXPECT_TRUE(fcntl(back, F_GETFL) & O_NONBLOCK);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, read_count(back, &v));
		EXPECT_EQ(1U, v);
	}
	EXPECT_EQ(-EAGAIN, read_count(back, &v));
	close(back);
}

TEST_F(stage1, seal_is_refused_without_kernel_support)
{
	int efd = eventfd(1, 0);
	char state[32];

	if (self->handover)
		SKIP(return, "this kernel hands eventfds over");
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, fdbox_put(self->box, efd, "e"));
	EXPECT_EQ(-EOPNOTSUPP, fdbox_seal(self->box));
	EXPECT_TRUE(kernel_log_has("box 'ev-hold': fd 'e' of type eventfd can be held but not handed over on this kernel"));
	ASSERT_EQ(0, fdbox_sysfs("ev-hold", "state", state, sizeof(state)));
	EXPECT_STREQ("open", state);
}

TEST_F(stage1, same_eventfd_twice_is_sealed_once)
{
	int efd = eventfd(0, 0);
	int again = dup(efd);

	if (!self->handover)
		SKIP(return, "this kernel does not hand eventfds over");
	ASSERT_LE(0, again);
	ASSERT_EQ(0, fdbox_put(self->box, efd, "a"));
	ASSERT_EQ(0, fdbox_put(self->box, again, "b"));
	EXPECT_EQ(-EBUSY, fdbox_seal(self->box));
	EXPECT_TRUE(kernel_log_has("box 'ev-hold': fd 'b' is the same eventfd as fd 'a'"));
}

TEST_F(stage1, box_is_sealed_for_the_next_kernel)
{
	int e1 = eventfd(0, 0), e2 = eventfd(3, EFD_SEMAPHORE);
	int e3 = eventfd(0, EFD_NONBLOCK), e4 = eventfd(0, 0);
	int m = memfd_with("ev-m", MEMFD_SIZE, MEMFD_FILL, 0);
	int box, late, late_sem, late_zero;
	uint64_t v;

	if (!self->handover)
		SKIP(return, "this kernel does not hand eventfds over");
	ASSERT_LE(0, e1);
	ASSERT_LE(0, e2);
	ASSERT_LE(0, e3);
	ASSERT_LE(0, e4);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, write_count(e1, 7));
	ASSERT_EQ(0, write_count(e3, MAX_COUNT));
	late = dup(e1);
	ASSERT_LE(0, late);
	late_sem = dup(e2);
	ASSERT_LE(0, late_sem);
	late_zero = dup(e4);
	ASSERT_LE(0, late_zero);
	fdbox_destroy(self->ctl, BOX);
	box = fdbox_create_open(self->ctl, BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_put(box, e1, "count"));
	ASSERT_EQ(0, fdbox_put(box, e2, "semaphore"));
	ASSERT_EQ(0, fdbox_put(box, e3, "max-nonblock"));
	ASSERT_EQ(0, fdbox_put(box, e4, "zero"));
	ASSERT_EQ(0, fdbox_put(box, m, "memfd"));
	ASSERT_EQ(0, fdbox_seal(box));
	/*
	 * The files stay usable, and what they hold when the reboot begins is
	 * handed over: a write, a semaphore read, a mode set after SEAL.
	 */
	ASSERT_EQ(0, write_count(late, 100));
	ASSERT_EQ(0, read_count(late_sem, &v));
	ASSERT_EQ(1U, v);
	ASSERT_EQ(0, fcntl(late_zero, F_SETFL, O_NONBLOCK));
	close(late);
	close(late_sem);
	close(late_zero);
	close(box);
}

FIXTURE(stage2) {
	int box;
};

FIXTURE_SETUP(stage2)
{
	self->box = fdbox_box_open(BOX);
}

FIXTURE_TEARDOWN(stage2)
{
	if (self->box >= 0)
		close(self->box);
}

TEST_F(stage2, eventfds_come_back_as_at_reboot)
{
	uint64_t v;
	int fd, i;

	if (self->box < 0)
		SKIP(return, "no box was sealed: this kernel does not hand eventfds over");
	ASSERT_EQ(0, fdbox_unseal(self->box));

	fd = fdbox_get(self->box, "count");
	ASSERT_LE(0, fd);
	EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(0, read_count(fd, &v));
	EXPECT_EQ(107U, v);
	close(fd);

	fd = fdbox_get(self->box, "semaphore");
	ASSERT_LE(0, fd);
	EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, read_count(fd, &v));
		EXPECT_EQ(1U, v);
	}
	EXPECT_EQ(-EAGAIN, read_count(fd, &v));
	close(fd);

	fd = fdbox_get(self->box, "max-nonblock");
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(0, read_count(fd, &v));
	EXPECT_EQ(MAX_COUNT, v);
	EXPECT_EQ(-EAGAIN, read_count(fd, &v));
	close(fd);

	fd = fdbox_get(self->box, "zero");
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(-EAGAIN, read_count(fd, &v));
	/* A new eventfd, working as one. */
	ASSERT_EQ(0, write_count(fd, 2));
	ASSERT_EQ(0, read_count(fd, &v));
	EXPECT_EQ(2U, v);
	close(fd);

	fd = fdbox_get(self->box, "memfd");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, memfd_check(fd, MEMFD_SIZE, MEMFD_FILL));
	close(fd);
}

FDBOX_STAGED_HARNESS_MAIN
