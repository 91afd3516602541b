// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed boxes carry memfds across a real kexec.
 *
 * Stage 1 builds boxes in every state: two sealed boxes holding memfds of
 * awkward sizes, with holes and with file seals; an open box; a deleted
 * box; a box sealed and unsealed again; a sealed box whose memfds are
 * truncated and hole-punched through another reference after SEAL; and a
 * sealed memfd written after SEAL into its folios, a hole and past its end.
 * Stage 2 checks that exactly the sealed boxes came back, sealed, and that
 * UNSEAL recreates every memfd as it was at SEAL: size, every byte, holes,
 * seals and the name shown in /proc/self/fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define ALL_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

/* A sparse memfd has data only in these ranges; the rest are holes. */
static const struct { size_t off, len; } sparse_data[] = {
	{ 0, 64 * KiB }, { 4 * MiB, 4 * KiB }, { 15 * MiB, 1 * MiB },
};

struct memfd_spec {
	const char *box;
	const char *name;	/* fd name in the box; memfd name is "ho-<name>" */
	size_t size;
	unsigned int seals;
	bool sparse;
	mode_t mode;		/* permission bits; 0: memfd_create()'s 0777 */
};

static const struct memfd_spec specs[] = {
	{ .box = "ho-a", .name = "empty", .size = 0 },
	{ .box = "ho-a", .name = "one-byte", .size = 1 },
	{ .box = "ho-a", .name = "page", .size = 4 * KiB, .mode = 0640 },
	{ .box = "ho-a", .name = "unaligned", .size = 3 * 4 * KiB + 123,
	  .mode = 0600 },
	{ .box = "ho-a", .name = "big", .size = 64 * MiB },
	{ .box = "ho-a", .name = "sparse", .size = 16 * MiB, .sparse = true },
	{ .box = "ho-b", .name = "all-seals", .size = 8 * KiB + 17,
	  .seals = ALL_SEALS },
	{ .box = "ho-b", .name = "grow-sealed", .size = 4 * KiB,
	  .seals = F_SEAL_GROW },
};

#define NR_SPECS (sizeof(specs) / sizeof(specs[0]))
#define TRUNC_SIZE (1 * MiB)

static uint64_t seed_of(const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return h;
}

/* Pages of data the memfds of @box hold: whole pages, holes excluded. */
static unsigned long long held_pages(const char *box)
{
	unsigned long long pages = 0;
	size_t i, j;

	for (i = 0; i < NR_SPECS; i++) {
		if (strcmp(specs[i].box, box))
			continue;
		if (!specs[i].sparse) {
			pages += (specs[i].size + 4095) / 4096;
			continue;
		}
		for (j = 0; j < sizeof(sparse_data) / sizeof(sparse_data[0]); j++)
			pages += (sparse_data[j].len + 4095) / 4096;
	}
	return pages;
}

static int make_memfd(const struct memfd_spec *s)
{
	char mname[64];
	size_t i;
	int fd;

	snprintf(mname, sizeof(mname), "ho-%s", s->name);
	fd = memfd_create(mname, MFD_CLOEXEC | (s->seals ? MFD_ALLOW_SEALING : 0));
	if (fd < 0 || ftruncate(fd, s->size))
		return -1;
	if (s->sparse) {
		for (i = 0; i < sizeof(sparse_data) / sizeof(sparse_data[0]); i++)
			if (pattern_fill_range(fd, seed_of(s->name), sparse_data[i].off,
					       sparse_data[i].len))
				return -1;
	} else if (pattern_fill_fd(fd, seed_of(s->name), s->size)) {
		return -1;
	}
	if (s->seals && fcntl(fd, F_ADD_SEALS, s->seals))
		return -1;
	if (s->mode && fchmod(fd, s->mode))
		return -1;
	/* The file position goes along too: halfway. */
	if (lseek(fd, s->size / 2, SEEK_SET) != (off_t)(s->size / 2))
		return -1;
	return fd;
}

/* Everything about @fd that must survive: returns NULL or what differs. */
static const char *memfd_differs(int fd, const struct memfd_spec *s)
{
	static char why[160];
	char link[64], want[96];
	struct stat st;
	long long bad;
	size_t i;
	ssize_t n;
	int seals;

	if (fstat(fd, &st))
		return "fstat failed";
	if ((size_t)st.st_size != s->size) {
		snprintf(why, sizeof(why), "size %lld, want %zu",
			 (long long)st.st_size, s->size);
		return why;
	}
	if ((st.st_mode & 07777) != (s->mode ? s->mode : 0777)) {
		snprintf(why, sizeof(why), "mode %o, want %o",
			 st.st_mode & 07777, s->mode ? s->mode : 0777);
		return why;
	}
	if (lseek(fd, 0, SEEK_CUR) != (off_t)(s->size / 2)) {
		snprintf(why, sizeof(why), "file position %lld, want %zu",
			 (long long)lseek(fd, 0, SEEK_CUR), s->size / 2);
		return why;
	}
	/* a memfd made without MFD_ALLOW_SEALING carries F_SEAL_SEAL */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals != (int)(s->seals ? s->seals : F_SEAL_SEAL)) {
		snprintf(why, sizeof(why), "seals %#x, want %#x", seals,
			 s->seals ? s->seals : F_SEAL_SEAL);
		return why;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, want, sizeof(want) - 1);
	want[n < 0 ? 0 : n] = 0;
	snprintf(why, sizeof(why), "/memfd:ho-%s (deleted)", s->name);
	if (strcmp(want, why)) {
		snprintf(why, sizeof(why), "name '%s', want '/memfd:ho-%s (deleted)'",
			 want, s->name);
		return why;
	}
	if (!s->sparse) {
		bad = pattern_check_fd(fd, seed_of(s->name), s->size);
		if (bad >= 0) {
			snprintf(why, sizeof(why), "byte %lld differs", bad);
			return why;
		}
		return NULL;
	}
	for (i = 0; i < sizeof(sparse_data) / sizeof(sparse_data[0]); i++) {
		off_t data = lseek(fd, i ? sparse_data[i - 1].off + sparse_data[i - 1].len : 0,
				   SEEK_DATA);

		if (data != (off_t)sparse_data[i].off) {
			snprintf(why, sizeof(why), "data region %zu starts at %lld", i,
				 (long long)data);
			return why;
		}
		if (lseek(fd, data, SEEK_HOLE) != (off_t)(sparse_data[i].off + sparse_data[i].len))
			return "a hole was filled or data lost";
		bad = pattern_check_range(fd, seed_of(s->name), sparse_data[i].off,
					  sparse_data[i].len);
		if (bad >= 0) {
			snprintf(why, sizeof(why), "byte %lld differs", bad);
			return why;
		}
	}
	if (st.st_blocks * 512 > (blkcnt_t)(66 * KiB + 1 * MiB + 4 * KiB))
		return "holes were allocated";
	return NULL;
}

static int find_box(int ctl, const char *name, struct fdbox_box_info *out)
{
	static struct fdbox_box_info boxes[64];
	struct fdbox_list l;
	__u32 i;
	int err;

	err = fdbox_list(ctl, &l, boxes, 64, NULL, 0);
	if (err)
		return err;
	for (i = 0; i < l.nr_boxes && i < 64; i++)
		if (!strcmp((char *)boxes[i].name, name)) {
			*out = boxes[i];
			return 0;
		}
	return -ENOENT;
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

TEST_F(stage1, seal_boxes_for_handover)
{
	int box, fd;
	size_t i;

	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-a"));
	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-b"));
	for (i = 0; i < NR_SPECS; i++) {
		fd = make_memfd(&specs[i]);
		ASSERT_LE(0, fd) TH_LOG("memfd %s", specs[i].name);
		box = fdbox_box_open(specs[i].box);
		ASSERT_LE(0, box);
		ASSERT_EQ(0, fdbox_put(box, fd, specs[i].name));
		close(box);
	}
	box = fdbox_box_open("ho-a");
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
	box = fdbox_box_open("ho-b");
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

TEST_F(stage1, open_box_stays_behind)
{
	int box, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-open"));
	box = fdbox_box_open("ho-open");
	fd = memfd_with("ho-open", 4 * KiB, 0x5a, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(box, fd, "data"));
	close(box);
}

TEST_F(stage1, deleted_box_leaves_nothing)
{
	int box, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-deleted"));
	box = fdbox_box_open("ho-deleted");
	fd = memfd_with("ho-deleted", 1 * MiB, 0x11, 0);
	ASSERT_EQ(0, fdbox_put(box, fd, "data"));
	ASSERT_EQ(0, fdbox_seal(box));
	ASSERT_EQ(0, fdbox_unseal(box));
	close(box);
	ASSERT_EQ(0, fdbox_delete(self->ctl, "ho-deleted"));
}

TEST_F(stage1, seal_then_unseal_carries_nothing)
{
	int box, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-rollback"));
	box = fdbox_box_open("ho-rollback");
	fd = memfd_with("ho-rollback", 2 * MiB, 0x77, 0);
	ASSERT_EQ(0, fdbox_put(box, fd, "data"));
	ASSERT_EQ(0, fdbox_seal(box));
	ASSERT_EQ(0, fdbox_unseal(box));
	/* the memfd is still whole and usable after the rollback */
	fd = fdbox_get(box, "data");
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, memfd_check(fd, 2 * MiB, 0x77));
	ASSERT_EQ(0, ftruncate(fd, 3 * MiB));
	ASSERT_EQ(0, fdbox_put(box, fd, "data"));
	close(box);
}

TEST_F(stage1, truncate_and_punch_after_seal)
{
	int box, a, b, a2, b2;

	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-trunc"));
	box = fdbox_box_open("ho-trunc");
	a = memfd_create("ho-truncated", 0);
	b = memfd_create("ho-punched", 0);
	ASSERT_EQ(0, ftruncate(a, TRUNC_SIZE));
	ASSERT_EQ(0, ftruncate(b, TRUNC_SIZE));
	ASSERT_EQ(0, pattern_fill_fd(a, seed_of("truncated"), TRUNC_SIZE));
	ASSERT_EQ(0, pattern_fill_fd(b, seed_of("punched"), TRUNC_SIZE));
	/* keep second references to the same files */
	a2 = dup(a);
	b2 = dup(b);
	ASSERT_EQ(0, fdbox_put(box, a, "truncated"));
	ASSERT_EQ(0, fdbox_put(box, b, "punched"));
	ASSERT_EQ(0, fdbox_seal(box));
	ASSERT_EQ(0, ftruncate(a2, 0));
	ASSERT_EQ(0, fallocate(b2, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, TRUNC_SIZE));
	close(a2);
	close(b2);
	close(box);
}

/*
 * Writes after SEAL (fdbox(4), docs/fdbox.rst "Known limits"): SEAL records
 * the size and the pinned folios; data written later into those folios is
 * in the memory handed over and goes along, data written into what was a
 * hole at SEAL or past the size at SEAL does not.
 */
#define WR_PAGE 4096
static void fill_page(int fd, int page, char c)
{
	char buf[WR_PAGE];

	memset(buf, c, sizeof(buf));
	if (pwrite(fd, buf, sizeof(buf), (off_t)page * WR_PAGE) != WR_PAGE)
		abort();
}

TEST_F(stage1, writes_after_seal)
{
	int box, fd, fd2;
	char *map;

	ASSERT_EQ(0, fdbox_create(self->ctl, "ho-written"));
	box = fdbox_box_open("ho-written");
	ASSERT_LE(0, box);
	fd = memfd_create("ho-written", 0);
	ASSERT_LE(0, fd);
	/* pages 0, 2 and 3 hold data at SEAL, page 1 is a hole */
	ASSERT_EQ(0, ftruncate(fd, 4 * WR_PAGE));
	fill_page(fd, 0, 0x11);
	fill_page(fd, 2, 0x22);
	fill_page(fd, 3, 0x23);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, fdbox_put(box, fd, "written"));
	/*
	 * Fallocated but never written pages hold no data: they come back
	 * as holes, without blocks (only the written page 0 has data).
	 */
	fd = memfd_create("ho-fallocated", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fallocate(fd, 0, 0, 64 * WR_PAGE));
	fill_page(fd, 0, 0x66);
	ASSERT_EQ(0, fdbox_put(box, fd, "fallocated"));
	ASSERT_EQ(0, fdbox_seal(box));
	/* into pinned folios: by write() and through a shared mapping */
	fill_page(fd2, 0, 0x33);
	map = mmap(NULL, 4 * WR_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map + 3 * WR_PAGE, 0x34, WR_PAGE);
	munmap(map, 4 * WR_PAGE);
	/* into the hole, and past the end */
	fill_page(fd2, 1, 0x44);
	fill_page(fd2, 5, 0x55);
	close(fd2);
	close(box);
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

TEST_F(stage2, only_sealed_boxes_come_back)
{
	static struct fdbox_fd_info fds[16];
	struct fdbox_box_info info;
	struct fdbox_list l;
	unsigned long long pending = 0;
	__u32 i;
	int box;

	ASSERT_EQ(0, find_box(self->ctl, "ho-a", &info));
	EXPECT_EQ(FDBOX_STATE_RESTORED, (int)info.state);
	EXPECT_EQ(6, (int)info.nr_fds);
	ASSERT_EQ(0, find_box(self->ctl, "ho-b", &info));
	EXPECT_EQ(FDBOX_STATE_RESTORED, (int)info.state);
	EXPECT_EQ(2, (int)info.nr_fds);
	ASSERT_EQ(0, find_box(self->ctl, "ho-trunc", &info));
	EXPECT_EQ(-ENOENT, find_box(self->ctl, "ho-open", &info));
	EXPECT_EQ(-ENOENT, find_box(self->ctl, "ho-deleted", &info));
	EXPECT_EQ(-ENOENT, find_box(self->ctl, "ho-rollback", &info));
	EXPECT_EQ(-ENOENT, fdbox_box_open("ho-open"));

	/* nothing is restored yet: every fd is pending and counted unclaimed */
	box = fdbox_box_open("ho-a");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_list(box, &l, &info, 1, fds, 16));
	for (i = 0; i < l.nr_fds; i++) {
		EXPECT_EQ(FDBOX_FD_PENDING, fds[i].flags & FDBOX_FD_PENDING);
		pending += fds[i].size;
	}
	/* unclaimed is the memory held (whole pages of data), not the sizes */
	EXPECT_EQ(held_pages("ho-a") * 4096, (unsigned long long)l.unclaimed_bytes);
	EXPECT_LE(64 * MiB + 16 * MiB, pending);
	close(box);
}

TEST_F(stage2, restored_box_is_sealed)
{
	int box = fdbox_box_open("ho-a");
	int fd = memfd_with("late", 4096, 1, 0);

	ASSERT_LE(0, box);
	EXPECT_EQ(-EBUSY, fdbox_put(box, fd, "late"));
	EXPECT_EQ(-EBUSY, fdbox_get(box, "big"));
	EXPECT_EQ(-EBUSY, fdbox_delete(self->ctl, "ho-a"));
	EXPECT_EQ(-EINVAL, fdbox_seal(box));
	/* the refused PUT left the caller's fd alone */
	EXPECT_TRUE(fd_is_open(fd));
	close(fd);
	close(box);
}

/* Each page of @fd from 0 to @n - 1 is all @want[page]. */
static bool pages_are(int fd, const char *want, int n)
{
	char buf[WR_PAGE];
	int p, i;

	for (p = 0; p < n; p++) {
		if (pread(fd, buf, sizeof(buf), (off_t)p * WR_PAGE) != WR_PAGE)
			return false;
		for (i = 0; i < WR_PAGE; i++)
			if (buf[i] != want[p])
				return false;
	}
	return true;
}

TEST_F(stage2, writes_after_seal_into_its_folios_only_come_back)
{
	const char want[4] = { 0x33, 0, 0x22, 0x34 };
	struct stat st;
	int box, fd;

	box = fdbox_box_open("ho-written");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	fd = fdbox_get(box, "written");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	/* the size at SEAL; page 1 still a hole: three pages of data */
	EXPECT_EQ(4 * WR_PAGE, st.st_size);
	EXPECT_EQ(3 * WR_PAGE / 512, st.st_blocks);
	EXPECT_TRUE(pages_are(fd, want, 4));
	close(fd);

	fd = fdbox_get(box, "fallocated");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(64 * WR_PAGE, st.st_size);
	EXPECT_EQ(WR_PAGE / 512, st.st_blocks);
	EXPECT_TRUE(pages_are(fd, (const char[2]){ 0x66, 0 }, 2));
	close(fd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "ho-written"));
}

TEST_F(stage2, unseal_restores_every_memfd)
{
	struct fdbox_list l;
	const char *why;
	int box, fd;
	size_t i;
	double t;

	for (i = 0; i < NR_SPECS; i++) {
		if (i == 0 || strcmp(specs[i].box, specs[i - 1].box)) {
			box = fdbox_box_open(specs[i].box);
			ASSERT_LE(0, box);
			t = now_ms();
			ASSERT_EQ(0, fdbox_unseal(box));
			ksft_print_msg("unseal %s: %.1f ms\n", specs[i].box, now_ms() - t);
			/* restored exactly once */
			ASSERT_EQ(-EINVAL, fdbox_unseal(box));
			close(box);
		}
	}
	for (i = 0; i < NR_SPECS; i++) {
		box = fdbox_box_open(specs[i].box);
		fd = fdbox_get(box, specs[i].name);
		ASSERT_LE(0, fd) TH_LOG("get %s/%s: %d", specs[i].box, specs[i].name, fd);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
		why = memfd_differs(fd, &specs[i]);
		EXPECT_EQ(NULL, why) TH_LOG("%s/%s: %s", specs[i].box, specs[i].name, why);
		/* a restored memfd is a live memfd again */
		if (!(specs[i].seals & (F_SEAL_WRITE | F_SEAL_GROW)))
			EXPECT_EQ(0, ftruncate(fd, specs[i].size + 4096));
		close(fd);
		close(box);
	}
	EXPECT_EQ(0, fdbox_delete(self->ctl, "ho-a"));
	EXPECT_EQ(0, fdbox_delete(self->ctl, "ho-b"));
	/* only ho-trunc is still waiting for its UNSEAL */
	ASSERT_EQ(0, fdbox_list(self->ctl, &l, NULL, 0, NULL, 0));
	EXPECT_EQ(2 * TRUNC_SIZE, l.unclaimed_bytes);
}

TEST_F(stage2, changes_after_seal_do_not_reach_next_kernel)
{
	int box, fd;

	box = fdbox_box_open("ho-trunc");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_unseal(box));
	fd = fdbox_get(box, "truncated");
	ASSERT_LE(0, fd);
	EXPECT_EQ((off_t)TRUNC_SIZE, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(-1, pattern_check_fd(fd, seed_of("truncated"), TRUNC_SIZE));
	close(fd);
	fd = fdbox_get(box, "punched");
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pattern_check_fd(fd, seed_of("punched"), TRUNC_SIZE));
	close(fd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "ho-trunc"));
}

FDBOX_STAGED_HARNESS_MAIN
