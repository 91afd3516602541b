/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP output for the host-side unit tests: ok()/is_int()/is_str()
 * print "ok N - ..." or "not ok N - ..." and count failures; tap_done()
 * prints the plan and returns the exit status (non-zero on any failure).
 */
#ifndef FDBOX_TAP_H
#define FDBOX_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline bool __attribute__((format(printf, 2, 3)))
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* A diagnostic line, shown by the harness. */
static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define is_int(got, want, ...) ({					\
	long long _g = (got), _w = (want);				\
	bool _r = ok(_g == _w, __VA_ARGS__);				\
	if (!_r)							\
		diag("  got %lld, want %lld", _g, _w);			\
	_r; })

#define is_str(got, want, ...) ({					\
	const char *_g = (got), *_w = (want);				\
	bool _r = ok(_g && _w && !strcmp(_g, _w), __VA_ARGS__);		\
	if (!_r)							\
		diag("  got '%s', want '%s'", _g ? _g : "(null)",	\
		     _w ? _w : "(null)");				\
	_r; })

#define has_str(got, want, ...) ({					\
	const char *_g = (got), *_w = (want);				\
	bool _r = ok(_g && _w && strstr(_g, _w), __VA_ARGS__);		\
	if (!_r)							\
		diag("  '%s' does not contain '%s'", _g ? _g : "(null)", _w); \
	_r; })

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* FDBOX_TAP_H */
