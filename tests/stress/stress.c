// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress: many threads PUT, GET, SEAL, UNSEAL and LIST on the
 * same few boxes and the same few fd names. Every memfd carries a unique id
 * in its contents, so that afterwards it is provable that each file put in
 * was got back exactly once or is still in its box, with its contents, that
 * no descriptor leaked, and that listing and sysfs agree with what the
 * threads did. A second test deletes and recreates a box under threads that
 * use it, and checks that every file it held is freed.
 *
 * Environment: FDBOX_STRESS_THREADS (default 8), FDBOX_STRESS_OPS (ops per
 * thread; default 4000, 500 on the debug kernel), FDBOX_STRESS_SEED.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define NR_BOXES	4
#define NR_NAMES	24
#define MAX_THREADS	64
#define ITEM_PAGES	2

struct item {
	atomic_int puts;	/* successful PUTs (counted before the ioctl) */
	atomic_int gets;	/* successful GETs */
	atomic_int box;		/* box of the last PUT */
	ino_t ino;
	size_t size;
};

struct stress {
	int threads;
	unsigned long ops;
	uint64_t seed;
	char box[NR_BOXES][32];
	struct item *items;
	atomic_long next_id;
	unsigned long max_items;
	atomic_long failures;
	atomic_long nput, nget, nseal, nunseal, nlist, nbusy;
	char why[256];
	atomic_int why_set;
};

static struct stress *st;

static void fail(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&st->failures, 1);
	if (atomic_exchange(&st->why_set, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

static long nr_items(void)
{
	long n = atomic_load(&st->next_id);

	return n < (long)st->max_items ? n : (long)st->max_items;
}

/* Contents of item @id: its id, then a pattern derived from it. */
static void fill(uint64_t *p, size_t size, uint64_t id)
{
	size_t i;

	p[0] = id;
	for (i = 1; i < size / 8; i++)
		p[i] = id * 0x100000001b3ULL + i;
}

static int new_item(void)
{
	long id = atomic_fetch_add(&st->next_id, 1);
	size_t size = 4096 * (1 + id % ITEM_PAGES);
	uint64_t *p;
	struct stat s;
	int fd;

	if ((unsigned long)id >= st->max_items)
		return -ENOSPC;
	fd = memfd_create("stress", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size))
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	fill(p, size, id);
	munmap(p, size);
	fstat(fd, &s);
	st->items[id].ino = s.st_ino;
	st->items[id].size = size;
	return fd;
}

/* The id of the memfd @fd, after checking all of its contents. */
static long check_item(int fd)
{
	uint64_t *p, *want;
	struct stat s;
	long id;

	if (fstat(fd, &s) || !s.st_size || s.st_size > 4096 * ITEM_PAGES)
		return -1;
	p = mmap(NULL, s.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	id = p[0];
	if (id < 0 || id >= nr_items() ||
	    st->items[id].ino != s.st_ino ||
	    st->items[id].size != (size_t)s.st_size) {
		munmap(p, s.st_size);
		return -1;
	}
	want = malloc(s.st_size);
	fill(want, s.st_size, id);
	if (memcmp(p, want, s.st_size))
		id = -1;
	free(want);
	munmap(p, s.st_size);
	return id;
}

struct thread {
	pthread_t th;
	int idx;
	uint64_t rng;
	int box[NR_BOXES];
	int held[8];
	int nheld;
};

static void do_put(struct thread *t, int b, const char *name)
{
	int fd, ret;
	long id;

	if (t->nheld && rnd(&t->rng) % 2) {
		fd = t->held[--t->nheld];
		id = check_item(fd);
		if (id < 0) {
			fail("a held memfd lost its contents");
			close(fd);
			return;
		}
	} else {
		fd = new_item();
		if (fd == -ENOSPC)
			return;
		if (fd < 0) {
			fail("memfd: %s", strerror(-fd));
			return;
		}
		id = check_item(fd);
		if (id < 0) {
			fail("a new memfd has wrong contents");
			close(fd);
			return;
		}
	}
	/* Counted first, so that a GET racing with us never sees more gets. */
	atomic_fetch_add(&st->items[id].puts, 1);
	atomic_store(&st->items[id].box, b);
	ret = fdbox_put(t->box[b], fd, name);
	if (ret) {
		atomic_fetch_sub(&st->items[id].puts, 1);
		if (ret == -EBUSY)
			atomic_fetch_add(&st->nbusy, 1);
		else if (ret != -EEXIST)
			fail("put: %s", strerror(-ret));
		if (t->nheld < 8)
			t->held[t->nheld++] = fd;
		else
			close(fd);
		return;
	}
	atomic_fetch_add(&st->nput, 1);
}

static void do_get(struct thread *t, int b, const char *name)
{
	int fd = fdbox_get(t->box[b], name), puts, gets;
	long id;

	if (fd == -ENOENT)
		return;
	if (fd == -EBUSY) {
		atomic_fetch_add(&st->nbusy, 1);
		return;
	}
	if (fd < 0) {
		fail("get: %s", strerror(-fd));
		return;
	}
	atomic_fetch_add(&st->nget, 1);
	id = check_item(fd);
	if (id < 0) {
		fail("get of '%s' returned a file with wrong contents", name);
		close(fd);
		return;
	}
	gets = atomic_fetch_add(&st->items[id].gets, 1) + 1;
	puts = atomic_load(&st->items[id].puts);
	if (gets > puts)
		fail("item %ld got %d times but put %d times", id, gets, puts);
	if (t->nheld < 8 && rnd(&t->rng) % 2)
		t->held[t->nheld++] = fd;
	else
		close(fd);
}

static void do_list(struct thread *t, int b)
{
	static __thread struct fdbox_box_info boxes[NR_BOXES + 8];
	static __thread struct fdbox_fd_info fds[NR_BOXES * NR_NAMES + 8];
	struct fdbox_list l;
	int fd = rnd(&t->rng) % 2 ? t->box[b] : -1, ctl = -1, ret;
	__u32 i;

	if (fd < 0) {
		ctl = fdbox_ctl_open();
		fd = ctl;
	}
	ret = fdbox_list(fd, &l, boxes, NR_BOXES + 8, fds, NR_BOXES * NR_NAMES + 8);
	if (ret)
		fail("list: %s", strerror(-ret));
	else if (l.nr_fds > NR_BOXES * NR_NAMES)
		fail("list: %u fds in %u boxes of %d names", l.nr_fds,
		     l.nr_boxes, NR_NAMES);
	for (i = 0; !ret && i < l.nr_boxes && i < NR_BOXES + 8; i++)
		if (boxes[i].nr_fds > NR_NAMES)
			fail("list: box '%s' has %u fds", boxes[i].name,
			     boxes[i].nr_fds);
	atomic_fetch_add(&st->nlist, 1);
	if (ctl >= 0)
		close(ctl);
}

static void *stress_thread(void *arg)
{
	struct thread *t = arg;
	char name[16];
	unsigned long i;
	int b, ret;

	for (b = 0; b < NR_BOXES; b++) {
		t->box[b] = fdbox_box_open(st->box[b]);
		if (t->box[b] < 0) {
			fail("open box: %s", strerror(-t->box[b]));
			return NULL;
		}
	}
	for (i = 0; i < st->ops && !atomic_load(&st->failures); i++) {
		uint64_t r = rnd(&t->rng);

		b = r % NR_BOXES;
		snprintf(name, sizeof(name), "n%d", (int)((r >> 8) % NR_NAMES));
		switch ((r >> 16) % 20) {
		case 0 ... 7:
			do_put(t, b, name);
			break;
		case 8 ... 15:
			do_get(t, b, name);
			break;
		case 16:
			ret = fdbox_seal(t->box[b]);
			/* EOPNOTSUPP: no KHO in this kernel. */
			if (ret && ret != -EINVAL && ret != -EOPNOTSUPP)
				fail("seal: %s", strerror(-ret));
			atomic_fetch_add(&st->nseal, 1);
			break;
		case 17:
		case 18:
			ret = fdbox_unseal(t->box[b]);
			if (ret && ret != -EINVAL)
				fail("unseal: %s", strerror(-ret));
			atomic_fetch_add(&st->nunseal, 1);
			break;
		default:
			do_list(t, b);
			break;
		}
	}
	while (t->nheld)
		close(t->held[--t->nheld]);
	for (b = 0; b < NR_BOXES; b++)
		close(t->box[b]);
	return NULL;
}

FIXTURE(stress) {
	int ctl;
};

FIXTURE_SETUP(stress)
{
	int b;

	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	st = calloc(1, sizeof(*st));
	ASSERT_NE(NULL, st);
	st->threads = env_ul("FDBOX_STRESS_THREADS", 8);
	if (st->threads < 2 || st->threads > MAX_THREADS)
		st->threads = 8;
	st->ops = env_ul("FDBOX_STRESS_OPS",
			 access("/sys/kernel/debug/kmemleak", F_OK) ? 4000 : 500);
	st->seed = env_ul("FDBOX_STRESS_SEED", time(NULL));
	for (b = 0; b < NR_BOXES; b++) {
		snprintf(st->box[b], sizeof(st->box[b]), "stress%d", b);
		fdbox_destroy(self->ctl, st->box[b]);
	}
	fdbox_destroy(self->ctl, "churn");
}

FIXTURE_TEARDOWN(stress)
{
	int b;

	if (self->ctl < 0)
		return;
	for (b = 0; b < NR_BOXES; b++)
		fdbox_destroy(self->ctl, st->box[b]);
	fdbox_destroy(self->ctl, "churn");
	close(self->ctl);
	if (st)
		free(st->items);
	free(st);
}

/* Per box: nr_fds and bytes from the items the model says are in it. */
static void model_counts(unsigned int *nr, unsigned long long *bytes)
{
	long id, n = nr_items();
	int b;

	for (b = 0; b < NR_BOXES; b++) {
		nr[b] = 0;
		bytes[b] = 0;
	}
	for (id = 0; id < n; id++) {
		struct item *it = &st->items[id];
		int inbox = atomic_load(&it->puts) - atomic_load(&it->gets);

		if (inbox == 1) {
			nr[atomic_load(&it->box)]++;
			bytes[atomic_load(&it->box)] += it->size;
		}
	}
}

TEST_F_TIMEOUT(stress, every_memfd_put_is_in_its_box_or_was_got_exactly_once, 3600)
{
	struct thread *t;
	unsigned int nr[NR_BOXES];
	unsigned long long bytes[NR_BOXES];
	struct fdbox_box_info boxes[NR_BOXES];
	struct fdbox_fd_info fds[NR_NAMES];
	struct fdbox_list l;
	int before, after, i, b, box, fd;
	long id, n, bad = 0;
	char attr[32];

	st->max_items = st->threads * st->ops + 16;
	st->items = calloc(st->max_items, sizeof(*st->items));
	ASSERT_NE(NULL, st->items);
	for (b = 0; b < NR_BOXES; b++)
		ASSERT_EQ(0, fdbox_create(self->ctl, st->box[b]));
	TH_LOG("%d threads x %lu ops, seed %#llx", st->threads, st->ops,
	       (unsigned long long)st->seed);

	before = fd_count();
	t = calloc(st->threads, sizeof(*t));
	for (i = 0; i < st->threads; i++) {
		t[i].idx = i;
		t[i].rng = st->seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		ASSERT_EQ(0, pthread_create(&t[i].th, NULL, stress_thread, &t[i]));
	}
	for (i = 0; i < st->threads; i++)
		pthread_join(t[i].th, NULL);
	free(t);
	TH_LOG("%ld put, %ld got, %ld seal, %ld unseal, %ld list, %ld EBUSY",
	       atomic_load(&st->nput), atomic_load(&st->nget),
	       atomic_load(&st->nseal), atomic_load(&st->nunseal),
	       atomic_load(&st->nlist), atomic_load(&st->nbusy));
	ASSERT_EQ(0, atomic_load(&st->failures)) TH_LOG("%s", st->why);

	/* No descriptor was left behind in the task. */
	after = fd_count();
	EXPECT_EQ(before, after);

	/* Listing and sysfs agree with the model, box by box. */
	model_counts(nr, bytes);
	ASSERT_EQ(0, fdbox_list(self->ctl, &l, boxes, NR_BOXES, NULL, 0));
	ASSERT_EQ((__u32)NR_BOXES, l.nr_boxes);
	for (b = 0; b < NR_BOXES; b++) {
		ASSERT_STREQ(st->box[b], (char *)boxes[b].name);
		EXPECT_EQ(nr[b], boxes[b].nr_fds);
		EXPECT_EQ(bytes[b], boxes[b].bytes);
		ASSERT_EQ(0, fdbox_sysfs(st->box[b], "nr_fds", attr, sizeof(attr)));
		EXPECT_EQ(nr[b], strtoul(attr, NULL, 10));
		ASSERT_EQ(0, fdbox_sysfs(st->box[b], "bytes", attr, sizeof(attr)));
		EXPECT_EQ(bytes[b], strtoull(attr, NULL, 10));
	}

	/* Drain every box: each file comes out once, with its contents. */
	for (b = 0; b < NR_BOXES; b++) {
		box = fdbox_box_open(st->box[b]);
		ASSERT_LE(0, box);
		fdbox_unseal(box);
		ASSERT_EQ(0, fdbox_list(box, &l, NULL, 0, fds, NR_NAMES));
		ASSERT_GE((__u32)NR_NAMES, l.nr_fds);
		for (i = 0; i < (int)l.nr_fds; i++) {
			fd = fdbox_get(box, (char *)fds[i].name);
			ASSERT_LE(0, fd);
			id = check_item(fd);
			close(fd);
			ASSERT_LE(0, id);
			EXPECT_EQ(b, atomic_load(&st->items[id].box));
			atomic_fetch_add(&st->items[id].gets, 1);
		}
		close(box);
	}
	n = nr_items();
	for (id = 0; id < n; id++)
		if (atomic_load(&st->items[id].puts) != atomic_load(&st->items[id].gets) &&
		    bad++ < 10)
			TH_LOG("item %ld: put %d times, got %d times", id,
			       atomic_load(&st->items[id].puts),
			       atomic_load(&st->items[id].gets));
	EXPECT_EQ(0, bad);
}

/* ---- box deleted and recreated under the threads that use it -------- */

/* Big enough that one memfd kept by mistake stands out of Shmem's noise. */
#define CHURN_SIZE	(1 << 20)

struct churn {
	atomic_int stop;
	atomic_long puts, gets, deletes, failures, uses;
	char why[200];
};

static long shmem_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Shmem: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *churn_user(void *arg)
{
	struct churn *c = arg;
	uint64_t rng = (uintptr_t)&rng;
	int box = -1, ready = -1, fd, ret;
	char name[16];

	while (!atomic_load(&c->stop)) {
		uint64_t r = rnd(&rng);

		/* Ready before the box is there: its window is short. */
		if (ready < 0)
			ready = memfd_with("churn", CHURN_SIZE, 0x5a, 0);
		if (box < 0) {
			box = fdbox_box_open("churn");
			if (box < 0 && box != -ENOENT && box != -ENXIO) {
				snprintf(c->why, sizeof(c->why), "open: %s", strerror(-box));
				atomic_fetch_add(&c->failures, 1);
			}
			if (box < 0) {
				usleep(100);
				continue;
			}
		}
		snprintf(name, sizeof(name), "c%d", (int)((r >> 8) % 16));
		atomic_fetch_add(&c->uses, 1);
		if (r & 0x10000) {
			ret = fdbox_put(box, ready, name);
			if (!ret) {
				ready = -1;
				atomic_fetch_add(&c->puts, 1);
			} else if (ret != -EEXIST && ret != -ENOENT) {
				snprintf(c->why, sizeof(c->why), "put: %s", strerror(-ret));
				atomic_fetch_add(&c->failures, 1);
			}
		} else {
			ret = fd = fdbox_get(box, name);
			if (fd >= 0) {
				if (memfd_check(fd, CHURN_SIZE, 0x5a) != 1) {
					snprintf(c->why, sizeof(c->why), "get: wrong contents");
					atomic_fetch_add(&c->failures, 1);
				}
				close(fd);
				atomic_fetch_add(&c->gets, 1);
			} else if (fd != -ENOENT) {
				snprintf(c->why, sizeof(c->why), "get: %s", strerror(-fd));
				atomic_fetch_add(&c->failures, 1);
			}
		}
		/* ENOENT: no such fd, or the box was deleted; open it again. */
		if (ret == -ENOENT && r % 2) {
			close(box);
			box = -1;
		}
	}
	if (ready >= 0)
		close(ready);
	if (box >= 0)
		close(box);
	return NULL;
}

TEST_F_TIMEOUT(stress, deleting_a_box_in_use_frees_every_file_it_held, 600)
{
	struct churn c = { 0 };
	pthread_t th[4];
	int i, j, rounds = st->ops / 16 + 10, before_fds;
	long before, after, uses;

	/* Settle what earlier tests freed. */
	sync();
	before = shmem_kb();
	before_fds = fd_count();
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, churn_user, &c));
	for (i = 0; i < rounds; i++) {
		int ret = fdbox_create(self->ctl, "churn");

		if (ret) {
			snprintf(c.why, sizeof(c.why), "create: %s", strerror(-ret));
			atomic_fetch_add(&c.failures, 1);
			break;
		}
		/* Let the users get at this box a few times (at most 20 ms). */
		uses = atomic_load(&c.uses);
		for (j = 0; j < 20 && atomic_load(&c.uses) < uses + 4; j++)
			usleep(1000);
		ret = fdbox_delete(self->ctl, "churn");
		if (ret) {
			snprintf(c.why, sizeof(c.why), "delete: %s", strerror(-ret));
			atomic_fetch_add(&c.failures, 1);
			break;
		}
		atomic_fetch_add(&c.deletes, 1);
	}
	atomic_store(&c.stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%ld deletes, %ld puts, %ld gets", atomic_load(&c.deletes),
	       atomic_load(&c.puts), atomic_load(&c.gets));
	ASSERT_EQ(0, atomic_load(&c.failures)) TH_LOG("%s", c.why);
	EXPECT_EQ(before_fds, fd_count());
	/* Every memfd that was in a deleted box is gone. */
	for (i = 0; i < 10; i++) {
		after = shmem_kb();
		if (after < before + CHURN_SIZE / 2048)
			break;
		usleep(200 * 1000);
	}
	EXPECT_GT(before + CHURN_SIZE / 2048, after)
		TH_LOG("Shmem %ld kB before, %ld kB after", before, after);
}

/* ---- listing of all boxes while fds come and go ---------------------- */

struct lister {
	atomic_int stop;
	int box;
	char name[8];
};

static void *put_get_loop(void *arg)
{
	struct lister *l = arg;
	int fd = memfd_with("ls", 0, 0, 0), i = 0;
	char name[16];

	while (!atomic_load(&l->stop)) {
		snprintf(name, sizeof(name), "x%d", i++ % 8);
		if (fdbox_put(l->box, fd, name))
			continue;
		fd = fdbox_get(l->box, name);
		if (fd < 0)
			break;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * A listing whose counts fit the arrays given has every entry filled,
 * even while other threads put fds into the boxes being listed.
 */
TEST_F_TIMEOUT(stress, list_counts_that_fit_come_with_every_entry_filled, 600)
{
	static struct fdbox_box_info boxes[64];
	static struct fdbox_fd_info fds[1024];
	struct lister ls[NR_BOXES];
	pthread_t th[NR_BOXES];
	struct fdbox_list l;
	int b, i, j, incomplete = 0, rounds = st->ops / 2;

	for (b = 0; b < NR_BOXES; b++) {
		ASSERT_EQ(0, fdbox_create(self->ctl, st->box[b]));
		ls[b].box = fdbox_box_open(st->box[b]);
		ASSERT_LE(0, ls[b].box);
		atomic_store(&ls[b].stop, 0);
		/* A few fds that stay, so that a listing takes a while. */
		for (i = 0; i < 16; i++) {
			char name[16];
			int fd = memfd_with("stay", 0, 0, 0);

			snprintf(name, sizeof(name), "stay%d", i);
			ASSERT_EQ(0, fdbox_put(ls[b].box, fd, name));
		}
		ASSERT_EQ(0, pthread_create(&th[b], NULL, put_get_loop, &ls[b]));
	}
	for (i = 0; i < rounds && !incomplete; i++) {
		memset(fds, 0, sizeof(fds));
		ASSERT_EQ(0, fdbox_list(self->ctl, &l, boxes, 64, fds, 1024));
		if (l.nr_fds > 1024)
			continue;
		for (j = 0; j < (int)l.nr_fds; j++)
			if (!fds[j].name[0] || fds[j].type != FDBOX_FD_TYPE_MEMFD) {
				TH_LOG("round %d: %u fds listed, entry %d not filled",
				       i, l.nr_fds, j);
				incomplete = 1;
				break;
			}
	}
	for (b = 0; b < NR_BOXES; b++) {
		atomic_store(&ls[b].stop, 1);
		pthread_join(th[b], NULL);
		close(ls[b].box);
	}
	EXPECT_EQ(0, incomplete);
}

TEST_HARNESS_MAIN
