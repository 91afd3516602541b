// SPDX-License-Identifier: GPL-2.0
/*
 * File types as plug-ins, with the test type of tests/kmod/fdbox_test_type.c
 * (loaded and unloaded by each test): a file of a registered type can be
 * put into a box, and while it is there the type's module cannot be
 * unloaded nor its handler unregistered; GET_FD and DELETE_BOX let go of
 * it; a failed put leaves box and module as they were; SEAL refuses a type
 * without handover hooks, saying which fd, and leaves the box open;
 * registration refuses a taken type or missing hooks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define TT_KO		"/lib/fdbox-tests/fdbox_test_type.ko"
#define TT_NAME		"fdbox_test_type"
#define TT_DIR		"/sys/kernel/debug/fdbox_test_type"
#define TT_OBJECT	TT_DIR "/object"
#define TT_TYPE		0x7e57

static int tt_load(void)
{
	int fd = open(TT_KO, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret == -EEXIST ? 0 : ret;
}

/* 0 once unloaded, or -errno (EWOULDBLOCK while something holds it). */
static int tt_unload(void)
{
	return syscall(SYS_delete_module, TT_NAME, O_NONBLOCK) ? -errno : 0;
}

static int tt_write(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), TT_DIR "/%s", file);
	return write_text(path, val);
}

/* The one fd entry of box @box: its type, or -errno. */
static long long only_fd_type(int box, __u32 *state)
{
	struct fdbox_box_info b;
	struct fdbox_fd_info f;
	struct fdbox_list l;
	int err = fdbox_list(box, &l, &b, 1, &f, 1);

	if (err)
		return err;
	if (state)
		*state = b.state;
	if (l.nr_fds != 1)
		return -ENOENT;
	return f.type;
}

FIXTURE(plugin) {
	int ctl;
	int box;
};

FIXTURE_SETUP(plugin)
{
	ASSERT_EQ(0, tt_load());
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	fdbox_destroy(self->ctl, "pl");
	self->box = fdbox_create_open(self->ctl, "pl");
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(plugin)
{
	close(self->box);
	fdbox_destroy(self->ctl, "pl");
	close(self->ctl);
	tt_write("put_errno", "0");
	tt_write("registered", "1");
	tt_unload();
}

TEST_F(plugin, file_in_a_box_keeps_its_type_module_loaded)
{
	int obj = open(TT_OBJECT, O_RDWR);
	int back;

	ASSERT_LE(0, obj);
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	ASSERT_EQ(TT_TYPE, only_fd_type(self->box, NULL));
	close(obj);
	/* Only the box holds the object now, and so the module. */
	ASSERT_EQ(-EWOULDBLOCK, tt_unload());
	back = fdbox_get(self->box, "o");
	ASSERT_LE(0, back);
	close(back);
	ASSERT_EQ(0, tt_unload());
}

TEST_F(plugin, delete_box_lets_go_of_the_type_module)
{
	int obj = open(TT_OBJECT, O_RDWR);

	ASSERT_LE(0, obj);
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	close(obj);
	ASSERT_EQ(-EWOULDBLOCK, tt_unload());
	close(self->box);
	self->box = -1;
	ASSERT_EQ(0, fdbox_delete(self->ctl, "pl"));
	ASSERT_EQ(0, tt_unload());
}

TEST_F(plugin, failed_put_changes_nothing)
{
	int obj = open(TT_OBJECT, O_RDWR);
	struct fdbox_list l;

	ASSERT_LE(0, obj);
	ASSERT_EQ(0, tt_write("put_errno", "1"));
	ASSERT_EQ(-EPERM, fdbox_put(self->box, obj, "o"));
	ASSERT_EQ(0, fdbox_list(self->box, &l, NULL, 0, NULL, 0));
	ASSERT_EQ(0U, l.nr_fds);
	ASSERT_TRUE(fd_is_open(obj));
	close(obj);
	/* The failed put took no reference on the module. */
	ASSERT_EQ(0, tt_unload());
}

TEST_F(plugin, seal_refuses_a_type_it_cannot_hand_over)
{
	int obj = open(TT_OBJECT, O_RDWR);
	int mfd = memfd_with("pl-m", 4096, 1, 0);
	__u32 state = 0;
	int back;

	ASSERT_LE(0, obj);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, fdbox_put(self->box, mfd, "m"));
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	close(obj);
	ASSERT_EQ(-EOPNOTSUPP, fdbox_seal(self->box));
	ASSERT_TRUE(kernel_log_has("box 'pl': fd 'o' is a test, which can be held but not handed over"));
	back = fdbox_get(self->box, "o");
	ASSERT_LE(0, back);
	close(back);
	ASSERT_EQ(1, only_fd_type(self->box, &state));
	ASSERT_EQ((__u32)FDBOX_STATE_OPEN, state);
	/* Without it, the same box seals: it was the type, nothing else. */
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_unseal(self->box));
	close(mfd);
}

TEST_F(plugin, unregister_is_refused_while_a_file_of_the_type_is_held)
{
	int obj = open(TT_OBJECT, O_RDWR);
	int back;

	ASSERT_LE(0, obj);
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	ASSERT_EQ(-EBUSY, tt_write("registered", "0"));
	back = fdbox_get(self->box, "o");
	ASSERT_LE(0, back);
	ASSERT_EQ(0, tt_write("registered", "0"));
	/* No handler now: the same file is not taken. */
	ASSERT_EQ(-EOPNOTSUPP, fdbox_put(self->box, back, "o"));
	ASSERT_EQ(0, tt_write("registered", "1"));
	ASSERT_EQ(0, fdbox_put(self->box, back, "o"));
	close(back);
	close(obj);
}

TEST_F(plugin, register_refuses_a_taken_type_or_missing_hooks)
{
	ASSERT_EQ(-EEXIST, tt_write("register", "dup"));
	ASSERT_EQ(-EINVAL, tt_write("register", "incomplete"));
}

TEST_HARNESS_MAIN
