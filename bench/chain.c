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
 *   M  the same, but restored with restore_path=module-only (the stock
 *      kernel's way, also on a kernel with the FDBox helpers)
 *   H  a fresh memfd written while shmem makes 2 MiB folios
 *      (shmem_enabled=always), in FDBox: the large-folio case (restored
 *      with shmem_enabled=always too, so that the folios may stay whole)
 *   L  the memfd, in LUO session "bench-chain" (token 1)
 *   N, S, anything else: no big memfd (S is bench-fds' turn)
 * At the start of a stage the memfd the previous stage handed over is
 * restored and timed:
 *   FDBox: open the box node, UNSEAL, GET_FD, read the first word;
 *   LUO:   open /dev/liveupdate, RETRIEVE_SESSION, RETRIEVE_FD, read the
 *          first word;
 * then every page is touched once through a mapping, checking its stamp.
 * Keys: restore/SYS/<size>M/{get,touch}_ms, SYS fdbox (F), fdbox-module (M),
 * fdbox-thp (H) or luo (L), followed by $BENCH_TAG (e.g. "@patched" when
 * the run boots the kernel with the FDBox helpers).
 * The restored memfd is handed over again if the next letter asks for it
 * (FDBox -> LUO); a fresh one is made when there is none, and when FDBox
 * refuses a memfd that LUO restored (LUO does not name it memfd:*).
 */
#include "bench.h"

#define BOX "bench-chain"
#define SESSION "bench-chain"
#define RESTORE_PATH "/sys/module/fdbox/parameters/restore_path"

static const char *tag = "";

static const char *sys_name(char letter)
{
	switch (letter) {
	case 'F': return "fdbox";
	case 'M': return "fdbox-module";
	case 'H': return "fdbox-thp";
	default: return "luo";
	}
}

static char sched_at(const char *s, int stage)
{
	return stage >= 1 && (size_t)stage <= strlen(s) ? s[stage - 1] : '.';
}

static void report_touch(const char *sys, unsigned long mib, int fd)
{
	char k[96];
	long long bad;
	double t;

	snprintf(k, sizeof(k), "restore/%s%s/%luM/touch_ms", sys, tag, mib);
	t = now_ms();
	bad = bench_touch_all(fd, mib * MiB);
	t = now_ms() - t;
	if (bad >= 0) {
		bench_fail("%s: restored memfd wrong at page %lld", sys, bad);
		return;
	}
	bench_value(k, t);
}

static int restore_fdbox(char letter, unsigned long mib)
{
	const char *sys = sys_name(letter);
	char k[96], path[32] = "", thp[32] = "";
	int ctl, box, fd, state, err;
	double t;

	snprintf(k, sizeof(k), "restore/%s%s/%luM/get_ms", sys, tag, mib);
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
	/* 2 MiB folios stay whole only where shmem may allocate them. */
	if (letter == 'H' && (thp_shmem_mode(thp, sizeof(thp)) ||
			      write_text(THP_SHMEM, "always"))) {
		bench_fail("%s: cannot set %s", sys, THP_SHMEM);
		*thp = 0;
	}
	if (letter == 'M') {
		read_text(RESTORE_PATH, path, sizeof(path));
		err = write_text(RESTORE_PATH, "module-only");
		if (err)
			bench_fail("%s: select the module-only path: %s", sys,
				   strerror(-err));
	}
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
		bench_fail("%s: first word of the restored memfd is wrong", sys);
		close(fd);
		fd = -1;
	}
	t = now_ms() - t;
	if (*path)
		write_text(RESTORE_PATH, path);
	if (*thp)
		write_text(THP_SHMEM, thp);
	if (fd < 0) {
		if (fd != -1)
			bench_fail("%s: UNSEAL/GET after kexec: %s", sys, strerror(-fd));
	} else {
		bench_value(k, t);
		report_touch(sys, mib, fd);
	}
	close(box);
	fdbox_destroy(ctl, BOX);
	close(ctl);
	return fd;
}

static int restore_luo(unsigned long mib)
{
	char k[96];
	int s, fd;
	double t;

	snprintf(k, sizeof(k), "restore/%s%s/%luM/get_ms", "luo", tag, mib);
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

	if (what != 'L') {
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

/* A fresh memfd of 2 MiB folios (as far as shmem can make them). */
static int fresh_thp(unsigned long mib)
{
	long long before;
	char mode[32];
	int fd;

	if (thp_shmem_mode(mode, sizeof(mode)) || write_text(THP_SHMEM, "always")) {
		bench_fail("thp: cannot set %s", THP_SHMEM);
		return fresh(mib);
	}
	before = meminfo_kb("ShmemHugePages");
	fd = fresh(mib);
	printf("# bench: thp memfd of %lu MiB has %lld kB in 2 MiB folios\n", mib,
	       meminfo_kb("ShmemHugePages") - before);
	write_text(THP_SHMEM, mode);
	return fd;
}

int main(int argc, char **argv)
{
	int stage = bench_stage(), fd = -1;
	unsigned long mib;
	char in, out;

	bench_init();
	if (getenv("BENCH_TAG"))
		tag = getenv("BENCH_TAG");
	if (argc != 3) {
		fprintf(stderr, "usage: bench-chain SCHEDULE SIZE_MIB\n");
		return 2;
	}
	mib = strtoul(argv[2], NULL, 0);
	in = sched_at(argv[1], stage - 1);
	out = sched_at(argv[1], stage);
	if (in == 'F' || in == 'M' || in == 'H')
		fd = restore_fdbox(in, mib);
	else if (in == 'L')
		fd = restore_luo(mib);
	/*
	 * The large-folio case always starts from a fresh memfd, and what it
	 * restored never goes on to the 4 KiB-folio cases.
	 */
	if ((out == 'H' || in == 'H') && fd >= 0) {
		close(fd);
		fd = out == 'H' ? fresh_thp(mib) : -1;
	}
	if (out == 'F' || out == 'M' || out == 'H' || out == 'L') {
		if (fd < 0)
			fd = out == 'H' ? fresh_thp(mib) : fresh(mib);
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
