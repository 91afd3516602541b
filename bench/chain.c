// SPDX-License-Identifier: GPL-2.0
/*
 * bench-chain: carry one big memfd through a chain of kexecs, alternately
 * in FDBox and in LUO, and time its restore.
 *
 *     bench-chain SCHEDULE SIZE_MIB
 *
 * SCHEDULE has one letter per stage: what is held across the kexec that
 * ends that stage.
 *   F  the memfd, in sealed FDBox box "bench-chain" (fd name "data")
 *   L  the memfd, in LUO session "bench-chain" (token 1)
 *   N, S, anything else: no big memfd (S is bench-fds' turn)
 * At the start of a stage the memfd the previous stage handed over is
 * restored and timed:
 *   FDBox: open the box node, UNSEAL, GET_FD, read the first word;
 *   LUO:   open /dev/liveupdate, RETRIEVE_SESSION, RETRIEVE_FD, read the
 *          first word;
 * then every page is touched once through a mapping, checking its stamp.
 * Keys: restore/{fdbox,luo}/<size>M/{get,touch}_ms.
 * The restored memfd is handed over again if the next letter asks for it
 * (FDBox -> LUO); a fresh one is made when there is none, and when FDBox
 * refuses a memfd that LUO restored (LUO does not name it memfd:*).
 */
#include "bench.h"

#define BOX "bench-chain"
#define SESSION "bench-chain"

static char sched_at(const char *s, int stage)
{
	return stage >= 1 && (size_t)stage <= strlen(s) ? s[stage - 1] : '.';
}

static void report_touch(const char *sys, unsigned long mib, int fd)
{
	char k[64];
	long long bad;
	double t;

	snprintf(k, sizeof(k), "restore/%s/%luM/touch_ms", sys, mib);
	t = now_ms();
	bad = bench_touch_all(fd, mib * MiB);
	t = now_ms() - t;
	if (bad >= 0) {
		bench_fail("%s: restored memfd wrong at page %lld", sys, bad);
		return;
	}
	bench_value(k, t);
}

static int restore_fdbox(unsigned long mib)
{
	char k[64];
	int ctl, box, fd, state, err;
	double t;

	snprintf(k, sizeof(k), "restore/%s/%luM/get_ms", "fdbox", mib);
	ctl = fdbox_ctl_open();
	if (ctl < 0) {
		bench_fail("open " FDBOX_CTL ": %s", strerror(-ctl));
		return -1;
	}
	state = fdbox_box_state(ctl, BOX);
	if (state != FDBOX_STATE_RESTORED) {
		/* the module core works, the handover may not be there yet */
		bench_na(k, "handover not available: box %s",
			 state < 0 ? "did not come back" : "not in state RESTORED");
		printf("bench: handover/fdbox n/a (handover not available)\n");
		fdbox_destroy(ctl, BOX);
		close(ctl);
		return -1;
	}
	printf("bench: handover/fdbox 1\n");
	t = now_ms();
	box = fdbox_box_open(BOX);
	if (box < 0) {
		bench_fail("open box: %s", strerror(-box));
		close(ctl);
		return -1;
	}
	err = fdbox_unseal(box);
	fd = err ? err : fdbox_get(box, "data");
	if (fd >= 0 && !bench_first_word_ok(fd)) {
		bench_fail("fdbox: first word of the restored memfd is wrong");
		close(fd);
		fd = -1;
	}
	t = now_ms() - t;
	if (fd < 0) {
		if (fd != -1)
			bench_fail("fdbox: UNSEAL/GET after kexec: %s", strerror(-fd));
	} else {
		bench_value(k, t);
		report_touch("fdbox", mib, fd);
	}
	close(box);
	fdbox_destroy(ctl, BOX);
	close(ctl);
	return fd;
}

static int restore_luo(unsigned long mib)
{
	char k[64];
	int s, fd;
	double t;

	snprintf(k, sizeof(k), "restore/%s/%luM/get_ms", "luo", mib);
	t = now_ms();
	s = luo_session(SESSION, 1);
	fd = s < 0 ? s : luo_retrieve(s, 1);
	if (fd >= 0 && !bench_first_word_ok(fd)) {
		bench_fail("luo: first word of the restored memfd is wrong");
		close(fd);
		fd = -1;
	}
	t = now_ms() - t;
	if (fd < 0) {
		if (fd != -1)
			bench_fail("luo: RETRIEVE_SESSION/RETRIEVE_FD: %s", strerror(-fd));
	} else {
		bench_value(k, t);
		report_touch("luo", mib, fd);
	}
	if (s >= 0)
		close(s);	/* finishes the incoming session */
	return fd;
}

/*
 * Hand @fd over as @what says. Returns 0, or -EOPNOTSUPP (with @fd still
 * open) when FDBox refuses the file: a memfd restored by LUO is not named
 * "memfd:..." and so is not recognised as a memfd.
 */
static int hand_over(char what, int fd)
{
	int ctl, box, s, err;

	if (what == 'F') {
		ctl = fdbox_ctl_open();
		err = ctl < 0 ? ctl : fdbox_create(ctl, BOX);
		box = err ? err : fdbox_box_open(BOX);
		err = box < 0 ? box : fdbox_put(box, fd, "data");
		if (err == -EOPNOTSUPP) {
			close(box);
			fdbox_destroy(ctl, BOX);
			close(ctl);
			return err;
		}
		err = err ? err : fdbox_seal(box);
		if (err)
			bench_fail("fdbox: hand over: %s", strerror(-err));
		if (box >= 0)
			close(box);
		if (ctl >= 0)
			close(ctl);
		if (err)
			close(fd);
		return 0;
	}
	s = luo_session(SESSION, 0);
	err = s < 0 ? s : luo_preserve(s, fd, 1);
	err = err ? err : hold_until_reboot(&s, 1);
	if (err)
		bench_fail("luo: hand over: %s", strerror(-err));
	close(fd);
	if (s >= 0)
		close(s);
	return 0;
}

static int fresh(unsigned long mib)
{
	int fd = bench_memfd("bench-chain", mib * MiB);

	if (fd < 0)
		bench_fail("memfd of %lu MiB: %s", mib, strerror(-fd));
	return fd;
}

int main(int argc, char **argv)
{
	int stage = bench_stage(), fd = -1;
	unsigned long mib;
	char in, out;

	bench_init();
	if (argc != 3) {
		fprintf(stderr, "usage: bench-chain SCHEDULE SIZE_MIB\n");
		return 2;
	}
	mib = strtoul(argv[2], NULL, 0);
	in = sched_at(argv[1], stage - 1);
	out = sched_at(argv[1], stage);
	if (in == 'F')
		fd = restore_fdbox(mib);
	else if (in == 'L')
		fd = restore_luo(mib);
	if (out == 'F' || out == 'L') {
		if (fd < 0)
			fd = fresh(mib);
		if (fd >= 0 && hand_over(out, fd) == -EOPNOTSUPP) {
			printf("# bench: FDBox refuses the memfd LUO restored "
			       "(not named memfd:*): handing over a fresh one\n");
			close(fd);
			fd = fresh(mib);
			if (fd >= 0 && hand_over(out, fd))
				bench_fail("fdbox: a fresh memfd refused too");
		}
	} else if (fd >= 0) {
		close(fd);
	}
	return bench_done("chain: restore of a big memfd after kexec, FDBox vs LUO");
}
