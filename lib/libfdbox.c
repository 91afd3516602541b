// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libfdbox: names, boxes, fds and listing. Thin wrappers around the FDBox
 * ioctls (fdbox(4)) that return 0/a value or -errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdbox.h"
#include "util.h"

/* ---- names --------------------------------------------------------- */

static bool name_char_valid(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

_public_ const char *fdbox_name_problem(const char *name, int is_box)
{
	size_t len, i;

	if (!name || !*name)
		return "is empty";
	len = strnlen(name, FDBOX_NAME_LEN);
	if (len >= FDBOX_NAME_LEN)
		return "is longer than 255 bytes";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "may not be '.' or '..'";
	for (i = 0; i < len; i++)
		if (!name_char_valid((unsigned char)name[i]))
			return "contains a character other than A-Z a-z 0-9 . _ -";
	if (is_box && !strcmp(name, "fdbox"))
		return "is reserved for the control device /dev/fdbox/fdbox";
	return NULL;
}

_public_ int fdbox_name_check(const char *name)
{
	return fdbox_name_problem(name, 0) ? -EINVAL : 0;
}

_public_ int fdbox_box_name_check(const char *name)
{
	return fdbox_name_problem(name, 1) ? -EINVAL : 0;
}

/* Copy a valid name into an ioctl name field, NUL-padded. */
static void name_copy(uint8_t field[FDBOX_NAME_LEN], const char *name)
{
	size_t len = strlen(name);

	memset(field, 0, FDBOX_NAME_LEN);
	memcpy(field, name, len);
}

/* ---- boxes (control device) ------------------------------------------- */

_public_ int fdbox_control_open(void)
{
	int fd = open(FDBOX_CONTROL_PATH, O_RDWR | O_CLOEXEC | O_NOCTTY);

	return fd < 0 ? negative_errno() : fd;
}

/* Open the control device for one ioctl: 0 or a negative errno. */
static int control_ioctl(unsigned long cmd, void *arg)
{
	_cleanup_close_ int ctl = fdbox_control_open();

	if (ctl < 0)
		return ctl;
	return ioctl(ctl, cmd, arg) < 0 ? negative_errno() : 0;
}

_public_ int fdbox_box_create(const char *box)
{
	struct fdbox_create_box arg = { .flags = 0 };

	if (fdbox_box_name_check(box))
		return -EINVAL;
	name_copy(arg.name, box);
	return control_ioctl(FDBOX_CREATE_BOX, &arg);
}

_public_ int fdbox_box_create2(const char *box,
			      const struct fdbox_create_options *opts)
{
	struct fdbox_create_box2 arg = { .size = sizeof(arg) };

	if (fdbox_box_name_check(box) || !opts ||
	    opts->size < sizeof(struct fdbox_create_options))
		return -EINVAL;
	if (opts->set_access) {
		if (opts->uid == (uid_t)-1 || opts->gid == (gid_t)-1 ||
		    (opts->mode & ~(mode_t)0777))
			return -EINVAL;
		arg.flags = FDBOX_CREATE_ACCESS;
		arg.uid = opts->uid;
		arg.gid = opts->gid;
		arg.mode = opts->mode;
	}
	arg.max_bytes = opts->max_bytes;
	name_copy(arg.name, box);
	return control_ioctl(FDBOX_CREATE_BOX2, &arg);
}

_public_ int fdbox_box_delete(const char *box)
{
	struct fdbox_delete_box arg = { .flags = 0 };

	if (fdbox_box_name_check(box))
		return -EINVAL;
	name_copy(arg.name, box);
	return control_ioctl(FDBOX_DELETE_BOX, &arg);
}

/* ---- one box (box device) --------------------------------------------- */

_public_ int fdbox_box_open(const char *box)
{
	char path[sizeof(FDBOX_DEV_DIR) + FDBOX_NAME_LEN];
	int fd;

	if (fdbox_box_name_check(box))
		return -EINVAL;
	snprintf(path, sizeof(path), FDBOX_DEV_DIR "/%s", box);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? negative_errno() : fd;
}

_public_ int fdbox_fd_put(int boxfd, const char *name, int fd)
{
	struct fdbox_put_fd arg = { .flags = 0 };

	if (fdbox_name_check(name))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	arg.fd = (uint32_t)fd;
	name_copy(arg.name, name);
	if (ioctl(boxfd, FDBOX_PUT_FD, &arg) < 0)
		return negative_errno();
	return 0;
}

/* FDBOX_GET_FD of @name with @flags: the new fd or a negative errno. */
static int get_fd(int boxfd, const char *name, uint64_t flags)
{
	struct fdbox_get_fd arg = { .flags = flags };
	int fd;

	if (fdbox_name_check(name))
		return -EINVAL;
	name_copy(arg.name, name);
	fd = ioctl(boxfd, FDBOX_GET_FD, &arg);
	return fd < 0 ? negative_errno() : fd;
}

_public_ int fdbox_fd_get(int boxfd, const char *name)
{
	return get_fd(boxfd, name, 0);
}

_public_ int fdbox_fd_dup(int boxfd, const char *name)
{
	return get_fd(boxfd, name, FDBOX_GET_FD_KEEP);
}

_public_ int fdbox_box_seal(int boxfd)
{
	return ioctl(boxfd, FDBOX_SEAL) < 0 ? negative_errno() : 0;
}

_public_ int fdbox_box_unseal(int boxfd)
{
	return ioctl(boxfd, FDBOX_UNSEAL) < 0 ? negative_errno() : 0;
}

/* ---- listing ----------------------------------------------------------- */

_public_ void fdbox_snapshot_free(struct fdbox_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->boxes);
	free(snap->fds);
	free(snap);
}

/* Make sure the kernel's names are terminated and indexes stay in range. */
static int snapshot_check(struct fdbox_snapshot *snap)
{
	uint32_t i;

	for (i = 0; i < snap->nr_boxes; i++) {
		struct fdbox_box_info *b = &snap->boxes[i];

		b->name[FDBOX_NAME_LEN - 1] = 0;
		if (b->fd_index > snap->nr_fds ||
		    b->nr_fds > snap->nr_fds - b->fd_index)
			return -EAGAIN;
	}
	for (i = 0; i < snap->nr_fds; i++)
		snap->fds[i].name[FDBOX_NAME_LEN - 1] = 0;
	return 0;
}

/* Room to ask for next: what exists now and a little more for growth. */
static uint32_t list_room(uint32_t have)
{
	uint64_t room = (uint64_t)have + have / 4 + 4;

	return room > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)room;
}

#define LIST_ATTEMPTS	16

static int snapshot_fill(int devfd, struct fdbox_snapshot *snap)
{
	uint32_t box_room = 8, fd_room = 32;
	int attempt;

	for (attempt = 0; attempt < LIST_ATTEMPTS; attempt++) {
		struct fdbox_list arg = {
			.size = sizeof(arg),
			.nr_boxes = box_room,
			.nr_fds = fd_room,
		};
		void *p;

		p = realloc(snap->boxes, (size_t)box_room * sizeof(*snap->boxes));
		if (!p)
			return -ENOMEM;
		snap->boxes = p;
		p = realloc(snap->fds, (size_t)fd_room * sizeof(*snap->fds));
		if (!p)
			return -ENOMEM;
		snap->fds = p;
		memset(snap->boxes, 0, (size_t)box_room * sizeof(*snap->boxes));
		memset(snap->fds, 0, (size_t)fd_room * sizeof(*snap->fds));
		arg.boxes = (uintptr_t)snap->boxes;
		arg.fds = (uintptr_t)snap->fds;

		if (ioctl(devfd, FDBOX_LIST, &arg) < 0)
			return negative_errno();
		if (arg.nr_boxes <= box_room && arg.nr_fds <= fd_room) {
			snap->nr_boxes = arg.nr_boxes;
			snap->nr_fds = arg.nr_fds;
			snap->unclaimed_bytes = arg.unclaimed_bytes;
			if (snapshot_check(snap) == 0)
				return 0;
		}
		/* Boxes or fds appeared since: ask again with more room. */
		if (arg.nr_boxes >= box_room)
			box_room = list_room(arg.nr_boxes);
		if (arg.nr_fds >= fd_room)
			fd_room = list_room(arg.nr_fds);
	}
	return -EAGAIN;
}

_public_ int fdbox_snapshot_take(int devfd, struct fdbox_snapshot **ret)
{
	_cleanup_close_ int ctl = -1;
	struct fdbox_snapshot *snap;
	int err;

	if (!ret)
		return -EINVAL;
	*ret = NULL;
	if (devfd < 0) {
		ctl = fdbox_control_open();
		if (ctl < 0)
			return ctl;
		devfd = ctl;
	}
	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	err = snapshot_fill(devfd, snap);
	if (err) {
		fdbox_snapshot_free(snap);
		return err;
	}
	*ret = snap;
	return 0;
}

_public_ const struct fdbox_box_info *
fdbox_snapshot_find_box(const struct fdbox_snapshot *snap, const char *box)
{
	uint32_t i;

	if (!snap || !box)
		return NULL;
	for (i = 0; i < snap->nr_boxes; i++)
		if (!strcmp((const char *)snap->boxes[i].name, box))
			return &snap->boxes[i];
	return NULL;
}

_public_ const char *fdbox_state_name(uint32_t state)
{
	switch (state) {
	case FDBOX_STATE_OPEN:
		return "open";
	case FDBOX_STATE_SEALED:
		return "sealed";
	case FDBOX_STATE_RESTORED:
		return "restored";
	default:
		return "unknown";
	}
}

_public_ const char *fdbox_fd_type_name(uint32_t type)
{
	switch (type) {
	case FDBOX_FD_TYPE_MEMFD:
		return "memfd";
	case FDBOX_FD_TYPE_EVENTFD:
		return "eventfd";
	default:
		return "unknown";
	}
}
