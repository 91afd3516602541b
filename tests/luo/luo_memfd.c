// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline and harness proof: the kernel's Live Update Orchestrator
 * (/dev/liveupdate) carries a 256 MiB memfd across a real kexec.
 *
 * Stage 1 creates session "fdbox-luo-kept" holding a patterned memfd
 * (token 1) next to a memfd that is never preserved, and a session
 * "fdbox-luo-dropped" whose fd is closed before the kexec. A detached
 * holder process keeps the kept session open until reboot(), as LUO needs.
 * Stage 2 retrieves the memfd and checks every byte, and checks that
 * nothing unpreserved came across.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/liveupdate.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "stage.h"
#include "pattern.h"

#define KEPT_SESSION	"fdbox-luo-kept"
#define DROPPED_SESSION	"fdbox-luo-dropped"
#define KEPT_TOKEN	1
#define UNPRESERVED_TOKEN 2
#define DROPPED_TOKEN	3
#define MEMFD_SIZE	(256ULL << 20)
#define SEED		0x10a5eedULL

static int create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	strncpy((char *)arg.name, name, sizeof(arg.name) - 1);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg))
		return -errno;
	return arg.fd;
}

static int retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	strncpy((char *)arg.name, name, sizeof(arg.name) - 1);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg))
		return -errno;
	return arg.fd;
}

static int preserve_fd(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

static int retrieve_fd(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
		return -errno;
	return arg.fd;
}

/*
 * Keep @fd open in a detached process until the kexec. Returns once that
 * process has closed everything else, /dev/liveupdate included (it allows
 * one opener at a time, and the next test opens it).
 */
static pid_t hold_until_reboot(int fd)
{
	int ready[2], i;
	char c;
	pid_t pid;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid) {
		close(ready[1]);
		if (pid < 0 || read(ready[0], &c, 1) != 1)
			pid = -1;
		close(ready[0]);
		return pid;
	}
	setsid();
	for (i = 0; i < 1024; i++)
		if (i != fd && i != ready[1])
			close(i);
	c = 1;
	if (write(ready[1], &c, 1) != 1)
		_exit(1);
	close(ready[1]);
	for (;;)
		pause();
}

FIXTURE(stage1) {
	int luo;
};

FIXTURE_SETUP(stage1)
{
	self->luo = open("/dev/liveupdate", O_RDWR);
	if (self->luo < 0 && errno == ENOENT)
		SKIP(return, "no /dev/liveupdate (LIVEUPDATE off or liveupdate=on missing)");
	ASSERT_LE(0, self->luo);
}

FIXTURE_TEARDOWN(stage1)
{
	close(self->luo);
}

TEST_F(stage1, preserve_memfd_256m)
{
	int session, kept, unpreserved;
	double t;

	session = create_session(self->luo, KEPT_SESSION);
	ASSERT_LE(0, session);
	kept = memfd_create("luo-kept", 0);
	ASSERT_LE(0, kept);
	ASSERT_EQ(0, ftruncate(kept, MEMFD_SIZE));
	t = now_ms();
	ASSERT_EQ(0, pattern_fill_fd(kept, SEED, MEMFD_SIZE));
	ksft_print_msg("luo: fill 256 MiB: %.0f ms\n", now_ms() - t);

	unpreserved = memfd_create("luo-unpreserved", 0);
	ASSERT_LE(0, unpreserved);
	ASSERT_EQ(0, ftruncate(unpreserved, 1 << 20));
	ASSERT_EQ(0, pattern_fill_fd(unpreserved, SEED + 1, 1 << 20));

	t = now_ms();
	ASSERT_EQ(0, preserve_fd(session, kept, KEPT_TOKEN));
	ksft_print_msg("luo: PRESERVE_FD 256 MiB: %.1f ms\n", now_ms() - t);
	/* a token is unique within a session */
	ASSERT_EQ(-EEXIST, preserve_fd(session, unpreserved, KEPT_TOKEN));

	close(kept);
	close(unpreserved);
	ASSERT_LT(0, hold_until_reboot(session));
	close(session);
}

TEST_F(stage1, dropped_session_not_handed_over)
{
	int session, memfd;

	session = create_session(self->luo, DROPPED_SESSION);
	ASSERT_LE(0, session);
	memfd = memfd_create("luo-dropped", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, 1 << 20));
	ASSERT_EQ(0, preserve_fd(session, memfd, DROPPED_TOKEN));
	/* closing the session fd before the kexec drops the session */
	close(session);
	close(memfd);
}

FIXTURE(stage2) {
	int luo;
};

FIXTURE_SETUP(stage2)
{
	self->luo = open("/dev/liveupdate", O_RDWR);
	if (self->luo < 0 && errno == ENOENT)
		SKIP(return, "no /dev/liveupdate");
	ASSERT_LE(0, self->luo);
}

FIXTURE_TEARDOWN(stage2)
{
	close(self->luo);
}

TEST_F(stage2, dropped_session_is_gone)
{
	ASSERT_EQ(-ENOENT, retrieve_session(self->luo, DROPPED_SESSION));
}

TEST_F(stage2, kept_memfd_restored_byte_for_byte)
{
	struct stat st;
	int session, memfd;
	long long bad;
	double t;

	t = now_ms();
	session = retrieve_session(self->luo, KEPT_SESSION);
	ASSERT_LE(0, session);
	/* the memfd that was never preserved did not come across */
	ASSERT_EQ(-ENOENT, retrieve_fd(session, UNPRESERVED_TOKEN));
	memfd = retrieve_fd(session, KEPT_TOKEN);
	ASSERT_LE(0, memfd);
	ksft_print_msg("luo: RETRIEVE_SESSION + RETRIEVE_FD 256 MiB: %.1f ms\n",
		       now_ms() - t);
	ASSERT_EQ(0, fstat(memfd, &st));
	ASSERT_EQ(MEMFD_SIZE, (unsigned long long)st.st_size);
	t = now_ms();
	bad = pattern_check_fd(memfd, SEED, MEMFD_SIZE);
	ksft_print_msg("luo: verify 256 MiB: %.0f ms\n", now_ms() - t);
	ASSERT_EQ(-1, bad) TH_LOG("first wrong byte at offset %lld", bad);
	close(memfd);
	close(session);
}

FDBOX_STAGED_HARNESS_MAIN
