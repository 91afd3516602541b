/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the FDBox benchmark programs that run in the guest.
 *
 * Every figure goes to stdout (the serial console) as one line
 *
 *     bench: KEY VALUE
 *     bench: KEY n/a (REASON)
 *
 * KEY is workload/system/parameter/metric, e.g. seal/fdbox/1024M/cold;
 * VALUE is a number in the unit the metric's name ends in (ms, us, per_s).
 * bench/report.c collects these lines from the console log of one VM run
 * (every stage), takes median, min and max per KEY and prints the tables.
 *
 * Each program ends with one TAP line, "ok - bench: WHAT" or
 * "not ok - bench: WHAT: WHY", counted by the VM harness.
 */
#ifndef FDBOX_BENCH_H
#define FDBOX_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "fdbox_test.h"
#include "pattern.h"

#define MiB (1024ULL * 1024)
#define PAGE 4096ULL

/* Seed of the word stamped into every page of a benchmark memfd. */
#define BENCH_SEED 0xfdb0c5eedULL

static int bench_failed;

static inline void bench_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline int bench_stage(void)
{
	const char *s = getenv("FDBOX_STAGE");

	return s ? atoi(s) : 1;
}

static inline void bench_value(const char *key, double v)
{
	printf("bench: %s %.6g\n", key, v);
}

static inline void bench_na(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("bench: %s n/a (", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
}

/* A problem that makes the program's TAP line "not ok". */
static inline void bench_fail(const char *fmt, ...)
{
	va_list ap;

	printf("# bench: error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	bench_failed = 1;
}

static inline int bench_done(const char *what)
{
	if (bench_failed)
		printf("not ok - bench: %s: see the '# bench: error' lines\n", what);
	else
		printf("ok - bench: %s\n", what);
	return bench_failed;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* ---- benchmark memfds ------------------------------------------------ */

/* The word stamped at the start of page @page. */
static inline uint64_t bench_stamp(uint64_t page)
{
	return pattern_word(BENCH_SEED, page);
}

/*
 * A memfd of @size bytes (a multiple of PAGE) whose every page holds data:
 * fallocate, then the stamp word written into each page with pwrite, so
 * every folio is present, up to date and dirty (a fallocated page never
 * written counts as a hole for SEEK_DATA). Returns the fd or -errno.
 */
static inline int bench_memfd(const char *name, uint64_t size)
{
	uint64_t off;
	int fd = memfd_create(name, 0);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) || (size && fallocate(fd, 0, 0, size)))
		goto err;
	for (off = 0; off < size; off += PAGE) {
		uint64_t w = bench_stamp(off / PAGE);

		if (pwrite(fd, &w, sizeof(w), off) != sizeof(w))
			goto err;
	}
	return fd;
err:
	off = -errno;
	close(fd);
	return (int)(int64_t)off;
}

/* The first stamp word of @fd, as a reader waiting for its data would. */
static inline int bench_first_word_ok(int fd)
{
	uint64_t w;

	return pread(fd, &w, sizeof(w), 0) == sizeof(w) && w == bench_stamp(0);
}

/*
 * First touch of every page through a shared mapping, checking each page's
 * stamp. Returns -1 when all pages are right, else the first wrong page
 * (or 0 when the mapping fails).
 */
static inline long long bench_touch_all(int fd, uint64_t size)
{
	const volatile uint64_t *p;
	long long bad = -1;
	uint64_t i;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	for (i = 0; i < size / PAGE; i++)
		if (p[i * (PAGE / 8)] != bench_stamp(i)) {
			bad = i;
			break;
		}
	munmap((void *)p, size);
	return bad;
}

/* ---- LUO (/dev/liveupdate) ------------------------------------------- */

/*
 * Create (@retrieve == 0) or retrieve session @name. /dev/liveupdate
 * allows one opener at a time, so it is open only for this call.
 * Returns the session fd or -errno.
 */
static inline int luo_session(const char *name, int retrieve)
{
	struct liveupdate_ioctl_create_session c = { .size = sizeof(c) };
	struct liveupdate_ioctl_retrieve_session r = { .size = sizeof(r) };
	int luo, ret, err = 0;

	luo = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
	if (luo < 0)
		return -errno;
	if (retrieve) {
		strncpy((char *)r.name, name, sizeof(r.name) - 1);
		ret = ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &r);
		if (ret)
			err = -errno;
		ret = r.fd;
	} else {
		strncpy((char *)c.name, name, sizeof(c.name) - 1);
		ret = ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &c);
		if (ret)
			err = -errno;
		ret = c.fd;
	}
	close(luo);
	return err ? err : ret;
}

static inline int luo_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd a = {
		.size = sizeof(a), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &a) ? -errno : 0;
}

static inline int luo_retrieve(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd a = {
		.size = sizeof(a), .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &a) ? -errno : a.fd;
}

/*
 * LUO drops an outgoing session when its fd is closed: keep the fds of
 * @fds open in a detached child until the kexec. Every other descriptor
 * of the child is closed.
 */
static inline int hold_until_reboot(const int *fds, int n)
{
	pid_t pid = fork();
	int i, j, keep;

	if (pid < 0)
		return -errno;
	if (pid)
		return 0;
	setsid();
	for (i = 0; i < 65536; i++) {
		keep = 0;
		for (j = 0; j < n; j++)
			keep |= fds[j] == i;
		if (!keep)
			close(i);
	}
	for (;;)
		pause();
}

/* ---- FDBox ----------------------------------------------------------- */

/* State of box @name from the listing ioctl, or -errno. */
static inline int fdbox_box_state(int ctl, const char *name)
{
	static struct fdbox_box_info boxes[256];
	struct fdbox_list l;
	uint32_t i;
	int err;

	err = fdbox_list(ctl, &l, boxes, 256, NULL, 0);
	if (err)
		return err;
	for (i = 0; i < l.nr_boxes && i < 256; i++)
		if (!strcmp((char *)boxes[i].name, name))
			return (int)boxes[i].state;
	return -ENOENT;
}

#endif /* FDBOX_BENCH_H */
