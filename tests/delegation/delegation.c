// SPDX-License-Identifier: GPL-2.0
/*
 * Delegation across a kexec. Stage 1 (root) creates box "dl-vmm" owned by
 * user 1000, group 1000, mode 0660, and box "dl-plain" (0600 root) whose
 * node it then chowns to 1000; as user 1000 it puts a memfd into each and
 * seals them. Stage 2: the node of "dl-vmm" is made again with owner
 * 1000, group 1000 and mode 0660, and user 1000 opens it, unseals it and
 * gets its memfd back whole; a member of group 1000 may open it too, user
 * 1001 may not. "dl-plain" comes back 0600 root: a chown is not handed
 * over, the box's own access is. The byte limit "dl-vmm" was created with
 * holds after the kexec too.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "fdbox_test.h"

#define VMM		1000
#define GUEST		1001
#define BOX		"dl-vmm"
#define PLAIN		"dl-plain"
#define MEMFD_SIZE	(128 * 1024)
#define FILL		0x6d
#define LIMIT		(MEMFD_SIZE + 4096)	/* the box's own max_bytes */

/* Run @fn(@arg) as @uid with primary group @gid and no other groups. */
static int as_user(uid_t uid, gid_t gid, int (*fn)(const char *),
		   const char *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* As the box's user: put a memfd into box @name and seal it. */
static int fill_and_seal(const char *name)
{
	int box = fdbox_box_open(name);
	int m = memfd_with("dl", MEMFD_SIZE, FILL, 0);

	if (box < 0)
		return 10;
	if (m < 0)
		return 11;
	if (fdbox_put(box, m, "ram"))
		return 12;
	return fdbox_seal(box) ? 13 : 0;
}

/* As the box's user after the kexec: unseal it, take the memfd, check it. */
static int unseal_and_take(const char *name)
{
	int box = fdbox_box_open(name);
	int m;

	if (box < 0)
		return 20;
	if (fdbox_unseal(box))
		return 21;
	m = fdbox_get(box, "ram");
	if (m < 0)
		return 22;
	if (memfd_check(m, MEMFD_SIZE, FILL) != 1)
		return 23;
	/* The box's limit came along: the memfd fits, and no page more. */
	if (ftruncate(m, LIMIT + 4096) || fdbox_put(box, m, "ram") != -ENOSPC)
		return 24;
	if (ftruncate(m, LIMIT) || fdbox_put(box, m, "ram"))
		return 25;
	return 0;
}

/* 0 if opening box @name fails with EACCES. */
static int open_refused(const char *name)
{
	return fdbox_box_open(name) == -EACCES ? 0 : 30;
}

/* 0 if box @name opens. */
static int opens(const char *name)
{
	int box = fdbox_box_open(name);

	if (box < 0)
		return 40;
	close(box);
	return 0;
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

TEST_F(stage1, delegated_boxes_are_sealed_by_their_owner)
{
	struct stat st;

	fdbox_destroy(self->ctl, BOX);
	fdbox_destroy(self->ctl, PLAIN);
	ASSERT_EQ(0, fdbox_create_access(self->ctl, BOX, VMM, VMM, 0660,
					 LIMIT));
	ASSERT_EQ(0, fdbox_create(self->ctl, PLAIN));
	ASSERT_EQ(0, chown(FDBOX_DEV_DIR "/" PLAIN, VMM, VMM));
	ASSERT_EQ(0, stat(FDBOX_DEV_DIR "/" BOX, &st));
	EXPECT_EQ(0660U, st.st_mode & 07777);
	EXPECT_EQ(0, as_user(GUEST, GUEST, open_refused, BOX));
	ASSERT_EQ(0, as_user(VMM, VMM, fill_and_seal, BOX));
	ASSERT_EQ(0, as_user(VMM, VMM, fill_and_seal, PLAIN));
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

TEST_F(stage2, delegated_box_comes_back_to_its_owner)
{
	struct stat st;

	ASSERT_EQ(0, stat(FDBOX_DEV_DIR "/" BOX, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660U, st.st_mode & 07777);
	EXPECT_EQ((uid_t)VMM, st.st_uid);
	EXPECT_EQ((gid_t)VMM, st.st_gid);
	EXPECT_EQ(0, as_user(GUEST, GUEST, open_refused, BOX));
	/* The group may open it: mode 0660. */
	EXPECT_EQ(0, as_user(GUEST, VMM, opens, BOX));
	EXPECT_EQ(0, as_user(VMM, VMM, unseal_and_take, BOX));
	fdbox_destroy(self->ctl, BOX);
}

TEST_F(stage2, chown_of_a_plain_box_is_not_handed_over)
{
	struct stat st;
	int box;

	ASSERT_EQ(0, stat(FDBOX_DEV_DIR "/" PLAIN, &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);
	EXPECT_EQ(0, as_user(VMM, VMM, open_refused, PLAIN));
	/* Its memfd is there all the same, for root. */
	box = fdbox_box_open(PLAIN);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	close(box);
	fdbox_destroy(self->ctl, PLAIN);
}

FDBOX_STAGED_HARNESS_MAIN
