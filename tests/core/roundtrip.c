// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox in one kernel: memfds go into a box and come back out with their
 * contents, size and seals; boxes outlive the processes that filled them;
 * SEAL/UNSEAL; DELETE_BOX; what the listing ioctl and sysfs report.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define SIZE	(64 * 1024)

/* Newer than some libc headers (values from linux/memfd.h, fcntl.h). */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

FIXTURE(box) {
	int ctl;
	int box;
	char name[128];
};

FIXTURE_SETUP(box)
{
	self->box = -1;
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	snprintf(self->name, sizeof(self->name), "rt-%s", _metadata->name);
	fdbox_destroy(self->ctl, self->name);
	ASSERT_EQ(0, fdbox_create(self->ctl, self->name));
	self->box = fdbox_box_open(self->name);
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(box)
{
	if (self->box >= 0)
		close(self->box);
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, self->name);
		close(self->ctl);
	}
}

TEST_F(box, put_then_get_returns_same_file_contents_size_and_seals)
{
	struct stat before, after;
	char attr[64];
	int fd, got, seals;

	fd = memfd_with("rt-data", SIZE, 0x5a, MFD_ALLOW_SEALING);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	ASSERT_EQ(0, fstat(fd, &before));

	/* The only reference goes into the box: the caller's fd is gone. */
	ASSERT_EQ(0, fdbox_put(self->box, fd, "data"));
	ASSERT_FALSE(fd_is_open(fd));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	ASSERT_STREQ("1", attr);
	ASSERT_EQ(0, fdbox_sysfs(self->name, "bytes", attr, sizeof(attr)));
	ASSERT_EQ(SIZE, atoi(attr));

	got = fdbox_get(self->box, "data");
	ASSERT_LE(0, got);
	ASSERT_EQ(FD_CLOEXEC, fcntl(got, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDWR, fcntl(got, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fstat(got, &after));
	EXPECT_EQ(before.st_ino, after.st_ino);
	EXPECT_EQ(before.st_dev, after.st_dev);
	EXPECT_EQ(SIZE, after.st_size);
	seals = fcntl(got, F_GET_SEALS);
	EXPECT_EQ(F_SEAL_SHRINK | F_SEAL_GROW, seals);
	EXPECT_EQ(1, memfd_check(got, SIZE, 0x5a));
	/* The seals still work. */
	EXPECT_EQ(-1, ftruncate(got, SIZE / 2));
	EXPECT_EQ(EPERM, errno);

	/* The box is empty again. */
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	ASSERT_STREQ("0", attr);
	ASSERT_EQ(0, fdbox_sysfs(self->name, "bytes", attr, sizeof(attr)));
	ASSERT_STREQ("0", attr);
	EXPECT_EQ(-ENOENT, fdbox_get(self->box, "data"));
	close(got);
}

TEST_F(box, child_puts_and_exits_parent_gets)
{
	int status, got;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int box = fdbox_box_open(self->name);
		int fd = memfd_with("rt-child", SIZE, 0xc3, 0);

		if (box < 0 || fd < 0)
			_exit(1);
		_exit(fdbox_put(box, fd, "from-child") ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	got = fdbox_get(self->box, "from-child");
	ASSERT_LE(0, got);
	EXPECT_EQ(1, memfd_check(got, SIZE, 0xc3));
	close(got);
}

TEST_F(box, put_keeps_other_descriptors_of_the_file_working)
{
	struct stat a, b;
	int fd, dupfd, got;
	char c = 0;

	fd = memfd_with("rt-dup", 4096, 1, 0);
	ASSERT_LE(0, fd);
	dupfd = dup(fd);
	ASSERT_LE(0, dupfd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "shared"));
	ASSERT_FALSE(fd_is_open(fd));
	ASSERT_TRUE(fd_is_open(dupfd));
	/* A write through the other descriptor shows in the held file. */
	ASSERT_EQ(1, pwrite(dupfd, "x", 1, 0));
	got = fdbox_get(self->box, "shared");
	ASSERT_LE(0, got);
	ASSERT_EQ(0, fstat(dupfd, &a));
	ASSERT_EQ(0, fstat(got, &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	ASSERT_EQ(1, pread(got, &c, 1, 0));
	EXPECT_EQ('x', c);
	close(dupfd);
	close(got);
}

TEST_F(box, fds_are_found_by_name_among_many)
{
	char name[32];
	int i, fd;

	for (i = 0; i < 16; i++) {
		fd = memfd_with("rt-many", 4096, i, 0);
		ASSERT_LE(0, fd);
		snprintf(name, sizeof(name), "fd-%d", i);
		ASSERT_EQ(0, fdbox_put(self->box, fd, name));
	}
	for (i = 15; i >= 0; i--) {
		snprintf(name, sizeof(name), "fd-%d", i);
		fd = fdbox_get(self->box, name);
		ASSERT_LE(0, fd);
		EXPECT_EQ(1, memfd_check(fd, 4096, i));
		close(fd);
	}
}

TEST_F(box, seal_then_unseal_keeps_the_fds)
{
	char attr[64];
	int fd;

	fd = memfd_with("rt-seal", SIZE, 0x11, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "kept"));

	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "state", attr, sizeof(attr)));
	ASSERT_STREQ("sealed", attr);
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	ASSERT_STREQ("1", attr);

	ASSERT_EQ(0, fdbox_unseal(self->box));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "state", attr, sizeof(attr)));
	ASSERT_STREQ("open", attr);

	/* Seal an empty box too, then the full one again. */
	fd = fdbox_get(self->box, "kept");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, memfd_check(fd, SIZE, 0x11));
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_unseal(self->box));
	ASSERT_EQ(0, fdbox_put(self->box, fd, "kept"));
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_unseal(self->box));
}

/*
 * A SEAL that fails leaves the box open and as it was, and a later SEAL of
 * the same fds works. Here the second fd is the same memfd as the first,
 * which SEAL refuses (an object is handed over once). (A seal hook failing
 * after others succeeded: the plugins suite.)
 */
TEST_F(box, failed_seal_undoes_the_fds_sealed_before)
{
	char attr[64];
	int fd, dup_fd;

	fd = memfd_with("rt-twice", SIZE, 0x22, 0);
	ASSERT_LE(0, fd);
	dup_fd = dup(fd);
	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "first"));
	ASSERT_EQ(0, fdbox_put(self->box, dup_fd, "again"));
	EXPECT_EQ(-EBUSY, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "state", attr, sizeof(attr)));
	EXPECT_STREQ("open", attr);
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	EXPECT_STREQ("2", attr);

	/* Without the second reference SEAL takes the first one. */
	dup_fd = fdbox_get(self->box, "again");
	ASSERT_LE(0, dup_fd);
	EXPECT_EQ(1, memfd_check(dup_fd, SIZE, 0x22));
	close(dup_fd);
	ASSERT_EQ(0, fdbox_seal(self->box));
	ASSERT_EQ(0, fdbox_unseal(self->box));
	fd = fdbox_get(self->box, "first");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, memfd_check(fd, SIZE, 0x22));
	close(fd);
}

TEST_F(box, delete_removes_node_and_sysfs_and_old_fds_see_enoent)
{
	char attr[64], path[256];
	int fd, old;

	fd = memfd_with("rt-del", 4096, 7, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "dropped"));
	ASSERT_EQ(0, fdbox_delete(self->ctl, self->name));

	snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%s", self->name);
	EXPECT_EQ(-1, access(path, F_OK));
	EXPECT_EQ(-ENOENT, fdbox_sysfs(self->name, "state", attr, sizeof(attr)));

	/* The box fd opened before the delete sees a deleted box. */
	old = self->box;
	fd = memfd_with("rt-del2", 4096, 7, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, fdbox_put(old, fd, "late"));
	EXPECT_TRUE(fd_is_open(fd));
	EXPECT_EQ(-ENOENT, fdbox_get(old, "dropped"));
	EXPECT_EQ(-ENOENT, fdbox_seal(old));
	EXPECT_EQ(-ENOENT, fdbox_unseal(old));
	close(fd);

	/* The name is free again, and the new box is empty. */
	ASSERT_EQ(0, fdbox_create(self->ctl, self->name));
	self->box = fdbox_box_open(self->name);
	ASSERT_LE(0, self->box);
	EXPECT_EQ(-ENOENT, fdbox_get(self->box, "dropped"));
	close(old);
}

static long long shmem_kb(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Shmem: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

TEST_F(box, delete_frees_the_memory_of_held_memfds)
{
	const size_t big = 32 << 20;
	long long held, freed;
	int fd;

	fd = memfd_with("rt-big", big, 0xee, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "big"));
	held = shmem_kb();
	ASSERT_LT(0, held);
	ASSERT_EQ(0, fdbox_delete(self->ctl, self->name));
	freed = shmem_kb();
	TH_LOG("Shmem %lld kB while held, %lld kB after delete", held, freed);
	EXPECT_LE(freed, held - (long long)(big >> 10) * 3 / 4);
}

TEST_F(box, list_reports_boxes_fds_and_counts)
{
	struct fdbox_box_info boxes[FDBOX_SNAP_BOXES];
	struct fdbox_fd_info fds[FDBOX_SNAP_FDS];
	struct fdbox_box_info *me = NULL;
	struct fdbox_list l;
	__u32 i, total_boxes, total_fds;
	int fd;

	fd = memfd_with("rt-list-a", 4096, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "a"));
	fd = memfd_with("rt-list-b", 3 * 4096 + 5, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "b"));
	ASSERT_EQ(0, fdbox_seal(self->box));

	ASSERT_EQ(0, fdbox_list(self->ctl, &l, boxes, FDBOX_SNAP_BOXES,
				fds, FDBOX_SNAP_FDS));
	EXPECT_EQ(sizeof(l), l.size);
	EXPECT_EQ(0ULL, l.unclaimed_bytes);
	ASSERT_LE(1U, l.nr_boxes);
	ASSERT_GE((__u32)FDBOX_SNAP_BOXES, l.nr_boxes);
	for (i = 0; i < l.nr_boxes; i++)
		if (!strcmp((char *)boxes[i].name, self->name))
			me = &boxes[i];
	ASSERT_NE(NULL, me);
	EXPECT_EQ((__u32)FDBOX_STATE_SEALED, me->state);
	EXPECT_EQ(2U, me->nr_fds);
	EXPECT_EQ(4096ULL + 3 * 4096 + 5, me->bytes);
	ASSERT_LE(me->fd_index + 2, l.nr_fds);
	EXPECT_STREQ("a", (char *)fds[me->fd_index].name);
	EXPECT_EQ((__u32)FDBOX_FD_TYPE_MEMFD, fds[me->fd_index].type);
	EXPECT_EQ(4096ULL, fds[me->fd_index].size);
	EXPECT_EQ(0U, fds[me->fd_index].flags);
	EXPECT_STREQ("b", (char *)fds[me->fd_index + 1].name);
	EXPECT_EQ(3ULL * 4096 + 5, fds[me->fd_index + 1].size);
	total_boxes = l.nr_boxes;
	total_fds = l.nr_fds;

	/* No room: counts only. */
	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	EXPECT_EQ(total_boxes, l.nr_boxes);
	EXPECT_EQ(total_fds, l.nr_fds);

	/* Too little room: full counts, only the room is written. */
	memset(fds, 0xff, sizeof(fds));
	ASSERT_EQ(0, fdbox_list(self->ctl, &l, boxes, 1, fds, 1));
	EXPECT_EQ(total_boxes, l.nr_boxes);
	EXPECT_EQ(total_fds, l.nr_fds);
	EXPECT_EQ(0xff, fds[1].name[0]);

	/* On the box device: only that box, indexes from 0. */
	memset(boxes, 0, sizeof(boxes));
	ASSERT_EQ(0, fdbox_list(self->box, &l, boxes, FDBOX_SNAP_BOXES,
				fds, FDBOX_SNAP_FDS));
	EXPECT_EQ(1U, l.nr_boxes);
	EXPECT_EQ(2U, l.nr_fds);
	EXPECT_STREQ(self->name, (char *)boxes[0].name);
	EXPECT_EQ(0U, boxes[0].fd_index);
	EXPECT_STREQ("a", (char *)fds[0].name);
	EXPECT_STREQ("b", (char *)fds[1].name);

	ASSERT_EQ(0, fdbox_unseal(self->box));
}

TEST_F(box, list_accepts_a_larger_struct_with_zero_tail)
{
	struct {
		struct fdbox_list l;
		__u64 future[2];
	} big;

	memset(&big, 0, sizeof(big));
	big.l.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->box, _IOWR(FDBOX_TYPE, FDBOX_BASE + 6, big),
			   &big));
	EXPECT_EQ(1U, big.l.nr_boxes);
	EXPECT_EQ(0ULL, big.future[0]);

	/* Unknown non-zero fields: E2BIG, as copy_struct_from_user() says. */
	big.future[1] = 1;
	EXPECT_EQ(-1, ioctl(self->box, FDBOX_LIST, &big));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(box, sysfs_shows_state_nr_fds_and_bytes)
{
	char state[32], nr[32], bytes[32];
	int fd;

	ASSERT_EQ(0, fdbox_sysfs(self->name, "state", state, sizeof(state)));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", nr, sizeof(nr)));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "bytes", bytes, sizeof(bytes)));
	EXPECT_STREQ("open", state);
	EXPECT_STREQ("0", nr);
	EXPECT_STREQ("0", bytes);

	fd = memfd_with("rt-sysfs", 12345, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "x"));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", nr, sizeof(nr)));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "bytes", bytes, sizeof(bytes)));
	EXPECT_STREQ("1", nr);
	EXPECT_STREQ("12345", bytes);
}

TEST_F(box, empty_memfd_and_sparse_memfd_round_trip)
{
	struct stat st;
	char c = 0;
	int fd;

	fd = memfd_create("rt-empty", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "empty"));
	fd = memfd_create("rt-sparse", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 1 << 30));
	ASSERT_EQ(1, pwrite(fd, "z", 1, (1 << 30) - 1));
	ASSERT_EQ(0, fdbox_put(self->box, fd, "sparse"));

	fd = fdbox_get(self->box, "empty");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_size);
	close(fd);
	fd = fdbox_get(self->box, "sparse");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(1 << 30, st.st_size);
	ASSERT_EQ(1, pread(fd, &c, 1, (1 << 30) - 1));
	EXPECT_EQ('z', c);
	close(fd);
}

TEST_F(box, noexec_sealed_memfd_round_trips_with_its_seals)
{
	int fd, got;

	fd = memfd_with("rt-noexec", 4096, 0x31, MFD_NOEXEC_SEAL);
	if (fd == -EINVAL)
		SKIP(return, "no MFD_NOEXEC_SEAL in this kernel");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	ASSERT_EQ(0, fdbox_put(self->box, fd, "noexec"));
	got = fdbox_get(self->box, "noexec");
	ASSERT_LE(0, got);
	EXPECT_EQ(F_SEAL_EXEC | F_SEAL_WRITE, fcntl(got, F_GET_SEALS));
	EXPECT_EQ(1, memfd_check(got, 4096, 0x31));
	EXPECT_EQ(-1, pwrite(got, "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	close(got);
}

/* GET_FD with FDBOX_GET_FD_KEEP: a descriptor of the file, which stays. */
TEST_F(box, get_keep_gives_a_descriptor_and_leaves_the_fd_in_the_box)
{
	struct fdbox_get_fd arg = { .flags = FDBOX_GET_FD_KEEP };
	int m = memfd_with("rt-keep", SIZE, 0x4b, 0);
	int kept, again, got;
	struct stat st1, st2;
	char attr[32];

	ASSERT_LE(0, m);
	ASSERT_EQ(0, fdbox_put(self->box, m, "k"));
	fdbox_set_name(arg.name, "k");
	kept = ioctl(self->box, FDBOX_GET_FD, &arg);
	ASSERT_LE(0, kept);
	EXPECT_TRUE(fcntl(kept, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(1, memfd_check(kept, SIZE, 0x4b));
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	EXPECT_STREQ("1", attr);
	/* Again, and the fd itself: one file all along. */
	again = ioctl(self->box, FDBOX_GET_FD, &arg);
	ASSERT_LE(0, again);
	got = fdbox_get(self->box, "k");
	ASSERT_LE(0, got);
	ASSERT_EQ(0, fstat(kept, &st1));
	ASSERT_EQ(0, fstat(got, &st2));
	EXPECT_EQ(st1.st_ino, st2.st_ino);
	EXPECT_EQ(-ENOENT, (int)(ioctl(self->box, FDBOX_GET_FD, &arg) < 0 ? -errno : 0));
	/* Like GET_FD, not from a sealed box. */
	ASSERT_EQ(0, fdbox_put(self->box, got, "k"));
	ASSERT_EQ(0, fdbox_seal(self->box));
	EXPECT_EQ(-EBUSY, (int)(ioctl(self->box, FDBOX_GET_FD, &arg) < 0 ? -errno : 0));
	ASSERT_EQ(0, fdbox_unseal(self->box));
	close(kept);
	close(again);
}

TEST_F(box, fd_names_are_per_box)
{
	char other[160];
	int box2, fd, got;

	snprintf(other, sizeof(other), "%s-2", self->name);
	fdbox_destroy(self->ctl, other);
	ASSERT_EQ(0, fdbox_create(self->ctl, other));
	box2 = fdbox_box_open(other);
	ASSERT_LE(0, box2);

	fd = memfd_with("rt-one", 4096, 1, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(self->box, fd, "same"));
	fd = memfd_with("rt-two", 4096, 2, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(box2, fd, "same"));

	got = fdbox_get(box2, "same");
	ASSERT_LE(0, got);
	EXPECT_EQ(1, memfd_check(got, 4096, 2));
	close(got);
	got = fdbox_get(self->box, "same");
	ASSERT_LE(0, got);
	EXPECT_EQ(1, memfd_check(got, 4096, 1));
	close(got);
	close(box2);
	EXPECT_EQ(0, fdbox_delete(self->ctl, other));
}

TEST_HARNESS_MAIN
