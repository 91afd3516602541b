// SPDX-License-Identifier: GPL-2.0
/*
 * demo-luo: the harness demo on the kernel's own Live Update Orchestrator,
 * until FDBox's handover replaces it. Run in two stages by tests/vm/demo.sh.
 *
 * Stage 1: fill a 1 GiB memfd with pseudo-random data from a getrandom()
 * seed, take its SHA-256, preserve it (and a small memfd carrying the
 * digest) in LUO session "demo", keep the session open until the kexec.
 * Stage 2: retrieve both, recompute the SHA-256 and compare.
 * Prints "demo: <step> <ms>" lines that demo.sh turns into a table.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/liveupdate.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define SIZE		(1ULL << 30)
#define DATA_TOKEN	1
#define DIGEST_TOKEN	2
#define DIGEST_LEN	64

static void die(const char *what)
{
	printf("not ok - demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* SHA-256 of the memfd, hex, via busybox sha256sum on /proc/self/fd/N. */
static void sha256_fd(int fd, char out[DIGEST_LEN + 1])
{
	char cmd[64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum /proc/%d/fd/%d", getpid(), fd);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%64s", out) != 1 || pclose(p) != 0)
		die("sha256sum");
}

static int luo_session(unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int luo = open("/dev/liveupdate", O_RDWR);

	if (luo < 0)
		die("open /dev/liveupdate");
	strcpy((char *)arg.name, name);
	if (ioctl(luo, cmd, &arg))
		die("liveupdate session ioctl");
	close(luo);
	return arg.fd;
}

static void stage1(void)
{
	char digest[DIGEST_LEN + 1];
	struct liveupdate_session_preserve_fd pres = { .size = sizeof(pres) };
	uint64_t seed;
	int data, dfd, session;
	double t;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		die("getrandom");
	data = memfd_create("demo-guest-ram", 0);
	if (data < 0 || ftruncate(data, SIZE))
		die("memfd 1 GiB");
	t = now_ms();
	if (pattern_fill_fd(data, seed, SIZE))
		die("fill");
	printf("demo: fill %.0f\n", now_ms() - t);
	t = now_ms();
	sha256_fd(data, digest);
	printf("demo: hash %.0f\n", now_ms() - t);
	printf("demo: sha256 before kexec %s\n", digest);

	dfd = memfd_create("demo-digest", 0);
	if (dfd < 0 || write(dfd, digest, DIGEST_LEN) != DIGEST_LEN)
		die("digest memfd");

	session = luo_session(LIVEUPDATE_IOCTL_CREATE_SESSION, "demo");
	t = now_ms();
	pres.fd = data;
	pres.token = DATA_TOKEN;
	if (ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &pres))
		die("PRESERVE_FD 1 GiB");
	printf("demo: preserve %.0f\n", now_ms() - t);
	pres.fd = dfd;
	pres.token = DIGEST_TOKEN;
	if (ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &pres))
		die("PRESERVE_FD digest");
	close(data);
	close(dfd);
	/* LUO drops a session whose fd is closed: hold it until reboot() */
	if (fork() == 0) {
		setsid();
		for (;;)
			pause();
	}
	printf("ok - demo stage 1: 1 GiB memfd preserved\n");
}

static int retrieve(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
		die("RETRIEVE_FD");
	return arg.fd;
}

static void stage2(void)
{
	char before[DIGEST_LEN + 1] = "", after[DIGEST_LEN + 1];
	struct stat st;
	int session, data, dfd;
	double t;

	t = now_ms();
	session = luo_session(LIVEUPDATE_IOCTL_RETRIEVE_SESSION, "demo");
	data = retrieve(session, DATA_TOKEN);
	printf("demo: restore %.0f\n", now_ms() - t);
	dfd = retrieve(session, DIGEST_TOKEN);
	if (pread(dfd, before, DIGEST_LEN, 0) != DIGEST_LEN)
		die("read digest");
	if (fstat(data, &st) || (uint64_t)st.st_size != SIZE)
		die("restored size");
	t = now_ms();
	sha256_fd(data, after);
	printf("demo: verify %.0f\n", now_ms() - t);
	printf("demo: sha256 after kexec  %s\n", after);
	printf("%s - demo stage 2: SHA-256 of the 1 GiB memfd %s\n",
	       strcmp(before, after) ? "not ok" : "ok",
	       strcmp(before, after) ? "differs" : "matches");
}

int main(void)
{
	const char *s = getenv("FDBOX_STAGE");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!s || !strcmp(s, "1"))
		stage1();
	else
		stage2();
	return 0;
}
