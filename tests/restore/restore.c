// SPDX-License-Identifier: GPL-2.0
/*
 * How a handed-over memfd comes back: restore path, memory accounting,
 * large folios. Runs on the stock kernel (module-only path) and on the
 * kernel with the FDBox helpers (zero-copy path, and the module-only path
 * forced through the restore_path parameter).
 *
 * Stage 1 seals three boxes: "rs" with a memfd of order-0 folios and a
 * hole, a memfd written while shmem made 2 MiB folios (shmem_enabled=always),
 * and a memfd with seals; "rs-mo" with one of each of the first two kinds;
 * "rs-retry" with one memfd. Stage 2 restores "rs" on the active path and
 * "rs-mo" on the module-only path, and checks every byte, st_blocks, Shmem
 * and ShmemHugePages in /proc/meminfo, that both return to the baseline once
 * the memfds are truncated and closed, and that no vmstat counter went
 * negative. It restores "rs-retry" on the active path with too little
 * commit charge left (vm.overcommit_memory=2): UNSEAL fails with ENOSPC
 * midway, and the next one resumes and brings back every byte.
 *
 * Box "rs-never" holds a memfd of 2 MiB folios that stage 2 restores with
 * shmem_enabled=never: the file may not hold them, so they are copied into
 * small folios on either path ("rs" is restored with shmem_enabled=always).
 *
 * Box "rs-copy" holds a memfd of 2 MiB folios that the module-only path
 * restores by copying; stage 2 restores it while another process keeps
 * dropping the page cache, which takes clean, unreferenced shmem pages out
 * of their files, and checks every byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"
#include "fdbox_test.h"

#define KiB 1024LL
#define MiB (1024 * KiB)

#define SMALL_SIZE	(48 * MiB)
#define HOLE_OFF	(8 * MiB)
#define HOLE_LEN	(1 * MiB)
#define HUGE_SIZE	(16 * MiB)
#define SEALED_SIZE	(4 * MiB + 5)
#define SEALED_SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)
#define MO_SMALL_SIZE	(8 * MiB)
#define MO_HUGE_SIZE	(4 * MiB)
#define RETRY_SIZE	(64 * MiB)
#define COPY_SIZE	(64 * MiB)

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define RESTORE_PATH	FDBOX_PARAMS "/restore_path"
#define OVERCOMMIT	"/proc/sys/vm/overcommit_memory"
#define OVERCOMMIT_KB	"/proc/sys/vm/overcommit_kbytes"
#define OVERCOMMIT_RATIO "/proc/sys/vm/overcommit_ratio"
#define DROP_CACHES	"/proc/sys/vm/drop_caches"

/* Slack for Shmem pages the rest of the guest uses meanwhile. */
#define SHMEM_SLACK_KB	512

static uint64_t seed_of(const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return h;
}

/*
 * vmstat counters that read as negative (the kernel prints them unsigned),
 * except nr_vmalloc, which every KHO restore path makes negative (a known
 * KHO wart, not FDBox's). Writes their names to @out; returns how many.
 */
static int vmstat_negatives(char *out, size_t len)
{
	char name[64];
	unsigned long long v;
	size_t used = 0;
	int n = 0;
	FILE *f = fopen("/proc/vmstat", "re");

	out[0] = 0;
	if (!f)
		return -1;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (v < (1ULL << 63) || !strcmp(name, "nr_vmalloc"))
			continue;
		n++;
		used += snprintf(out + used, used < len ? len - used : 0,
				 "%s ", name);
	}
	fclose(f);
	return n;
}

static int make_memfd(const char *name, long long size, unsigned int flags)
{
	int fd = memfd_create(name, flags | MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	/* write() allocates through shmem, large folios where allowed */
	if (ftruncate(fd, size) || pattern_fill_fd(fd, seed_of(name), size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A memfd written while shmem makes PMD-size folios. Returns the fd, and
 * in @huge_kb how much ShmemHugePages grew (0: no large folios here).
 */
static int make_huge_memfd(const char *name, long long size,
			   long long *huge_kb)
{
	char mode[32];
	long long before;
	int fd;

	*huge_kb = 0;
	if (thp_shmem_mode(mode, sizeof(mode)) ||
	    write_text(THP_SHMEM, "always"))
		return make_memfd(name, size, 0);
	before = meminfo_kb("ShmemHugePages");
	fd = make_memfd(name, size, 0);
	*huge_kb = meminfo_kb("ShmemHugePages") - before;
	write_text(THP_SHMEM, mode);
	return fd;
}

static int put_and_close(int box, int fd, const char *name)
{
	int err = fdbox_put(box, fd, name);

	close(fd);
	return err;
}

FIXTURE(stage1) {
	int ctl;
};

FIXTURE_SETUP(stage1)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->ctl);
}

TEST_F(stage1, seal_boxes)
{
	long long huge_kb, mo_huge_kb;
	int box, mo, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "rs"));
	ASSERT_EQ(0, fdbox_create(self->ctl, "rs-mo"));
	ASSERT_EQ(0, fdbox_create(self->ctl, "rs-retry"));
	box = fdbox_box_open("rs");
	mo = fdbox_box_open("rs-mo");
	ASSERT_GE(box, 0);
	ASSERT_GE(mo, 0);

	fd = make_memfd("rs-small", SMALL_SIZE, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       HOLE_OFF, HOLE_LEN));
	ASSERT_EQ(0, put_and_close(box, fd, "small"));

	fd = make_huge_memfd("rs-huge", HUGE_SIZE, &huge_kb);
	ASSERT_GE(fd, 0);
	TH_LOG("large folios: ShmemHugePages grew by %lld kB", huge_kb);
	/* The fd name tells stage 2 whether the memfd had large folios. */
	ASSERT_EQ(0, put_and_close(box, fd, huge_kb >= HUGE_SIZE / KiB ?
				   "huge" : "huge-nothp"));

	fd = make_memfd("rs-sealed", SEALED_SIZE, MFD_ALLOW_SEALING);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, SEALED_SEALS));
	ASSERT_EQ(0, put_and_close(box, fd, "sealed"));

	fd = make_memfd("mo-small", MO_SMALL_SIZE, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, put_and_close(mo, fd, "small"));
	fd = make_huge_memfd("mo-huge", MO_HUGE_SIZE, &mo_huge_kb);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, put_and_close(mo, fd, mo_huge_kb >= MO_HUGE_SIZE / KiB ?
				   "huge" : "huge-nothp"));

	ASSERT_EQ(0, fdbox_seal(box));
	ASSERT_EQ(0, fdbox_seal(mo));
	close(box);
	close(mo);

	/* Box "rs-never": 2 MiB folios, restored with shmem_enabled=never. */
	ASSERT_EQ(0, fdbox_create(self->ctl, "rs-never"));
	box = fdbox_box_open("rs-never");
	ASSERT_GE(box, 0);
	fd = make_huge_memfd("rs-never", HUGE_SIZE, &huge_kb);
	ASSERT_GE(fd, 0);
	ASSERT_GE(huge_kb, HUGE_SIZE / KiB)
		TH_LOG("ShmemHugePages grew by %lld kB for a %lld kB memfd",
		       huge_kb, HUGE_SIZE / KiB);
	ASSERT_EQ(0, put_and_close(box, fd, "huge"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);

	box = fdbox_box_open("rs-retry");
	ASSERT_GE(box, 0);
	fd = make_memfd("rs-retry", RETRY_SIZE, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, put_and_close(box, fd, "retry"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

/*
 * Box "rs-copy": a memfd made only of 2 MiB folios, which the module-only
 * path restores by copying. Without THP there is nothing to test: fail.
 */
TEST_F(stage1, seal_copy_box)
{
	long long huge_kb;
	int box, fd;

	ASSERT_EQ(0, fdbox_create(self->ctl, "rs-copy"));
	box = fdbox_box_open("rs-copy");
	ASSERT_GE(box, 0);
	fd = make_huge_memfd("rs-copy", COPY_SIZE, &huge_kb);
	ASSERT_GE(fd, 0);
	ASSERT_GE(huge_kb, COPY_SIZE / KiB)
		TH_LOG("ShmemHugePages grew by %lld kB for a %lld kB memfd",
		       huge_kb, COPY_SIZE / KiB);
	ASSERT_EQ(0, put_and_close(box, fd, "copy"));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
}

FIXTURE(stage2) {
	int ctl;
	char path[32];		/* restore_path at start */
	bool helpers;		/* the kernel exports shmem_insert_folios */
};

/* Does the running kernel export @sym? (/proc/kallsyms lists it.) */
static bool kernel_has(const char *sym)
{
	char line[512], name[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", name) == 1 &&
			!strcmp(name, sym);
	fclose(f);
	return found;
}

FIXTURE_SETUP(stage2)
{
	self->ctl = fdbox_ctl_open();
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, read_text(RESTORE_PATH, self->path, sizeof(self->path)));
	self->helpers = kernel_has("shmem_insert_folios");
}

FIXTURE_TEARDOWN(stage2)
{
	write_text(RESTORE_PATH, self->path);
	close(self->ctl);
}

/* The parameter names the path the kernel allows, and refuses nonsense. */
TEST_F(stage2, restore_path_reported)
{
	char now[32];

	TH_LOG("kernel helpers %s; restore_path %s",
	       self->helpers ? "exported" : "absent", self->path);
	EXPECT_STREQ(self->helpers ? "zero-copy" : "module-only", self->path);
	EXPECT_EQ(-EINVAL, write_text(RESTORE_PATH, "fast"));
	EXPECT_EQ(0, write_text(RESTORE_PATH, "module-only"));
	ASSERT_EQ(0, read_text(RESTORE_PATH, now, sizeof(now)));
	EXPECT_STREQ("module-only", now);
	EXPECT_EQ(self->helpers ? 0 : -ENODEV,
		  write_text(RESTORE_PATH, "zero-copy"));
	ASSERT_EQ(0, read_text(RESTORE_PATH, now, sizeof(now)));
	EXPECT_STREQ(self->helpers ? "zero-copy" : "module-only", now);
}

struct restored {
	const char *fdname;
	const char *memfd;
	long long size;
	long long data;		/* bytes of data (the rest is holes) */
	int fd;
	bool huge;		/* had large folios when sealed */
};

/* Get every memfd of box @name, which must be RESTORED, and check them. */
static void get_all(struct __test_metadata *_metadata, const char *name,
		    struct restored *r, int n)
{
	int box = fdbox_box_open(name), i;
	struct stat st;

	ASSERT_GE(box, 0);
	ASSERT_EQ(0, fdbox_unseal(box));
	for (i = 0; i < n; i++) {
		r[i].fd = fdbox_get(box, r[i].fdname);
		if (r[i].fd < 0 && !strncmp(r[i].fdname, "huge", 4)) {
			r[i].fdname = "huge-nothp";
			r[i].fd = fdbox_get(box, r[i].fdname);
		}
		ASSERT_GE(r[i].fd, 0) TH_LOG("GET_FD %s/%s", name, r[i].fdname);
		r[i].huge = !strcmp(r[i].fdname, "huge");
		ASSERT_EQ(0, fstat(r[i].fd, &st));
		EXPECT_EQ(r[i].size, st.st_size);
		EXPECT_EQ(DIV_ROUND_UP(r[i].data, 4096) * 8, st.st_blocks)
			TH_LOG("%s/%s: %lld blocks for %lld bytes of data", name,
			       r[i].fdname, (long long)st.st_blocks, r[i].data);
	}
	close(box);
}

static void check_data(struct __test_metadata *_metadata, struct restored *r)
{
	uint64_t seed = seed_of(r->memfd);
	long long bad;

	if (r->data == r->size) {
		bad = pattern_check_fd(r->fd, seed, r->size);
	} else {
		bad = pattern_check_range(r->fd, seed, 0, HOLE_OFF);
		if (bad < 0)
			bad = pattern_check_range(r->fd, seed, HOLE_OFF + HOLE_LEN,
						  r->size - HOLE_OFF - HOLE_LEN);
		EXPECT_EQ(HOLE_OFF + HOLE_LEN, lseek(r->fd, HOLE_OFF, SEEK_DATA));
	}
	EXPECT_EQ(-1, bad) TH_LOG("%s: byte %lld differs", r->memfd, bad);
}

static void close_all(struct restored *r, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].fd >= 0)
			close(r[i].fd);
}

static long long data_kb(const struct restored *r, int n)
{
	long long kb = 0;
	int i;

	for (i = 0; i < n; i++)
		kb += DIV_ROUND_UP(r[i].data, 4096) * 4;
	return kb;
}

/*
 * Box "rs" on the active path: contents, seals, accounting while in use,
 * after hole punching, truncation (which splits a large folio) and close.
 */
TEST_F(stage2, active_path_accounting)
{
	struct restored r[] = {
		{ "small", "rs-small", SMALL_SIZE, SMALL_SIZE - HOLE_LEN, -1, false },
		{ "huge", "rs-huge", HUGE_SIZE, HUGE_SIZE, -1, false },
		{ "sealed", "rs-sealed", SEALED_SIZE, SEALED_SIZE, -1, false },
	};
	long long shmem0, huge0, shmem, huge;
	char neg0[512], neg[512], page[4096], mode[32];
	struct stat st;
	int i;

	ASSERT_LE(0, vmstat_negatives(neg0, sizeof(neg0)));
	shmem0 = meminfo_kb("Shmem");
	huge0 = meminfo_kb("ShmemHugePages");
	ASSERT_GE(shmem0, 0);

	/*
	 * Zero-copy: the files may hold 2 MiB folios, as shmem would allocate
	 * them (the module-only path lets shmem allocate: keep it at 4 KiB).
	 */
	ASSERT_EQ(0, thp_shmem_mode(mode, sizeof(mode)));
	if (!strcmp(self->path, "zero-copy"))
		ASSERT_EQ(0, write_text(THP_SHMEM, "always"));
	get_all(_metadata, "rs", r, 3);
	write_text(THP_SHMEM, mode);
	shmem = meminfo_kb("Shmem");
	EXPECT_GE(shmem - shmem0, data_kb(r, 3) - SHMEM_SLACK_KB);
	EXPECT_LE(shmem - shmem0, data_kb(r, 3) + SHMEM_SLACK_KB)
		TH_LOG("Shmem grew by %lld kB for %lld kB of data",
		       shmem - shmem0, data_kb(r, 3));
	huge = meminfo_kb("ShmemHugePages");
	TH_LOG("path %s: ShmemHugePages grew by %lld kB (%s large folios at seal)",
	       self->path, huge - huge0, r[1].huge ? "with" : "without");
	/* Zero-copy keeps the folios as they were: all of them large. */
	if (!strcmp(self->path, "zero-copy") && r[1].huge)
		EXPECT_EQ(HUGE_SIZE / KiB, huge - huge0);
	for (i = 0; i < 3; i++)
		check_data(_metadata, &r[i]);

	/* The restored files behave as memfds. */
	EXPECT_EQ(SEALED_SEALS, fcntl(r[2].fd, F_GET_SEALS));
	EXPECT_EQ(-1, ftruncate(r[2].fd, 0));
	EXPECT_EQ(0, fcntl(r[2].fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(-1, pwrite(r[2].fd, "x", 1, 0));
	EXPECT_EQ(F_SEAL_SEAL, fcntl(r[0].fd, F_GET_SEALS));

	/* Punch 1 MiB, write into the old hole: blocks follow. */
	ASSERT_EQ(0, fallocate(r[0].fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       16 * MiB, 1 * MiB));
	ASSERT_EQ(0, fstat(r[0].fd, &st));
	EXPECT_EQ((SMALL_SIZE - 2 * HOLE_LEN) / 512, st.st_blocks);
	memset(page, 0x5a, sizeof(page));
	ASSERT_EQ(4096, pwrite(r[0].fd, page, sizeof(page), HOLE_OFF));
	ASSERT_EQ(0, fstat(r[0].fd, &st));
	EXPECT_EQ((SMALL_SIZE - 2 * HOLE_LEN + 4096) / 512, st.st_blocks);

	/* Truncating into the middle of a large folio splits or frees it. */
	ASSERT_EQ(0, ftruncate(r[1].fd, 3 * MiB + 5));
	EXPECT_EQ(-1, pattern_check_range(r[1].fd, seed_of("rs-huge"), 0, 3 * MiB));
	ASSERT_EQ(0, fstat(r[1].fd, &st));
	EXPECT_EQ(DIV_ROUND_UP(3 * MiB + 5, 4096) * 8, st.st_blocks);

	ASSERT_EQ(0, ftruncate(r[0].fd, 0));
	ASSERT_EQ(0, fstat(r[0].fd, &st));
	EXPECT_EQ(0, st.st_blocks);
	close_all(r, 3);

	shmem = meminfo_kb("Shmem");
	huge = meminfo_kb("ShmemHugePages");
	EXPECT_LE(shmem - shmem0, SHMEM_SLACK_KB)
		TH_LOG("Shmem %lld kB after close, %lld kB before UNSEAL",
		       shmem, shmem0);
	EXPECT_GE(shmem - shmem0, -SHMEM_SLACK_KB);
	EXPECT_EQ(huge0, huge);
	EXPECT_EQ(0, vmstat_negatives(neg, sizeof(neg)) -
		  vmstat_negatives(neg0, sizeof(neg0)))
		TH_LOG("negative vmstat counters: before '%s', now '%s'",
		       neg0, neg);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "rs"));
}


/*
 * Box "rs-never": a file may hold only the folio sizes shmem would allocate
 * for it. With shmem_enabled=never the handed-over 2 MiB folios are copied
 * into small ones on either path (zero-copy: the kernel helper refuses
 * them with E2BIG), every byte intact.
 */
TEST_F(stage2, large_folios_follow_shmem_enabled)
{
	struct restored r = { "huge", "rs-never", HUGE_SIZE, HUGE_SIZE, -1,
			      false };
	long long huge0, huge;
	char mode[32];

	ASSERT_EQ(0, thp_shmem_mode(mode, sizeof(mode)));
	ASSERT_EQ(0, write_text(THP_SHMEM, "never"));
	huge0 = meminfo_kb("ShmemHugePages");
	get_all(_metadata, "rs-never", &r, 1);
	huge = meminfo_kb("ShmemHugePages");
	write_text(THP_SHMEM, mode);
	TH_LOG("path %s: ShmemHugePages grew by %lld kB", self->path,
	       huge - huge0);
	EXPECT_TRUE(r.huge) TH_LOG("the memfd had no large folios at seal");
	EXPECT_EQ(0, huge - huge0);
	check_data(_metadata, &r);
	close_all(&r, 1);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "rs-never"));
}
/* Box "rs-mo" on the module-only path, whatever the kernel offers. */
TEST_F(stage2, module_only_path)
{
	struct restored r[] = {
		{ "small", "mo-small", MO_SMALL_SIZE, MO_SMALL_SIZE, -1, false },
		{ "huge", "mo-huge", MO_HUGE_SIZE, MO_HUGE_SIZE, -1, false },
	};
	long long shmem0, shmem;
	char neg0[512], neg[512];
	int i;

	ASSERT_EQ(0, write_text(RESTORE_PATH, "module-only"));
	ASSERT_LE(0, vmstat_negatives(neg0, sizeof(neg0)));
	shmem0 = meminfo_kb("Shmem");

	get_all(_metadata, "rs-mo", r, 2);
	shmem = meminfo_kb("Shmem");
	EXPECT_GE(shmem - shmem0, data_kb(r, 2) - SHMEM_SLACK_KB);
	EXPECT_LE(shmem - shmem0, data_kb(r, 2) + SHMEM_SLACK_KB);
	for (i = 0; i < 2; i++)
		check_data(_metadata, &r[i]);
	/* Without memfd_add_seals() the module sets the seals itself. */
	EXPECT_EQ(F_SEAL_SEAL, fcntl(r[0].fd, F_GET_SEALS));
	close_all(r, 2);

	shmem = meminfo_kb("Shmem");
	EXPECT_LE(shmem - shmem0, SHMEM_SLACK_KB);
	EXPECT_GE(shmem - shmem0, -SHMEM_SLACK_KB);
	EXPECT_EQ(0, vmstat_negatives(neg, sizeof(neg)) -
		  vmstat_negatives(neg0, sizeof(neg0)))
		TH_LOG("negative vmstat counters: before '%s', now '%s'",
		       neg0, neg);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "rs-mo"));
}

/* vm.overcommit_* as they were, to be put back by overcommit_restore(). */
struct overcommit {
	char mode[16];
	char kbytes[32];
	char ratio[32];
};

static int overcommit_save(struct overcommit *oc)
{
	return read_text(OVERCOMMIT, oc->mode, sizeof(oc->mode)) ?:
	       read_text(OVERCOMMIT_KB, oc->kbytes, sizeof(oc->kbytes)) ?:
	       read_text(OVERCOMMIT_RATIO, oc->ratio, sizeof(oc->ratio));
}

/* Writing one of kbytes and ratio zeroes the other: write the one in use. */
static int overcommit_restore(const struct overcommit *oc)
{
	return write_text(OVERCOMMIT, oc->mode) ?:
	       (strcmp(oc->kbytes, "0") ? write_text(OVERCOMMIT_KB, oc->kbytes) :
					  write_text(OVERCOMMIT_RATIO, oc->ratio));
}

/*
 * Box "rs-retry" on the active path. With strict overcommit and only half
 * the memfd's size of commit charge left, shmem refuses to account the
 * rest of the folios: UNSEAL fails with ENOSPC, part of the file restored,
 * the box still sealed. The next UNSEAL resumes: every byte is back, and
 * the blocks and Shmem count each page once.
 */
TEST_F(stage2, unseal_resumes_after_enospc)
{
	struct restored r = { "retry", "rs-retry", RETRY_SIZE, RETRY_SIZE,
			      -1, false };
	long long committed, shmem0, shmem_mid, shmem;
	struct overcommit oc;
	char limit[32];
	int box, err;

	ASSERT_EQ(0, overcommit_save(&oc));
	box = fdbox_box_open("rs-retry");
	ASSERT_GE(box, 0);
	shmem0 = meminfo_kb("Shmem");
	committed = meminfo_kb("Committed_AS");
	ASSERT_GE(committed, 0);
	snprintf(limit, sizeof(limit), "%lld", committed + RETRY_SIZE / 2 / KiB);
	ASSERT_EQ(0, write_text(OVERCOMMIT_KB, limit));
	ASSERT_EQ(0, write_text(OVERCOMMIT, "2"));
	err = fdbox_unseal(box);
	ASSERT_EQ(0, overcommit_restore(&oc));
	shmem_mid = meminfo_kb("Shmem");
	TH_LOG("path %s: UNSEAL with %s kB of commit limit: %s; Shmem grew by %lld kB of %lld",
	       self->path, limit, strerror(-err), shmem_mid - shmem0,
	       RETRY_SIZE / KiB);
	ASSERT_EQ(-ENOSPC, err);
	EXPECT_GT(shmem_mid - shmem0, SHMEM_SLACK_KB);
	EXPECT_LT(shmem_mid - shmem0, RETRY_SIZE / KiB - SHMEM_SLACK_KB);
	EXPECT_EQ(-EBUSY, fdbox_get(box, "retry"));
	close(box);

	get_all(_metadata, "rs-retry", &r, 1);
	check_data(_metadata, &r);
	shmem = meminfo_kb("Shmem");
	EXPECT_GE(shmem - shmem0, RETRY_SIZE / KiB - SHMEM_SLACK_KB);
	EXPECT_LE(shmem - shmem0, RETRY_SIZE / KiB + SHMEM_SLACK_KB);
	close_all(&r, 1);
	EXPECT_LE(meminfo_kb("Shmem") - shmem0, SHMEM_SLACK_KB);
	EXPECT_EQ(0, fdbox_delete(self->ctl, "rs-retry"));
}

/* What the page cache dropper and the test share. */
struct dropper {
	volatile int stop;
	volatile long drops;	/* passes done */
	volatile int err;	/* first failed write, -errno */
};

/* Drop the page cache over and over until told to stop. */
static void drop_caches_loop(struct dropper *d)
{
	/* 4 (alone: drops nothing): the kernel logs no later write */
	d->err = write_text(DROP_CACHES, "4");
	while (!d->err && !d->stop) {
		d->err = write_text(DROP_CACHES, "1");
		if (!d->err)
			d->drops++;
	}
}

/*
 * Box "rs-copy" on the module-only path, which copies each preserved 2 MiB
 * folio into 512 new pages of the file (shmem THP off for them) and frees
 * it. Meanwhile a second process drops the page cache in a loop: a page
 * the restore allocated but has not filled yet must stay in the file, or
 * the preserved data would be freed with nowhere to go. Every byte must
 * come back. (Without swap, page cache dropping is what takes clean shmem
 * pages away; reclaim does not scan them.)
 */
TEST_F(stage2, copy_restore_survives_drop_caches)
{
	long long during, bad;
	struct dropper *d;
	struct stat st;
	char mode[32];
	int box, fd, err, status;
	pid_t pid;

	box = fdbox_box_open("rs-copy");
	ASSERT_GE(box, 0);
	ASSERT_EQ(0, write_text(RESTORE_PATH, "module-only"));
	ASSERT_EQ(0, thp_shmem_mode(mode, sizeof(mode)));
	d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, d);
	memset(d, 0, sizeof(*d));
	ASSERT_EQ(0, write_text(THP_SHMEM, "never"));
	pid = fork();
	if (!pid) {
		drop_caches_loop(d);
		_exit(0);
	}
	while (pid > 0 && !d->drops && !d->err)
		usleep(1000);

	during = -d->drops;
	err = pid > 0 ? fdbox_unseal(box) : -ECHILD;
	during += d->drops;
	d->stop = 1;
	if (pid > 0)
		EXPECT_EQ(pid, waitpid(pid, &status, 0));
	write_text(THP_SHMEM, mode);
	TH_LOG("UNSEAL: %s; page cache dropped %lld times meanwhile",
	       strerror(-err), during);
	EXPECT_EQ(0, d->err) TH_LOG("%s: %s", DROP_CACHES, strerror(-d->err));
	/* The dropper really ran while the file was being restored. */
	EXPECT_GT(during, 0);
	ASSERT_EQ(0, err) TH_LOG("preserved data lost? (see the kernel log)");

	fd = fdbox_get(box, "copy");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(COPY_SIZE, st.st_size);
	EXPECT_EQ(COPY_SIZE / 512, st.st_blocks);
	bad = pattern_check_fd(fd, seed_of("rs-copy"), COPY_SIZE);
	EXPECT_EQ(-1, bad) TH_LOG("rs-copy: byte %lld differs", bad);
	close(fd);
	close(box);
	munmap(d, sizeof(*d));
	EXPECT_EQ(0, fdbox_delete(self->ctl, "rs-copy"));
}

FDBOX_STAGED_HARNESS_MAIN
