// SPDX-License-Identifier: GPL-2.0
/*
 * Every bad input gets the errno of the DESIGN.md table and changes
 * nothing: each test snapshots everything FDBox shows (listing ioctl on the
 * control device, sysfs, device nodes) before and after the failing call,
 * and checks that the caller's descriptor is still open where one was
 * passed.
 */
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define SNAP_LEN	65536

static char snap_before[SNAP_LEN], snap_after[SNAP_LEN];

FIXTURE(bad) {
	int ctl;
	int box;
	char name[128];
};

FIXTURE_SETUP(bad)
{
	int fd;

	self->box = -1;
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	snprintf(self->name, sizeof(self->name), "bad-%s", _metadata->name);
	fdbox_destroy(self->ctl, self->name);
	ASSERT_EQ(0, fdbox_create(self->ctl, self->name));
	self->box = fdbox_box_open(self->name);
	ASSERT_LE(0, self->box);
	/* Every box under test holds one memfd "m0" of 4096 bytes. */
	fd = memfd_with("bad-m0", 4096, 0x42, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "m0"));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
}

FIXTURE_TEARDOWN(bad)
{
	if (self->box >= 0)
		close(self->box);
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, self->name);
		close(self->ctl);
	}
}

/* Nothing FDBox shows changed since the fixture set up. */
#define ASSERT_UNCHANGED() do {						\
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_after, SNAP_LEN));	\
	ASSERT_STREQ(snap_before, snap_after);				\
} while (0)

/* Raw ioctl returning 0/value or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* PUT @fd under a fresh name: must fail with @err, fd stays the caller's. */
#define ASSERT_PUT_FAILS(_fd, _err) do {				\
	int __fd = (_fd);						\
	ASSERT_EQ(-(_err), fdbox_put(self->box, __fd, "new"));		\
	ASSERT_TRUE(fd_is_open(__fd));					\
	ASSERT_UNCHANGED();						\
} while (0)

/* ---- flags and pad ------------------------------------------------- */

TEST_F(bad, create_with_nonzero_flags_is_einval)
{
	struct fdbox_create_box arg = { .flags = 1 };

	fdbox_set_name(arg.name, "bad-new-box");
	ASSERT_EQ(-EINVAL, xioctl(self->ctl, FDBOX_CREATE_BOX, &arg));
	arg.flags = 1ULL << 63;
	ASSERT_EQ(-EINVAL, xioctl(self->ctl, FDBOX_CREATE_BOX, &arg));
	ASSERT_UNCHANGED();
}

TEST_F(bad, delete_with_nonzero_flags_is_einval)
{
	struct fdbox_delete_box arg = { .flags = 2 };

	fdbox_set_name(arg.name, self->name);
	ASSERT_EQ(-EINVAL, xioctl(self->ctl, FDBOX_DELETE_BOX, &arg));
	ASSERT_UNCHANGED();
}

TEST_F(bad, put_with_nonzero_flags_is_einval)
{
	struct fdbox_put_fd arg = { .flags = 1 };
	int fd = memfd_with("bad", 4096, 0, 0);

	ASSERT_LE(0, fd);
	arg.fd = fd;
	fdbox_set_name(arg.name, "new");
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_PUT_FD, &arg));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_UNCHANGED();
}

TEST_F(bad, put_with_nonzero_pad_is_einval)
{
	struct fdbox_put_fd arg = { .pad = 1 };
	int fd = memfd_with("bad", 4096, 0, 0);

	ASSERT_LE(0, fd);
	arg.fd = fd;
	fdbox_set_name(arg.name, "new");
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_PUT_FD, &arg));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_UNCHANGED();
}

TEST_F(bad, get_with_unknown_flags_is_einval)
{
	struct fdbox_get_fd arg = { .flags = 2 };

	fdbox_set_name(arg.name, "m0");
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_GET_FD, &arg));
	arg.flags = FDBOX_GET_FD_KEEP | (1ULL << 63);
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_GET_FD, &arg));
	ASSERT_UNCHANGED();
}

TEST_F(bad, list_with_nonzero_flags_or_short_size_is_einval)
{
	struct fdbox_list l = { .size = sizeof(l), .flags = 1 };

	ASSERT_EQ(-EINVAL, xioctl(self->ctl, FDBOX_LIST, &l));
	l.flags = 0;
	l.size = FDBOX_LIST_SIZE_VER0 - 8;
	ASSERT_EQ(-EINVAL, xioctl(self->ctl, FDBOX_LIST, &l));
	l.size = 0;
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_LIST, &l));
	ASSERT_UNCHANGED();
}

/* ---- names ----------------------------------------------------------- */

static const char *const bad_names[] = {
	"",		/* empty */
	".",
	"..",
	"a/b",
	"/",
	"a b",
	"tab\there",
	"new\nline",
	"star*",
	"colon:",
	"back\\slash",
	"quote'",
	"\x7f",
	"caf\xc3\xa9",	/* UTF-8 é */
	"\xff",
};

static void long_name(char *buf, size_t len, char c)
{
	memset(buf, c, len);
	buf[len] = 0;
}

TEST_F(bad, create_with_bad_name_is_einval)
{
	struct fdbox_create_box arg = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		ASSERT_EQ(-EINVAL, fdbox_create(self->ctl, bad_names[i]))
			TH_LOG("bad_names[%u]", i);
	/* 256 bytes without a NUL in the 256-byte field. */
	memset(arg.name, 'a', sizeof(arg.name));
	ASSERT_EQ(-EINVAL, xioctl(self->ctl, FDBOX_CREATE_BOX, &arg));
	ASSERT_UNCHANGED();
}

TEST_F(bad, create_named_fdbox_is_einval)
{
	ASSERT_EQ(-EINVAL, fdbox_create(self->ctl, "fdbox"));
	ASSERT_EQ(-EINVAL, fdbox_delete(self->ctl, "fdbox"));
	ASSERT_UNCHANGED();
}

TEST_F(bad, name_of_255_bytes_is_accepted_and_bytes_after_nul_ignored)
{
	struct fdbox_create_box arg = { 0 };
	char name[FDBOX_NAME_LEN];

	long_name(name, FDBOX_NAME_LEN - 1, 'n');
	fdbox_destroy(self->ctl, name);
	ASSERT_EQ(0, fdbox_create(self->ctl, name));
	ASSERT_EQ(-EEXIST, fdbox_create(self->ctl, name));
	ASSERT_EQ(0, fdbox_delete(self->ctl, name));

	/* "bad-tail" NUL garbage: the garbage is ignored. */
	memset(arg.name, '!', sizeof(arg.name));
	memcpy(arg.name, "bad-tail", 9);
	ASSERT_EQ(0, xioctl(self->ctl, FDBOX_CREATE_BOX, &arg));
	ASSERT_EQ(0, fdbox_delete(self->ctl, "bad-tail"));
	ASSERT_UNCHANGED();
}

TEST_F(bad, put_with_bad_fd_name_is_einval)
{
	struct fdbox_put_fd arg = { 0 };
	unsigned int i;
	int fd;

	fd = memfd_with("bad", 4096, 0, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		ASSERT_EQ(-EINVAL, fdbox_put(self->box, fd, bad_names[i]))
			TH_LOG("bad_names[%u]", i);
		ASSERT_TRUE(fd_is_open(fd));
	}
	arg.fd = fd;
	memset(arg.name, 'a', sizeof(arg.name));
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_PUT_FD, &arg));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_UNCHANGED();
}

TEST_F(bad, get_with_bad_fd_name_is_einval)
{
	struct fdbox_get_fd arg = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		ASSERT_EQ(-EINVAL, fdbox_get(self->box, bad_names[i]))
			TH_LOG("bad_names[%u]", i);
	memset(arg.name, 'm', sizeof(arg.name));
	ASSERT_EQ(-EINVAL, xioctl(self->box, FDBOX_GET_FD, &arg));
	ASSERT_UNCHANGED();
}

/* ---- duplicates and missing names ----------------------------------- */

TEST_F(bad, create_duplicate_box_is_eexist)
{
	ASSERT_EQ(-EEXIST, fdbox_create(self->ctl, self->name));
	ASSERT_UNCHANGED();
}

TEST_F(bad, put_duplicate_fd_name_is_eexist)
{
	int fd = memfd_with("bad", 8192, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EEXIST, fdbox_put(self->box, fd, "m0"));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_UNCHANGED();
}

TEST_F(bad, delete_missing_box_is_enoent)
{
	ASSERT_EQ(-ENOENT, fdbox_delete(self->ctl, "bad-no-such-box"));
	ASSERT_UNCHANGED();
}

TEST_F(bad, get_missing_fd_is_enoent)
{
	ASSERT_EQ(-ENOENT, fdbox_get(self->box, "no-such-fd"));
	ASSERT_EQ(-ENOENT, fdbox_get(self->box, "M0"));
	ASSERT_UNCHANGED();
}

/* ---- descriptors ----------------------------------------------------- */

TEST_F(bad, put_invalid_fd_number_is_ebadf)
{
	ASSERT_EQ(-EBADF, fdbox_put(self->box, -1, "new"));
	ASSERT_EQ(-EBADF, fdbox_put(self->box, 1 << 20, "new"));
	ASSERT_EQ(-EBADF, fdbox_put(self->box, 0x7fffffff, "new"));
	ASSERT_UNCHANGED();
}

TEST_F(bad, put_closed_fd_is_ebadf)
{
	int fd = memfd_with("bad", 4096, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(-EBADF, fdbox_put(self->box, fd, "new"));
	ASSERT_UNCHANGED();
}

TEST_F(bad, put_pipe_is_eopnotsupp)
{
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_PUT_FAILS(p[0], EOPNOTSUPP);
	ASSERT_PUT_FAILS(p[1], EOPNOTSUPP);
}

TEST_F(bad, put_socket_is_eopnotsupp)
{
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_PUT_FAILS(sv[0], EOPNOTSUPP);
}

TEST_F(bad, put_timerfd_is_eopnotsupp)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_PUT_FAILS(fd, EOPNOTSUPP);
}

TEST_F(bad, put_regular_tmpfs_file_is_eopnotsupp)
{
	char path[] = "/tmp/fdbox-bad-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	ASSERT_PUT_FAILS(fd, EOPNOTSUPP);
	/* Unlinked, it is still no memfd. */
	ASSERT_EQ(0, unlink(path));
	ASSERT_PUT_FAILS(fd, EOPNOTSUPP);
}

TEST_F(bad, put_unlinked_tmpfs_file_named_like_a_memfd_is_eopnotsupp)
{
	int fd = open("/tmp/memfd:fake", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		      0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, unlink("/tmp/memfd:fake"));
	ASSERT_PUT_FAILS(fd, EOPNOTSUPP);
}

TEST_F(bad, put_dev_null_is_eopnotsupp)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_PUT_FAILS(fd, EOPNOTSUPP);
}

TEST_F(bad, put_hugetlb_memfd_is_eopnotsupp)
{
	int fd = memfd_create("bad-huge", MFD_HUGETLB | MFD_CLOEXEC);

	if (fd < 0)
		SKIP(return, "no hugetlb memfds in this kernel (%s)",
		     strerror(errno));
	ASSERT_PUT_FAILS(fd, EOPNOTSUPP);
}

TEST_F(bad, put_fdbox_control_device_is_eopnotsupp)
{
	ASSERT_PUT_FAILS(self->ctl, EOPNOTSUPP);
}

TEST_F(bad, put_fdbox_box_device_is_eopnotsupp)
{
	int other;

	/* The box itself, and another box. */
	ASSERT_PUT_FAILS(self->box, EOPNOTSUPP);
	fdbox_destroy(self->ctl, "bad-other");
	ASSERT_EQ(0, fdbox_create(self->ctl, "bad-other"));
	other = fdbox_box_open("bad-other");
	ASSERT_LE(0, other);
	ASSERT_EQ(-EOPNOTSUPP, fdbox_put(self->box, other, "new"));
	ASSERT_TRUE(fd_is_open(other));
	close(other);
	ASSERT_EQ(0, fdbox_delete(self->ctl, "bad-other"));
	ASSERT_UNCHANGED();
}

/* ---- wrong device, unknown ioctls ------------------------------------ */

TEST_F(bad, box_ioctls_on_control_device_are_enotty)
{
	struct fdbox_put_fd put = { 0 };
	struct fdbox_get_fd get = { 0 };
	int fd = memfd_with("bad", 4096, 0, 0);

	ASSERT_LE(0, fd);
	put.fd = fd;
	fdbox_set_name(put.name, "new");
	fdbox_set_name(get.name, "m0");
	ASSERT_EQ(-ENOTTY, xioctl(self->ctl, FDBOX_PUT_FD, &put));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_EQ(-ENOTTY, xioctl(self->ctl, FDBOX_GET_FD, &get));
	ASSERT_EQ(-ENOTTY, xioctl(self->ctl, FDBOX_SEAL, NULL));
	ASSERT_EQ(-ENOTTY, xioctl(self->ctl, FDBOX_UNSEAL, NULL));
	ASSERT_UNCHANGED();
}

TEST_F(bad, control_ioctls_on_box_device_are_enotty)
{
	struct fdbox_create_box create = { 0 };
	struct fdbox_delete_box del = { 0 };

	fdbox_set_name(create.name, "bad-new-box");
	fdbox_set_name(del.name, self->name);
	ASSERT_EQ(-ENOTTY, xioctl(self->box, FDBOX_CREATE_BOX, &create));
	ASSERT_EQ(-ENOTTY, xioctl(self->box, FDBOX_DELETE_BOX, &del));
	ASSERT_UNCHANGED();
}

TEST_F(bad, unknown_ioctl_numbers_are_enotty)
{
	const unsigned long cmds[] = {
		_IO(FDBOX_TYPE, FDBOX_BASE + 7),
		_IO(FDBOX_TYPE, FDBOX_BASE + 6),	/* LIST without _IOWR */
		_IOR(FDBOX_TYPE, FDBOX_BASE + 6, struct fdbox_list),
		_IO(FDBOX_TYPE, 0xff),
		_IO('x', FDBOX_BASE + 0),
		_IO('x', FDBOX_BASE + 2),
		/* Seed ioctls with a size encoded are other numbers. */
		_IOW(FDBOX_TYPE, FDBOX_BASE + 0, struct fdbox_create_box),
		_IOW(FDBOX_TYPE, FDBOX_BASE + 2, struct fdbox_put_fd),
		_IOWR(FDBOX_TYPE, FDBOX_BASE + 3, struct fdbox_get_fd),
		0,
		~0UL,
	};
	char buf[512] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ASSERT_EQ(-ENOTTY, xioctl(self->ctl, cmds[i], buf))
			TH_LOG("control device, cmd %#lx", cmds[i]);
		ASSERT_EQ(-ENOTTY, xioctl(self->box, cmds[i], buf))
			TH_LOG("box device, cmd %#lx", cmds[i]);
	}
	ASSERT_UNCHANGED();
}

/* ---- user pointers --------------------------------------------------- */

TEST_F(bad, unreadable_argument_is_efault)
{
	void *bad = (void *)16;

	ASSERT_EQ(-EFAULT, xioctl(self->ctl, FDBOX_CREATE_BOX, bad));
	ASSERT_EQ(-EFAULT, xioctl(self->ctl, FDBOX_DELETE_BOX, bad));
	ASSERT_EQ(-EFAULT, xioctl(self->box, FDBOX_PUT_FD, bad));
	ASSERT_EQ(-EFAULT, xioctl(self->box, FDBOX_GET_FD, bad));
	ASSERT_EQ(-EFAULT, xioctl(self->box, FDBOX_LIST, bad));
	ASSERT_EQ(-EFAULT, xioctl(self->ctl, FDBOX_LIST, NULL));
	ASSERT_UNCHANGED();
}

TEST_F(bad, list_into_unwritable_arrays_is_efault)
{
	struct fdbox_list l;
	struct fdbox_box_info box;

	ASSERT_EQ(-EFAULT, fdbox_list(self->ctl, &l, (void *)16, 4, NULL, 0));
	ASSERT_EQ(-EFAULT, fdbox_list(self->box, &l, &box, 1, (void *)16, 4));
	ASSERT_UNCHANGED();
}

/* ---- sealed boxes ---------------------------------------------------- */

TEST_F(bad, put_get_delete_on_sealed_box_are_ebusy)
{
	int fd = memfd_with("bad", 4096, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));

	ASSERT_EQ(-EBUSY, fdbox_put(self->box, fd, "new"));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_EQ(-EBUSY, fdbox_get(self->box, "m0"));
	ASSERT_EQ(-EBUSY, fdbox_delete(self->ctl, self->name));
	ASSERT_UNCHANGED();

	ASSERT_EQ(0, fdbox_unseal(self->box));
}

TEST_F(bad, seal_of_sealed_box_is_einval)
{
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_snapshot(self->ctl, snap_before, SNAP_LEN));
	ASSERT_EQ(-EINVAL, fdbox_seal(self->box));
	ASSERT_UNCHANGED();
	ASSERT_EQ(0, fdbox_unseal(self->box));
}

TEST_F(bad, unseal_of_unsealed_box_is_einval)
{
	ASSERT_EQ(-EINVAL, fdbox_unseal(self->box));
	ASSERT_UNCHANGED();
}

TEST_F(bad, ioctls_on_deleted_box_are_enoent)
{
	struct fdbox_list l;
	int fd = memfd_with("bad", 4096, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_delete(self->ctl, self->name));
	ASSERT_EQ(-ENOENT, fdbox_put(self->box, fd, "new"));
	ASSERT_TRUE(fd_is_open(fd));
	ASSERT_EQ(-ENOENT, fdbox_get(self->box, "m0"));
	ASSERT_EQ(-ENOENT, fdbox_seal(self->box));
	ASSERT_EQ(-ENOENT, fdbox_unseal(self->box));
	ASSERT_EQ(-ENOENT, fdbox_list(self->box, &l, NULL, 0, NULL, 0));
}

TEST_HARNESS_MAIN
