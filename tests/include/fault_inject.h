/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation fault injection for the in-VM tests: fail-nth of the calling
 * thread, failslab and fail_page_alloc (the debug kernel has them:
 * CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC,
 * FAULT_INJECTION_DEBUG_FS).
 *
 * Include after fdbox_test.h. One user per program: the fail-nth file of
 * the thread that injects is kept in nth_fd.
 */
#ifndef FDBOX_TESTS_FAULT_INJECT_H
#define FDBOX_TESTS_FAULT_INJECT_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DBG		"/sys/kernel/debug"

/* /proc/thread-self/fail-nth of the injecting thread, or -1. */
static int nth_fd = -1;

static inline bool have_fault_injection(void)
{
	return !access("/proc/thread-self/fail-nth", W_OK) &&
	       !access(DBG "/failslab/probability", W_OK) &&
	       !access(DBG "/fail_page_alloc/probability", W_OK);
}

/*
 * failslab and fail_page_alloc: sleeping allocations too, every order,
 * user pages too; nothing fails unless a task asks (fail-nth, or
 * make-it-fail with @probability percent).
 */
static inline int setup_fault_attrs(int probability)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	char path[128], val[16];
	int i, err = 0;

	snprintf(val, sizeof(val), "%d", probability);
	for (i = 0; i < 2; i++) {
#define SET(file, v) do {						\
		snprintf(path, sizeof(path), DBG "/%s/" file, attrs[i]);\
		err = err ?: write_text(path, v);			\
	} while (0)
		SET("task-filter", "Y");
		SET("ignore-gfp-wait", "N");
		SET("interval", "1");
		SET("times", "-1");
		SET("space", "0");
		SET("verbose", "0");
		SET("probability", val);
#undef SET
	}
	err = err ?: write_text(DBG "/fail_page_alloc/min-order", "0");
	err = err ?: write_text(DBG "/fail_page_alloc/ignore-gfp-highmem", "N");
	return err;
}

/* Open fail-nth of the calling thread into nth_fd. */
static inline int open_nth(void)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return nth_fd < 0 ? -1 : 0;
}

/* Fail the @n-th fault point of the next calls of this thread (0: none). */
static inline void set_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		abort();
}

/* Was the failure set up by set_nth() injected? Clears it in any case. */
static inline bool nth_injected(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	set_nth(0);
	return atoi(buf) == 0;
}

/* /proc/self/make-it-fail, opened before any allocation may fail, or -1. */
static int mif_fd = -1;

static inline int open_make_it_fail(void)
{
	mif_fd = open("/proc/self/make-it-fail", O_RDWR | O_CLOEXEC);
	return mif_fd < 0 ? -1 : 0;
}

/*
 * Let this task's allocations fail with the probability setup_fault_attrs()
 * set (@on), or not.
 */
static inline void make_it_fail(bool on)
{
	if (pwrite(mif_fd, on ? "1" : "0", 1, 0) != 1)
		abort();
}

#endif /* FDBOX_TESTS_FAULT_INJECT_H */
