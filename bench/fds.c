// SPDX-License-Identifier: GPL-2.0
/*
 * bench-fds: many small memfds across a kexec, FDBox vs LUO, cost per fd.
 *
 *     bench-fds SCHEDULE COUNT...
 *
 * In a stage whose SCHEDULE letter is S, for every COUNT n: n memfds of
 * 4 KiB go into FDBox box "bench-fds-<n>" (PUT each, then SEAL) and n other
 * memfds into LUO session "bench-fds-<n>" (PRESERVE_FD each). In the stage
 * after, each box is restored (open, UNSEAL, GET_FD of every fd) and each
 * session (RETRIEVE_SESSION, RETRIEVE_FD of every token), asking for the fds
 * in a fixed pseudo-random order; then every fd's contents are checked
 * (untimed). FDBox and LUO take turns going first. Before the timed rounds
 * of a stage, an untimed warm-up round does the same with one fd (box and
 * session "bench-fds-warm-1", restored in the next stage before the timed
 * restores): the first run of a code path after a kexec is slow under TCG
 * (the emulator translates the new kernel's and module's code on first
 * use), which would otherwise land on the 1-fd figures of whoever goes first.
 * Keys (microseconds per fd): fds/fdbox/<n>/{put,seal,putseal,restore}_us,
 * fds/luo/<n>/{preserve,restore}_us. The comparable pair for handing over
 * is FDBox PUT+SEAL vs LUO PRESERVE_FD.
 */
#include <sys/resource.h>
#include "bench.h"

#define MAXCOUNT 100000

static int fds[MAXCOUNT];
static int order[MAXCOUNT];

/* The untimed warm-up round: names of its own, no figures reported. */
static int warm;

static const char *prefix(void)
{
	return warm ? "bench-fds-warm-" : "bench-fds-";
}

/*
 * The order restores ask for the fds in: a fixed pseudo-random permutation
 * (the same for FDBox and LUO). Asking in the order they were put would
 * always hit the head of a list and hide a linear lookup.
 */
static void make_order(int n)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int i, j, t;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (int)((x >> 33) % (uint64_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

static char sched_at(const char *s, int stage)
{
	return stage >= 1 && (size_t)stage <= strlen(s) ? s[stage - 1] : '.';
}

static void per_fd(const char *sys, int n, const char *metric, double ms)
{
	char k[80];

	if (warm)
		return;
	snprintf(k, sizeof(k), "fds/%s/%d/%s_us", sys, n, metric);
	bench_value(k, ms * 1000.0 / n);
}

static void na(const char *sys, int n, const char *metric, const char *why,
	       int err)
{
	char k[80];

	if (warm)
		return;
	snprintf(k, sizeof(k), "fds/%s/%d/%s_us", sys, n, metric);
	bench_na(k, "%s: %s", why, strerror(-err));
}

/* @n memfds of 4 KiB, the first word of memfd i being bench_stamp(i). */
static int make_fds(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint64_t w = bench_stamp(i);

		fds[i] = memfd_create("bench-fds", 0);
		if (fds[i] < 0 || ftruncate(fds[i], PAGE) ||
		    pwrite(fds[i], &w, sizeof(w), 0) != sizeof(w)) {
			bench_fail("memfd %d of %d: %s", i, n, strerror(errno));
			while (i >= 0)
				close(fds[i--]);
			return -1;
		}
	}
	return 0;
}

static void check_fds(const char *sys, int n)
{
	int i, bad = -1;
	uint64_t w;

	for (i = 0; i < n; i++) {
		if (bad < 0 && (pread(fds[i], &w, sizeof(w), 0) != sizeof(w) ||
				w != bench_stamp(i)))
			bad = i;
		close(fds[i]);
	}
	if (bad >= 0)
		bench_fail("%s: restored fd %d of %d has wrong contents", sys, bad, n);
}

static void name_of(char *buf, size_t len, const char *prefix, int i)
{
	snprintf(buf, len, "%s%d", prefix, i);
}

static void seal_fdbox(int ctl, int n)
{
	char box_name[32], name[32];
	double t, tput, tseal;
	int box, i, err;

	name_of(box_name, sizeof(box_name), prefix(), n);
	fdbox_destroy(ctl, box_name);
	if (make_fds(n))
		return;
	err = fdbox_create(ctl, box_name);
	box = err ? err : fdbox_box_open(box_name);
	if (box < 0) {
		bench_fail("fdbox: box %s: %s", box_name, strerror(-box));
		for (i = 0; i < n; i++)
			close(fds[i]);
		return;
	}
	t = now_ms();
	for (i = 0, err = 0; i < n && !err; i++) {
		name_of(name, sizeof(name), "f", i);
		err = fdbox_put(box, fds[i], name);
	}
	tput = now_ms() - t;
	if (err) {
		for (i--; i < n; i++)
			close(fds[i]);
		na("fdbox", n, "put", "PUT failed", err);
		na("fdbox", n, "seal", "PUT failed", err);
		na("fdbox", n, "putseal", "PUT failed", err);
		goto out;
	}
	t = now_ms();
	err = fdbox_seal(box);
	tseal = now_ms() - t;
	per_fd("fdbox", n, "put", tput);
	if (err) {
		na("fdbox", n, "seal", "SEAL failed", err);
		na("fdbox", n, "putseal", "SEAL failed", err);
		goto out;
	}
	per_fd("fdbox", n, "seal", tseal);
	per_fd("fdbox", n, "putseal", tput + tseal);
out:
	close(box);
	if (err)
		fdbox_destroy(ctl, box_name);
}

static void restore_fdbox(int ctl, int n)
{
	char box_name[32], name[32];
	int box, i, err, state;
	double t;

	name_of(box_name, sizeof(box_name), prefix(), n);
	state = fdbox_box_state(ctl, box_name);
	if (state != FDBOX_STATE_RESTORED) {
		char k[80];

		snprintf(k, sizeof(k), "fds/fdbox/%d/restore_us", n);
		if (!warm) {
			bench_na(k, "handover not available: box %s",
				 state < 0 ? "did not come back" : "not in state RESTORED");
			printf("bench: handover/fdbox n/a (handover not available)\n");
		}
		fdbox_destroy(ctl, box_name);
		return;
	}
	if (!warm)
		printf("bench: handover/fdbox 1\n");
	t = now_ms();
	box = fdbox_box_open(box_name);
	err = box < 0 ? box : fdbox_unseal(box);
	make_order(n);
	for (i = 0; i < n && !err; i++) {
		name_of(name, sizeof(name), "f", order[i]);
		fds[order[i]] = fdbox_get(box, name);
		if (fds[order[i]] < 0)
			err = fds[order[i]];
	}
	t = now_ms() - t;
	if (err) {
		bench_fail("fdbox: restore of %d fds: %s", n, strerror(-err));
		while (--i >= 0)
			close(fds[order[i]]);
	} else {
		per_fd("fdbox", n, "restore", t);
		check_fds("fdbox", n);
	}
	if (box >= 0)
		close(box);
	fdbox_destroy(ctl, box_name);
}

/* Returns the session fd to keep open until the kexec, or -1. */
static int seal_luo(int n)
{
	char name[32];
	int s, i, err = 0;
	double t;

	name_of(name, sizeof(name), prefix(), n);
	if (make_fds(n))
		return -1;
	s = luo_session(name, 0);
	if (s < 0) {
		bench_fail("luo: session %s: %s", name, strerror(-s));
		err = s;
	}
	t = now_ms();
	for (i = 0; i < n && !err; i++)
		err = luo_preserve(s, fds[i], i + 1);
	t = now_ms() - t;
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (err) {
		na("luo", n, "preserve", "PRESERVE_FD failed", err);
		if (s >= 0)
			close(s);
		return -1;
	}
	per_fd("luo", n, "preserve", t);
	return s;
}

static void restore_luo(int n)
{
	char name[32];
	int s, i, err = 0;
	double t;

	name_of(name, sizeof(name), prefix(), n);
	t = now_ms();
	s = luo_session(name, 1);
	if (s < 0)
		err = s;
	make_order(n);
	for (i = 0; i < n && !err; i++) {
		fds[order[i]] = luo_retrieve(s, order[i] + 1);
		if (fds[order[i]] < 0)
			err = fds[order[i]];
	}
	t = now_ms() - t;
	if (err) {
		bench_fail("luo: restore of %d fds: %s", n, strerror(-err));
		while (--i >= 0)
			close(fds[order[i]]);
	} else {
		per_fd("luo", n, "restore", t);
		check_fds("luo", n);
	}
	if (s >= 0)
		close(s);
}

int main(int argc, char **argv)
{
	int stage = bench_stage(), counts[16], nc = 0, i, ctl, max = 0;
	int sessions[17], ns = 0, fdbox_first = stage % 2;
	struct rlimit rl = { MAXCOUNT + 1024, MAXCOUNT + 1024 };
	long long param;

	bench_init();
	if (argc < 3 || argc > 18) {
		fprintf(stderr, "usage: bench-fds SCHEDULE COUNT...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		counts[nc] = atoi(argv[i]);
		if (counts[nc] < 1 || counts[nc] > MAXCOUNT) {
			fprintf(stderr, "bench-fds: COUNT must be 1..%d\n", MAXCOUNT);
			return 2;
		}
		if (counts[nc] > max)
			max = counts[nc];
		nc++;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		bench_fail("setrlimit(NOFILE): %s", strerror(errno));
	ctl = fdbox_ctl_open();
	if (ctl < 0) {
		bench_fail("open " FDBOX_CTL ": %s", strerror(-ctl));
		return bench_done("fds: many small memfds");
	}
	param = fdbox_param_get("max_fds_per_box");
	if (param >= 0 && param < max && fdbox_param_set("max_fds_per_box", max))
		bench_fail("raise max_fds_per_box to %d", max);

	if (sched_at(argv[1], stage - 1) == 'S') {
		warm = 1;
		restore_fdbox(ctl, 1);
		restore_luo(1);
		warm = 0;
		for (i = 0; i < nc; i++) {
			if (fdbox_first) {
				restore_fdbox(ctl, counts[i]);
				restore_luo(counts[i]);
			} else {
				restore_luo(counts[i]);
				restore_fdbox(ctl, counts[i]);
			}
		}
	}
	if (sched_at(argv[1], stage) == 'S') {
		warm = 1;
		seal_fdbox(ctl, 1);
		sessions[ns] = seal_luo(1);
		if (sessions[ns] >= 0)
			ns++;
		warm = 0;
		for (i = 0; i < nc; i++) {
			int s = -1;

			if (fdbox_first) {
				seal_fdbox(ctl, counts[i]);
				s = seal_luo(counts[i]);
			} else {
				s = seal_luo(counts[i]);
				seal_fdbox(ctl, counts[i]);
			}
			if (s >= 0)
				sessions[ns++] = s;
		}
		if (ns && hold_until_reboot(sessions, ns))
			bench_fail("fork: %s", strerror(errno));
		for (i = 0; i < ns; i++)
			close(sessions[i]);
	}
	close(ctl);
	return bench_done("fds: many small memfds, FDBox vs LUO");
}
