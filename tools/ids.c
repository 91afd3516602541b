// SPDX-License-Identifier: GPL-2.0
/*
 * Users and groups on the command line: a name (looked up through NSS) or
 * a number. The static build for the test VM has no NSS and takes numbers
 * only (FDBOX_NO_NSS), so that it links without glibc's static-NSS caveat.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#ifndef FDBOX_NO_NSS
#include <grp.h>
#include <pwd.h>
#endif

#include "cli.h"

int fdbox_parse_id(const char *s, bool group, unsigned int *id)
{
	unsigned long v;
	char *end;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || v >= UINT32_MAX)
			return -ENOENT;
		*id = (unsigned int)v;
		return 0;
	}
#ifdef FDBOX_NO_NSS
	(void)group;
	return -ENOENT;
#else
	if (group) {
		struct group *gr = getgrnam(s);

		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	}
	return 0;
#endif
}
