// SPDX-License-Identifier: GPL-2.0
/*
 * Access control is the device node: every node is 0600 root, a non-root
 * process cannot open the control device, and chowning one box node
 * delegates exactly that box. FDBOX_CREATE_BOX2 makes a box node with the
 * owner, group and mode it is given (checked: flags, reserved fields,
 * mode bits, ids, the struct size; CAP_CHOWN needed), and that delegates
 * the box too; a failed call creates nothing. A box's sysfs attributes are
 * readable by those who may read its node only.
 */
#include <grp.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define NOBODY	65534

FIXTURE(perms) {
	int ctl;
	char mine[128];
	char other[128];
};

FIXTURE_SETUP(perms)
{
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	snprintf(self->mine, sizeof(self->mine), "perm-%s-mine", _metadata->name);
	snprintf(self->other, sizeof(self->other), "perm-%s-other", _metadata->name);
	fdbox_destroy(self->ctl, self->mine);
	fdbox_destroy(self->ctl, self->other);
	ASSERT_EQ(0, fdbox_create(self->ctl, self->mine));
	ASSERT_EQ(0, fdbox_create(self->ctl, self->other));
}

FIXTURE_TEARDOWN(perms)
{
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, self->mine);
		fdbox_destroy(self->ctl, self->other);
		close(self->ctl);
	}
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

/* Run @fn as nobody in a child; return its exit status (0 = all good). */
static int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop_to_nobody())
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void node_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, FDBOX_DEV_DIR "/%s", name);
}

TEST_F(perms, all_nodes_are_root_0600)
{
	char path[256];
	struct stat st;

	ASSERT_EQ(0, stat(FDBOX_CTL, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);

	node_path(path, sizeof(path), self->mine);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);
}

static int open_control(void *arg)
{
	(void)arg;
	if (open(FDBOX_CTL, O_RDWR) >= 0)
		return 1;
	if (errno != EACCES)
		return 2;
	if (open(FDBOX_CTL, O_RDONLY) >= 0 || errno != EACCES)
		return 3;
	return 0;
}

TEST_F(perms, nonroot_cannot_open_control_device)
{
	ASSERT_EQ(0, as_nobody(open_control, NULL));
}

static int open_box(void *arg)
{
	return fdbox_box_open(arg) == -EACCES ? 0 : 1;
}

TEST_F(perms, nonroot_cannot_open_a_box_it_was_not_given)
{
	ASSERT_EQ(0, as_nobody(open_box, self->mine));
}

struct delegated {
	const char *mine;
	const char *other;
};

static int use_delegated_box(void *arg)
{
	struct delegated *d = arg;
	struct fdbox_box_info info;
	struct fdbox_list l;
	int box, fd, got;

	box = fdbox_box_open(d->mine);
	if (box < 0)
		return 10;
	fd = memfd_with("perm", 4096, 0x77, 0);
	if (fd < 0)
		return 11;
	if (fdbox_put(box, fd, "delegated"))
		return 12;
	if (fdbox_list(box, &l, &info, 1, NULL, 0) || l.nr_boxes != 1 ||
	    strcmp((char *)info.name, d->mine) || info.nr_fds != 1)
		return 13;
	if (fdbox_seal(box) || fdbox_unseal(box))
		return 14;
	got = fdbox_get(box, "delegated");
	if (got < 0 || memfd_check(got, 4096, 0x77) != 1)
		return 15;
	/* Leave it in the box for the parent to see. */
	if (fdbox_put(box, got, "delegated"))
		return 16;
	/* Not the other box, not the control device. */
	if (fdbox_box_open(d->other) != -EACCES)
		return 17;
	if (open(FDBOX_CTL, O_RDWR) >= 0 || errno != EACCES)
		return 18;
	return 0;
}

TEST_F(perms, chowned_box_is_usable_by_its_owner_and_no_other_box)
{
	struct delegated d = { self->mine, self->other };
	char path[256], attr[32];
	int box, got;

	node_path(path, sizeof(path), self->mine);
	ASSERT_EQ(0, chown(path, NOBODY, NOBODY));
	ASSERT_EQ(0, as_nobody(use_delegated_box, &d));

	ASSERT_EQ(0, fdbox_sysfs(self->mine, "nr_fds", attr, sizeof(attr)));
	EXPECT_STREQ("1", attr);
	ASSERT_EQ(0, fdbox_sysfs(self->other, "nr_fds", attr, sizeof(attr)));
	EXPECT_STREQ("0", attr);
	/* Root still can. */
	box = fdbox_box_open(self->mine);
	ASSERT_LE(0, box);
	got = fdbox_get(box, "delegated");
	ASSERT_LE(0, got);
	EXPECT_EQ(1, memfd_check(got, 4096, 0x77));
	close(got);
	close(box);
}

/* 0 if nobody can read the bytes attribute of box @arg, 1 if not. */
static int read_sysfs_bytes(void *arg)
{
	char buf[32];

	return fdbox_sysfs(arg, "bytes", buf, sizeof(buf)) ? 1 : 0;
}

/* 0 if nobody cannot read the bytes attribute of box @arg (EACCES). */
static int cannot_read_sysfs_bytes(void *arg)
{
	char buf[32];

	return fdbox_sysfs(arg, "bytes", buf, sizeof(buf)) == -EACCES ? 0 : 1;
}

/* What a box holds, in sysfs, is for those who may open its node. */
TEST_F(perms, sysfs_of_a_box_is_readable_only_by_who_may_open_it)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/fdbox/%s/nr_fds", self->mine);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0, as_nobody(cannot_read_sysfs_bytes, self->mine));
}

/* A box created with an owner, group and mode gets its node so. */
TEST_F(perms, box_created_with_access_has_its_node_so)
{
	char path[256], given[128];
	struct delegated d = { given, self->other };
	struct stat st;

	snprintf(given, sizeof(given), "perm-%s-given", _metadata->name);
	fdbox_destroy(self->ctl, given);
	ASSERT_EQ(0, fdbox_create_access(self->ctl, given, NOBODY, NOBODY, 0640, 0));
	node_path(path, sizeof(path), given);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0640U, st.st_mode & 07777);
	EXPECT_EQ((uid_t)NOBODY, st.st_uid);
	EXPECT_EQ((gid_t)NOBODY, st.st_gid);
	EXPECT_EQ(0, as_nobody(use_delegated_box, &d));
	/* Its sysfs attributes: the read bits of the node, its owner. */
	snprintf(path, sizeof(path), "/sys/class/fdbox/%s/bytes", given);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0440U, st.st_mode & 07777);
	EXPECT_EQ((uid_t)NOBODY, st.st_uid);
	EXPECT_EQ((gid_t)NOBODY, st.st_gid);
	EXPECT_EQ(0, as_nobody(read_sysfs_bytes, given));
	fdbox_destroy(self->ctl, given);
	EXPECT_EQ(-ENOENT, fdbox_box_open(given));
}

/* FDBOX_CREATE_BOX2 with @arg (size @size): -errno, 0 if it created @name. */
static int create2(int ctl, struct fdbox_create_box2 *arg, const char *name)
{
	fdbox_set_name(arg->name, name);
	return ioctl(ctl, FDBOX_CREATE_BOX2, arg) ? -errno : 0;
}

/* A valid FDBOX_CREATE_BOX2 argument with access, for tests to break. */
static struct fdbox_create_box2 *base(struct fdbox_create_box2 *a)
{
	*a = (struct fdbox_create_box2){
		.size = sizeof(*a), .flags = FDBOX_CREATE_ACCESS,
		.uid = 1, .gid = 1, .mode = 0600,
	};
	return a;
}

TEST_F(perms, create_box2_checks_everything_and_creates_nothing_on_error)
{
	struct {
		struct fdbox_create_box2 a;
		__u64 tail;
	} big;
	static const char *name = "perm-create2";
	struct fdbox_create_box2 a;
	struct stat st;

	fdbox_destroy(self->ctl, name);
	base(&a)->flags = 0x2;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->flags |= 0x80000000u;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->reserved = 1;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->mode = 01600;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->mode = 04600;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->uid = (__u32)-1;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->gid = (__u32)-1;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	/* Without the flag, the fields must be 0. */
	base(&a)->flags = 0;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	base(&a)->size = FDBOX_CREATE_BOX2_SIZE_VER0 - 4;
	EXPECT_EQ(-EINVAL, create2(self->ctl, &a, name));
	/* A larger struct from a newer caller: its tail must be 0. */
	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big);
	big.tail = 1;
	EXPECT_EQ(-E2BIG, create2(self->ctl, &big.a, name));
	EXPECT_EQ(-ENOENT, fdbox_box_open(name));
	big.tail = 0;
	EXPECT_EQ(0, create2(self->ctl, &big.a, name));
	/* Without FDBOX_CREATE_ACCESS: 0600 root, as FDBOX_CREATE_BOX. */
	ASSERT_EQ(0, stat(FDBOX_DEV_DIR "/perm-create2", &st));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(-EEXIST, fdbox_create_access(self->ctl, name, 0, 0, 0600, 0));
	EXPECT_EQ(0, fdbox_delete(self->ctl, name));
	EXPECT_EQ(-EINVAL, create2(self->ctl, base(&a), "fdbox"));
}

/* Drop CAP_CHOWN from the effective set, then try: 0 if refused right. */
static int create_without_cap_chown(void *arg)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct c[2];
	int ctl, err;

	if (syscall(SYS_capget, &h, c))
		return 20;
	c[0].effective &= ~(1U << CAP_CHOWN);
	if (syscall(SYS_capset, &h, c))
		return 21;
	ctl = fdbox_ctl_open();
	if (ctl < 0)
		return 22;
	err = fdbox_create_access(ctl, arg, 0, 0, 0600, 0);
	if (err != -EPERM)
		return 23;
	/* Creating a plain box needs no CAP_CHOWN. */
	if (fdbox_create(ctl, arg) || fdbox_delete(ctl, arg))
		return 24;
	return 0;
}

TEST_F(perms, create_box2_with_access_needs_cap_chown)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(create_without_cap_chown("perm-nocap"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-ENOENT, fdbox_box_open("perm-nocap"));
}

TEST_HARNESS_MAIN
