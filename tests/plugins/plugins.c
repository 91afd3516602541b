// SPDX-License-Identifier: GPL-2.0
/*
 * File types as plug-ins, with the test type of tests/kmod/fdbox_test_type.c
 * (loaded and unloaded by each test): a file of a registered type can be
 * put into a box, and while it is there the type's module cannot be
 * unloaded nor its handler unregistered; GET_FD and DELETE_BOX let go of
 * it; a failed put leaves box and module as they were; SEAL refuses a type
 * without handover hooks, saying which fd, and leaves the box open;
 * registration refuses a taken type or missing hooks.
 *
 * Dependencies: SEAL refuses an fd depending on an object outside its
 * box, on itself, in a circle or deeper than 8 (each with a message),
 * undoing every seal; a chain 8 deep is sealed.
 *
 * Across a kexec (stage 1 seals, stage 2 checks), with the "test-kho" type
 * of the same module: the next kernel loads FDBox without it, so the fd of
 * that type is kept, pending, with type UNKNOWN; UNSEAL restores the memfd
 * between them, fails with ENOPKG and lets GET_FD take the memfd; once the
 * module is loaded, an UNSEAL whose restore fails at either fd of the type
 * (test type knob) leaves the box restored and the next one resumes; the
 * last one opens the box, its files of the type recognised again, with the
 * value the freeze hook recorded at reboot (not the one of SEAL). Fds are
 * restored after the fds they depend on, whatever the box order, and a
 * failure in the middle of a chain resumes. A record of a version the
 * handler does not read breaks its fd, not the box's memfd. A handler that
 * can hold the type but not restore it is named as such; the record waits
 * for the full handler. A box left incomplete can be deleted. In stage 1,
 * SEAL failing at any fd of the type undoes every seal before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "fdbox_test.h"

#define TT_KO		"/lib/fdbox-tests/fdbox_test_type.ko"
#define TT_NAME		"fdbox_test_type"
#define TT_DIR		"/sys/kernel/debug/fdbox_test_type"
#define TT_OBJECT	TT_DIR "/object"
#define TT_KHO_OBJECT	TT_DIR "/kho-object"
#define TT_TYPE		0x7e57
#define TT_KHO_TYPE	0x7e58
#define KHO_BOX		"pl-kho"
#define KHO_DEL_BOX	"pl-kho-del"
#define DEP_BOX		"pl-dep"
#define VER_BOX		"pl-ver"
#define HOLD_BOX	"pl-hold"
/* d0 depends on d1, ..., d7 on d8: as deep as SEAL allows. */
#define DEP_CHAIN	"d0:d1,d1:d2,d2:d3,d3:d4,d4:d5,d5:d6,d6:d7,d7:d8"
#define MEMFD_SIZE	(256 * 1024)
#define MEMFD_FILL	0x5a

static int tt_load_with(const char *params)
{
	int fd = open(TT_KO, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret == -EEXIST ? 0 : ret;
}

static int tt_load(void)
{
	return tt_load_with("");
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
static long long only_fd_type(int box)
{
	struct fdbox_fd_info f;
	struct fdbox_list l;
	int err = fdbox_list(box, &l, NULL, 0, &f, 1);

	if (err)
		return err;
	if (l.nr_fds != 1)
		return -ENOENT;
	return f.type;
}

/* The state of box @box, or -errno. */
static int box_state_of(int box, __u32 *state)
{
	struct fdbox_box_info b;
	struct fdbox_list l;
	int err = fdbox_list(box, &l, &b, 1, NULL, 0);

	if (!err)
		*state = b.state;
	return err;
}

FIXTURE(stage1) {
	int ctl;
	int box;
};

FIXTURE_SETUP(stage1)
{
	ASSERT_EQ(0, tt_load());
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	fdbox_destroy(self->ctl, "pl");
	self->box = fdbox_create_open(self->ctl, "pl");
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->box);
	fdbox_destroy(self->ctl, "pl");
	close(self->ctl);
	tt_write("put_errno", "0");
	tt_write("seal_fail", "");
	tt_write("depends", "");
	tt_write("registered", "1");
	tt_unload();
}

TEST_F(stage1, file_in_a_box_keeps_its_type_module_loaded)
{
	int obj = open(TT_OBJECT, O_RDWR);
	int back;

	ASSERT_LE(0, obj);
	/* PUT moves the descriptor: only the box holds the object now. */
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	ASSERT_FALSE(fd_is_open(obj));
	ASSERT_EQ(TT_TYPE, only_fd_type(self->box));
	ASSERT_EQ(-EWOULDBLOCK, tt_unload());
	back = fdbox_get(self->box, "o");
	ASSERT_LE(0, back);
	close(back);
	ASSERT_EQ(0, tt_unload());
}

TEST_F(stage1, delete_box_lets_go_of_the_type_module)
{
	int obj = open(TT_OBJECT, O_RDWR);

	ASSERT_LE(0, obj);
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	ASSERT_EQ(-EWOULDBLOCK, tt_unload());
	close(self->box);
	self->box = -1;
	ASSERT_EQ(0, fdbox_delete(self->ctl, "pl"));
	ASSERT_EQ(0, tt_unload());
}

TEST_F(stage1, failed_put_changes_nothing)
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

TEST_F(stage1, seal_refuses_a_type_it_cannot_hand_over)
{
	int obj = open(TT_OBJECT, O_RDWR);
	int mfd = memfd_with("pl-m", 4096, 1, 0);
	__u32 state = 0;
	int back;

	ASSERT_LE(0, obj);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, fdbox_put(self->box, mfd, "m"));
	ASSERT_EQ(0, fdbox_put(self->box, obj, "o"));
	ASSERT_EQ(-EOPNOTSUPP, fdbox_seal(self->box));
	ASSERT_TRUE(kernel_log_has("box 'pl': fd 'o' of type test can be held but not handed over"));
	back = fdbox_get(self->box, "o");
	ASSERT_LE(0, back);
	close(back);
	ASSERT_EQ(1, only_fd_type(self->box));
	ASSERT_EQ(0, box_state_of(self->box, &state));
	ASSERT_EQ((__u32)FDBOX_STATE_OPEN, state);
	/* Without it, the same box seals: it was the type, nothing else. */
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_unseal(self->box));
}

TEST_F(stage1, unregister_is_refused_while_a_file_of_the_type_is_held)
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
}

TEST_F(stage1, register_refuses_a_taken_type_or_missing_hooks)
{
	ASSERT_EQ(-EEXIST, tt_write("register", "dup"));
	ASSERT_EQ(-EINVAL, tt_write("register", "incomplete"));
	ASSERT_EQ(-EINVAL, tt_write("register", "freeze-only"));
}

/* "test-kho" fds sealed now, as the test type counts them, or -errno. */
static int tt_sealed(void)
{
	char buf[32];
	int err = read_text(TT_DIR "/sealed", buf, sizeof(buf));

	return err ? err : atoi(buf);
}

/* SEAL is all or nothing wherever in the box the failing fd is. */
TEST_F(stage1, seal_failing_at_any_fd_undoes_the_others)
{
	static const char *const names[] = { "t0", "m1", "t2", "m3", "t4" };
	static const char *const failing[] = { "t0", "t2", "t4" };
	char msg[128];
	__u32 state;
	unsigned int i;
	int fd;

	for (i = 0; i < 5; i++) {
		fd = names[i][0] == 't' ? open(TT_KHO_OBJECT, O_RDWR) :
		     memfd_with(names[i], 4096, MEMFD_FILL, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fdbox_put(self->box, fd, names[i]));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tt_write("seal_fail", failing[i]));
		EXPECT_EQ(-ENOMEM, fdbox_seal(self->box)) TH_LOG("at %s", failing[i]);
		snprintf(msg, sizeof(msg), "box 'pl': cannot seal fd '%s' (test-kho)",
			 failing[i]);
		EXPECT_TRUE(kernel_log_has(msg));
		ASSERT_EQ(0, box_state_of(self->box, &state));
		EXPECT_EQ((__u32)FDBOX_STATE_OPEN, state);
		EXPECT_EQ(0, tt_sealed()) TH_LOG("at %s", failing[i]);
	}
	ASSERT_EQ(0, tt_write("seal_fail", ""));
	ASSERT_EQ(0, fdbox_seal(self->box));
	EXPECT_EQ(3, tt_sealed());
	ASSERT_EQ(0, fdbox_unseal(self->box));
	EXPECT_EQ(0, tt_sealed());
	/* Every fd is still there and can be taken out. */
	for (i = 0; i < 5; i++) {
		fd = fdbox_get(self->box, names[i]);
		EXPECT_LE(0, fd) TH_LOG("%s", names[i]);
		if (fd >= 0)
			close(fd);
	}
}

/* Two fds of one object: SEAL takes it once, in one box only. */
TEST_F(stage1, same_object_is_sealed_once)
{
	int obj = open(TT_KHO_OBJECT, O_RDWR);
	int again = dup(obj);
	int other;

	ASSERT_LE(0, obj);
	ASSERT_LE(0, again);
	fdbox_destroy(self->ctl, "pl2");
	ASSERT_EQ(0, fdbox_put(self->box, obj, "a"));
	ASSERT_EQ(0, fdbox_put(self->box, again, "b"));
	EXPECT_EQ(-EBUSY, fdbox_seal(self->box));
	EXPECT_TRUE(kernel_log_has("box 'pl': fd 'b' is the same test-kho as fd 'a' of box 'pl'"));
	EXPECT_EQ(0, tt_sealed());

	again = fdbox_get(self->box, "b");
	ASSERT_LE(0, again);
	ASSERT_EQ(0, fdbox_seal(self->box));
	other = fdbox_create_open(self->ctl, "pl2");
	ASSERT_LE(0, other);
	ASSERT_EQ(0, fdbox_put(other, again, "c"));
	EXPECT_EQ(-EBUSY, fdbox_seal(other));
	EXPECT_TRUE(kernel_log_has("box 'pl2': fd 'c' is the same test-kho as fd 'a' of box 'pl'"));
	/* Once the first box is unsealed, the other one can be sealed. */
	ASSERT_EQ(0, fdbox_unseal(self->box));
	EXPECT_EQ(0, fdbox_seal(other));
	EXPECT_EQ(0, fdbox_unseal(other));
	close(other);
	fdbox_destroy(self->ctl, "pl2");
}

/* Put "test-kho" objects PREFIX0 .. PREFIX<n-1> into @box: 0 or -errno. */
static int put_kho_objects(int box, const char *prefix, int n)
{
	char name[32];
	int i, obj, err;

	for (i = 0; i < n; i++) {
		obj = open(TT_KHO_OBJECT, O_RDWR);
		if (obj < 0)
			return -errno;
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		err = fdbox_put(box, obj, name);
		if (err) {
			close(obj);
			return err;
		}
	}
	return 0;
}

/* What the test type restored since the log was emptied, or "" */
static const char *tt_restored(void)
{
	static char buf[1024];

	if (read_text(TT_DIR "/restored", buf, sizeof(buf)))
		return "(unreadable)";
	return buf;
}

/* SEAL refuses, with a reason, dependencies it could not restore. */
TEST_F(stage1, seal_refuses_dependencies_the_next_kernel_could_not_restore)
{
	static const struct {
		const char *depends;
		int err;
		const char *msg;
	} cases[] = {
		{ "t0:nothing", -EXDEV, "box 'pl': fd 't0' (test-kho) depends on an object no fd of the box holds" },
		{ "t1:t1", -EXDEV, "box 'pl': fd 't1' (test-kho) depends on itself" },
		{ "t0:t1,t1:t2,t2:t0", -ELOOP, "box 'pl': the fds fd 't0' depends on go round in a circle" },
	};
	int mfd = memfd_with("pl-m", 4096, MEMFD_FILL, 0);
	unsigned int i;
	__u32 state;

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, fdbox_put(self->box, mfd, "m"));
	ASSERT_EQ(0, put_kho_objects(self->box, "t", 3));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, tt_write("depends", cases[i].depends));
		EXPECT_EQ(cases[i].err, fdbox_seal(self->box)) TH_LOG("%s", cases[i].depends);
		EXPECT_TRUE(kernel_log_has(cases[i].msg)) TH_LOG("%s", cases[i].msg);
		ASSERT_EQ(0, box_state_of(self->box, &state));
		EXPECT_EQ((__u32)FDBOX_STATE_OPEN, state);
		EXPECT_EQ(0, tt_sealed()) TH_LOG("%s", cases[i].depends);
	}
	/* A chain without a circle is fine, whatever the order of the box. */
	ASSERT_EQ(0, tt_write("depends", "t0:t2,t2:t1"));
	ASSERT_EQ(0, fdbox_seal(self->box));
	EXPECT_EQ(3, tt_sealed());
	ASSERT_EQ(0, fdbox_unseal(self->box));
	EXPECT_EQ(0, tt_sealed());
}

/* A chain of dependencies may be FDBOX_DEPEND_DEPTH (8) long, no longer. */
TEST_F(stage1, dependencies_nest_at_most_eight_deep)
{
	ASSERT_EQ(0, put_kho_objects(self->box, "d", 10));
	ASSERT_EQ(0, tt_write("depends", "d8:d9," DEP_CHAIN));
	EXPECT_EQ(-ELOOP, fdbox_seal(self->box));
	EXPECT_TRUE(kernel_log_has("box 'pl': the fds fd 'd0' depends on go round in a circle, or nest deeper than 8"));
	EXPECT_EQ(0, tt_sealed());
	ASSERT_EQ(0, tt_write("depends", DEP_CHAIN));
	ASSERT_EQ(0, fdbox_seal(self->box));
	EXPECT_EQ(10, tt_sealed());
	ASSERT_EQ(0, fdbox_unseal(self->box));
}

/* Seal box @name holding "test-kho" objects @prefix0.. and a memfd "m". */
static int seal_kho_box(int ctl, const char *name, const char *prefix, int n)
{
	int mfd = memfd_with("pl-m", MEMFD_SIZE, MEMFD_FILL, 0);
	int box, err;

	if (mfd < 0)
		return mfd;
	fdbox_destroy(ctl, name);
	box = fdbox_create_open(ctl, name);
	if (box < 0) {
		close(mfd);
		return box;
	}
	err = put_kho_objects(box, prefix, n) ?: fdbox_put(box, mfd, "m") ?:
	      fdbox_seal(box);
	if (err)
		close(mfd);
	close(box);
	return err;
}

/*
 * Last of stage 1: the sealed boxes keep the module loaded until kexec.
 * KHO_BOX: t0, memfd m, t1, t0 depending on t1. DEP_BOX: d0..d8, each
 * depending on the next, and m. VER_BOX: v0 recorded as version 2 (which
 * the handler does not read), and m. HOLD_BOX: h0 and m. KHO_DEL_BOX: t.
 * The value recorded at SEAL is 5, at the reboot 9 (freeze hook).
 */
TEST_F(stage1, box_holding_a_plugin_type_is_sealed)
{
	int obj = open(TT_KHO_OBJECT, O_RDWR);
	int mfd = memfd_with("pl-m", MEMFD_SIZE, MEMFD_FILL, 0);
	int box;

	ASSERT_LE(0, obj);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, tt_write("value", "5"));
	ASSERT_EQ(0, tt_write("depends", "t0:t1," DEP_CHAIN));
	fdbox_destroy(self->ctl, KHO_BOX);
	fdbox_destroy(self->ctl, KHO_DEL_BOX);
	box = fdbox_create_open(self->ctl, KHO_BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_put(box, obj, "t0"));
	ASSERT_EQ(0, fdbox_put(box, mfd, "m"));
	obj = open(TT_KHO_OBJECT, O_RDWR);
	ASSERT_LE(0, obj);
	ASSERT_EQ(0, fdbox_put(box, obj, "t1"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
	obj = open(TT_KHO_OBJECT, O_RDWR);
	ASSERT_LE(0, obj);
	box = fdbox_create_open(self->ctl, KHO_DEL_BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_put(box, obj, "t"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
	ASSERT_EQ(0, seal_kho_box(self->ctl, DEP_BOX, "d", 9));
	ASSERT_EQ(0, seal_kho_box(self->ctl, HOLD_BOX, "h", 1));
	ASSERT_EQ(0, tt_write("version", "2"));
	ASSERT_EQ(0, seal_kho_box(self->ctl, VER_BOX, "v", 1));
	ASSERT_EQ(0, tt_write("version", "1"));
	/* After SEAL: only the freeze hook at reboot can record this. */
	ASSERT_EQ(0, tt_write("value", "9"));
}

FIXTURE(stage2) {
	int ctl;
	const char *box;	/* destroyed by the teardown */
};

FIXTURE_SETUP(stage2)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_LE(0, self->ctl);
	self->box = NULL;
}

FIXTURE_TEARDOWN(stage2)
{
	tt_write("restore_fail", "");
	tt_write("restored", "");
	if (self->box)
		fdbox_destroy(self->ctl, self->box);
	close(self->ctl);
	tt_unload();
}

/* A kernel that holds a type but cannot restore it says so. */
TEST_F(stage2, type_held_but_not_restored_here_is_named_so)
{
	__u32 state = 0;
	int box, m;

	self->box = HOLD_BOX;
	ASSERT_EQ(-ENOENT, tt_unload());
	ASSERT_EQ(0, tt_load_with("hold_only=1"));
	box = fdbox_box_open(HOLD_BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(-ENOPKG, fdbox_unseal(box));
	EXPECT_TRUE(kernel_log_has("box 'pl-hold': fd 'h0' is of type 'fdbox-test,object', which this kernel can hold but not restore"));
	m = fdbox_get(box, "m");
	ASSERT_LE(0, m);
	EXPECT_EQ(1, memfd_check(m, MEMFD_SIZE, MEMFD_FILL));
	close(m);
	/* The record is kept: with the full handler it is restored. */
	ASSERT_EQ(0, tt_unload());
	ASSERT_EQ(0, tt_load());
	ASSERT_EQ(0, fdbox_unseal(box));
	ASSERT_EQ(0, box_state_of(box, &state));
	EXPECT_EQ((__u32)FDBOX_STATE_OPEN, state);
	EXPECT_STREQ("h0=9 ", tt_restored());
	close(box);
}

/*
 * Dependencies first, whatever the order of the box; a failure in the
 * middle of the chain keeps what was restored and the next UNSEAL resumes.
 */
TEST_F(stage2, dependent_fds_are_restored_after_what_they_depend_on)
{
	struct fdbox_fd_info fi;
	__u32 state = 0;
	int box;

	self->box = DEP_BOX;
	ASSERT_EQ(0, tt_load());
	box = fdbox_box_open(DEP_BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, tt_write("restore_fail", "d4"));
	ASSERT_EQ(-ENOMEM, fdbox_unseal(box));
	EXPECT_STREQ("d8=9 d7=9 d6=9 d5=9 ", tt_restored());
	ASSERT_EQ(0, fdbox_fd_info_of(box, "d5", &fi));
	EXPECT_EQ(0U, fi.flags);
	ASSERT_EQ(0, fdbox_fd_info_of(box, "d4", &fi));
	EXPECT_EQ((__u32)FDBOX_FD_PENDING, fi.flags);
	ASSERT_EQ(0, box_state_of(box, &state));
	EXPECT_EQ((__u32)FDBOX_STATE_RESTORED, state);
	ASSERT_EQ(0, tt_write("restore_fail", ""));
	ASSERT_EQ(0, tt_write("restored", ""));
	ASSERT_EQ(0, fdbox_unseal(box));
	EXPECT_STREQ("d4=9 d3=9 d2=9 d1=9 d0=9 ", tt_restored());
	ASSERT_EQ(0, box_state_of(box, &state));
	EXPECT_EQ((__u32)FDBOX_STATE_OPEN, state);
	close(box);
}

/* A record of a version its handler does not read is refused; not the box. */
TEST_F(stage2, unknown_version_of_a_type_is_refused)
{
	__u32 state = 0;
	int box, m;

	self->box = VER_BOX;
	ASSERT_EQ(0, tt_load());
	box = fdbox_box_open(VER_BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(-EINVAL, fdbox_unseal(box));
	EXPECT_TRUE(kernel_log_has("'v0': record version 2 of"));
	EXPECT_TRUE(kernel_log_has("box 'pl-ver': fd 'v0' (fdbox-test,object) cannot be restored, its handed-over data is damaged"));
	EXPECT_STREQ("", tt_restored());
	ASSERT_EQ(0, box_state_of(box, &state));
	EXPECT_EQ((__u32)FDBOX_STATE_RESTORED, state);
	m = fdbox_get(box, "m");
	ASSERT_LE(0, m);
	EXPECT_EQ(1, memfd_check(m, MEMFD_SIZE, MEMFD_FILL));
	close(m);
	/* Broken for good: the next UNSEAL does not try it again. */
	ASSERT_EQ(-EINVAL, fdbox_unseal(box));
	EXPECT_EQ(1, kernel_log_count("'v0': record version 2 of"));
	close(box);
}

TEST_F(stage2, plugin_type_is_restored_once_its_module_is_loaded)
{
	struct fdbox_fd_info fi;
	__u32 state = 0;
	int box, m, t;

	/* FDBox read the handover before the type's module was loaded. */
	self->box = KHO_BOX;
	ASSERT_EQ(-ENOENT, tt_unload());
	box = fdbox_box_open(KHO_BOX);
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_fd_info_of(box, "t0", &fi));
	EXPECT_EQ((__u32)FDBOX_FD_TYPE_UNKNOWN, fi.type);
	EXPECT_EQ((__u32)FDBOX_FD_PENDING, fi.flags);
	EXPECT_TRUE(kernel_log_has("box 'pl-kho': fd 't0' is of type 'fdbox-test,object', which no loaded module handles yet"));

	ASSERT_EQ(-ENOPKG, fdbox_unseal(box));
	EXPECT_TRUE(kernel_log_has("fd 't1' is of type 'fdbox-test,object', which no loaded module handles; load it and UNSEAL again"));
	/* The memfd between them is restored, and can be taken out. */
	m = fdbox_get(box, "m");
	ASSERT_LE(0, m);
	EXPECT_EQ(1, memfd_check(m, MEMFD_SIZE, MEMFD_FILL));
	close(m);
	EXPECT_EQ(-EBUSY, fdbox_get(box, "t0"));

	/*
	 * With the module: a restore that fails at either fd resumes. t0
	 * depends on t1, so t1 is restored first.
	 */
	ASSERT_EQ(0, tt_load());
	ASSERT_EQ(0, tt_write("restore_fail", "t1"));
	ASSERT_EQ(-ENOMEM, fdbox_unseal(box));
	ASSERT_EQ(0, fdbox_fd_info_of(box, "t0", &fi));
	EXPECT_EQ((__u32)TT_KHO_TYPE, fi.type);
	EXPECT_EQ((__u32)FDBOX_FD_PENDING, fi.flags);
	ASSERT_EQ(0, fdbox_fd_info_of(box, "t1", &fi));
	EXPECT_EQ((__u32)FDBOX_FD_PENDING, fi.flags);
	ASSERT_EQ(0, tt_write("restore_fail", "t0"));
	ASSERT_EQ(-ENOMEM, fdbox_unseal(box));
	ASSERT_EQ(0, fdbox_fd_info_of(box, "t1", &fi));
	EXPECT_EQ(0U, fi.flags);
	ASSERT_EQ(0, fdbox_fd_info_of(box, "t0", &fi));
	EXPECT_EQ((__u32)FDBOX_FD_PENDING, fi.flags);
	ASSERT_EQ(0, box_state_of(box, &state));
	EXPECT_EQ((__u32)FDBOX_STATE_RESTORED, state);
	ASSERT_EQ(0, tt_write("restore_fail", ""));
	ASSERT_EQ(0, fdbox_unseal(box));
	ASSERT_EQ(0, fdbox_fd_info_of(box, "t0", &fi));
	EXPECT_EQ((__u32)TT_KHO_TYPE, fi.type);
	EXPECT_EQ(0U, fi.flags);
	ASSERT_EQ(0, box_state_of(box, &state));
	EXPECT_EQ((__u32)FDBOX_STATE_OPEN, state);
	/* The value as at the reboot, not at SEAL: the freeze hook ran. */
	EXPECT_STREQ("t1=9 t0=9 ", tt_restored());
	t = fdbox_get(box, "t1");
	ASSERT_LE(0, t);
	/* Its module's handler recognises the restored file. */
	ASSERT_EQ(0, fdbox_put(box, t, "t2"));
	close(box);
}

TEST_F(stage2, incomplete_box_can_be_deleted)
{
	int box = fdbox_box_open(KHO_DEL_BOX);

	ASSERT_LE(0, box);
	ASSERT_EQ(-ENOENT, tt_unload());
	ASSERT_EQ(-EBUSY, fdbox_delete(self->ctl, KHO_DEL_BOX));
	ASSERT_EQ(-ENOPKG, fdbox_unseal(box));
	close(box);
	ASSERT_EQ(0, fdbox_delete(self->ctl, KHO_DEL_BOX));
	EXPECT_TRUE(kernel_log_has("box 'pl-kho-del': fd 't' of type 'fdbox-test,object' had no handler"));
}

FDBOX_STAGED_HARNESS_MAIN
