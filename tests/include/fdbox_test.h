/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the FDBox in-VM tests: thin ioctl wrappers that return 0 (or a
 * value) or -errno, memfd helpers, and a snapshot of everything FDBox shows
 * (listing ioctl and sysfs) so a test can assert that a failed call changed
 * nothing.
 */
#ifndef FDBOX_TESTS_FDBOX_TEST_H
#define FDBOX_TESTS_FDBOX_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fdbox.h>

#define FDBOX_CTL	"/dev/fdbox/fdbox"
#define FDBOX_DEV_DIR	"/dev/fdbox"
#define FDBOX_SYS_CLASS	"/sys/class/fdbox"
#define FDBOX_PARAMS	"/sys/module/fdbox/parameters"
#define FDBOX_MODULE	"/lib/modules/fdbox.ko"

static inline int fdbox_ctl_open(void)
{
	int fd = open(FDBOX_CTL, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline void fdbox_set_name(__u8 *field, const char *name)
{
	size_t len = strlen(name);

	memset(field, 0, FDBOX_NAME_LEN);
	memcpy(field, name, len < FDBOX_NAME_LEN ? len : FDBOX_NAME_LEN);
}

static inline int fdbox_create(int ctl, const char *name)
{
	struct fdbox_create_box arg = { 0 };

	fdbox_set_name(arg.name, name);
	return ioctl(ctl, FDBOX_CREATE_BOX, &arg) ? -errno : 0;
}

/*
 * FDBOX_CREATE_BOX2 with node access @uid, @gid, @mode and the box's own
 * limit @max_bytes (0: none): 0 or -errno.
 */
static inline int fdbox_create_access(int ctl, const char *name, __u32 uid,
				      __u32 gid, __u32 mode, __u64 max_bytes)
{
	struct fdbox_create_box2 arg = {
		.size = sizeof(arg),
		.flags = FDBOX_CREATE_ACCESS,
		.uid = uid,
		.gid = gid,
		.mode = mode,
		.max_bytes = max_bytes,
	};

	fdbox_set_name(arg.name, name);
	return ioctl(ctl, FDBOX_CREATE_BOX2, &arg) ? -errno : 0;
}

static inline int fdbox_delete(int ctl, const char *name)
{
	struct fdbox_delete_box arg = { 0 };

	fdbox_set_name(arg.name, name);
	return ioctl(ctl, FDBOX_DELETE_BOX, &arg) ? -errno : 0;
}

static inline int fdbox_box_open(const char *name)
{
	char path[FDBOX_NAME_LEN + 32];
	int fd;

	snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%.255s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Create box @name and open its node: the box fd, or a negative errno. */
static inline int fdbox_create_open(int ctl, const char *name)
{
	int err = fdbox_create(ctl, name);

	return err ? err : fdbox_box_open(name);
}

static inline int fdbox_put(int box, int fd, const char *name)
{
	struct fdbox_put_fd arg = { .fd = (__u32)fd };

	fdbox_set_name(arg.name, name);
	return ioctl(box, FDBOX_PUT_FD, &arg) ? -errno : 0;
}

static inline int fdbox_get(int box, const char *name)
{
	struct fdbox_get_fd arg = { 0 };
	int fd;

	fdbox_set_name(arg.name, name);
	fd = ioctl(box, FDBOX_GET_FD, &arg);
	return fd < 0 ? -errno : fd;
}

static inline int fdbox_seal(int box)
{
	return ioctl(box, FDBOX_SEAL) ? -errno : 0;
}

static inline int fdbox_unseal(int box)
{
	return ioctl(box, FDBOX_UNSEAL) ? -errno : 0;
}

/* Delete box @name whatever state it is in (for cleanup). */
static inline void fdbox_destroy(int ctl, const char *name)
{
	int box = fdbox_box_open(name);

	if (box >= 0) {
		fdbox_unseal(box);
		close(box);
	}
	fdbox_delete(ctl, name);
}

/* FDBOX_LIST on @fd into caller-provided arrays. */
static inline int fdbox_list(int fd, struct fdbox_list *l,
			     struct fdbox_box_info *boxes, __u32 nr_boxes,
			     struct fdbox_fd_info *fds, __u32 nr_fds)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->nr_boxes = nr_boxes;
	l->nr_fds = nr_fds;
	l->boxes = (__u64)(uintptr_t)boxes;
	l->fds = (__u64)(uintptr_t)fds;
	return ioctl(fd, FDBOX_LIST, l) ? -errno : 0;
}

/* The FDBOX_LIST entry of fd @name in box device @box, or -errno. */
static inline int fdbox_fd_info_of(int box, const char *name,
				   struct fdbox_fd_info *out)
{
	struct fdbox_fd_info f[16];
	struct fdbox_list l;
	unsigned int i;
	int err = fdbox_list(box, &l, NULL, 0, f, 16);

	if (err)
		return err;
	for (i = 0; i < l.nr_fds && i < 16; i++) {
		if (!strcmp((const char *)f[i].name, name)) {
			*out = f[i];
			return 0;
		}
	}
	return -ENOENT;
}

/* Read the one-line text file @path into @buf, without the newline. */
static inline int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

/* Write @val to @path (a sysfs or proc file) in one write(). */
static inline int write_text(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = -errno;
	close(fd);
	return err;
}

/* Read a sysfs attribute of box @name into @buf (without the newline). */
static inline int fdbox_sysfs(const char *name, const char *attr, char *buf,
			      size_t len)
{
	char path[FDBOX_NAME_LEN + 64];

	snprintf(path, sizeof(path), FDBOX_SYS_CLASS "/%.255s/%.31s", name, attr);
	return read_text(path, buf, len);
}

/* How often the kernel log (the whole ring buffer) contains @what. */
static inline int kernel_log_count(const char *what)
{
	int size = klogctl(10, NULL, 0), n, count = 0;
	char *buf, *at;

	if (size <= 0 || !*what)
		return 0;
	buf = calloc(1, size + 1);
	if (!buf)
		return 0;
	n = klogctl(3, buf, size);
	for (at = n > 0 ? strstr(buf, what) : NULL; at;
	     at = strstr(at + 1, what))
		count++;
	free(buf);
	return count;
}

/* Does the kernel log (the whole ring buffer) contain @what? */
static inline int kernel_log_has(const char *what)
{
	return kernel_log_count(what) > 0;
}

/* A field of /proc/meminfo in kB, or -1. */
static inline long long meminfo_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

#define THP_SHMEM	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* The active shmem THP setting (the "[x]" of THP_SHMEM), into @buf. */
static inline int thp_shmem_mode(char *buf, size_t len)
{
	char all[128], *l, *r;
	int err = read_text(THP_SHMEM, all, sizeof(all));

	if (err)
		return err;
	l = strchr(all, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r)
		return -EINVAL;
	*r = 0;
	snprintf(buf, len, "%s", l + 1);
	return 0;
}

#define FDBOX_SNAP_BOXES	64
#define FDBOX_SNAP_FDS		256

/*
 * Everything FDBox shows about all boxes, as text: the listing ioctl on the
 * control device, and each box's sysfs attributes and device node.
 * Returns 0 or -errno.
 */
static inline int fdbox_snapshot(int ctl, char *out, size_t len)
{
	static struct fdbox_box_info boxes[FDBOX_SNAP_BOXES];
	static struct fdbox_fd_info fds[FDBOX_SNAP_FDS];
	struct fdbox_list l;
	size_t off = 0;
	__u32 i, j;
	int err;

	err = fdbox_list(ctl, &l, boxes, FDBOX_SNAP_BOXES, fds, FDBOX_SNAP_FDS);
	if (err)
		return err;
	if (l.nr_boxes > FDBOX_SNAP_BOXES || l.nr_fds > FDBOX_SNAP_FDS)
		return -E2BIG;
	off += snprintf(out + off, len - off, "boxes=%u fds=%u unclaimed=%llu\n",
			l.nr_boxes, l.nr_fds,
			(unsigned long long)l.unclaimed_bytes);
	for (i = 0; i < l.nr_boxes && off < len; i++) {
		struct fdbox_box_info *b = &boxes[i];
		char state[32], nr[32], bytes[32], path[FDBOX_NAME_LEN + 32];
		struct stat st;

		if (fdbox_sysfs((char *)b->name, "state", state, sizeof(state)) ||
		    fdbox_sysfs((char *)b->name, "nr_fds", nr, sizeof(nr)) ||
		    fdbox_sysfs((char *)b->name, "bytes", bytes, sizeof(bytes)))
			return -ENOENT;
		snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%.255s", b->name);
		if (stat(path, &st))
			return -errno;
		off += snprintf(out + off, len - off,
				"box %s state=%u nr_fds=%u bytes=%llu idx=%u sysfs=%s/%s/%s node=%o:%u:%u\n",
				b->name, b->state, b->nr_fds,
				(unsigned long long)b->bytes, b->fd_index,
				state, nr, bytes, st.st_mode & 07777,
				st.st_uid, st.st_gid);
		for (j = b->fd_index; j < b->fd_index + b->nr_fds && off < len; j++)
			off += snprintf(out + off, len - off,
					"  fd %s type=%u flags=%u size=%llu\n",
					fds[j].name, fds[j].type, fds[j].flags,
					(unsigned long long)fds[j].size);
	}
	return off < len ? 0 : -E2BIG;
}

/* A memfd of @size bytes filled with @fill. Returns the fd or -errno. */
static inline int memfd_with(const char *name, size_t size, int fill,
			     unsigned int flags)
{
	int fd = memfd_create(name, flags | MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (size) {
		if (ftruncate(fd, size))
			goto err;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			goto err;
		memset(p, fill, size);
		munmap(p, size);
	}
	return fd;
err:
	fill = -errno;
	close(fd);
	return fill;
}

/* 1 if all @size bytes of @fd are @fill, 0 if not, -errno on error. */
static inline int memfd_check(int fd, size_t size, int fill)
{
	unsigned char *p;
	size_t i;
	int ok = 1;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < size; i++)
		if (p[i] != (unsigned char)fill) {
			ok = 0;
			break;
		}
	munmap(p, size);
	return ok;
}

/* Number of open descriptors of this process (with the one counting). */
static inline int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static inline int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* Write @val to module parameter @param; returns 0 or -errno. */
static inline int fdbox_param_set(const char *param, unsigned long long val)
{
	char path[128], buf[32];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), FDBOX_PARAMS "/%s", param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%llu\n", val);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static inline long long fdbox_param_get(const char *param)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), FDBOX_PARAMS "/%s", param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

#endif /* FDBOX_TESTS_FDBOX_TEST_H */
