// SPDX-License-Identifier: GPL-2.0
/*
 * PUT_FD racing with another thread of the caller on the same descriptor
 * number. PUT_FD checks the file, then takes it out of the fd table; if the
 * number was closed or replaced in between, the kernel must neither hold
 * the wrong kind of file nor lose count. Every successful PUT must leave a
 * memfd in the box; failures are EBADF or EOPNOTSUPP only.
 */
#include <pthread.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fdbox_test.h"

#define ROUNDS		400
#define MAX_SECONDS	60

struct racer {
	int target;		/* descriptor number both threads use */
	int pipe_fd;		/* what the other thread dup2()s there */
	volatile int go;
	volatile int stop;
};

static void *replacer(void *arg)
{
	struct racer *r = arg;

	while (!r->stop) {
		while (!r->go && !r->stop)
			;
		if (r->stop)
			break;
		/* Replace or close the descriptor PUT_FD is working on. */
		if (rand() & 1)
			dup2(r->pipe_fd, r->target);
		else
			close(r->target);
		r->go = 0;
	}
	return NULL;
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

TEST_F_TIMEOUT(race, put_racing_with_close_or_dup2_holds_only_memfds, 120)
{
	struct racer r = { 0 };
	int p[2], i, ok = 0, ebadf = 0, eopnotsupp = 0, fd, ret;
	unsigned int nr_fds;
	time_t start = time(NULL);
	pthread_t thread;
	char name[32], attr[32];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	r.pipe_fd = p[0];
	ASSERT_EQ(0, pthread_create(&thread, NULL, replacer, &r));

	for (i = 0; i < ROUNDS && time(NULL) - start < MAX_SECONDS; i++) {
		fd = memfd_with("race", 4096, i & 0xff, 0);
		ASSERT_LE(0, fd);
		r.target = fd;
		snprintf(name, sizeof(name), "r%d", i);
		r.go = 1;
		ret = fdbox_put(self->box, fd, name);
		while (r.go)
			;
		if (ret == 0)
			ok++;
		else if (ret == -EBADF)
			ebadf++;
		else if (ret == -EOPNOTSUPP)
			eopnotsupp++;
		else
			ASSERT_EQ(0, ret);
		close(fd);	/* whatever is left at that number */
	}
	r.stop = 1;
	pthread_join(thread, NULL);
	TH_LOG("%d rounds: %d put, %d EBADF, %d EOPNOTSUPP", i, ok, ebadf,
	       eopnotsupp);
	ASSERT_LT(0, ok + ebadf + eopnotsupp);

	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	nr_fds = atoi(attr);
	EXPECT_EQ((unsigned int)ok, nr_fds);

	/* Everything in the box is a memfd with its contents. */
	while (i-- > 0) {
		snprintf(name, sizeof(name), "r%d", i);
		fd = fdbox_get(self->box, name);
		if (fd == -ENOENT)
			continue;
		ASSERT_LE(0, fd);
		EXPECT_EQ(1, memfd_check(fd, 4096, i & 0xff));
		close(fd);
	}
	ASSERT_EQ(0, fdbox_sysfs(self->name, "nr_fds", attr, sizeof(attr)));
	EXPECT_STREQ("0", attr);
}

TEST_HARNESS_MAIN
