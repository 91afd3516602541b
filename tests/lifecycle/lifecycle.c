// SPDX-License-Identifier: GPL-2.0
/*
 * What a handed-over box may and may not do, across two kexecs.
 *
 * Stage 1 seals box "lc-race" (16 memfds) and box "lc-stay" (one memfd).
 * Stage 2: restored boxes count against max_boxes; threads race UNSEAL,
 * GET_FD of every name and DELETE_BOX on "lc-race" and every memfd comes
 * out at most once, whole, with exactly one UNSEAL and one DELETE
 * succeeding; "lc-stay" is left restored, never unsealed; boxes "lc-a" and
 * "lc-b" are sealed. Stage 3 starts without the module (suite.conf
 * NOLOAD_STAGES) and loads it with max_boxes=1: both sealed boxes come
 * back all the same, "lc-stay" does not (a restored box is not handed over
 * again); once both are restored and deleted, an rmmod and insmod finds
 * nothing: handed-over state is consumed exactly once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"

#define NR_RACE_FDS	16
#define NR_THREADS	4
#define MEMFD_SIZE	(64 * 1024)
#define SEED		0x11fecc1eULL

static void fd_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "m%02d", i);
}

/* Box @name sealed with @n memfds m00.., each MEMFD_SIZE of pattern. */
static int seal_box(int ctl, const char *name, int n)
{
	char fname[8];
	int box, fd, i, err = 0;

	box = fdbox_create_open(ctl, name);
	if (box < 0)
		return box;
	for (i = 0; i < n && !err; i++) {
		fd_name(fname, sizeof(fname), i);
		fd = memfd_with(fname, MEMFD_SIZE, 0, 0);
		if (fd < 0 || pattern_fill_fd(fd, SEED + i, MEMFD_SIZE))
			err = -EIO;
		else
			err = fdbox_put(box, fd, fname);
	}
	err = err ?: fdbox_seal(box);
	close(box);
	return err;
}

static int nr_boxes(int ctl)
{
	struct fdbox_list l;
	int err = fdbox_list(ctl, &l, NULL, 0, NULL, 0);

	return err ? err : (int)l.nr_boxes;
}

/* UNSEAL, GET_FD of every memfd of @name, DELETE: each must work. */
static int take_box(int ctl, const char *name, int n)
{
	char fname[8];
	int box, fd, i, err;

	box = fdbox_box_open(name);
	if (box < 0)
		return box;
	err = fdbox_unseal(box);
	for (i = 0; i < n && !err; i++) {
		fd_name(fname, sizeof(fname), i);
		fd = fdbox_get(box, fname);
		if (fd < 0)
			err = fd;
		else if (pattern_check_fd(fd, SEED + i, MEMFD_SIZE) != -1)
			err = -EIO;
		if (fd >= 0)
			close(fd);
	}
	close(box);
	return err ?: fdbox_delete(ctl, name);
}

FIXTURE(stage1) {
	int ctl;
};

FIXTURE_SETUP(stage1)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->ctl);
}

TEST_F(stage1, seal_boxes)
{
	ASSERT_EQ(0, seal_box(self->ctl, "lc-race", NR_RACE_FDS));
	ASSERT_EQ(0, seal_box(self->ctl, "lc-stay", 1));
}

FIXTURE(stage2) {
	int ctl;
	long long max_boxes;
};

FIXTURE_SETUP(stage2)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	self->max_boxes = fdbox_param_get("max_boxes");
	ASSERT_LE(0, self->max_boxes);
}

FIXTURE_TEARDOWN(stage2)
{
	fdbox_param_set("max_boxes", self->max_boxes);
	close(self->ctl);
}

TEST_F(stage2, restored_boxes_count_against_max_boxes)
{
	ASSERT_EQ(2, nr_boxes(self->ctl));
	ASSERT_EQ(0, fdbox_param_set("max_boxes", 2));
	EXPECT_EQ(-ENOSPC, fdbox_create(self->ctl, "lc-new"));
	ASSERT_EQ(0, fdbox_param_set("max_boxes", 3));
	EXPECT_EQ(0, fdbox_create(self->ctl, "lc-new"));
	EXPECT_EQ(0, fdbox_delete(self->ctl, "lc-new"));
}

struct racer {
	pthread_t thread;
	pthread_barrier_t *start;
	int id;
	int ctl;
	int unsealed;			/* UNSEAL returned 0 */
	int deleted;			/* DELETE_BOX returned 0 */
	int got[NR_RACE_FDS];		/* GET_FD of that name returned a fd */
	int bad;			/* a result no spec allows */
};

/*
 * UNSEAL, then GET_FD of every name in an order of its own, then DELETE:
 * a racer may find the box restoring, unsealed, emptied or gone.
 */
static void *race(void *arg)
{
	struct racer *r = arg;
	char fname[8];
	int box, fd, i, k, err;

	pthread_barrier_wait(r->start);
	box = fdbox_box_open("lc-race");
	if (box < 0)
		return NULL;	/* deleted already: nothing left to take */
	err = fdbox_unseal(box);
	if (!err)
		r->unsealed++;
	else if (err != -EINVAL && err != -ENOENT)
		r->bad++;
	for (k = 0; k < NR_RACE_FDS; k++) {
		/* 5 is prime to NR_RACE_FDS: each racer visits every name. */
		i = (k * 5 + r->id * 3) % NR_RACE_FDS;
		fd_name(fname, sizeof(fname), i);
		fd = fdbox_get(box, fname);
		if (fd >= 0) {
			r->got[i]++;
			if (pattern_check_fd(fd, SEED + i, MEMFD_SIZE) != -1)
				r->bad++;
			close(fd);
		} else if (fd != -ENOENT && fd != -EBUSY) {
			/* EBUSY: still restored, not unsealed yet */
			r->bad++;
		}
	}
	err = fdbox_delete(r->ctl, "lc-race");
	if (!err)
		r->deleted++;
	else if (err != -ENOENT && err != -EBUSY)
		r->bad++;
	close(box);
	return NULL;
}

TEST_F(stage2, unseal_get_and_delete_race_on_a_restored_box)
{
	struct racer r[NR_THREADS] = { 0 };
	pthread_barrier_t start;
	int i, t, unsealed = 0, deleted = 0, bad = 0, got;

	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NR_THREADS));
	for (t = 0; t < NR_THREADS; t++) {
		r[t].start = &start;
		r[t].id = t;
		r[t].ctl = self->ctl;
		ASSERT_EQ(0, pthread_create(&r[t].thread, NULL, race, &r[t]));
	}
	for (t = 0; t < NR_THREADS; t++) {
		pthread_join(r[t].thread, NULL);
		unsealed += r[t].unsealed;
		deleted += r[t].deleted;
		bad += r[t].bad;
	}
	pthread_barrier_destroy(&start);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(1, unsealed);
	/* Every racer tried to delete after its GETs: one of them did. */
	EXPECT_EQ(1, deleted);
	for (i = 0; i < NR_RACE_FDS; i++) {
		for (got = 0, t = 0; t < NR_THREADS; t++)
			got += r[t].got[i];
		EXPECT_GE(1, got) TH_LOG("m%02d came out %d times", i, got);
	}
	EXPECT_EQ(-ENOENT, fdbox_box_open("lc-race"));
}

TEST_F(stage2, seal_boxes_for_stage3)
{
	char state[32];

	/* lc-stay stays as it came: restored, never unsealed. */
	ASSERT_EQ(0, fdbox_sysfs("lc-stay", "state", state, sizeof(state)));
	EXPECT_STREQ("restored", state);
	ASSERT_EQ(0, seal_box(self->ctl, "lc-a", 2));
	ASSERT_EQ(0, seal_box(self->ctl, "lc-b", 1));
}

FIXTURE(stage3) {
	int ctl;
};

FIXTURE_SETUP(stage3)
{
	self->ctl = -1;
	ASSERT_EQ(-ENOENT, fdbox_ctl_open())
		TH_LOG("stage 3 must start without the module (NOLOAD_STAGES)");
}

FIXTURE_TEARDOWN(stage3)
{
	if (self->ctl >= 0)
		close(self->ctl);
}

TEST_F(stage3, handed_over_boxes_are_not_refused_by_max_boxes)
{
	struct fdbox_list l;

	ASSERT_EQ(0, system("insmod " FDBOX_MODULE " max_boxes=1"));
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	EXPECT_EQ(2, nr_boxes(self->ctl));
	EXPECT_EQ(-ENOSPC, fdbox_create(self->ctl, "lc-new"));
	/* A restored box that was never unsealed is not handed over again. */
	EXPECT_EQ(-ENOENT, fdbox_box_open("lc-stay"));

	/* Consumed exactly once: after rmmod and insmod, nothing is left. */
	ASSERT_EQ(0, take_box(self->ctl, "lc-a", 2));
	ASSERT_EQ(0, take_box(self->ctl, "lc-b", 1));
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, system("rmmod fdbox"));
	ASSERT_EQ(0, system("insmod " FDBOX_MODULE));
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	EXPECT_EQ(0, nr_boxes(self->ctl));
	EXPECT_EQ(-ENOENT, fdbox_box_open("lc-a"));
	/* The second load did not even look at the consumed slots. */
	EXPECT_FALSE(kernel_log_has("box refused"));
	EXPECT_FALSE(kernel_log_has("recreated, 2 refused"));
	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	EXPECT_EQ(0ULL, (unsigned long long)l.unclaimed_bytes);
}

FDBOX_STAGED_HARNESS_MAIN
