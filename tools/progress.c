// SPDX-License-Identifier: GPL-2.0
/*
 * The progress bar of put --from-file and get --to-file: shown on stderr
 * only when it is a terminal and the data is larger than PROGRESS_MIN.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define PROGRESS_MIN		(256ull << 20)
#define PROGRESS_INTERVAL_NS	200000000ll	/* redraw at most 5 times/s */
#define BAR_WIDTH		24

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

const char *fdbox_format_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

const char *fdbox_progress_line(char *buf, size_t size, const char *label,
				uint64_t done, uint64_t total, int64_t elapsed_ns)
{
	char d[32], t[32], r[32], bar[BAR_WIDTH + 1];
	uint64_t rate = 0;
	int pct = 0, fill, i;

	if (elapsed_ns > 0)
		rate = (uint64_t)((double)done * 1e9 / (double)elapsed_ns);
	if (total && done > total)
		done = total;
	fdbox_format_size(d, sizeof(d), done);
	fdbox_format_size(r, sizeof(r), rate);
	if (!total) {
		snprintf(buf, size, "%s %s %s/s", label, d, r);
		return buf;
	}
	pct = (int)((double)done * 100 / (double)total);
	fill = (int)((double)done * BAR_WIDTH / (double)total);
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = 0;
	fdbox_format_size(t, sizeof(t), total);
	snprintf(buf, size, "%s [%s] %3d%% %s of %s, %s/s", label, bar, pct,
		 d, t, r);
	return buf;
}

void fdbox_progress_init(struct fdbox_progress *p, const char *label)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->tty = isatty(STDERR_FILENO);
	p->start_ns = now_ns();
}

int fdbox_progress_cb(uint64_t done, uint64_t total, void *userdata)
{
	struct fdbox_progress *p = userdata;
	char line[256];
	int64_t now;

	if (!p->tty || (total ? total : done) <= PROGRESS_MIN)
		return 0;
	now = now_ns();
	if (p->shown && now - p->last_ns < PROGRESS_INTERVAL_NS &&
	    (!total || done < total))
		return 0;
	p->last_ns = now;
	p->shown = true;
	fprintf(stderr, "\r%s\033[K",
		fdbox_progress_line(line, sizeof(line), p->label, done, total,
				    now - p->start_ns));
	fflush(stderr);
	return 0;
}

void fdbox_progress_done(struct fdbox_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}
