// SPDX-License-Identifier: GPL-2.0
/*
 * Module unload: FDBox refuses to be unloaded while any box exists (each
 * box holds a module reference) or any of its devices is open, so held
 * memory is never dropped behind its owner's back. With no box left, rmmod
 * works and insmod brings it back.
 */
#include "kselftest_harness.h"
#include "fdbox_test.h"

static int module_loaded(void)
{
	return access("/sys/module/fdbox", F_OK) == 0;
}

static int rmmod(void)
{
	return system("rmmod fdbox 2>/dev/null");
}

static void ensure_loaded(void)
{
	if (!module_loaded())
		system("insmod " FDBOX_MODULE);
}

FIXTURE(unload) {
	int ctl;
};

FIXTURE_SETUP(unload)
{
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	fdbox_destroy(self->ctl, "unload-box");
}

FIXTURE_TEARDOWN(unload)
{
	int ctl;

	if (self->ctl >= 0)
		close(self->ctl);
	ensure_loaded();
	ctl = fdbox_ctl_open();
	if (ctl >= 0) {
		fdbox_destroy(ctl, "unload-box");
		close(ctl);
	}
}

TEST_F(unload, rmmod_fails_while_a_box_exists)
{
	struct fdbox_list l;
	int box, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "unload-box"));
	box = fdbox_box_open("unload-box");
	ASSERT_LE(0, box);
	fd = memfd_with("unload", 4096, 0x99, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(box, fd, "kept"));
	close(box);
	close(self->ctl);
	self->ctl = -1;

	/* No FDBox file is open here: only the box pins the module. */
	EXPECT_NE(0, rmmod());
	ASSERT_TRUE(module_loaded());

	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	EXPECT_LE(1U, l.nr_boxes);
	box = fdbox_box_open("unload-box");
	ASSERT_LE(0, box);
	fd = fdbox_get(box, "kept");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, memfd_check(fd, 4096, 0x99));
	close(fd);
	close(box);
}

TEST_F(unload, rmmod_fails_while_a_sealed_box_exists)
{
	int box;

	ASSERT_EQ(0, fdbox_create(self->ctl, "unload-box"));
	box = fdbox_box_open("unload-box");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
	close(self->ctl);
	self->ctl = -1;

	EXPECT_NE(0, rmmod());
	ASSERT_TRUE(module_loaded());

	box = fdbox_box_open("unload-box");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	close(box);
}

TEST_F(unload, rmmod_fails_while_a_deleted_box_is_still_open)
{
	int box;

	ASSERT_EQ(0, fdbox_create(self->ctl, "unload-box"));
	box = fdbox_box_open("unload-box");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_delete(self->ctl, "unload-box"));
	close(self->ctl);
	self->ctl = -1;

	EXPECT_NE(0, rmmod());
	ASSERT_TRUE(module_loaded());
	EXPECT_EQ(-ENOENT, fdbox_seal(box));
	close(box);
}

TEST_F(unload, rmmod_works_without_boxes_and_insmod_brings_it_back)
{
	struct fdbox_list l;

	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	if (l.nr_boxes)
		SKIP(return, "%u boxes left by others", l.nr_boxes);
	ASSERT_EQ(0, fdbox_create(self->ctl, "unload-box"));
	ASSERT_EQ(0, fdbox_delete(self->ctl, "unload-box"));
	close(self->ctl);
	self->ctl = -1;

	ASSERT_EQ(0, rmmod());
	ASSERT_FALSE(module_loaded());
	EXPECT_NE(0, access(FDBOX_CTL, F_OK));
	EXPECT_NE(0, access(FDBOX_SYS_CLASS, F_OK));

	ASSERT_EQ(0, system("insmod " FDBOX_MODULE));
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, fdbox_create(self->ctl, "unload-box"));
	EXPECT_EQ(0, access(FDBOX_DEV_DIR "/unload-box", F_OK));
	ASSERT_EQ(0, fdbox_delete(self->ctl, "unload-box"));

	/* Twice, to catch what the first unload left behind. */
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, rmmod());
	ASSERT_EQ(0, system("insmod " FDBOX_MODULE));
	ASSERT_TRUE(module_loaded());
}

TEST_HARNESS_MAIN
