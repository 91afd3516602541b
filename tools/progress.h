/* SPDX-License-Identifier: GPL-2.0 */
/* Progress bar of fdbox put/get on stderr (progress.c). */
#ifndef FDBOX_PROGRESS_H
#define FDBOX_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fdbox_progress {
	const char *label;	/* "put vm1/ram" */
	bool tty;		/* stderr is a terminal */
	bool shown;		/* a line is on the screen */
	int64_t start_ns, last_ns;
};

/* "512.0 MiB", "17 B" into @buf. Returns @buf. */
const char *fdbox_format_size(char *buf, size_t size, uint64_t bytes);

/* One progress line (no control characters) into @buf. Returns @buf. */
const char *fdbox_progress_line(char *buf, size_t size, const char *label,
				uint64_t done, uint64_t total, int64_t elapsed_ns);

void fdbox_progress_init(struct fdbox_progress *p, const char *label);

/* An fdbox_progress_fn of libfdbox; @userdata is a struct fdbox_progress. */
int fdbox_progress_cb(uint64_t done, uint64_t total, void *userdata);

/* Clear the line if one was shown. */
void fdbox_progress_done(struct fdbox_progress *p);

#endif /* FDBOX_PROGRESS_H */
