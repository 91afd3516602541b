/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal helpers of libfdbox (not installed): symbol visibility and
 * cleanup attributes that keep error paths short.
 */
#ifndef LIBFDBOX_UTIL_H
#define LIBFDBOX_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* Every function of the public header is exported, nothing else. */
#define _public_	__attribute__((visibility("default")))

#define _cleanup_(f)	__attribute__((cleanup(f)))

static inline void close_p(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_	_cleanup_(close_p)

static inline void free_p(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_	_cleanup_(free_p)

/* Take ownership away from a cleanup variable. */
static inline int take_fd(int *fd)
{
	int ret = *fd;

	*fd = -1;
	return ret;
}

/* -errno of the last failed call, never 0 (a bug shows as -EIO). */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#endif /* LIBFDBOX_UTIL_H */
