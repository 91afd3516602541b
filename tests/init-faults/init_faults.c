// SPDX-License-Identifier: GPL-2.0
/*
 * A failed module load loses nothing.
 *
 * Stage 1 seals a box holding a memfd. Stage 2 runs without the module
 * loaded (suite.conf NOLOAD_STAGES): insmod with fail_init=STEP (debug
 * builds only, kernel/debug.c) must fail for every step of the module load
 * that can fail, leaving no /dev/fdbox node, no fdbox class and no module;
 * after all of them a plain insmod finds the box as stage 1 sealed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"

#define BOX		"if-box"
#define SEED		0x1f17fa11ULL
#define SIZE		(3 * 1024 * 1024 + 123)

/* Every step of the module load that can fail, in order (kernel/main.c). */
static const char *const steps[] = {
	"region", "class", "kho-root", "kho-subtree", "misc",
};

static int insmod(const char *args)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "insmod " FDBOX_MODULE " %s 2>/dev/null",
		 args);
	return system(cmd);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
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

TEST_F(stage1, seal_a_box_for_the_next_kernel)
{
	int box, memfd;

	ASSERT_EQ(0, fdbox_create(self->ctl, BOX));
	box = fdbox_box_open(BOX);
	ASSERT_LE(0, box);
	memfd = memfd_create("if-data", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, SIZE));
	ASSERT_EQ(0, pattern_fill_fd(memfd, SEED, SIZE));
	ASSERT_EQ(0, fdbox_put(box, memfd, "data"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

FIXTURE(stage2) {
};

FIXTURE_SETUP(stage2)
{
}

FIXTURE_TEARDOWN(stage2)
{
}

TEST_F(stage2, failed_loads_leave_nothing_behind)
{
	char args[64];
	size_t i;

	/* The harness did not load it in this stage. */
	ASSERT_FALSE(exists("/sys/module/fdbox"));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		snprintf(args, sizeof(args), "fail_init=%s", steps[i]);
		EXPECT_NE(0, insmod(args)) TH_LOG("load with %s succeeded", args);
		EXPECT_FALSE(exists("/sys/module/fdbox"))
			TH_LOG("%s: module left loaded", steps[i]);
		EXPECT_FALSE(exists(FDBOX_CTL))
			TH_LOG("%s: control node left behind", steps[i]);
		EXPECT_FALSE(exists(FDBOX_DEV_DIR "/" BOX))
			TH_LOG("%s: box node left behind", steps[i]);
		EXPECT_FALSE(exists(FDBOX_SYS_CLASS))
			TH_LOG("%s: class left behind", steps[i]);
	}
}

TEST_F(stage2, the_next_load_finds_the_box_whole)
{
	char state[32];
	int ctl, box, memfd;
	struct stat st;
	long long bad;

	if (!exists("/sys/module/fdbox"))
		ASSERT_EQ(0, insmod(""));
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, fdbox_sysfs(BOX, "state", state, sizeof(state)))
		TH_LOG("box '" BOX "' did not come back");
	EXPECT_STREQ("restored", state);
	box = fdbox_box_open(BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	memfd = fdbox_get(box, "data");
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fstat(memfd, &st));
	EXPECT_EQ(SIZE, st.st_size);
	bad = pattern_check_fd(memfd, SEED, SIZE);
	EXPECT_EQ(-1, bad) TH_LOG("first wrong byte at %lld", bad);
	close(memfd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(ctl, BOX));
	close(ctl);
}

FDBOX_STAGED_HARNESS_MAIN
