// SPDX-License-Identifier: GPL-2.0
/*
 * libfdbox on the host, without the module: the streaming copies between
 * files and memfds (contents, holes, offsets, streams, failures, progress)
 * and the errno faithfulness of the device calls when FDBox is absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdbox.h"
#include "tap.h"

static char dir[] = "/tmp/fdbox-test-copy.XXXXXX";

static const char *path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Deterministic bytes: byte at offset o of pattern seed. */
static unsigned char pat(uint64_t o, unsigned int seed)
{
	uint64_t x = (o / 8 + 1) * 0x9e3779b97f4a7c15ull + seed;

	x ^= x >> 29;
	return (unsigned char)(x >> (8 * (o % 8)));
}

static void fill(int fd, uint64_t off, uint64_t len, unsigned int seed)
{
	static unsigned char buf[1 << 20];

	while (len) {
		size_t n = len > sizeof(buf) ? sizeof(buf) : (size_t)len, i;

		for (i = 0; i < n; i++)
			buf[i] = pat(off + i, seed);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			abort();
		off += n;
		len -= n;
	}
}

/* Do the files @a and @b have the same size and bytes? */
static bool same(int a, int b)
{
	static unsigned char ba[1 << 20], bb[1 << 20];
	struct stat sa, sb;
	off_t off = 0;

	if (fstat(a, &sa) || fstat(b, &sb) || sa.st_size != sb.st_size)
		return false;
	while (off < sa.st_size) {
		ssize_t na = pread(a, ba, sizeof(ba), off);
		ssize_t nb = pread(b, bb, sizeof(bb), off);

		if (na <= 0 || na != nb || memcmp(ba, bb, (size_t)na))
			return false;
		off += na;
	}
	return true;
}

static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static long long blocks_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long long)st.st_blocks * 512;
}

struct prog {
	int calls;
	uint64_t last_done, last_total;
	int stop_after;		/* 0: never */
	bool monotonic;
};

static int progress(uint64_t done, uint64_t total, void *userdata)
{
	struct prog *p = userdata;

	if (p->calls && done < p->last_done)
		p->monotonic = false;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
	return p->stop_after && p->calls >= p->stop_after;
}

struct writer {
	int fd;
	uint64_t len;
};

static void *write_pipe(void *arg)
{
	struct writer *w = arg;
	unsigned char buf[65536];
	uint64_t off = 0;

	while (off < w->len) {
		size_t n = w->len - off > sizeof(buf) ? sizeof(buf) : (size_t)(w->len - off), i;

		for (i = 0; i < n; i++)
			buf[i] = pat(off + i, 7);
		if (write(w->fd, buf, n) != (ssize_t)n)
			break;
		off += n;
	}
	close(w->fd);
	return NULL;
}

int main(void)
{
	struct prog p = { .monotonic = true };
	int src, mfd, out, fd, err, pfd[2];
	struct stat st;
	pthread_t t;
	struct writer w;
	char pipe_path[64];

	if (!mkdtemp(dir)) {
		ok(false, "mkdtemp");
		return tap_done();
	}

	/* ---- a plain file, larger than one copy chunk ---- */
	src = open(path("plain"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	fill(src, 0, (130u << 20) + 12345, 1);
	mfd = fdbox_memfd_from_file(path("plain"), "plain", progress, &p);
	ok(mfd >= 0, "memfd from a 130 MiB file");
	ok(same(src, mfd), "the memfd has the file's bytes");
	is_int(lseek(mfd, 0, SEEK_CUR), 0, "the memfd's offset is 0");
	ok(p.calls >= 3 && p.monotonic, "progress reported per chunk, growing (%d calls)", p.calls);
	is_int((long long)p.last_done, (130ll << 20) + 12345, "progress ends at the size");
	is_int((long long)p.last_total, (130ll << 20) + 12345, "progress knows the total");
	ok(fcntl(mfd, F_GETFD) & FD_CLOEXEC, "the memfd is close-on-exec");
	ok(fcntl(mfd, F_GET_SEALS) >= 0, "the memfd allows sealing");

	/* memfd back to a new file, and over an existing larger file */
	lseek(mfd, 4321, SEEK_SET);
	is_int(fdbox_memfd_to_file(mfd, path("plain.out"), NULL, NULL), 0, "memfd to a new file");
	out = open(path("plain.out"), O_RDONLY);
	ok(same(mfd, out), "the new file has the memfd's bytes");
	is_int(lseek(mfd, 0, SEEK_CUR), 4321, "the memfd's offset is unchanged");
	close(out);
	fd = open(path("bigger"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	fill(fd, 0, 200u << 20, 2);
	close(fd);
	is_int(fdbox_memfd_to_file(mfd, path("bigger"), NULL, NULL), 0, "memfd over a larger file");
	out = open(path("bigger"), O_RDONLY);
	ok(same(mfd, out), "the larger file is replaced exactly");
	close(out);
	close(mfd);
	close(src);
	unlink(path("plain"));
	unlink(path("plain.out"));
	unlink(path("bigger"));

	/* ---- holes stay holes, both ways ---- */
	src = open(path("sparse"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	ftruncate(src, 64 << 20);
	fill(src, 1 << 20, 8192, 3);
	fill(src, 40 << 20, 4096, 4);
	mfd = fdbox_memfd_from_file(path("sparse"), "sparse", NULL, NULL);
	ok(mfd >= 0 && same(src, mfd), "memfd from a sparse file: same bytes");
	ok(blocks_of(mfd) < (1 << 20), "the memfd keeps the holes (%lld bytes allocated)", blocks_of(mfd));
	is_int(fdbox_memfd_to_file(mfd, path("sparse.out"), NULL, NULL), 0, "sparse memfd to a file");
	out = open(path("sparse.out"), O_RDONLY);
	ok(same(mfd, out), "same bytes back");
	ok(blocks_of(out) < (1 << 20), "the file keeps the holes (%lld bytes allocated)", blocks_of(out));
	close(out);
	close(mfd);
	/* trailing hole: size is kept */
	ftruncate(src, 0);
	ftruncate(src, 10 << 20);
	fill(src, 0, 100, 5);
	mfd = fdbox_memfd_from_file(path("sparse"), "tail", NULL, NULL);
	is_int(size_of(mfd), 10 << 20, "a trailing hole keeps the size");
	ok(same(src, mfd), "and the bytes");
	close(mfd);
	close(src);

	/* ---- empty file ---- */
	src = open(path("empty"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	mfd = fdbox_memfd_from_file(path("empty"), "empty", NULL, NULL);
	ok(mfd >= 0 && size_of(mfd) == 0, "memfd from an empty file is empty");
	is_int(fdbox_memfd_to_file(mfd, path("empty.out"), NULL, NULL), 0, "empty memfd to a file");
	ok(stat(path("empty.out"), &st) == 0 && st.st_size == 0, "the file is empty");
	close(mfd);
	close(src);

	/* ---- a stream (pipe): size unknown ---- */
	if (pipe(pfd) == 0) {
		w.fd = pfd[1];
		w.len = (5u << 20) + 77;
		pthread_create(&t, NULL, write_pipe, &w);
		snprintf(pipe_path, sizeof(pipe_path), "/proc/self/fd/%d", pfd[0]);
		p = (struct prog){ .monotonic = true };
		mfd = fdbox_memfd_from_file(pipe_path, "pipe", progress, &p);
		pthread_join(t, NULL);
		close(pfd[0]);
		ok(mfd >= 0 && size_of(mfd) == (5 << 20) + 77, "memfd from a pipe has all its bytes");
		is_int((long long)p.last_total, 0, "progress of a stream: total unknown");
		if (mfd >= 0) {
			unsigned char b[3];

			pread(mfd, b, 3, (5 << 20) + 74);
			ok(b[0] == pat((5 << 20) + 74, 7) && b[2] == pat((5 << 20) + 76, 7),
			   "the last bytes are right");
			close(mfd);
		}
	}

	/* ---- failures of memfd_from_file ---- */
	is_int(fdbox_memfd_from_file(path("nonexistent"), "x", NULL, NULL), -ENOENT, "missing file: -ENOENT");
	is_int(fdbox_memfd_from_file(dir, "x", NULL, NULL), -EISDIR, "directory: -EISDIR");
	is_int(fdbox_memfd_from_file(NULL, "x", NULL, NULL), -EINVAL, "NULL path: -EINVAL");
	p = (struct prog){ .stop_after = 1, .monotonic = true };
	src = open(path("cancel"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	fill(src, 0, 1 << 20, 6);
	is_int(fdbox_memfd_from_file(path("cancel"), "x", progress, &p), -ECANCELED, "stopped by progress: -ECANCELED");
	mfd = fdbox_memfd_from_file(path("cancel"), NULL, NULL, NULL);
	ok(mfd >= 0, "no memfd name: a default one");

	/* ---- failures of memfd_to_file: the fd stays usable ---- */
	is_int(fdbox_memfd_to_file(mfd, "/dev/full", NULL, NULL), -ENOSPC, "to /dev/full: -ENOSPC");
	ok(same(src, mfd), "the memfd is intact after -ENOSPC");
	is_int(fdbox_memfd_to_file(mfd, path("no/such/dir"), NULL, NULL), -ENOENT, "into a missing directory: -ENOENT");
	is_int(fdbox_memfd_to_file(mfd, dir, NULL, NULL), -EISDIR, "onto a directory: -EISDIR");
	p = (struct prog){ .stop_after = 1, .monotonic = true };
	is_int(fdbox_memfd_to_file(mfd, path("cancelled.out"), progress, &p), -ECANCELED, "stopped by progress: -ECANCELED");
	ok(access(path("cancelled.out"), F_OK) != 0, "a file it created is removed after a failure");
	is_int(fdbox_memfd_to_file(-1, path("x"), NULL, NULL), -EBADF, "fd -1: -EBADF");
	is_int(fdbox_memfd_to_file(mfd, "/dev/null", NULL, NULL), 0, "to /dev/null (not seekable)");
	ok(access("/dev/null", F_OK) == 0, "/dev/null is still there");

	/* ---- put_file and the device calls without FDBox ---- */
	is_int(fdbox_put_file(-1, "a/b", path("cancel"), NULL, NULL), -EINVAL, "put_file with a bad name: -EINVAL");
	is_int(fdbox_put_file(-1, "ok", path("cancel"), NULL, NULL), -EBADF, "put_file into fd -1: -EBADF");
	is_int(fdbox_put_file(-1, "ok", path("nonexistent"), NULL, NULL), -ENOENT, "put_file of a missing file: -ENOENT");
	is_int(fdbox_box_seal(mfd), -ENOTTY, "seal on a memfd: -ENOTTY");
	is_int(fdbox_box_unseal(mfd), -ENOTTY, "unseal on a memfd: -ENOTTY");
	is_int(fdbox_fd_get(mfd, "x"), -ENOTTY, "get on a memfd: -ENOTTY");
	is_int(fdbox_fd_put(mfd, "x", 0), -ENOTTY, "put on a memfd: -ENOTTY");
	is_int(fdbox_fd_put(mfd, "x", -5), -EBADF, "put of fd -5: -EBADF");
	is_int(fdbox_fd_put(mfd, "", 0), -EINVAL, "put with an empty name: -EINVAL");
	is_int(fdbox_fd_get(-1, "x"), -EBADF, "get on fd -1: -EBADF");
	{
		struct fdbox_snapshot *s = (void *)1;

		is_int(fdbox_snapshot_take(mfd, &s), -ENOTTY, "list on a memfd: -ENOTTY");
		ok(s == NULL, "no snapshot after a failure");
		is_int(fdbox_snapshot_take(mfd, NULL), -EINVAL, "list without a result pointer: -EINVAL");
		fdbox_snapshot_free(NULL);
		ok(fdbox_snapshot_find_box(NULL, "x") == NULL, "find in no snapshot");
	}
	is_int(fdbox_box_open("a/b"), -EINVAL, "open box 'a/b': -EINVAL");
	is_int(fdbox_box_open("fdbox"), -EINVAL, "open box 'fdbox': -EINVAL");
	is_int(fdbox_box_create("a/b"), -EINVAL, "create box 'a/b': -EINVAL");
	is_int(fdbox_box_delete(""), -EINVAL, "delete box '': -EINVAL");
	if (access(FDBOX_CONTROL_PATH, F_OK) == 0) {
		ok(true, "# SKIP FDBox is loaded on this host");
	} else {
		is_int(fdbox_control_open(), -ENOENT, "no module: control open -ENOENT");
		is_int(fdbox_box_create("x"), -ENOENT, "no module: create -ENOENT");
		is_int(fdbox_box_delete("x"), -ENOENT, "no module: delete -ENOENT");
		is_int(fdbox_box_open("x"), -ENOENT, "no module: open box -ENOENT");
		{
			struct fdbox_snapshot *s;

			is_int(fdbox_snapshot_take(-1, &s), -ENOENT, "no module: list -ENOENT");
		}
	}
	close(mfd);
	close(src);

	unlink(path("cancel"));
	unlink(path("sparse"));
	unlink(path("sparse.out"));
	unlink(path("empty"));
	unlink(path("empty.out"));
	rmdir(dir);
	(void)err;
	return tap_done();
}
