// SPDX-License-Identifier: GPL-2.0
/*
 * PUT_FD racing with another thread of the caller on the same descriptor
 * number. PUT_FD checks the file, then takes it out of the fd table; if the
 * number was closed or replaced in between, the kernel must neither hold
 * the wrong kind of file nor lose count. Every successful PUT must leave a
 * memfd in the box (each round takes it back out and checks it); failures
 * are EBADF or EOPNOTSUPP only, and leave nothing in the box.
 *
 * A round ends one of four ways, told apart by what the descriptor number
 * holds afterwards:
 * - put: the other thread acted after PUT_FD had taken the memfd;
 * - EBADF: it closed the number before PUT_FD looked (or inside the window);
 * - EOPNOTSUPP, the pipe still at the number: it dup2()ed the pipe there
 *   before PUT_FD looked, which refused the pipe and left it;
 * - raced: EOPNOTSUPP and the number is closed: the dup2() landed between
 *   PUT_FD's check of the memfd and its taking the descriptor out, and
 *   PUT_FD went on with (took out, checked, refused) the pipe. This is the
 *   window the test is about.
 * Only a test that saw every outcome has proven anything. Which one a
 * round gets depends on when the other thread acts, relative to PUT_FD:
 * each round one of the two threads waits a while after the start signal
 * (the other thread before it acts, or this one before PUT_FD), by an
 * offset that moves after every round towards the point where the other
 * thread acts as often before PUT_FD took the descriptor as after it (the
 * window lies in between), plus a random jitter of a PUT_FD's length.
 * Rounds go on (up to a time limit) until each outcome came at least once.
 */
#include <pthread.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define MIN_ROUNDS	400
#define MAX_ROUNDS	100000
#define MAX_SECONDS	90

enum outcome { PUT, BADF, REFUSED, RACED, NR_OUTCOMES };

static const char *const outcome_name[] = {
	"put", "EBADF", "EOPNOTSUPP before the check", "raced (EOPNOTSUPP in the window)",
};

struct racer {
	int target;		/* descriptor number both threads use */
	int pipe_fd;		/* what the other thread dup2()s there */
	int dup;		/* dup2() the pipe there, or close it */
	volatile long delay;	/* > 0: it waits so long; < 0: PUT_FD waits */
	volatile int go;
	volatile int stop;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void spin(unsigned long n)
{
	volatile unsigned long i;

	for (i = 0; i < n; i++)
		;
}

static void *replacer(void *arg)
{
	struct racer *r = arg;

	while (!r->stop) {
		while (!r->go && !r->stop)
			;
		if (r->stop)
			break;
		if (r->delay > 0)
			spin(r->delay);
		/* Replace or close the descriptor PUT_FD is working on. */
		if (r->dup)
			dup2(r->pipe_fd, r->target);
		else
			close(r->target);
		r->go = 0;
	}
	return NULL;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * Spins of spin() that take about as long as a PUT_FD of a one-page memfd
 * into @box (the calls are taken back out), or 0 on error.
 */
static unsigned long calibrate(int box)
{
	double t, put_us = 0, spin_us;
	char name[32];
	int i, fd;

	for (i = 0; i < 20; i++) {
		fd = memfd_with("calibrate", 4096, 0, 0);
		if (fd < 0)
			return 0;
		snprintf(name, sizeof(name), "cal%d", i);
		t = now_us();
		if (fdbox_put(box, fd, name)) {
			close(fd);
			return 0;
		}
		put_us += now_us() - t;
		fd = fdbox_get(box, name);
		if (fd < 0)
			return 0;
		close(fd);
	}
	put_us /= 20;
	t = now_us();
	spin(1000000);
	spin_us = (now_us() - t) / 1000000;
	return spin_us > 0 ? (unsigned long)(put_us / spin_us) + 1 : 0;
}

FIXTURE(race) {
	int ctl;
	int box;
	char name[128];
};

FIXTURE_SETUP(race)
{
	self->box = -1;
	self->ctl = fdbox_ctl_open();
	if (self->ctl == -ENOENT)
		SKIP(return, "no " FDBOX_CTL " (fdbox.ko not loaded)");
	ASSERT_LE(0, self->ctl);
	snprintf(self->name, sizeof(self->name), "race-%s", _metadata->name);
	fdbox_destroy(self->ctl, self->name);
	ASSERT_EQ(0, fdbox_create(self->ctl, self->name));
	self->box = fdbox_box_open(self->name);
	ASSERT_LE(0, self->box);
}

FIXTURE_TEARDOWN(race)
{
	if (self->box >= 0)
		close(self->box);
	if (self->ctl >= 0) {
		fdbox_destroy(self->ctl, self->name);
		close(self->ctl);
	}
}

TEST_F_TIMEOUT(race, put_racing_with_close_or_dup2_holds_only_memfds, 150)
{
	struct racer r = { 0 };
	unsigned int seen[NR_OUTCOMES] = { 0 };
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	long put_spins, offset = 0;
	int p[2], i, o, fd, ret, missing;
	double start = now_us();
	pthread_t thread;
	char name[32], attr[32];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	r.pipe_fd = p[0];
	put_spins = calibrate(self->box);
	ASSERT_LT(0L, put_spins);
	ASSERT_EQ(0, pthread_create(&thread, NULL, replacer, &r));

	for (i = 0, missing = NR_OUTCOMES; i < MAX_ROUNDS; i++) {
		if (i >= MIN_ROUNDS &&
		    (!missing || now_us() - start > MAX_SECONDS * 1e6))
			break;
		fd = memfd_with("race", 4096, i & 0xff, 0);
		ASSERT_LE(0, fd);
		r.target = fd;
		snprintf(name, sizeof(name), "r%d", i);
		r.dup = xorshift(&rng) & 1;
		r.delay = offset + (long)(xorshift(&rng) % put_spins) - put_spins / 2;
		r.go = 1;
		if (r.delay < 0)
			spin(-r.delay);
		ret = fdbox_put(self->box, fd, name);
		while (r.go)
			;
		if (ret == 0) {
			o = PUT;
		} else if (ret == -EBADF) {
			o = BADF;
		} else if (ret == -EOPNOTSUPP) {
			o = fd_is_open(fd) ? REFUSED : RACED;
		} else {
			ASSERT_EQ(0, ret) TH_LOG("round %d", i);
			break;
		}
		missing -= !seen[o]++;
		/* Acted after PUT_FD: earlier next time; before: later. */
		if (o == PUT)
			offset -= put_spins / 16 + 1;
		else if (o != RACED)
			offset += put_spins / 16 + 1;
		close(fd);	/* whatever is left at that number */
		/*
		 * What a PUT that succeeded left is the memfd with its
		 * contents (a pipe does not map); a failed one left nothing.
		 * Taken out again, so that the box never fills up.
		 */
		fd = fdbox_get(self->box, name);
		if (o == PUT) {
			ASSERT_LE(0, fd) TH_LOG("round %d: %s", i, strerror(-fd));
			EXPECT_EQ(1, memfd_check(fd, 4096, i & 0xff))
				TH_LOG("round %d: the box holds something else", i);
			close(fd);
		} else {
			EXPECT_EQ(-ENOENT, fd)
				TH_LOG("round %d: a failed PUT (%s) left an fd", i,
				       outcome_name[o]);
			if (fd >= 0)
				close(fd);
		}
	}
	r.stop = 1;
	pthread_join(thread, NULL);
	TH_LOG("%d rounds in %.1f s (a PUT_FD: %ld spins, offset at the end %ld): %u put, %u EBADF, %u EOPNOTSUPP before the check, %u raced",
	       i, (now_us() - start) / 1e6, put_spins, offset, seen[PUT], seen[BADF],
	       seen[REFUSED], seen[RACED]);
	for (o = 0; o < NR_OUTCOMES; o++)
		EXPECT_LT(0U, seen[o])
			TH_LOG("no round ended %d (%s): the race was not covered",
			       o, o < NR_OUTCOMES ? outcome_name[o] : "?");

	/* Every memfd put was got back: nothing else is in the box. */
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	EXPECT_STREQ("0", attr);
}

TEST_HARNESS_MAIN
