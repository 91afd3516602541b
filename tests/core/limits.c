// SPDX-License-Identifier: GPL-2.0
/*
 * The limits are module parameters, writable at run time by root:
 * max_boxes (ENOSPC), max_fds_per_box (EMFILE), max_bytes (ENOSPC, bytes
 * being the sizes of the held memfds), and a box's own byte limit given
 * at FDBOX_CREATE_BOX2 (ENOSPC, that box only). Reaching one changes
 * nothing.
 */
#include "kselftest_harness.h"
#include "fdbox_test.h"

#define SNAP_LEN	65536

static char snap_before[SNAP_LEN], snap_after[SNAP_LEN];

FIXTURE(limits) {
	int ctl;
	int box;
	char name[128];
	long long max_boxes, max_fds_per_box, max_bytes;
};

FIXTURE_SETUP(limits)
{
	self->box = -1;
	self->max_boxes = -1;
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	self->max_boxes = fdbox_param_get("max_boxes");
	self->max_fds_per_box = fdbox_param_get("max_fds_per_box");
	self->max_bytes = fdbox_param_get("max_bytes");
	ASSERT_LE(0, self->max_boxes);
	ASSERT_LE(0, self->max_fds_per_box);
	ASSERT_LE(0, self->max_bytes);
	snprintf(self->name, sizeof(self->name), "lim-%s", _metadata->name);
	fdbox_destroy(self->ctl, self->name);
	ASSERT_EQ(0, fdbox_create(self->ctl, self->name));
	self->box = fdbox_box_open(self->name);
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(limits)
{
	if (self->max_boxes >= 0) {
		fdbox_param_set("max_boxes", self->max_boxes);
		fdbox_param_set("max_fds_per_box", self->max_fds_per_box);
		fdbox_param_set("max_bytes", self->max_bytes);
	}
	if (self->box >= 0)
		close(self->box);
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, self->name);
		close(self->ctl);
	}
}

#define ASSERT_UNCHANGED() do {						\
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_after, SNAP_LEN));	\
	ASSERT_STREQ(snap_before, snap_after);				\
} while (0)

TEST_F(limits, parameters_are_root_0644)
{
	const char *const params[] = {
		"max_boxes", "max_fds_per_box", "max_bytes",
	};
	char path[128];
	struct stat st;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), FDBOX_PARAMS "/%s", params[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0644U, st.st_mode & 07777);
		EXPECT_EQ(0U, st.st_uid);
	}
}

TEST_F(limits, creating_more_than_max_boxes_is_enospc)
{
	struct fdbox_list l;

	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	/* Room for exactly one more box. */
	ASSERT_EQ(0, fdbox_param_set("max_boxes", l.nr_boxes + 1));
	fdbox_destroy(self->ctl, "lim-extra1");
	fdbox_destroy(self->ctl, "lim-extra2");
	ASSERT_EQ(0, fdbox_create(self->ctl, "lim-extra1"));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
	EXPECT_EQ(-ENOSPC, fdbox_create(self->ctl, "lim-extra2"));
	/* A duplicate is still EEXIST, a bad name still EINVAL. */
	EXPECT_EQ(-EEXIST, fdbox_create(self->ctl, "lim-extra1"));
	EXPECT_EQ(-EINVAL, fdbox_create(self->ctl, "lim/extra"));
	ASSERT_UNCHANGED();

	/* Deleting one makes room again. */
	ASSERT_EQ(0, fdbox_delete(self->ctl, "lim-extra1"));
	EXPECT_EQ(0, fdbox_create(self->ctl, "lim-extra2"));
	fdbox_destroy(self->ctl, "lim-extra2");

	/* Lowering the limit below the number of boxes keeps them all. */
	ASSERT_EQ(0, fdbox_param_set("max_boxes", 0));
	EXPECT_EQ(-ENOSPC, fdbox_create(self->ctl, "lim-extra1"));
	EXPECT_EQ(0, access(FDBOX_DEV_DIR "/lim-creating_more_than_max_boxes_is_enospc", F_OK));
}

TEST_F(limits, putting_more_than_max_fds_per_box_is_emfile)
{
	int a, b, c, got, other;

	ASSERT_EQ(0, fdbox_param_set("max_fds_per_box", 2));
	a = memfd_with("lim-a", 4096, 1, 0);
	b = memfd_with("lim-b", 4096, 2, 0);
	c = memfd_with("lim-c", 4096, 3, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, fdbox_put(self->box, a, "a"));
	ASSERT_EQ(0, fdbox_put(self->box, b, "b"));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
	EXPECT_EQ(-EMFILE, fdbox_put(self->box, c, "c"));
	EXPECT_TRUE(fd_is_open(c));
	ASSERT_UNCHANGED();

	/* The limit is per box: another box takes it. */
	fdbox_destroy(self->ctl, "lim-other");
	ASSERT_EQ(0, fdbox_create(self->ctl, "lim-other"));
	other = fdbox_box_open("lim-other");
	ASSERT_LE(0, other);
	EXPECT_EQ(0, fdbox_put(other, c, "c"));
	close(other);
	ASSERT_EQ(0, fdbox_delete(self->ctl, "lim-other"));

	/* Taking one out makes room. */
	got = fdbox_get(self->box, "a");
	ASSERT_LE(0, got);
	EXPECT_EQ(0, fdbox_put(self->box, got, "a2"));
}

/* Bytes held in all boxes (FDBOX_LIST), or a negative errno. */
static long long bytes_held(int ctl)
{
	struct fdbox_box_info boxes[FDBOX_SNAP_BOXES];
	unsigned long long held = 0;
	struct fdbox_list l;
	__u32 i;
	int err;

	err = fdbox_list(ctl, &l, boxes, FDBOX_SNAP_BOXES, NULL, 0);
	if (err)
		return err;
	if (l.nr_boxes > FDBOX_SNAP_BOXES)
		return -E2BIG;
	for (i = 0; i < l.nr_boxes; i++)
		held += boxes[i].bytes;
	return held;
}

TEST_F(limits, holding_more_than_max_bytes_is_enospc)
{
	long long held = bytes_held(self->ctl);
	int a, b, empty, got;

	ASSERT_LE(0, held);
	ASSERT_EQ(0, fdbox_param_set("max_bytes", held + 8192));
	a = memfd_with("lim-a", 8192, 1, 0);
	b = memfd_with("lim-b", 1, 2, 0);
	empty = memfd_with("lim-empty", 0, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, empty);
	ASSERT_EQ(0, fdbox_put(self->box, a, "a"));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
	EXPECT_EQ(-ENOSPC, fdbox_put(self->box, b, "b"));
	EXPECT_TRUE(fd_is_open(b));
	ASSERT_UNCHANGED();

	/* An empty memfd holds no bytes. */
	EXPECT_EQ(0, fdbox_put(self->box, empty, "empty"));

	/* The limit counts all boxes: deleting frees, GET frees. */
	got = fdbox_get(self->box, "a");
	ASSERT_LE(0, got);
	EXPECT_EQ(0, fdbox_put(self->box, b, "b"));
	EXPECT_EQ(-ENOSPC, fdbox_put(self->box, got, "a"));
	EXPECT_TRUE(fd_is_open(got));
	ASSERT_EQ(0, fdbox_param_set("max_bytes", 0));	/* 0: no limit */
	EXPECT_EQ(0, fdbox_put(self->box, got, "a"));
}

/*
 * max_bytes counts the bytes of the files when they enter the box; one that
 * grows afterwards through another reference is counted again at SEAL,
 * which refuses (ENOSPC, nothing changed) what no longer fits.
 */
TEST_F(limits, seal_counts_growth_since_put_against_max_bytes)
{
	long long held = bytes_held(self->ctl);
	char bytes[32];
	int a, a2;

	ASSERT_LE(0, held);
	ASSERT_EQ(0, fdbox_param_set("max_bytes", held + 8192));
	a = memfd_with("lim-grow", 4096, 1, 0);
	ASSERT_LE(0, a);
	a2 = dup(a);
	ASSERT_LE(0, a2);
	ASSERT_EQ(0, fdbox_put(self->box, a, "a"));
	ASSERT_EQ(0, ftruncate(a2, 3 * 4096));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
	EXPECT_EQ(-ENOSPC, fdbox_seal(self->box));
	EXPECT_TRUE(kernel_log_has("have grown past max_bytes (the box's own, or the module's) since PUT"));
	ASSERT_UNCHANGED();

	/* Back within the limit: SEAL charges what the file holds now. */
	ASSERT_EQ(0, ftruncate(a2, 2 * 4096));
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "bytes", bytes, sizeof(bytes)));
	EXPECT_STREQ("8192", bytes);
	ASSERT_EQ(0, fdbox_unseal(self->box));
	/* GET gives back what was charged: nothing is left counted. */
	close(fdbox_get(self->box, "a"));
	EXPECT_EQ(held, bytes_held(self->ctl));
	close(a2);
}

/*
 * A box's own limit: PUT up to it exactly, not a byte more; growth since
 * PUT counts at SEAL; other boxes are not held to it.
 */
TEST_F(limits, a_box_limit_holds_that_box_only)
{
	static const char name[] = "lim-own";
	struct fdbox_create_box2 arg = { .size = sizeof(arg), .max_bytes = 8192 };
	int box, a, a2, b, c;
	char attr[32];

	fdbox_destroy(self->ctl, name);
	fdbox_set_name(arg.name, name);
	ASSERT_EQ(0, ioctl(self->ctl, FDBOX_CREATE_BOX2, &arg));
	box = fdbox_box_open(name);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_sysfs(name, "max_bytes", attr, sizeof(attr)));
	EXPECT_STREQ("8192", attr);
	a = memfd_with("own-a", 4096, 1, 0);
	b = memfd_with("own-b", 4097, 2, 0);
	c = memfd_with("own-c", 4096, 3, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	a2 = dup(a);
	ASSERT_LE(0, a2);
	ASSERT_EQ(0, fdbox_put(box, a, "a"));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
	EXPECT_EQ(-ENOSPC, fdbox_put(box, b, "b"));
	EXPECT_TRUE(fd_is_open(b));
	ASSERT_UNCHANGED();
	EXPECT_EQ(0, fdbox_put(box, c, "c"));
	/* Another box is not held to it. */
	EXPECT_EQ(0, fdbox_put(self->box, b, "b"));
	/* Growth since PUT counts at SEAL. */
	ASSERT_EQ(0, ftruncate(a2, 2 * 4096));
	EXPECT_EQ(-ENOSPC, fdbox_seal(box));
	ASSERT_EQ(0, ftruncate(a2, 4096));
	EXPECT_EQ(0, fdbox_seal(box));
	EXPECT_EQ(0, fdbox_unseal(box));
	close(a2);
	close(box);
	fdbox_destroy(self->ctl, name);
}

/*
 * The handover has 511 slots, one per sealed box: SEAL of one more box
 * fails with ENOSPC, leaves that box open and as it was, and works again
 * once a slot is free.
 */
#define HANDOVER_SLOTS	511

TEST_F_TIMEOUT(limits, seal_beyond_the_handover_slots_is_enospc, 300)
{
	char name[32], state[32], nr[32];
	int i, box, memfd, err = 0;

	ASSERT_EQ(0, fdbox_param_set("max_boxes", self->max_boxes + HANDOVER_SLOTS + 1));
	for (i = 0; i < HANDOVER_SLOTS && !err; i++) {
		snprintf(name, sizeof(name), "lim-slot-%d", i);
		fdbox_destroy(self->ctl, name);
		box = fdbox_create_open(self->ctl, name);
		err = box < 0 ? box : fdbox_seal(box);
		if (box >= 0)
			close(box);
	}
	EXPECT_EQ(0, err) TH_LOG("box %d of %d: %d", i, HANDOVER_SLOTS, err);

	/* Our own box, with a memfd, is one too many. */
	memfd = memfd_with("lim-slot", 4096, 1, 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fdbox_put(self->box, memfd, "m"));
	EXPECT_EQ(-ENOSPC, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "state", state, sizeof(state)));
	EXPECT_STREQ("open", state);
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", nr, sizeof(nr)));
	EXPECT_STREQ("1", nr);

	/* A slot given back is a slot for the next SEAL. */
	snprintf(name, sizeof(name), "lim-slot-%d", 0);
	fdbox_destroy(self->ctl, name);
	EXPECT_EQ(0, fdbox_seal(self->box));
	EXPECT_EQ(0, fdbox_unseal(self->box));
	for (i = 1; i < HANDOVER_SLOTS; i++) {
		snprintf(name, sizeof(name), "lim-slot-%d", i);
		fdbox_destroy(self->ctl, name);
	}
	memfd = fdbox_get(self->box, "m");
	EXPECT_EQ(1, memfd_check(memfd, 4096, 1));
	close(memfd);
}

TEST_F(limits, limits_given_at_insmod_apply)
{
	int ctl2;

	close(self->box);
	self->box = -1;
	fdbox_destroy(self->ctl, self->name);
	close(self->ctl);
	self->ctl = -1;
	if (system("rmmod fdbox") != 0)
		SKIP(return, "fdbox busy (boxes left by others?), cannot reload");
	ASSERT_EQ(0, system("insmod " FDBOX_MODULE " max_boxes=1 max_fds_per_box=3 max_bytes=4096"));
	EXPECT_EQ(1, fdbox_param_get("max_boxes"));
	EXPECT_EQ(3, fdbox_param_get("max_fds_per_box"));
	EXPECT_EQ(4096, fdbox_param_get("max_bytes"));
	ctl2 = fdbox_ctl_open();
	ASSERT_LE(0, ctl2);
	EXPECT_EQ(0, fdbox_create(ctl2, "lim-one"));
	EXPECT_EQ(-ENOSPC, fdbox_create(ctl2, "lim-two"));
	EXPECT_EQ(0, fdbox_delete(ctl2, "lim-one"));
	close(ctl2);
	ASSERT_EQ(0, system("rmmod fdbox"));
	ASSERT_EQ(0, system("insmod " FDBOX_MODULE));
	/* The teardown restores the saved values; make it a no-op. */
	self->max_boxes = -1;
}

TEST_HARNESS_MAIN
