// SPDX-License-Identifier: GPL-2.0
/*
 * Security: access to FDBox is access to its device nodes, and there is no
 * other way in. Extends tests/core/perms.c (non-root and the control
 * device, delegation of one box to its owner) with: other users and groups
 * of a delegated box, every indirect way to a box a caller could not open
 * (O_PATH, /proc/<pid>/fd, stale descriptors, reused minors), user
 * namespaces, and delegation by passing a box descriptor.
 */
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define OWNER	65534	/* nobody: the user a box is delegated to */
#define OTHER	65533	/* another unprivileged user */
#define GROUP	4242	/* a group a box is delegated to */

FIXTURE(sec) {
	int ctl;
	char box[64];
	char path[128];
};

FIXTURE_SETUP(sec)
{
	int box, fd;

	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	snprintf(self->box, sizeof(self->box), "sec-%d", getpid());
	snprintf(self->path, sizeof(self->path), FDBOX_DEV_DIR "/%s", self->box);
	fdbox_destroy(self->ctl, self->box);
	ASSERT_EQ(0, fdbox_create(self->ctl, self->box));
	box = fdbox_box_open(self->box);
	ASSERT_LE(0, box);
	fd = memfd_with("secret", 4096, 0x5e, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(box, fd, "secret"));
	close(box);
}

FIXTURE_TEARDOWN(sec)
{
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, self->box);
		close(self->ctl);
	}
}

/* Become @uid (with @gid and @groups) for good; -1 on failure. */
static int become(uid_t uid, gid_t gid, const gid_t *groups, int ngroups)
{
	if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/*
 * Run @fn(@arg) in a child as @uid/@gid (+@group if not 0). Returns the
 * child's exit status: 0 means every check in @fn held.
 */
static int run_as(uid_t uid, gid_t gid, gid_t group, int (*fn)(void *),
		  void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become(uid, gid, &group, group ? 1 : 0))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The secret memfd is in the box and untouched. */
static int secret_is_there(const char *name)
{
	struct fdbox_fd_info info;
	struct fdbox_list l;
	int box = fdbox_box_open(name), ret;

	if (box < 0)
		return 0;
	ret = !fdbox_list(box, &l, NULL, 0, &info, 1) && l.nr_fds == 1 &&
	      !strcmp((char *)info.name, "secret") && info.size == 4096;
	close(box);
	return ret;
}

/* Everything a caller without access to the node can try, by path. */
static int no_way_in(void *arg)
{
	const char *path = arg;

	if (open(path, O_RDWR) >= 0 || errno != EACCES)
		return 1;
	if (open(path, O_RDONLY) >= 0 || errno != EACCES)
		return 2;
	if (open(path, O_WRONLY) >= 0 || errno != EACCES)
		return 3;
	if (open(FDBOX_CTL, O_RDWR) >= 0 || errno != EACCES)
		return 4;
	return 0;
}

TEST_F(sec, delegated_box_is_not_usable_by_another_user)
{
	ASSERT_EQ(0, chown(self->path, OWNER, OWNER));
	EXPECT_EQ(0, run_as(OTHER, OTHER, 0, no_way_in, self->path));
	EXPECT_TRUE(secret_is_there(self->box));
}

struct grp_arg {
	const char *path;
	int want_ok;
};

static int use_by_group(void *arg)
{
	struct grp_arg *g = arg;
	int box = open(g->path, O_RDWR | O_CLOEXEC), fd;

	if (!g->want_ok)
		return box < 0 && errno == EACCES ? 0 : 1;
	if (box < 0)
		return 2;
	fd = fdbox_get(box, "secret");
	if (fd < 0 || memfd_check(fd, 4096, 0x5e) != 1)
		return 3;
	if (fdbox_put(box, fd, "secret"))
		return 4;
	return 0;
}

TEST_F(sec, box_delegated_to_a_group_is_usable_by_members_only)
{
	struct grp_arg member = { self->path, 1 }, stranger = { self->path, 0 };

	ASSERT_EQ(0, chown(self->path, 0, GROUP));
	ASSERT_EQ(0, chmod(self->path, 0660));
	EXPECT_EQ(0, run_as(OTHER, OTHER, GROUP, use_by_group, &member));
	EXPECT_EQ(0, run_as(OTHER, OTHER, 0, use_by_group, &stranger));
	EXPECT_TRUE(secret_is_there(self->box));
}

/*
 * O_PATH needs no permission on the node, but gives no usable box: ioctl
 * on it is EBADF, and reopening it through /proc checks the node's mode.
 */
static int opath_gives_nothing(void *arg)
{
	const char *path = arg;
	struct fdbox_get_fd get = { 0 };
	char proc[64];
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return 1;
	fdbox_set_name(get.name, "secret");
	if (ioctl(fd, FDBOX_GET_FD, &get) >= 0 || errno != EBADF)
		return 2;
	if (ioctl(fd, FDBOX_SEAL) >= 0 || errno != EBADF)
		return 3;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (open(proc, O_RDWR) >= 0 || errno != EACCES)
		return 4;
	if (open(proc, O_RDONLY) >= 0 || errno != EACCES)
		return 5;
	return 0;
}

TEST_F(sec, opath_descriptor_of_a_box_node_gives_no_access)
{
	EXPECT_EQ(0, run_as(OTHER, OTHER, 0, opath_gives_nothing, self->path));
	EXPECT_TRUE(secret_is_there(self->box));
}

/* Reopening another user's open box descriptor through /proc. */
struct proc_arg {
	pid_t pid;
	int fd;
	const char *path;
};

static int proc_fd_gives_nothing(void *arg)
{
	struct proc_arg *p = arg;
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", p->pid, p->fd);
	if (open(proc, O_RDWR) >= 0 || errno != EACCES)
		return 1;
	if (open(proc, O_RDONLY) >= 0 || errno != EACCES)
		return 2;
	return 0;
}

TEST_F(sec, another_process_open_box_descriptor_cannot_be_reopened_via_proc)
{
	struct proc_arg p = { getpid(), -1, self->path };

	p.fd = fdbox_box_open(self->box);
	ASSERT_LE(0, p.fd);
	EXPECT_EQ(0, run_as(OTHER, OTHER, 0, proc_fd_gives_nothing, &p));
	/* Not even the owner of a delegated box gets root's descriptor. */
	ASSERT_EQ(0, chown(self->path, OWNER, OWNER));
	ASSERT_EQ(0, chmod(self->path, 0));
	EXPECT_EQ(0, run_as(OWNER, OWNER, 0, proc_fd_gives_nothing, &p));
	close(p.fd);
	EXPECT_TRUE(secret_is_there(self->box));
}

/*
 * A box descriptor is a capability: passing it over a unix socket lets the
 * receiver use that box (this is how a privileged broker delegates without
 * chown), and nothing else.
 */
static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'x';
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

struct pass_arg {
	int sock;
	const char *path;
};

static int use_passed_box(void *arg)
{
	struct pass_arg *p = arg;
	int sock = p->sock, box, fd;

	box = recv_fd(sock);
	if (box < 0)
		return 1;
	fd = fdbox_get(box, "secret");
	if (fd < 0 || memfd_check(fd, 4096, 0x5e) != 1)
		return 2;
	if (fdbox_put(box, fd, "secret"))
		return 3;
	/* The box, not the control device, nor the node of the box. */
	if (open(FDBOX_CTL, O_RDWR) >= 0 || errno != EACCES)
		return 4;
	if (open(p->path, O_RDWR) >= 0 || errno != EACCES)
		return 5;
	return 0;
}

TEST_F(sec, passed_box_descriptor_delegates_that_box_only)
{
	struct pass_arg p = { -1, self->path };
	int sv[2], box;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	p.sock = sv[1];
	box = fdbox_box_open(self->box);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, send_fd(sv[0], box));
	close(box);
	EXPECT_EQ(0, run_as(OTHER, OTHER, 0, use_passed_box, &p));
	close(sv[0]);
	close(sv[1]);
	EXPECT_TRUE(secret_is_there(self->box));
}

/*
 * A descriptor of a deleted box never reaches a new box of the same name
 * (or with the same minor): it sees ENOENT for everything.
 */
TEST_F(sec, stale_descriptor_of_a_deleted_box_never_reaches_its_successor)
{
	struct fdbox_list l;
	struct stat old, now;
	int stale, box, fd;

	stale = fdbox_box_open(self->box);
	ASSERT_LE(0, stale);
	ASSERT_EQ(0, fstat(stale, &old));
	ASSERT_EQ(0, fdbox_delete(self->ctl, self->box));
	ASSERT_EQ(0, fdbox_create(self->ctl, self->box));
	box = fdbox_box_open(self->box);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fstat(box, &now));
	fd = memfd_with("new", 4096, 0x77, 0);
	ASSERT_EQ(0, fdbox_put(box, fd, "secret"));

	EXPECT_EQ(-ENOENT, fdbox_get(stale, "secret"));
	EXPECT_EQ(-ENOENT, fdbox_seal(stale));
	EXPECT_EQ(-ENOENT, fdbox_unseal(stale));
	EXPECT_EQ(-ENOENT, fdbox_list(stale, &l, NULL, 0, NULL, 0));
	fd = memfd_with("x", 0, 0, 0);
	EXPECT_EQ(-ENOENT, fdbox_put(stale, fd, "intruder"));
	close(fd);
	/* The new box holds only what was put through its own node. */
	ASSERT_EQ(0, fdbox_list(box, &l, NULL, 0, NULL, 0));
	EXPECT_EQ(1U, l.nr_fds);
	/* The successor has the same name and, the lowest free, the minor. */
	EXPECT_EQ(old.st_rdev, now.st_rdev)
		TH_LOG("old minor %u, new minor %u", minor(old.st_rdev),
		       minor(now.st_rdev));
	close(stale);
	close(box);
}

/*
 * Delegation belongs to a box, not to its minor: a new box that reuses
 * the minor of a deleted, delegated box is root's 0600, and no node of the
 * old box is left to reach it.
 */
TEST_F(sec, new_box_reusing_a_minor_is_not_delegated)
{
	char other[80], opath[128];
	struct stat st;
	dev_t old_dev;

	ASSERT_EQ(0, chown(self->path, OWNER, OWNER));
	ASSERT_EQ(0, stat(self->path, &st));
	old_dev = st.st_rdev;
	ASSERT_EQ(0, fdbox_delete(self->ctl, self->box));
	EXPECT_NE(0, access(self->path, F_OK));

	snprintf(other, sizeof(other), "%s-next", self->box);
	snprintf(opath, sizeof(opath), FDBOX_DEV_DIR "/%s", other);
	fdbox_destroy(self->ctl, other);
	ASSERT_EQ(0, fdbox_create(self->ctl, other));
	ASSERT_EQ(0, stat(opath, &st));
	/*
	 * Minors are the lowest free one (an IDA), and nothing was created
	 * in between: the new box has the old minor, or this test proves
	 * nothing about a reused one.
	 */
	ASSERT_EQ(old_dev, st.st_rdev)
		TH_LOG("minor not reused (%u, was %u)", minor(st.st_rdev),
		       minor(old_dev));
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0, run_as(OWNER, OWNER, 0, no_way_in, opath));
	fdbox_destroy(self->ctl, other);
}

/*
 * Root of a user namespace has every capability there, but none over the
 * nodes, which belong to the initial namespace: nothing opens.
 */
static int userns_root_gets_nothing(void *arg)
{
	const char *path = arg;
	char map[64];
	int fd;

	/*
	 * The switch from root to OTHER left the task non-dumpable, which
	 * makes its /proc/self files root's: the maps could not be written.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return 9;
	if (unshare(CLONE_NEWUSER))
		return 10;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		write(fd, "deny", 4);
		close(fd);
	}
	snprintf(map, sizeof(map), "0 %d 1", OTHER);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return 11;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return 12;
	close(fd);
	if (getuid() != 0)
		return 13;
	return no_way_in((void *)path);
}

TEST_F(sec, user_namespace_root_without_node_permission_gets_nothing)
{
	int ret;

	/* /proc/self/ns/user exists only with CONFIG_USER_NS. */
	if (access("/proc/self/ns/user", F_OK))
		SKIP(return, "no user namespaces in this kernel (CONFIG_NAMESPACES, CONFIG_USER_NS)");
	ret = run_as(OTHER, OTHER, 0, userns_root_gets_nothing, self->path);
	EXPECT_EQ(0, ret);
	EXPECT_TRUE(secret_is_there(self->box));
}

/* Non-root cannot change the limits that protect the machine. */
static int write_limits(void *arg)
{
	static const char *const params[] = { "max_boxes", "max_fds_per_box",
					      "max_bytes" };
	char path[128];
	int i;

	(void)arg;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), FDBOX_PARAMS "/%s", params[i]);
		if (open(path, O_WRONLY) >= 0 || errno != EACCES)
			return i + 1;
	}
	return 0;
}

TEST_F(sec, owner_of_a_delegated_box_cannot_change_limits)
{
	ASSERT_EQ(0, chown(self->path, OWNER, OWNER));
	EXPECT_EQ(0, run_as(OWNER, OWNER, 0, write_limits, NULL));
}

TEST_HARNESS_MAIN
