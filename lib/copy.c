// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libfdbox: streaming copies between files and memfds.
 *
 * Data is copied region by region (SEEK_DATA/SEEK_HOLE, so holes stay
 * holes) in chunks of CHUNK bytes, inside the kernel where it can:
 * copy_file_range(2) first, then sendfile(2), then read/write through a
 * buffer of BUFFER bytes. Nothing is ever read into memory whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdbox.h"
#include "util.h"

#define CHUNK		(64u << 20)	/* bytes per copy call / progress step */
#define BUFFER		(4u << 20)	/* read/write fallback buffer */
#define MEMFD_NAME_MAX	249		/* NAME_MAX - strlen("memfd:") */

enum copy_method { COPY_RANGE, COPY_SENDFILE, COPY_READWRITE };

struct copy {
	int in, out;
	bool out_seekable;	/* out can have holes (regular file, memfd) */
	enum copy_method method;
	char *buf;		/* for COPY_READWRITE, allocated on first use */
	uint64_t total;		/* 0: unknown */
	fdbox_progress_fn progress;
	void *userdata;
};

static int report(struct copy *c, uint64_t done)
{
	if (c->progress && c->progress(done, c->total, c->userdata))
		return -ECANCELED;
	return 0;
}

static bool method_unsupported(int err)
{
	return err == EXDEV || err == EINVAL || err == EOPNOTSUPP ||
	       err == ENOSYS || err == EBADF || err == ESPIPE;
}

/* Write all of @buf to @fd at its current position. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copy at most @len bytes from c->in at *@off to c->out at its current
 * position (which the caller set to *@off if out is seekable). Returns the
 * number of bytes copied (0 at end of input) or -errno.
 */
static ssize_t copy_some(struct copy *c, off_t *off, size_t len)
{
	ssize_t n;

	for (;;) {
		switch (c->method) {
		case COPY_RANGE:
			n = copy_file_range(c->in, off, c->out, NULL, len, 0);
			break;
		case COPY_SENDFILE:
			n = sendfile(c->out, c->in, off, len);
			break;
		default:
			if (!c->buf) {
				c->buf = malloc(BUFFER);
				if (!c->buf)
					return -ENOMEM;
			}
			if (len > BUFFER)
				len = BUFFER;
			n = pread(c->in, c->buf, len, *off);
			if (n < 0 && errno == ESPIPE)
				n = read(c->in, c->buf, len);
			if (n > 0) {
				int err = write_all(c->out, c->buf, (size_t)n);

				if (err)
					return err;
				*off += n;
			}
			break;
		}
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		/* A method this pair of files does not support: fall back. */
		if (c->method != COPY_READWRITE && method_unsupported(errno)) {
			c->method++;
			continue;
		}
		return negative_errno();
	}
}

/*
 * Copy [*@off, @end) of the input (@end == UINT64_MAX: up to end of input).
 * Returns 0 when done or at end of input, -errno on failure.
 */
static int copy_region(struct copy *c, off_t *off, uint64_t end)
{
	while ((uint64_t)*off < end) {
		uint64_t want = end - (uint64_t)*off;
		ssize_t n;
		int err;

		n = copy_some(c, off, want > CHUNK ? CHUNK : (size_t)want);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;	/* the input is shorter than it was */
		err = report(c, (uint64_t)*off);
		if (err)
			return err;
	}
	return 0;
}

/* Write @len zero bytes to a non-seekable output (a hole of the input). */
static int write_zeros(struct copy *c, uint64_t len)
{
	static const char zeros[65536];

	while (len) {
		size_t n = len > sizeof(zeros) ? sizeof(zeros) : (size_t)len;
		int err = write_all(c->out, zeros, n);

		if (err)
			return err;
		len -= n;
	}
	return 0;
}

/*
 * Copy the first @size bytes of c->in to c->out, skipping holes where out
 * can have them. Sets *@copied to the size the output should have.
 */
static int copy_sparse(struct copy *c, uint64_t size, uint64_t *copied)
{
	off_t off = 0;
	int err;

	*copied = 0;
	while ((uint64_t)off < size) {
		off_t data = lseek(c->in, off, SEEK_DATA), hole;

		if (data < 0) {
			if (errno == ENXIO)	/* only a hole up to the end */
				break;
			data = off;		/* no SEEK_DATA: all is data */
			hole = (off_t)size;
		} else {
			hole = lseek(c->in, data, SEEK_HOLE);
			if (hole < 0 || (uint64_t)hole > size)
				hole = (off_t)size;
		}
		if ((uint64_t)data >= size)
			break;
		if (data > off) {
			if (c->out_seekable) {
				if (lseek(c->out, data, SEEK_SET) < 0)
					return negative_errno();
			} else {
				err = write_zeros(c, (uint64_t)(data - off));
				if (err)
					return err;
			}
			off = data;
		}
		err = copy_region(c, &off, (uint64_t)hole);
		if (err)
			return err;
		if (off < hole) {		/* the input shrank */
			*copied = (uint64_t)off;
			return 0;
		}
	}
	if (!c->out_seekable && (uint64_t)off < size) {
		err = write_zeros(c, size - (uint64_t)off);
		if (err)
			return err;
	}
	*copied = size;
	return report(c, size);
}

/* Size of what @fd holds, or UINT64_MAX if it cannot be known (pipe...). */
static uint64_t input_size(int fd, const struct stat *st)
{
	uint64_t size;

	if (S_ISREG(st->st_mode))
		return (uint64_t)st->st_size;
	if (S_ISBLK(st->st_mode) && ioctl(fd, BLKGETSIZE64, &size) == 0)
		return size;
	return UINT64_MAX;
}

static int copy_to_memfd(int in, int memfd, fdbox_progress_fn progress,
			 void *userdata)
{
	struct copy c = {
		.in = in, .out = memfd, .out_seekable = true,
		.method = COPY_RANGE, .progress = progress,
		.userdata = userdata,
	};
	uint64_t size, copied;
	struct stat st;
	off_t off = 0;
	int err;

	if (fstat(in, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	size = input_size(in, &st);
	if (size != UINT64_MAX) {
		c.total = size;
		err = copy_sparse(&c, size, &copied);
	} else {
		/* A stream: copy until end of input, size unknown. */
		c.method = COPY_SENDFILE;
		err = copy_region(&c, &off, UINT64_MAX);
		if (err == -EINVAL || err == -ESPIPE) {
			c.method = COPY_READWRITE;
			err = copy_region(&c, &off, UINT64_MAX);
		}
		copied = (uint64_t)off;
	}
	free(c.buf);
	if (err)
		return err;
	/* Trailing holes, and the exact size if the input shrank. */
	if (ftruncate(memfd, (off_t)copied) < 0)
		return negative_errno();
	if (lseek(memfd, 0, SEEK_SET) < 0)
		return negative_errno();
	return 0;
}

_public_ int fdbox_memfd_from_file(const char *path, const char *memfd_name,
				   fdbox_progress_fn progress, void *userdata)
{
	_cleanup_close_ int in = -1, memfd = -1;
	char name[MEMFD_NAME_MAX + 1];
	int err;

	if (!path)
		return -EINVAL;
	in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return negative_errno();
	/* memfd_create() refuses names longer than this: cut them short. */
	snprintf(name, sizeof(name), "%s",
		 memfd_name && *memfd_name ? memfd_name : "fdbox");
	memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return negative_errno();
	err = copy_to_memfd(in, memfd, progress, userdata);
	if (err)
		return err;
	return take_fd(&memfd);
}

_public_ int fdbox_put_file(int boxfd, const char *name, const char *path,
			    fdbox_progress_fn progress, void *userdata)
{
	_cleanup_close_ int memfd = -1;
	int err;

	if (fdbox_name_check(name))
		return -EINVAL;
	memfd = fdbox_memfd_from_file(path, name, progress, userdata);
	if (memfd < 0)
		return memfd;
	err = fdbox_fd_put(boxfd, name, memfd);
	if (err)
		return err;
	memfd = -1;	/* the box has it now */
	return 0;
}

/* Open @path for writing; *@created tells whether this call made it. */
static int open_output(const char *path, bool *created)
{
	int fd;

	*created = false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
		  0666);
	if (fd >= 0) {
		*created = true;
		return fd;
	}
	if (errno != EEXIST)
		return negative_errno();
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? negative_errno() : fd;
}

static int copy_from_fd(int in, int out, fdbox_progress_fn progress,
			void *userdata)
{
	struct copy c = {
		.in = in, .out = out, .method = COPY_RANGE,
		.progress = progress, .userdata = userdata,
	};
	struct stat ist, ost;
	uint64_t copied;
	int err;

	if (fstat(in, &ist) < 0 || fstat(out, &ost) < 0)
		return negative_errno();
	if (!S_ISREG(ist.st_mode))
		return -EINVAL;
	c.out_seekable = S_ISREG(ost.st_mode);
	c.total = (uint64_t)ist.st_size;
	err = copy_sparse(&c, c.total, &copied);
	free(c.buf);
	if (err)
		return err;
	if (c.out_seekable) {
		if (ftruncate(out, (off_t)copied) < 0)
			return negative_errno();
		/* Only now is the data known to be on its file system. */
		if (fsync(out) < 0 && errno != EINVAL && errno != EROFS)
			return negative_errno();
	}
	return 0;
}

_public_ int fdbox_memfd_to_file(int fd, const char *path,
				 fdbox_progress_fn progress, void *userdata)
{
	_cleanup_close_ int out = -1;
	off_t pos;
	bool created;
	int err;

	if (fd < 0 || !path)
		return fd < 0 ? -EBADF : -EINVAL;
	/* SEEK_DATA/SEEK_HOLE move the offset of @fd: put it back after. */
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		return negative_errno();
	out = open_output(path, &created);
	if (out < 0)
		return out;
	err = copy_from_fd(fd, out, progress, userdata);
	if (err == 0) {
		if (close(take_fd(&out)) < 0 && errno != EINTR)
			err = negative_errno();
	}
	if (err && created)
		unlink(path);
	lseek(fd, pos, SEEK_SET);
	return err;
}
