// SPDX-License-Identifier: GPL-2.0
/*
 * bench-hold: hold mode (no kexec) round trips, FDBox vs s6-fdholder.
 *
 *     bench-hold REPS SECONDS S6_SOCKET
 *
 * One round trip hands a 4 KiB memfd to the holder and takes it back:
 *   FDBox:  PUT_FD "x" into box "bench-hold" (the fd leaves the caller's
 *           table), GET_FD "x" (a new fd, removed from the box);
 *   s6:     over one connection to s6-fdholderd (its own wire protocol:
 *           store "x" with the fd, close ours; retrieve "x" with delete,
 *           which sends the fd back and drops it from the daemon);
 *   s6-cli: the same through the s6-fdholder-store and
 *           s6-fdholder-retrieve -D programs, one process each (how
 *           scripts use s6; for reference only, not comparable).
 * Each runs for SECONDS per repetition, turns alternating.
 * Keys: hold/{fdbox,s6,s6-cli}/rt_per_s.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "bench.h"

#define ID "x"

static double seconds;
static const char *sock_path;

static int fresh_memfd(void)
{
	int fd = memfd_create("bench-hold", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, PAGE))
		return -1;
	return fd;
}

static void report(const char *sys, long rounds, double ms)
{
	char k[64];

	snprintf(k, sizeof(k), "hold/%s/rt_per_s", sys);
	bench_value(k, rounds / (ms / 1e3));
}

static void run_fdbox(void)
{
	int ctl, box, fd, err = 0;
	long rounds = 0;
	double t0, t;

	ctl = fdbox_ctl_open();
	if (ctl < 0) {
		bench_fail("open " FDBOX_CTL ": %s", strerror(-ctl));
		return;
	}
	fdbox_destroy(ctl, "bench-hold");
	err = fdbox_create(ctl, "bench-hold");
	box = err ? err : fdbox_box_open("bench-hold");
	fd = fresh_memfd();
	if (box < 0 || fd < 0) {
		bench_fail("fdbox: box or memfd: %s", strerror(box < 0 ? -box : errno));
		goto out;
	}
	t0 = now_ms();
	do {
		for (int i = 0; i < 64 && !err; i++, rounds++) {
			err = fdbox_put(box, fd, ID);
			fd = err ? -1 : fdbox_get(box, ID);
			if (fd < 0)
				err = fd;
		}
		t = now_ms() - t0;
	} while (!err && t < seconds * 1e3);
	if (err)
		bench_fail("fdbox: PUT/GET round trip %ld: %s", rounds, strerror(-err));
	else
		report("fdbox", rounds, t);
out:
	if (fd >= 0)
		close(fd);
	if (box >= 0)
		close(box);
	fdbox_destroy(ctl, "bench-hold");
	close(ctl);
}

/* ---- s6-fdholderd wire protocol (skalibs unixmessage framing) ---------- */
/*
 * A message is a 6-byte header (payload length, big-endian u32; number of
 * fds, big-endian u16) followed by the payload, fds as SCM_RIGHTS.
 * store:    'S', deadline (TAI64N: u64 seconds, u32 ns), id length, id, NUL
 * retrieve: 'R', flags (1: delete after retrieving), id length, id, NUL
 * answer:   one byte, 0 or an errno; a retrieve answer carries the fd.
 */
static int s6_send(int sock, const void *payload, uint32_t len, int fd)
{
	char hdr[6] = { len >> 24, len >> 16, len >> 8, len, 0, fd >= 0 };
	struct iovec iov[2] = { { hdr, 6 }, { (void *)payload, len } };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)(6 + len) ? 0 : -1;
}

/* Read one answer; returns its code (0 ok), -1 on a broken stream. */
static int s6_answer(int sock, int *fd)
{
	unsigned char buf[7];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	size_t got = 0;
	ssize_t n;

	*fd = -1;
	while (got < sizeof(buf)) {
		iov.iov_base = buf + got;
		iov.iov_len = sizeof(buf) - got;
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return -1;
		if (m.msg_controllen >= CMSG_LEN(sizeof(int)) &&
		    c.h.cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(&c.h), sizeof(int));
		m.msg_control = NULL;
		m.msg_controllen = 0;
		got += n;
	}
	if (buf[0] || buf[1] || buf[2] || buf[3] != 1)
		return -1;
	return buf[6];
}

static int s6_store(int sock, int fd)
{
	uint64_t secs = 0x6000000000000000ULL + (uint64_t)time(NULL) + 10;
	unsigned char p[1 + 12 + 1 + sizeof(ID)] = { 'S' };
	int i, dummy, code;

	for (i = 0; i < 8; i++)
		p[1 + i] = secs >> (56 - 8 * i);
	p[13] = sizeof(ID) - 1;
	memcpy(p + 14, ID, sizeof(ID));
	if (s6_send(sock, p, sizeof(p), fd))
		return -EIO;
	code = s6_answer(sock, &dummy);
	if (dummy >= 0)
		close(dummy);
	return code < 0 ? -EIO : -code;
}

static int s6_retrieve(int sock)
{
	unsigned char p[3 + sizeof(ID)] = { 'R', 1, sizeof(ID) - 1 };
	int fd, code;

	memcpy(p + 3, ID, sizeof(ID));
	if (s6_send(sock, p, sizeof(p), -1))
		return -EIO;
	code = s6_answer(sock, &fd);
	if (code)
		return code < 0 ? -EIO : -code;
	return fd < 0 ? -EPROTO : fd;
}

static void run_s6(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock, fd, err = 0, connected = 0;
	long rounds = 0;
	double t0, t;

	strncpy(sa.sun_path, sock_path, sizeof(sa.sun_path) - 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* the daemon may still be starting: wait for its socket up to 30 s */
	for (t0 = now_ms(); sock >= 0 && !connected && now_ms() - t0 < 30e3;) {
		connected = !connect(sock, (struct sockaddr *)&sa, sizeof(sa));
		if (!connected)
			usleep(10000);
	}
	if (!connected) {
		bench_fail("s6: connect %s: %s", sock_path, strerror(errno));
		if (sock >= 0)
			close(sock);
		return;
	}
	fd = fresh_memfd();
	t0 = now_ms();
	do {
		for (int i = 0; i < 64 && !err; i++, rounds++) {
			err = s6_store(sock, fd);
			close(fd);
			fd = err ? -1 : s6_retrieve(sock);
			if (fd < 0)
				err = fd;
		}
		t = now_ms() - t0;
	} while (!err && t < seconds * 1e3);
	if (err)
		bench_fail("s6: store/retrieve round trip %ld: %s", rounds, strerror(-err));
	else
		report("s6", rounds, t);
	if (fd >= 0)
		close(fd);
	close(sock);
}

static int run_prog(char *const argv[], int fd)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (fd == 3)
			fcntl(fd, F_SETFD, 0);
		else if (fd >= 0)
			dup2(fd, 3);	/* the copy is not close-on-exec */
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

static void run_s6_cli(void)
{
	char *store[] = { "/usr/bin/s6-fdholder-store", "-d", "3", (char *)sock_path,
			  "y", NULL };
	char *retrieve[] = { "/usr/bin/s6-fdholder-retrieve", "-D", (char *)sock_path,
			     "y", "/bin/true", NULL };
	long rounds = 0;
	double t0, t;
	int fd, err = 0;

	t0 = now_ms();
	do {
		fd = fresh_memfd();
		err = fd < 0 || run_prog(store, fd) || run_prog(retrieve, -1);
		if (fd >= 0)
			close(fd);
		rounds++;
		t = now_ms() - t0;
	} while (!err && t < seconds * 1e3);
	if (err)
		bench_fail("s6-cli: s6-fdholder-store/retrieve failed");
	else
		report("s6-cli", rounds, t);
}

int main(int argc, char **argv)
{
	const char *only;
	int reps, r;

	bench_init();
	if (argc != 4) {
		fprintf(stderr, "usage: bench-hold REPS SECONDS S6_SOCKET\n");
		return 2;
	}
	reps = atoi(argv[1]);
	seconds = atof(argv[2]);
	sock_path = argv[3];
	only = getenv("BENCH_HOLD_ONLY");	/* fdbox or s6: for debugging */
	for (r = 0; r < reps; r++) {
		if (only) {
			if (!strcmp(only, "fdbox"))
				run_fdbox();
			else
				run_s6();
		} else if (r % 2) {
			run_s6();
			run_fdbox();
		} else {
			run_fdbox();
			run_s6();
		}
		if (!only)
			run_s6_cli();
	}
	return bench_done("hold: PUT+GET round trips, FDBox vs s6-fdholder");
}
