// SPDX-License-Identifier: GPL-2.0
/*
 * bench-clock: time the kexec blackout with the TSC.
 *
 *     bench-clock arm SCHEDULE    (last command of a stage)
 *     bench-clock read            (first command of a stage)
 *
 * The TSC keeps counting across a kexec on the same (virtual) machine, and
 * reading it costs nanoseconds, so the blackout is the TSC difference
 * between the moment the old kernel is asked to reboot and the moment the
 * new kernel runs userspace.
 *
 * arm: puts a 4 KiB "clock page" memfd into LUO session "bench-clock"
 * (LUO works whether or not FDBox hands over; its cost is the same in every
 * condition) and leaves a detached watcher process behind. The watcher
 * holds the session open and the page mapped, waits for the harness's
 * kexec-next to start, attaches to it with ptrace and stops it at the
 * entry of its reboot(2) system call. There it writes the TSC into the
 * clock page and lets the call go on. What is held across that kexec is
 * the SCHEDULE letter of this stage (see bench-chain and bench-fds):
 * F fdbox, L luo, N none, S fds.
 *
 * read: the first program of the next stage reads the TSC, writes a mark
 * to /dev/kmsg, retrieves the clock page and prints
 *   blackout/<held>/first_ms   reboot() entry -> this program
 *   blackout/<held>/init_ms    reboot() entry -> the kernel starts /init
 *   blackout/<held>/preamble_ms  /init start -> this program (mounts,
 *                               insmod fdbox.ko), from the printk clock
 * init_ms = first_ms - preamble_ms, from the printk timestamps (same
 * clock, microseconds) of "Run /init as init process" and of the mark.
 * The TSC rate is calibrated against CLOCK_MONOTONIC_RAW by arm, late in
 * the old kernel's stage, and carried in the clock page.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/klog.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "bench.h"

#define SESSION "bench-clock"
#define MAGIC 0x6b636f6c63686e62ULL	/* "bnchlock" */
#define WATCH_LIMIT_MS 600000.0

struct clock_page {
	uint64_t magic;
	uint64_t stage;		/* stage that armed the clock */
	uint64_t tsc_reboot;	/* TSC at reboot() entry, 0 if missed */
	double tsc_per_ms;	/* TSC rate, calibrated late in the old kernel */
	char held[16];		/* what was held across the kexec */
};

static const char *held_name(char c)
{
	switch (c) {
	case 'F': return "fdbox";
	case 'L': return "luo";
	case 'N': return "none";
	case 'S': return "fds";
	default: return "other";
	}
}

/* pid of the running kexec-next, or 0 */
static pid_t find_kexec_next(void)
{
	char path[300], comm[32];
	struct dirent *d;
	pid_t pid = 0;
	DIR *proc;
	int fd;
	ssize_t n;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!pid && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n > 0 && !strncmp(comm, "kexec-next\n", (size_t)n))
			pid = atoi(d->d_name);
	}
	closedir(proc);
	return pid;
}

/* Follow @pid until it enters reboot(2); stamp the TSC there. */
static void stamp_reboot(pid_t pid, volatile struct clock_page *page)
{
	struct __ptrace_syscall_info info;
	int st, sig;

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD) ||
	    ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		return;
	sig = 0;
	for (;;) {
		if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
			return;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info) > 0 &&
			    info.op == PTRACE_SYSCALL_INFO_ENTRY &&
			    info.entry.nr == SYS_reboot) {
				page->tsc_reboot = rdtsc();
				ptrace(PTRACE_DETACH, pid, 0, 0);
				return;
			}
			sig = 0;
		} else if (st >> 16) {
			sig = 0;	/* PTRACE_EVENT_STOP */
		} else {
			sig = WSTOPSIG(st);
		}
		if (ptrace(PTRACE_SYSCALL, pid, 0, sig))
			return;
	}
}

static double tsc_per_ms(void);

static int arm(const char *sched)
{
	volatile struct clock_page *page;
	int stage = bench_stage(), s, fd, err;
	double t0;
	pid_t pid;
	char c;

	c = (size_t)stage <= strlen(sched) ? sched[stage - 1] : 0;
	if (!c || stage >= atoi(getenv("FDBOX_STAGES") ? getenv("FDBOX_STAGES") : "1"))
		return bench_done("clock: nothing to arm in the last stage");
	fd = memfd_create("bench-clock", 0);
	if (fd < 0 || ftruncate(fd, PAGE)) {
		bench_fail("clock memfd: %s", strerror(errno));
		return bench_done("clock: arm");
	}
	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		bench_fail("mmap clock page: %s", strerror(errno));
		return bench_done("clock: arm");
	}
	page->magic = MAGIC;
	page->stage = stage;
	page->tsc_reboot = 0;
	page->tsc_per_ms = tsc_per_ms();
	strcpy((char *)page->held, held_name(c));
	s = luo_session(SESSION, 0);
	err = s < 0 ? s : luo_preserve(s, fd, 1);
	close(fd);
	if (err) {
		bench_fail("LUO clock session: %s", strerror(-err));
		return bench_done("clock: arm");
	}
	pid = fork();
	if (pid < 0) {
		bench_fail("fork: %s", strerror(errno));
		return bench_done("clock: arm");
	}
	if (pid) {
		close(s);
		return bench_done("clock: armed for the kexec");
	}
	/* the watcher: detached, keeps session @s and the mapping */
	setsid();
	for (fd = 0; fd < 1024; fd++)
		if (fd != s)
			close(fd);
	t0 = now_ms();
	while (now_ms() - t0 < WATCH_LIMIT_MS) {
		pid = find_kexec_next();
		if (pid) {
			stamp_reboot(pid, page);
			break;
		}
		usleep(1000);
	}
	for (;;)
		pause();
}

/*
 * A TSC reading and the CLOCK_MONOTONIC_RAW time (ms) it was taken at,
 * from a tight clock/rdtsc/clock triple (retried when the vCPU was
 * preempted in between, which would skew the pair).
 */
static uint64_t tsc_sample(double *ms)
{
	struct timespec a, b;
	double ta, tb;
	uint64_t c;
	int i;

	for (i = 0; i < 100; i++) {
		clock_gettime(CLOCK_MONOTONIC_RAW, &a);
		c = rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		ta = a.tv_sec * 1e3 + a.tv_nsec / 1e6;
		tb = b.tv_sec * 1e3 + b.tv_nsec / 1e6;
		if (tb - ta < 0.05)
			break;
	}
	*ms = (ta + tb) / 2;
	return c;
}

/*
 * TSC ticks per millisecond, against CLOCK_MONOTONIC_RAW over ~200 ms, once
 * the kernel runs on its refined TSC calibration (clocksource "tsc", not
 * "tsc-early"; waits up to 10 s for it).
 */
static double tsc_per_ms(void)
{
	double t0, t1;
	uint64_t c0, c1;
	char cs[32] = "";
	int i, fd;
	ssize_t n;

	for (i = 0; i < 100 && strcmp(cs, "tsc\n"); i++) {
		fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			  O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, cs, sizeof(cs) - 1);
		cs[n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
		if (fd < 0 || n <= 0)
			break;
		if (strcmp(cs, "tsc\n"))
			usleep(100000);
	}

	c0 = tsc_sample(&t0);
	usleep(200000);
	c1 = tsc_sample(&t1);
	return (c1 - c0) / (t1 - t0);
}

/*
 * printk timestamps (us) of "Run /init as init process" and of our mark
 * @mark, from the kernel log (syslog(2) READ_ALL, as dmesg reads it).
 * Returns 0 when both were found.
 */
static int kmsg_times(const char *mark, double *t_init, double *t_mark)
{
	int len = klogctl(10, NULL, 0), n, found = 0;
	char *buf, *line, *save;

	if (len <= 0 || !(buf = malloc(len + 1)))
		return -1;
	n = klogctl(3, buf, len);
	buf[n > 0 ? n : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long sec, usec;
		int off = 0;

		if (sscanf(line, "<%*d>[%lu.%lu]%n", &sec, &usec, &off) != 2 || !off)
			continue;
		while (line[off] == ' ')
			off++;
		if (!strncmp(line + off, "Run /init as init process", 25)) {
			*t_init = sec * 1e6 + usec;
			found |= 1;
		} else if (!strcmp(line + off, mark)) {
			*t_mark = sec * 1e6 + usec;
			found |= 2;
		}
	}
	free(buf);
	return found == 3 ? 0 : -1;
}

static int do_read(void)
{
	uint64_t tsc_now = rdtsc();
	volatile struct clock_page *page;
	double per_ms, first, t_init = 0, t_mark = 0;
	char mark[64], line[80], key[64];
	int kmsg, s, fd, len;

	/* the newline ends the record: without it the kernel keeps it open */
	snprintf(mark, sizeof(mark), "bench-clock: mark %llu",
		 (unsigned long long)tsc_now);
	len = snprintf(line, sizeof(line), "<5>%s\n", mark);
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (kmsg >= 0 && write(kmsg, line, len) != len) {
		close(kmsg);
		kmsg = -1;
	}
	s = luo_session(SESSION, 1);
	if (s == -ENOENT)
		return bench_done("clock: no clock page handed over (first stage)");
	fd = s < 0 ? s : luo_retrieve(s, 1);
	if (fd < 0) {
		bench_fail("retrieve the clock page: %s", strerror(-fd));
		return bench_done("clock: read");
	}
	page = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED || page->magic != MAGIC ||
	    page->stage != (uint64_t)bench_stage() - 1) {
		bench_fail("clock page missing or not from the previous stage");
		return bench_done("clock: read");
	}
	snprintf(key, sizeof(key), "blackout/%s/first_ms", (char *)page->held);
	if (!page->tsc_reboot || page->tsc_reboot > tsc_now) {
		bench_na(key, "reboot() was not stamped");
		return bench_done("clock: read");
	}
	/*
	 * The rate measured at the end of the previous stage: right after boot
	 * the guest may still run on its first, rough TSC calibration, which
	 * would skew CLOCK_MONOTONIC_RAW (and so a calibration here) by ~2%.
	 */
	per_ms = page->tsc_per_ms;
	printf("bench: tsc/mhz %.3f\n", per_ms / 1e3);
	first = (tsc_now - page->tsc_reboot) / per_ms;
	bench_value(key, first);
	if (kmsg >= 0 && !kmsg_times(mark, &t_init, &t_mark)) {
		snprintf(key, sizeof(key), "blackout/%s/preamble_ms", (char *)page->held);
		bench_value(key, (t_mark - t_init) / 1e3);
		snprintf(key, sizeof(key), "blackout/%s/init_ms", (char *)page->held);
		bench_value(key, first - (t_mark - t_init) / 1e3);
	} else {
		bench_fail("no 'Run /init' or mark in the kernel log");
	}
	if (kmsg >= 0)
		close(kmsg);
	close(fd);
	close(s);
	return bench_done("clock: blackout of the kexec into this stage");
}

int main(int argc, char **argv)
{
	bench_init();
	if (argc == 3 && !strcmp(argv[1], "arm"))
		return arm(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "read"))
		return do_read();
	fprintf(stderr, "usage: bench-clock arm SCHEDULE | bench-clock read\n");
	return 2;
}
