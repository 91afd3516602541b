// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile handover data: a chain of kexecs where each hop hands the next
 * kernel a deliberately broken FDBox handover, and the next kernel must
 * refuse exactly the broken part with a clear message, keep every intact
 * box with its data, report what it could not claim, and keep running (the
 * guest init fails the stage on any BUG, WARNING or KASAN report).
 *
 * The broken data is made before kexec in two ways:
 * - the KHO root blob (header and slot descriptors) is rewritten from
 *   userspace through KHO's debugfs (root only, CONFIG_KEXEC_HANDOVER_
 *   DEBUGFS): /sys/kernel/debug/kho/out/sub_fdts/fdbox;
 * - the box blobs, memfd records and folio tables behind it are damaged in
 *   place by the module's debug-only knob /sys/kernel/debug/fdbox/corrupt
 *   (kernel/debug.c), present only when the module is built with
 *   FDBOX_DEBUG=y. suite.conf says MODULE=debug, so check.sh loads that
 *   build; with a module without the knob those stages fail, loudly.
 *
 * In every stage but the first: check what the previous hop broke. In
 * every stage but the last: seal box "victim-N" (slot 0, a memfd "data" of
 * DATA_SIZE bytes) and box "good-N" (slot 1), N the stage, then break the
 * handover as case[N - 1] says. Names carry the stage because a box that
 * comes back but cannot be unsealed stays (restored, undeletable) in that
 * kernel.
 */
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "pattern.h"
#include "fdbox_test.h"

#define ROOT_BLOB	"/sys/kernel/debug/kho/out/sub_fdts/fdbox"
#define ROOT_MAX	(64 * 1024)
#define DATA_SIZE	((1 << 20) + 4096 * 3 + 5)
#define DATA_PAGES	((DATA_SIZE + 4095) / 4096)	/* 4 KiB folios */

/* Mirror of kernel/handover_abi.h, checked against the blob's own sizes. */
struct kho_vmalloc_desc {
	uint64_t first;
	uint32_t total_pages;
	uint16_t flags;
	uint16_t order;
};

struct root_slot {
	struct kho_vmalloc_desc blob;
	uint64_t size;
	uint64_t flags;
};

struct root {
	uint32_t magic;
	uint32_t version;
	uint32_t header_size;
	uint32_t slot_size;
	uint32_t nr_slots;
	uint32_t flags;
	uint64_t reserved;
	struct root_slot slots[];
};

/* What becomes of box "victim" in the next kernel. */
enum victim {
	GONE,		/* refused at load: not recreated */
	BACK,		/* recreated, unseals, data intact */
	BROKEN,		/* recreated, UNSEAL fails with EINVAL for good */
	WAITING,	/* recreated, its fd of a type no module handles waits:
			 * UNSEAL fails with ENOPKG, the box can be deleted */
};

/*
 * Unclaimed bytes the next kernel reports (FDBOX_LIST) for a case, once
 * the boxes that came back intact are unsealed: kernel/handover.c counts
 * for a box refused at load the bytes its memfd records describe (their
 * pages), as far as the blob can be read (magic and fd record size right,
 * records of a known type); a root it cannot read, a slot it skips and a
 * blob it cannot map count nothing. A box refused at UNSEAL is broken and
 * deleted by the test; the pages its memfd record tells stay counted.
 */
enum unclaimed {
	NOTHING,	/* 0 */
	PAGES,		/* the victim's memfd record: DATA_PAGES pages */
	PENDING,	/* the victim's restored, pending memfd: DATA_PAGES pages */
	PENDING_1,	/* the same, whose record claims one page more */
};

struct hcase {
	const char *name;
	void (*corrupt)(struct root *r);	/* through KHO debugfs */
	const char *knob;			/* or: case of the module knob */
	const char *message;	/* in the next kernel's log */
	enum victim victim;
	bool good;		/* box "good" comes back, with its data */
	enum unclaimed unclaimed;	/* what the listing reports */
};

static void bad_magic(struct root *r)
{
	r->magic = 0x21444142;	/* "BAD!" */
}

/* FDBOX_KHO_VERSION (kernel/handover_abi.h) */
#define HANDOVER_VERSION	3

static void future_version(struct root *r)
{
	r->version = HANDOVER_VERSION + 1;
}

/* The format before box blobs carried the owner, group and mode of the node. */
static void previous_version(struct root *r)
{
	r->version = HANDOVER_VERSION - 1;
}

static void wrong_header_size(struct root *r)
{
	r->header_size = 64;
}

static void too_many_slots(struct root *r)
{
	r->nr_slots = 0x7fffffff;
}

static void unknown_slot_flags(struct root *r)
{
	r->slots[0].flags = 0x80;
}

static void truncated_blob(struct root *r)
{
	r->slots[0].size -= 8;
}

static void empty_blob(struct root *r)
{
	r->slots[0].size = 0;
}

static void longer_blob(struct root *r)
{
	r->slots[0].size += 4096;
}

static void duplicate_slot(struct root *r)
{
	r->slots[1] = r->slots[0];
}

static void huge_page_count(struct root *r)
{
	r->slots[0].blob.total_pages = 0xffffffff;
}

static void descriptor_outside_preserved_memory(struct root *r)
{
	r->slots[0].blob.first = 0x5000;	/* low memory, never preserved */
}

/*
 * From the least to the most dangerous: a case that crashes the next
 * kernel ends the chain there. A box refused for a bad magic, a wrong
 * record size or a record of unknown type reports no unclaimed bytes: the
 * module does not trust such a blob to describe the memory behind it.
 * Nor does a root refused as a whole, a slot skipped for unknown flags, a
 * blob of size 0, one whose descriptor cannot be mapped, or a second slot
 * naming the blob of the first (whose box comes back): those boxes are
 * lost without a count (see enum unclaimed).
 */
static const struct hcase cases[] = {
	{ "bad root magic", bad_magic, NULL, "bad magic", GONE, false, NOTHING },
	{ "future format version", future_version, NULL,
	  "version 4 is not supported", GONE, false, NOTHING },
	{ "previous format version", previous_version, NULL,
	  "version 2 is not supported", GONE, false, NOTHING },
	{ "wrong root header size", wrong_header_size, NULL, "malformed", GONE,
	  false, NOTHING },
	{ "slot count too large", too_many_slots, NULL, "malformed", GONE,
	  false, NOTHING },
	{ "unknown slot flags", unknown_slot_flags, NULL, "unknown flags",
	  GONE, true, NOTHING },
	{ "truncated box blob", truncated_blob, NULL, "box refused", GONE,
	  true, PAGES },
	{ "box blob of size 0", empty_blob, NULL, "box refused", GONE, true,
	  NOTHING },
	{ "box blob longer than its records", longer_blob, NULL,
	  "box refused", GONE, true, PAGES },
	{ "two slots with the same blob", duplicate_slot, NULL, "slot 1", BACK,
	  false, NOTHING },
	{ "page count of the blob too large", huge_page_count, NULL, "slot 0",
	  GONE, true, NOTHING },
	{ "blob descriptor outside preserved memory",
	  descriptor_outside_preserved_memory, NULL, "slot 0", GONE, true,
	  NOTHING },

	/* Behind the root, through the knob: the box blob header. */
	{ "box blob magic", NULL, "box-magic",
	  "not an FDBox box blob of version 3 (magic 0x21444142,", GONE, true,
	  NOTHING },
	{ "box blob of a future version", NULL, "box-version",
	  "(magic 0x58424446, version 4,", GONE, true, PAGES },
	{ "box blob header_size wrong", NULL, "box-header-size",
	  "version 3, header 320 bytes,", GONE, true, PAGES },
	{ "box blob fd_size wrong", NULL, "box-fd-size",
	  "header 312 bytes, fd record 680 bytes,", GONE, true, NOTHING },
	{ "box blob flags set", NULL, "box-flags",
	  "fd record 688 bytes, flags 0x1)", GONE, true, PAGES },
	/* The access of its node. */
	{ "box node mode with set-user-ID", NULL, "box-mode",
	  "bad owner, group or mode of its node (uid 0, gid 0, mode 04600,",
	  GONE, true, PAGES },
	{ "box node owner not a user", NULL, "box-owner",
	  "bad owner, group or mode of its node (uid 4294967295,", GONE,
	  true, PAGES },
	/* Its contents. */
	{ "nr_fds too large for the blob", NULL, "box-nr-fds",
	  "4294967295 fds need", GONE, true, PAGES },
	{ "box name without NUL", NULL, "box-name", "bad box name", GONE,
	  true, PAGES },
	{ "fd name without NUL", NULL, "fd-name",
	  "fd record 0: bad name or flags", GONE, true, PAGES },
	{ "unknown fd type", NULL, "fd-type",
	  "fd 'data' is of type 'fdbox,nosuch', which no loaded module handles yet",
	  WAITING, true, NOTHING },
	{ "fd record flags set", NULL, "fd-flags",
	  "fd record 0: bad name or flags", GONE, true, PAGES },
	{ "fd record reserved field set", NULL, "fd-reserved",
	  "fd record 0: bad name or flags", GONE, true, PAGES },
	{ "fd payload larger than its record", NULL, "fd-payload-size",
	  "fd record 0: payload larger than its record", GONE, true, NOTHING },
	{ "memfd record of an unknown version", NULL, "memfd-version",
	  "memfd 'data': record version 99 of 320 bytes", GONE, true, NOTHING },
	/* The memfd record, checked at load. */
	{ "memfd name without NUL", NULL, "memfd-name",
	  "'data' rejected: name not terminated", GONE, true, PAGES },
	{ "memfd size beyond MAX_LFS_FILESIZE", NULL, "memfd-size",
	  "'data' rejected: size 9223372036854775808", GONE, true, PAGES },
	{ "memfd reserved field set", NULL, "memfd-reserved",
	  "'data' rejected: reserved field set", GONE, true, PAGES },
	{ "memfd nr_folios too large", NULL, "memfd-nr-folios",
	  "'data' rejected: 18446744073709551615 folios", GONE, true, PAGES },
	/* The memfd record and its folio table, checked at UNSEAL. */
	{ "memfd nr_pages inconsistent with the table", NULL,
	  "memfd-nr-pages", "'data' rejected: table has 260 pages, record 261",
	  BROKEN, true, PENDING_1 },
	{ "folio table descriptor outside RAM", NULL,
	  "memfd-table-outside-ram",
	  "'data' rejected: folio table chunk list damaged", BROKEN, true,
	  PENDING },
	{ "folio outside RAM", NULL, "folio-outside-ram",
	  "'data' rejected: folio 0: bad address", BROKEN, true, PENDING },
	{ "folio in memory never preserved", NULL, "folio-not-preserved",
	  "was not preserved as a folio of order 0", BROKEN, true, PENDING },
	{ "folio order with a reserved bit", NULL, "folio-order",
	  "'data' rejected: folio 0: bad order", BROKEN, true, PENDING },
	{ "two folios at the same address", NULL, "folio-overlap",
	  "'data' rejected: handed-over memory overlaps", BROKEN, true, PENDING },
	{ "folio on the folio table's own page", NULL, "folio-on-table",
	  "'data' rejected: handed-over memory overlaps", BROKEN, true, PENDING },
	{ "folio indices unsorted", NULL, "folio-unsorted",
	  "'data' rejected: folio 1: index 0 unsorted", BROKEN, true, PENDING },
	{ "last folio on the first page past EOF", NULL, "folio-past-eof",
	  "'data' rejected: folio 259: index 260 unsorted, overlapping or past EOF",
	  BROKEN, true, PENDING },
	/* Across records: the good box, unsealed first, owns the folio. */
	{ "folio shared with another box's memfd", NULL, "folio-shared",
	  "belongs to another handed-over record", BROKEN, true, PENDING },
};

#define NR_CASES	(int)(sizeof(cases) / sizeof(cases[0]))

/* Does the running kernel export kho_is_preserved()? */
static bool kernel_has_kho_is_preserved(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256], name[128];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %127s", name) == 1 &&
			!strcmp(name, "kho_is_preserved");
	fclose(f);
	return found;
}

/*
 * Memory that was never preserved: only a kernel that exports
 * kho_is_preserved() (kernel/patches/) lets the module refuse it before it
 * claims anything; on another, KHO itself refuses the claim, with a warning.
 */
static bool needs_kho_is_preserved(const struct hcase *c)
{
	return c->knob && !strcmp(c->knob, "folio-not-preserved");
}

/* SKIP a case this kernel cannot run (before any assertion). */
#define SKIP_IF_CANNOT_RUN(c)						\
	do {								\
		if (needs_kho_is_preserved(c) &&			\
		    !kernel_has_kho_is_preserved())			\
			SKIP(return, "%s: needs kho_is_preserved(), which this kernel does not export", \
			     (c)->name);				\
	} while (0)

static int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s ? atoi(s) : def;
}

/* The case the previous hop armed (NULL in stage 1 or past the list). */
static const struct hcase *previous_case(void)
{
	int stage = env_int("FDBOX_STAGE", 1);

	return stage >= 2 && stage - 2 < NR_CASES ? &cases[stage - 2] : NULL;
}

static const struct hcase *next_case(void)
{
	int stage = env_int("FDBOX_STAGE", 1), stages = env_int("FDBOX_STAGES", 1);

	return stage < stages && stage - 1 < NR_CASES ? &cases[stage - 1] : NULL;
}


static int read_root(unsigned char *buf, size_t *len)
{
	int fd = open(ROOT_BLOB, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, ROOT_MAX);
	close(fd);
	if (n <= 0)
		return -EIO;
	*len = n;
	return 0;
}

static int write_root(const unsigned char *buf, size_t len)
{
	int fd = open(ROOT_BLOB, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, 0);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Seal box @name holding one memfd of the pattern @seed. */
static int seal_box(int ctl, const char *name, uint64_t seed, size_t size)
{
	int box, fd, err;

	box = fdbox_create_open(ctl, name);
	if (box < 0)
		return box;
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size) || pattern_fill_fd(fd, seed, size))
		return -EIO;
	err = fdbox_put(box, fd, "data");
	if (!err)
		err = fdbox_seal(box);
	close(box);
	return err;
}

/* Unseal box @name, check its data against @seed, delete it. */
static long long take_box(int ctl, const char *name, uint64_t seed, size_t size)
{
	long long bad;
	int box, fd;

	box = fdbox_box_open(name);
	if (box < 0)
		return -2;
	if (fdbox_unseal(box))
		return -3;
	fd = fdbox_get(box, "data");
	close(box);
	if (fd < 0)
		return -4;
	bad = pattern_check_fd(fd, seed, size);
	close(fd);
	fdbox_delete(ctl, name);
	return bad;
}

#define SEED_VICTIM(stage)	(0x7a000 + (stage))
#define SEED_GOOD(stage)	(0x90000 + (stage))

#define KNOB	"/sys/kernel/debug/fdbox/corrupt"

static void box_name(char *buf, size_t len, const char *what, int stage)
{
	snprintf(buf, len, "%s-%d", what, stage);
}

static bool box_exists(const char *name)
{
	char path[FDBOX_NAME_LEN + 32];

	snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%s", name);
	return access(path, F_OK) == 0;
}

/* Write "BOX CASE" to the knob: 0 or -errno. */
static int knob(const char *box, const char *kcase)
{
	char line[2 * FDBOX_NAME_LEN + 64];
	int fd, n, err = 0;

	fd = open(KNOB, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%s %s\n", box, kcase);
	if (write(fd, line, n) != n)
		err = -errno;
	close(fd);
	return err;
}

TEST(previous_kernel_kept_exactly_the_intact_boxes)
{
	const struct hcase *c = previous_case();
	int stage = env_int("FDBOX_STAGE", 1), ctl, box;
	char victim[64], good[64], state[32];

	if (!c)
		SKIP(return, "no hop before this one");
	SKIP_IF_CANNOT_RUN(c);
	TH_LOG("case: %s", c->name);
	box_name(victim, sizeof(victim), "victim", stage - 1);
	box_name(good, sizeof(good), "good", stage - 1);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	EXPECT_EQ(c->good, box_exists(good));
	EXPECT_EQ(c->victim != GONE, box_exists(victim));
	if (box_exists(good))
		EXPECT_EQ(-1, take_box(ctl, good, SEED_GOOD(stage - 1), 8192));
	box = box_exists(victim) ? fdbox_box_open(victim) : -ENOENT;
	if (box >= 0 && c->victim == BROKEN) {
		/*
		 * Refused for good: nothing claimed, the box stays restored
		 * (broken); its one fd cannot be got, the box can be deleted.
		 */
		EXPECT_EQ(-EINVAL, fdbox_unseal(box));
		EXPECT_EQ(-EINVAL, fdbox_unseal(box));
		EXPECT_EQ(-EBUSY, fdbox_get(box, "data"));
		ASSERT_EQ(0, fdbox_sysfs(victim, "state", state, sizeof(state)));
		EXPECT_STREQ("restored", state);
		EXPECT_EQ(0, fdbox_delete(ctl, victim));
		EXPECT_FALSE(box_exists(victim));
		close(box);
	} else if (box >= 0 && c->victim == WAITING) {
		/*
		 * Kept for a handler that may register later: UNSEAL says
		 * which type is missing; the box stays restored and can be
		 * deleted (its memory stays reserved, uncounted).
		 */
		EXPECT_EQ(-EBUSY, fdbox_delete(ctl, victim));
		EXPECT_EQ(-ENOPKG, fdbox_unseal(box));
		EXPECT_EQ(-ENOPKG, fdbox_unseal(box));
		EXPECT_EQ(-EBUSY, fdbox_get(box, "data"));
		ASSERT_EQ(0, fdbox_sysfs(victim, "state", state, sizeof(state)));
		EXPECT_STREQ("restored", state);
		EXPECT_EQ(0, fdbox_delete(ctl, victim));
		EXPECT_FALSE(box_exists(victim));
		close(box);
	} else if (box >= 0) {
		close(box);
		EXPECT_EQ(-1, take_box(ctl, victim, SEED_VICTIM(stage - 1),
				       DATA_SIZE));
	}
	fdbox_destroy(ctl, victim);
	fdbox_destroy(ctl, good);
	close(ctl);
}

/* After the test above: damage found at UNSEAL is logged there. */
TEST(previous_kernel_refused_the_broken_handover_with_a_message)
{
	const struct hcase *c = previous_case();

	if (!c)
		SKIP(return, "no hop before this one");
	SKIP_IF_CANNOT_RUN(c);
	TH_LOG("case: %s", c->name);
	EXPECT_TRUE(kernel_log_has(c->message)) TH_LOG("no \"%s\" in the log", c->message);
	if (c->victim == GONE && c->knob)
		EXPECT_TRUE(kernel_log_has("box refused"));
	if (c->victim == BROKEN) {
		EXPECT_TRUE(kernel_log_has("its handed-over data is damaged"));
		EXPECT_TRUE(kernel_log_has("stay reserved until the next reboot"));
	}
}

TEST(previous_kernel_reports_what_it_could_not_claim)
{
	const struct hcase *c = previous_case();
	struct fdbox_list l;
	__u64 want;
	int ctl;

	if (!c)
		SKIP(return, "no hop before this one");
	SKIP_IF_CANNOT_RUN(c);
	TH_LOG("case: %s", c->name);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, fdbox_list(ctl, &l, NULL, 0, NULL, 0));
	/* Memory held, as the record tells it, not the file's size. */
	want = c->unclaimed == PAGES || c->unclaimed == PENDING ?
	       (__u64)DATA_PAGES * 4096 :
	       c->unclaimed == PENDING_1 ? (__u64)(DATA_PAGES + 1) * 4096 : 0;
	TH_LOG("unclaimed: %llu bytes", (unsigned long long)l.unclaimed_bytes);
	EXPECT_EQ(want, l.unclaimed_bytes);
	close(ctl);
}

/* suite.conf runs one hop per case. */
TEST(every_case_gets_a_hop)
{
	if (env_int("FDBOX_STAGE", 1) != 1)
		SKIP(return, "checked in stage 1");
	EXPECT_EQ(NR_CASES + 1, env_int("FDBOX_STAGES", 1))
		TH_LOG("set STAGES=%d in tests/hostile/suite.conf", NR_CASES + 1);
}

/* The module uses kho_is_preserved() exactly when the kernel exports it. */
TEST(module_checks_addresses_with_kho_is_preserved_when_exported)
{
	bool exported = kernel_has_kho_is_preserved();

	if (env_int("FDBOX_STAGE", 1) != 1)
		SKIP(return, "checked in stage 1");
	TH_LOG("kho_is_preserved() %s", exported ? "exported" : "absent");
	EXPECT_EQ(exported, kernel_log_has("checked with kho_is_preserved() before they are read"));
	EXPECT_EQ(!exported, kernel_log_has("does not export kho_is_preserved()"));
}

/* The knob refuses what it cannot do, and names nothing it did not damage. */
TEST(knob_refuses_bad_requests)
{
	int ctl, box;

	if (env_int("FDBOX_STAGE", 1) != 1)
		SKIP(return, "checked in stage 1");
	ASSERT_EQ(0, access(KNOB, F_OK))
		TH_LOG("no " KNOB ": the module was built without FDBOX_DEBUG=y (check.sh loads build/kmod-debug/kernel/fdbox.ko for MODULE=debug)");
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	fdbox_destroy(ctl, "knob-open");
	ASSERT_EQ(0, fdbox_create(ctl, "knob-open"));
	EXPECT_EQ(-ENOENT, knob("no-such-box", "box-magic"));
	EXPECT_EQ(-EBUSY, knob("knob-open", "box-magic"));
	EXPECT_EQ(-EINVAL, knob("knob-open", "no-such-case"));
	EXPECT_EQ(-EINVAL, knob("knob-open", ""));
	/* Only a case across two boxes takes a second box, and needs it. */
	EXPECT_EQ(-EINVAL, knob("knob-open", "box-magic knob-open"));
	EXPECT_EQ(-EINVAL, knob("knob-open", "folio-shared"));
	EXPECT_EQ(-EINVAL, knob("knob-open", "folio-shared knob-open"));
	EXPECT_EQ(-ENOENT, knob("knob-open", "folio-shared no-such-box"));
	box = fdbox_box_open("knob-open");
	ASSERT_LE(0, box);
	ASSERT_EQ(0, fdbox_seal(box));
	/* An empty box has no fd record to damage. */
	EXPECT_EQ(-ENODATA, knob("knob-open", "fd-name"));
	EXPECT_EQ(0, fdbox_unseal(box));
	close(box);
	EXPECT_EQ(0, fdbox_delete(ctl, "knob-open"));
	close(ctl);
}

TEST(next_kernel_gets_a_broken_handover)
{
	const struct hcase *c = next_case();
	int stage = env_int("FDBOX_STAGE", 1), ctl;
	static unsigned char buf[ROOT_MAX], check[ROOT_MAX];
	struct root *r = (struct root *)buf;
	char victim[64], good[64];
	size_t len, len2;

	if (!c)
		SKIP(return, "last stage");
	SKIP_IF_CANNOT_RUN(c);
	TH_LOG("case for the next kernel: %s", c->name);
	if (c->knob)
		ASSERT_EQ(0, access(KNOB, F_OK))
			TH_LOG("no " KNOB ": the module was built without FDBOX_DEBUG=y, case '%s' cannot run", c->knob);
	box_name(victim, sizeof(victim), "victim", stage);
	box_name(good, sizeof(good), "good", stage);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, seal_box(ctl, victim, SEED_VICTIM(stage), DATA_SIZE));
	ASSERT_EQ(0, seal_box(ctl, good, SEED_GOOD(stage), 8192));
	close(ctl);

	ASSERT_EQ(0, read_root(buf, &len)) TH_LOG("no " ROOT_BLOB " (KHO debugfs)");
	ASSERT_EQ(sizeof(struct root), r->header_size);
	ASSERT_EQ(sizeof(struct root_slot), r->slot_size);
	ASSERT_LE(2U, r->nr_slots);
	ASSERT_EQ(1U, r->slots[0].flags) TH_LOG("%s is not in slot 0", victim);
	ASSERT_EQ(1U, r->slots[1].flags) TH_LOG("%s is not in slot 1", good);
	if (c->knob) {
		char done[64], kcase[128];

		/* A case across two boxes names the other one. */
		snprintf(kcase, sizeof(kcase), "%s%s%s", c->knob,
			 strcmp(c->knob, "folio-shared") ? "" : " ",
			 strcmp(c->knob, "folio-shared") ? "" : good);
		ASSERT_EQ(0, knob(victim, kcase));
		snprintf(done, sizeof(done), "(case %s)", c->knob);
		EXPECT_TRUE(kernel_log_has(done)) TH_LOG("the knob did not log %s", done);
		return;
	}
	c->corrupt(r);
	ASSERT_EQ(0, write_root(buf, len));
	ASSERT_EQ(0, read_root(check, &len2));
	ASSERT_EQ(0, memcmp(buf, check, len));
}

/* Whatever came before, this kernel works. */
TEST(fdbox_works_after_a_broken_handover)
{
	int ctl = fdbox_ctl_open(), box, fd;

	ASSERT_LE(0, ctl);
	fdbox_destroy(ctl, "after");
	ASSERT_EQ(0, fdbox_create(ctl, "after"));
	box = fdbox_box_open("after");
	ASSERT_LE(0, box);
	fd = memfd_with("after", 4096, 0x42, 0);
	ASSERT_EQ(0, fdbox_put(box, fd, "x"));
	fd = fdbox_get(box, "x");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, memfd_check(fd, 4096, 0x42));
	close(fd);
	close(box);
	EXPECT_EQ(0, fdbox_delete(ctl, "after"));
	close(ctl);
}

TEST_HARNESS_MAIN
