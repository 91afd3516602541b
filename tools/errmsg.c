// SPDX-License-Identifier: GPL-2.0
/*
 * What an errno means for each step of an fdbox command.
 *
 * One table: (step, errno) -> message template. Templates name the object
 * and say what to do; in them %B is the box, %N the fd name, %P the path
 * (or exec's COMMAND), %F the fd number of put --fd, %E strerror(errno).
 * The errnos are those of fdbox(4) (DESIGN.md section 2), plus the ones of
 * open(2), the file copy, execvp(2), kexec_file_load(2) and reboot(2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct errmsg {
	enum fdbox_step step;
	int err;
	const char *text;
};

#define NAME_RULES	"names are 1-255 characters of A-Z a-z 0-9 . _ -, not '.' or '..'"
#define SEALED		"box '%B' is sealed; unseal it first (or a reboot has begun)"
#define BUG		"the kernel could not access the request (bad address); this is a bug in fdbox, please report it"
#define NOMEM		"out of kernel memory"

static const struct errmsg messages[] = {
	/* opening /dev/fdbox/fdbox */
	{ STEP_CONTROL, ENOENT, "FDBox is not available: /dev/fdbox/fdbox does not exist; load the module first (modprobe fdbox)" },
	{ STEP_CONTROL, ENODEV, "FDBox is not available: /dev/fdbox/fdbox has no driver; load the module first (modprobe fdbox)" },
	{ STEP_CONTROL, ENXIO, "FDBox is not available: /dev/fdbox/fdbox has no driver; load the module first (modprobe fdbox)" },
	{ STEP_CONTROL, EACCES, "no permission on /dev/fdbox/fdbox (creating, deleting and listing all boxes needs root)" },
	{ STEP_CONTROL, EPERM, "no permission on /dev/fdbox/fdbox (creating, deleting and listing all boxes needs root)" },

	/* opening /dev/fdbox/<box> */
	{ STEP_OPEN_BOX, ENOENT, "no box named '%B'; create it with 'fdbox create %B' (see 'fdbox list')" },
	{ STEP_OPEN_BOX, ENODEV, "box '%B' was deleted" },
	{ STEP_OPEN_BOX, ENXIO, "box '%B' was deleted" },
	{ STEP_OPEN_BOX, EACCES, "no permission on /dev/fdbox/%B (box nodes are root-only unless chowned to a user)" },
	{ STEP_OPEN_BOX, EPERM, "no permission on /dev/fdbox/%B (box nodes are root-only unless chowned to a user)" },
	{ STEP_OPEN_BOX, EINVAL, "'%B' is not a valid box name: " NAME_RULES ", not 'fdbox'" },

	/* FDBOX_CREATE_BOX */
	{ STEP_CREATE, EINVAL, "'%B' is not a valid box name: " NAME_RULES ", not 'fdbox'" },
	{ STEP_CREATE, EEXIST, "a box named '%B' exists already" },
	{ STEP_CREATE, ENOSPC, "cannot create box '%B': the maximum number of boxes is reached (module parameter max_boxes); delete a box first" },
	{ STEP_CREATE, ENOMEM, NOMEM },
	{ STEP_CREATE, ENOTTY, "/dev/fdbox/fdbox does not know how to create a box; is it the FDBox control device?" },
	{ STEP_CREATE, EFAULT, BUG },
	{ STEP_CREATE, EACCES, "no permission on /dev/fdbox/fdbox (creating boxes needs root)" },
	{ STEP_CREATE, EPERM, "no permission on /dev/fdbox/fdbox (creating boxes needs root)" },
	{ STEP_CREATE_ACCESS, EPERM, "setting the owner, group or mode of box '%B' needs CAP_CHOWN" },
	{ STEP_CREATE_ACCESS, ENOTTY, "the fdbox module is older than this command: it cannot give box '%B' an owner, group, mode or byte limit (create it without them)" },
	{ STEP_CREATE_ACCESS, EINVAL, "'%B' is not a valid box name, or the owner, group or mode is not valid here" },

	/* FDBOX_DELETE_BOX */
	{ STEP_DELETE, EINVAL, "'%B' is not a valid box name: " NAME_RULES ", not 'fdbox'" },
	{ STEP_DELETE, ENOENT, "no box named '%B' (see 'fdbox list')" },
	{ STEP_DELETE, EBUSY, SEALED },
	{ STEP_DELETE, ENOTTY, "/dev/fdbox/fdbox does not know how to delete a box; is it the FDBox control device?" },
	{ STEP_DELETE, EFAULT, BUG },
	{ STEP_DELETE, EACCES, "no permission on /dev/fdbox/fdbox (deleting boxes needs root)" },
	{ STEP_DELETE, EPERM, "no permission on /dev/fdbox/fdbox (deleting boxes needs root)" },

	/* FDBOX_PUT_FD */
	{ STEP_PUT, EINVAL, "'%N' is not a valid fd name: " NAME_RULES },
	{ STEP_PUT, EEXIST, "box '%B' already holds an fd named '%N'; choose another name or get that one out first" },
	{ STEP_PUT, ENOENT, "box '%B' was deleted" },
	{ STEP_PUT, EBADF, "file descriptor %F is not open" },
	{ STEP_PUT, EOPNOTSUPP, "FDBox cannot hold this kind of file; memfds (memfd_create(2)) and eventfds (eventfd(2)) can be put into a box" },
	{ STEP_PUT, EBUSY, SEALED },
	{ STEP_PUT, EMFILE, "box '%B' is full: it holds the maximum number of fds (module parameter max_fds_per_box)" },
	{ STEP_PUT, ENOSPC, "FDBox holds the maximum number of bytes (module parameter max_bytes); get or delete something first" },
	{ STEP_PUT, ENOMEM, NOMEM },
	{ STEP_PUT, ENOTTY, "/dev/fdbox/%B does not know how to put an fd; is it an FDBox box device?" },
	{ STEP_PUT, EFAULT, BUG },
	{ STEP_PUT, EACCES, "no permission on /dev/fdbox/%B" },

	/* FDBOX_GET_FD */
	{ STEP_GET, EINVAL, "'%N' is not a valid fd name: " NAME_RULES },
	{ STEP_GET, ENOENT, "box '%B' holds no fd named '%N' (see 'fdbox list %B')" },
	{ STEP_GET, EBUSY, SEALED },
	{ STEP_GET, EMFILE, "fdbox has too many open files to take the fd (see ulimit -n)" },
	{ STEP_GET, ENOMEM, NOMEM },
	{ STEP_GET, ENOTTY, "/dev/fdbox/%B does not know how to get an fd; is it an FDBox box device?" },
	{ STEP_GET, EFAULT, BUG },
	{ STEP_GET, EACCES, "no permission on /dev/fdbox/%B" },

	/* FDBOX_SEAL */
	{ STEP_SEAL, EINVAL, "box '%B' is sealed already" },
	{ STEP_SEAL, ENOENT, "box '%B' was deleted" },
	{ STEP_SEAL, EBUSY, "box '%B' cannot be sealed now: an fd in it is sealed in another box or preserved by the kernel's live update, or a reboot has begun (see dmesg); the box stays open" },
	{ STEP_SEAL, EMFILE, "box '%B' holds more fds than the next kernel can take back in one box (see dmesg); move some to another box; the box stays open" },
	{ STEP_SEAL, EFBIG, "a memfd in box '%B' is larger than a handover can describe (see dmesg); the box stays open" },
	{ STEP_SEAL, EOPNOTSUPP, "an fd in box '%B' is of a type that can be held but not handed over, or KHO is off (see dmesg); the box stays open" },
	{ STEP_SEAL, EXDEV, "an fd in box '%B' depends on an object that is not in the box, or on itself (see dmesg); put what it needs into the same box; the box stays open" },
	{ STEP_SEAL, ELOOP, "fds in box '%B' depend on each other in a circle, or in a chain deeper than the next kernel restores (see dmesg); the box stays open" },
	{ STEP_SEAL, E2BIG, "an fd in box '%B' depends on more fds of the box than can be handed over (see dmesg); the box stays open" },
	{ STEP_SEAL, ENOMEM, "not enough memory to seal box '%B'; the box stays open" },
	{ STEP_SEAL, ENOSPC, "box '%B' cannot be sealed: no room is left to record it for handover, or its files have grown past max_bytes (module parameter) since they were put; the box stays open" },
	{ STEP_SEAL, ENOTTY, "/dev/fdbox/%B does not know how to seal; is it an FDBox box device?" },
	{ STEP_SEAL, EFAULT, BUG },
	{ STEP_SEAL, EACCES, "no permission on /dev/fdbox/%B" },

	/* FDBOX_UNSEAL */
	{ STEP_UNSEAL, EINVAL, "box '%B' is not sealed, or the handed-over data of an fd in it is damaged (see dmesg): 'fdbox get' takes out the fds restored, 'fdbox delete' drops the rest" },
	{ STEP_UNSEAL, EBUSY, "a reboot has begun: box '%B' stays as it is" },
	{ STEP_UNSEAL, ENOENT, "box '%B' was deleted" },
	{ STEP_UNSEAL, EOPNOTSUPP, "an fd of box '%B' cannot be restored from the previous kernel (see dmesg); the box stays sealed and nothing was lost" },
	{ STEP_UNSEAL, ENOPKG, "an fd of box '%B' is of a file type whose kernel module is not loaded, or that this kernel cannot restore (see dmesg for the type): load the module and unseal again; meanwhile 'fdbox get' takes out the fds restored, 'fdbox delete' drops the rest" },
	{ STEP_UNSEAL, ENOMEM, "not enough memory to restore box '%B'; the box stays sealed and nothing was lost" },
	{ STEP_UNSEAL, EIO, "an fd of box '%B' could not be restored from the previous kernel, its data is damaged (see dmesg): 'fdbox get' takes out the fds restored, 'fdbox delete' drops the rest" },
	{ STEP_UNSEAL, ENOTTY, "/dev/fdbox/%B does not know how to unseal; is it an FDBox box device?" },
	{ STEP_UNSEAL, EFAULT, BUG },
	{ STEP_UNSEAL, EACCES, "no permission on /dev/fdbox/%B" },

	/* FDBOX_LIST */
	{ STEP_LIST, ENOTTY, "the fdbox module cannot list boxes (no FDBOX_LIST): it is older than this fdbox command" },
	{ STEP_LIST, EINVAL, "the fdbox module does not understand this listing request: module and fdbox command do not match" },
	{ STEP_LIST, ENOENT, "box '%B' was deleted" },
	{ STEP_LIST, EAGAIN, "boxes kept changing while listing them; try again" },
	{ STEP_LIST, ENOMEM, NOMEM },
	{ STEP_LIST, EFAULT, BUG },
	{ STEP_LIST, EACCES, "no permission to list boxes" },

	/* reading a file */
	{ STEP_READ_FILE, ENOENT, "file '%P' does not exist" },
	{ STEP_READ_FILE, ENOTDIR, "file '%P' does not exist (a component of the path is not a directory)" },
	{ STEP_READ_FILE, EACCES, "no permission to read '%P'" },
	{ STEP_READ_FILE, EPERM, "no permission to read '%P'" },
	{ STEP_READ_FILE, EISDIR, "'%P' is a directory, not a file" },
	{ STEP_READ_FILE, ENOSPC, "not enough memory for a memfd holding '%P'" },
	{ STEP_READ_FILE, ENOMEM, "not enough memory for a memfd holding '%P'" },
	{ STEP_READ_FILE, EFBIG, "'%P' is too large for a memfd" },
	{ STEP_READ_FILE, EIO, "I/O error reading '%P'" },
	{ STEP_READ_FILE, ECANCELED, "interrupted while reading '%P'" },
	{ STEP_READ_FILE, EINTR, "interrupted while reading '%P'" },
	{ STEP_READ_FILE, EMFILE, "fdbox has too many open files (see ulimit -n)" },

	/* writing a file */
	{ STEP_WRITE_FILE, ENOSPC, "no space left on the file system of '%P'" },
	{ STEP_WRITE_FILE, EDQUOT, "disk quota exceeded writing '%P'" },
	{ STEP_WRITE_FILE, EFBIG, "'%P' would be too large for its file system" },
	{ STEP_WRITE_FILE, ENOENT, "cannot create '%P': its directory does not exist" },
	{ STEP_WRITE_FILE, ENOTDIR, "cannot create '%P': a component of the path is not a directory" },
	{ STEP_WRITE_FILE, EACCES, "no permission to write '%P'" },
	{ STEP_WRITE_FILE, EPERM, "no permission to write '%P'" },
	{ STEP_WRITE_FILE, EROFS, "'%P' is on a read-only file system" },
	{ STEP_WRITE_FILE, EISDIR, "'%P' is a directory, not a file" },
	{ STEP_WRITE_FILE, ETXTBSY, "'%P' is a program being run" },
	{ STEP_WRITE_FILE, EIO, "I/O error writing '%P'" },
	{ STEP_WRITE_FILE, ECANCELED, "interrupted while writing '%P'" },
	{ STEP_WRITE_FILE, EINTR, "interrupted before '%P' was written" },
	{ STEP_WRITE_FILE, EPIPE, "'%P' is a pipe nobody reads" },

	/* execvp() */
	{ STEP_EXEC, ENOENT, "command '%P' not found" },
	{ STEP_EXEC, EACCES, "no permission to run '%P'" },
	{ STEP_EXEC, ENOEXEC, "'%P' is not an executable this system can run" },
	{ STEP_EXEC, E2BIG, "the arguments and environment of '%P' are too long" },
	{ STEP_EXEC, ETXTBSY, "'%P' is open for writing and cannot be run" },
	{ STEP_EXEC, EINTR, "interrupted before '%P' could run" },

	/* kexec_file_load() */
	{ STEP_KEXEC_LOAD, EPERM, "loading a kernel needs root (CAP_SYS_BOOT), and kexec must not be disabled (sysctl kernel.kexec_load_disabled)" },
	{ STEP_KEXEC_LOAD, ENOEXEC, "'%P' is not a kernel image this kernel can boot" },
	{ STEP_KEXEC_LOAD, EKEYREJECTED, "the signature of '%P' was rejected" },
	{ STEP_KEXEC_LOAD, EBADMSG, "the signature of '%P' is missing or malformed" },
	{ STEP_KEXEC_LOAD, ENOSYS, "this kernel cannot load kernels with kexec_file_load (CONFIG_KEXEC_FILE)" },
	{ STEP_KEXEC_LOAD, EBUSY, "another kexec load is in progress" },
	{ STEP_KEXEC_LOAD, ENOMEM, "not enough memory to load '%P'" },
	{ STEP_KEXEC_LOAD, EINVAL, "the kernel refused the image, initrd or command line of '%P'" },
	{ STEP_KEXEC_LOAD, E2BIG, "the kernel command line is too long" },

	/* reboot(LINUX_REBOOT_CMD_KEXEC) */
	{ STEP_REBOOT, EPERM, "rebooting needs root (CAP_SYS_BOOT)" },
	{ STEP_REBOOT, EINVAL, "no kernel is loaded for kexec" },
};

/* Generic message of each step, for errnos without one of their own. */
static const char *const fallback[STEP__MAX] = {
	[STEP_CONTROL] = "cannot open /dev/fdbox/fdbox: %E",
	[STEP_OPEN_BOX] = "cannot open /dev/fdbox/%B: %E",
	[STEP_CREATE] = "cannot create box '%B': %E",
	[STEP_CREATE_ACCESS] = "cannot create box '%B': %E",
	[STEP_DELETE] = "cannot delete box '%B': %E",
	[STEP_PUT] = "cannot put fd '%N' into box '%B': %E",
	[STEP_GET] = "cannot get fd '%N' from box '%B': %E",
	[STEP_SEAL] = "cannot seal box '%B': %E; the box stays open (see dmesg)",
	[STEP_UNSEAL] = "cannot unseal box '%B': %E; the box stays sealed and nothing was lost (see dmesg)",
	[STEP_LIST] = "cannot list boxes: %E",
	[STEP_READ_FILE] = "cannot read '%P': %E",
	[STEP_WRITE_FILE] = "cannot write '%P': %E",
	[STEP_EXEC] = "cannot run '%P': %E",
	[STEP_KEXEC_LOAD] = "cannot load kernel '%P': %E",
	[STEP_REBOOT] = "cannot reboot into the loaded kernel: %E",
};

static const struct errmsg *lookup(enum fdbox_step step, int err)
{
	size_t i;

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].step == step && messages[i].err == err)
			return &messages[i];
	/* Creating a box with owner, group or mode fails as creating one. */
	if (step == STEP_CREATE_ACCESS)
		return lookup(STEP_CREATE, err);
	return NULL;
}

bool fdbox_error_known(enum fdbox_step step, int err)
{
	return lookup(step, abs(err)) != NULL;
}

/* Append @s to @buf (size @size, length *@len), truncating. */
static void append(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = 0;
}

const char *fdbox_error_message(char *buf, size_t size, enum fdbox_step step,
				int err, const struct fdbox_err_ctx *ctx)
{
	static const struct fdbox_err_ctx none = { .fd = -1 };
	const struct errmsg *m;
	const char *t;
	size_t len = 0;
	char num[24];

	if (!size)
		return buf;
	buf[0] = 0;
	if (!ctx)
		ctx = &none;
	err = abs(err);
	m = step < STEP__MAX ? lookup(step, err) : NULL;
	t = m ? m->text : step < STEP__MAX ? fallback[step] : "%E";
	for (; *t; t++) {
		char c[2] = { *t, 0 };

		if (*t != '%' || !t[1]) {
			append(buf, size, &len, c);
			continue;
		}
		switch (*++t) {
		case 'B':
			append(buf, size, &len, ctx->box ? ctx->box : "?");
			break;
		case 'N':
			append(buf, size, &len, ctx->name ? ctx->name : "?");
			break;
		case 'P':
			append(buf, size, &len, ctx->path ? ctx->path : "?");
			break;
		case 'F':
			snprintf(num, sizeof(num), "%d", ctx->fd);
			append(buf, size, &len, num);
			break;
		case 'E':
			append(buf, size, &len, strerror(err));
			break;
		default:
			c[0] = *t;
			append(buf, size, &len, c);
			break;
		}
	}
	return buf;
}
