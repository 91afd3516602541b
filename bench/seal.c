// SPDX-License-Identifier: GPL-2.0
/*
 * bench-seal: time making one big memfd ready for handover, in one kernel.
 *
 *     bench-seal REPS SIZE_MIB...
 *
 * For every size and repetition, FDBox and LUO each get a fresh memfd with
 * data in every page (the order of the two alternates between
 * repetitions):
 *   FDBox: PUT into box "bench-seal", SEAL (cold: the memfd was never
 *          pinned), UNSEAL, SEAL again (warm), UNSEAL, GET, delete the box;
 *   LUO:   PRESERVE_FD into a new session (cold), close the session (which
 *          unpreserves), PRESERVE_FD into a second session (warm), close.
 * "cold" is what a live update pays: pinning moves pages out of the KHO
 * scratch areas first. Keys: seal/{fdbox,luo}/<size>M/{cold,warm}_ms.
 */
#include "bench.h"

#define BOX "bench-seal"

static void key(char *buf, size_t len, const char *sys, unsigned long mib,
		const char *metric)
{
	snprintf(buf, len, "seal/%s/%luM/%s", sys, mib, metric);
}

static void run_fdbox(int ctl, unsigned long mib)
{
	char kc[64], kw[64];
	double t, cold, warm;
	int box, fd, err;

	key(kc, sizeof(kc), "fdbox", mib, "cold_ms");
	key(kw, sizeof(kw), "fdbox", mib, "warm_ms");
	fdbox_destroy(ctl, BOX);
	fd = bench_memfd("bench-seal-fdbox", mib * MiB);
	if (fd < 0) {
		bench_fail("memfd of %lu MiB: %s", mib, strerror(-fd));
		return;
	}
	err = fdbox_create(ctl, BOX);
	box = err ? err : fdbox_box_open(BOX);
	err = box < 0 ? box : fdbox_put(box, fd, "data");
	if (err) {
		bench_fail("FDBox create/open/PUT: %s", strerror(-err));
		goto out;
	}
	t = now_ms();
	err = fdbox_seal(box);
	cold = now_ms() - t;
	if (err) {
		bench_na(kc, "SEAL failed: %s", strerror(-err));
		bench_na(kw, "SEAL failed: %s", strerror(-err));
		goto out;
	}
	bench_value(kc, cold);
	err = fdbox_unseal(box);
	if (!err) {
		t = now_ms();
		err = fdbox_seal(box);
		warm = now_ms() - t;
		if (!err)
			bench_value(kw, warm);
		else
			bench_na(kw, "second SEAL failed: %s", strerror(-err));
		fdbox_unseal(box);
	}
	if (err)
		bench_fail("FDBox UNSEAL/SEAL cycle: %s", strerror(-err));
	fd = fdbox_get(box, "data");
	if (fd < 0)
		bench_fail("FDBox GET after UNSEAL: %s", strerror(-fd));
out:
	if (box >= 0)
		close(box);
	if (fd >= 0)
		close(fd);
	fdbox_destroy(ctl, BOX);
}

/* One PRESERVE_FD of @fd into a fresh session; returns ms or -errno. */
static double luo_once(int fd)
{
	int s = luo_session("bench-seal", 0);
	double t;
	int err;

	if (s < 0)
		return s;
	t = now_ms();
	err = luo_preserve(s, fd, 1);
	t = now_ms() - t;
	close(s);
	return err ? err : t;
}

static void run_luo(unsigned long mib)
{
	char kc[64], kw[64];
	double cold, warm;
	int fd;

	key(kc, sizeof(kc), "luo", mib, "cold_ms");
	key(kw, sizeof(kw), "luo", mib, "warm_ms");
	fd = bench_memfd("bench-seal-luo", mib * MiB);
	if (fd < 0) {
		bench_fail("memfd of %lu MiB: %s", mib, strerror(-fd));
		return;
	}
	cold = luo_once(fd);
	if (cold < 0) {
		bench_na(kc, "PRESERVE_FD failed: %s", strerror((int)-cold));
		bench_na(kw, "PRESERVE_FD failed: %s", strerror((int)-cold));
		bench_fail("LUO PRESERVE_FD of %lu MiB: %s", mib, strerror((int)-cold));
	} else {
		bench_value(kc, cold);
		warm = luo_once(fd);
		if (warm < 0)
			bench_na(kw, "PRESERVE_FD failed: %s", strerror((int)-warm));
		else
			bench_value(kw, warm);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int reps, r, i, ctl;

	bench_init();
	if (argc < 3) {
		fprintf(stderr, "usage: bench-seal REPS SIZE_MIB...\n");
		return 2;
	}
	reps = atoi(argv[1]);
	ctl = fdbox_ctl_open();
	if (ctl < 0)
		bench_fail("open " FDBOX_CTL ": %s", strerror(-ctl));
	for (i = 2; i < argc && ctl >= 0; i++) {
		unsigned long mib = strtoul(argv[i], NULL, 0);

		for (r = 0; r < reps; r++) {
			if (r % 2 == 0) {
				run_fdbox(ctl, mib);
				run_luo(mib);
			} else {
				run_luo(mib);
				run_fdbox(ctl, mib);
			}
		}
	}
	return bench_done("seal: one big memfd, FDBox SEAL vs LUO PRESERVE_FD");
}
