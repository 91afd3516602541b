// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile handover data: a chain of kexecs where each hop hands the next
 * kernel a deliberately broken FDBox handover, and the next kernel must
 * refuse exactly the broken part with a clear message, keep every intact
 * box with its data, report what it could not claim, and keep running.
 *
 * The broken data is made from userspace, before kexec, by rewriting
 * FDBox's KHO root blob through KHO's debugfs (root only, CONFIG_KEXEC_
 * HANDOVER_DEBUGFS): /sys/kernel/debug/kho/out/sub_fdts/fdbox. That reaches
 * the root header and the slot descriptors; corrupting the box blobs and
 * memfd records behind them needs a debug knob in handover.c.
 *
 * In every stage but the first: check what the previous hop broke. In
 * every stage but the last: seal box "victim" (slot 0) and box "good"
 * (slot 1), then break the handover as case[stage - 1] says.
 */
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "pattern.h"
#include "fdbox_test.h"

#define ROOT_BLOB	"/sys/kernel/debug/kho/out/sub_fdts/fdbox"
#define ROOT_MAX	(64 * 1024)
#define DATA_SIZE	((1 << 20) + 4096 * 3 + 5)

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

struct hcase {
	const char *name;
	void (*corrupt)(struct root *r);
	const char *message;	/* in the next kernel's log */
	bool victim;		/* box "victim" comes back */
	bool good;		/* box "good" comes back, with its data */
	bool unclaimed;		/* the listing reports unclaimed bytes */
};

static void bad_magic(struct root *r)
{
	r->magic = 0x21444142;	/* "BAD!" */
}

static void future_version(struct root *r)
{
	r->version = 2;
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
 * kernel ends the chain there.
 */
static const struct hcase cases[] = {
	{ "bad root magic", bad_magic, "bad magic", false, false, false },
	{ "future format version", future_version,
	  "version 2 is not supported", false, false, false },
	{ "wrong root header size", wrong_header_size, "malformed", false,
	  false, false },
	{ "slot count too large", too_many_slots, "malformed", false, false,
	  false },
	{ "unknown slot flags", unknown_slot_flags, "unknown flags", false,
	  true, false },
	{ "truncated box blob", truncated_blob, "box refused", false, true,
	  true },
	{ "box blob of size 0", empty_blob, "box refused", false, true,
	  false },
	{ "box blob longer than its records", longer_blob, "box refused",
	  false, true, true },
	{ "two slots with the same blob", duplicate_slot, "slot 1", true,
	  false, false },
	{ "page count of the blob too large", huge_page_count, "slot 0",
	  false, true, false },
	{ "blob descriptor outside preserved memory",
	  descriptor_outside_preserved_memory, "slot 0", false, true, false },
};

#define NR_CASES	(int)(sizeof(cases) / sizeof(cases[0]))

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

static bool log_has(const char *what)
{
	int size = klogctl(10, NULL, 0), n;
	char *buf;
	bool found;

	if (size <= 0)
		return false;
	buf = calloc(1, size + 1);
	n = klogctl(3, buf, size);
	found = n > 0 && strstr(buf, what);
	free(buf);
	return found;
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

	err = fdbox_create(ctl, name);
	if (err)
		return err;
	box = fdbox_box_open(name);
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

TEST(previous_kernel_refused_the_broken_handover_with_a_message)
{
	const struct hcase *c = previous_case();

	if (!c)
		SKIP(return, "no hop before this one");
	TH_LOG("case: %s", c->name);
	EXPECT_TRUE(log_has(c->message)) TH_LOG("no \"%s\" in the log", c->message);
}

TEST(previous_kernel_kept_exactly_the_intact_boxes)
{
	const struct hcase *c = previous_case();
	int stage = env_int("FDBOX_STAGE", 1), ctl;

	if (!c)
		SKIP(return, "no hop before this one");
	TH_LOG("case: %s", c->name);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	EXPECT_EQ(c->good, access(FDBOX_DEV_DIR "/good", F_OK) == 0);
	EXPECT_EQ(c->victim, access(FDBOX_DEV_DIR "/victim", F_OK) == 0);
	if (!access(FDBOX_DEV_DIR "/good", F_OK))
		EXPECT_EQ(-1, take_box(ctl, "good", SEED_GOOD(stage - 1), 8192));
	if (!access(FDBOX_DEV_DIR "/victim", F_OK))
		EXPECT_EQ(-1, take_box(ctl, "victim", SEED_VICTIM(stage - 1), DATA_SIZE));
	fdbox_destroy(ctl, "good");
	fdbox_destroy(ctl, "victim");
	close(ctl);
}

TEST(previous_kernel_reports_what_it_could_not_claim)
{
	const struct hcase *c = previous_case();
	struct fdbox_list l;
	int ctl;

	if (!c)
		SKIP(return, "no hop before this one");
	TH_LOG("case: %s", c->name);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, fdbox_list(ctl, &l, NULL, 0, NULL, 0));
	TH_LOG("unclaimed: %llu bytes", (unsigned long long)l.unclaimed_bytes);
	if (c->unclaimed)
		EXPECT_LE((__u64)DATA_SIZE, l.unclaimed_bytes);
	close(ctl);
}

TEST(next_kernel_gets_a_broken_handover)
{
	const struct hcase *c = next_case();
	int stage = env_int("FDBOX_STAGE", 1), ctl;
	static unsigned char buf[ROOT_MAX], check[ROOT_MAX];
	struct root *r = (struct root *)buf;
	size_t len, len2;

	if (!c)
		SKIP(return, "last stage");
	TH_LOG("case for the next kernel: %s", c->name);
	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, seal_box(ctl, "victim", SEED_VICTIM(stage), DATA_SIZE));
	ASSERT_EQ(0, seal_box(ctl, "good", SEED_GOOD(stage), 8192));
	close(ctl);

	ASSERT_EQ(0, read_root(buf, &len)) TH_LOG("no " ROOT_BLOB " (KHO debugfs)");
	ASSERT_EQ(sizeof(struct root), r->header_size);
	ASSERT_EQ(sizeof(struct root_slot), r->slot_size);
	ASSERT_LE(2U, r->nr_slots);
	ASSERT_EQ(1U, r->slots[0].flags) TH_LOG("victim is not in slot 0");
	ASSERT_EQ(1U, r->slots[1].flags) TH_LOG("good is not in slot 1");
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
