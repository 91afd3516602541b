// SPDX-License-Identifier: GPL-2.0
/*
 * fdbox's error messages: every row of the errno table of DESIGN.md
 * section 2, for every operation it applies to, has a message of its own
 * that says what it means there (and names the box, fd or file). Also the
 * file, exec and kexec errors, the generic fallback, and the progress line.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "tap.h"

struct row {
	enum fdbox_step step;
	int err;
	const char *want;	/* the message must contain this */
};

static const char *const step_names[STEP__MAX] = {
	[STEP_CONTROL] = "open control", [STEP_OPEN_BOX] = "open box",
	[STEP_CREATE] = "create", [STEP_CREATE_ACCESS] = "create with access",
	[STEP_DELETE] = "delete", [STEP_PUT] = "put",
	[STEP_GET] = "get", [STEP_SEAL] = "seal", [STEP_UNSEAL] = "unseal",
	[STEP_LIST] = "list", [STEP_READ_FILE] = "read file",
	[STEP_WRITE_FILE] = "write file", [STEP_EXEC] = "exec",
	[STEP_KEXEC_LOAD] = "kexec load", [STEP_REBOOT] = "reboot",
};

static const struct row rows[] = {
	/* EINVAL: bad name, SEAL of a sealed box, UNSEAL of an unsealed one */
	{ STEP_CREATE, EINVAL, "'vm1' is not a valid box name" },
	{ STEP_DELETE, EINVAL, "'vm1' is not a valid box name" },
	{ STEP_OPEN_BOX, EINVAL, "'vm1' is not a valid box name" },
	{ STEP_PUT, EINVAL, "'ram' is not a valid fd name" },
	{ STEP_GET, EINVAL, "'ram' is not a valid fd name" },
	{ STEP_SEAL, EINVAL, "box 'vm1' is sealed already" },
	{ STEP_UNSEAL, EINVAL, "box 'vm1' is not sealed" },
	/* EEXIST: name already used */
	{ STEP_CREATE, EEXIST, "a box named 'vm1' exists already" },
	/* create --owner: its own errors, else those of create */
	{ STEP_CREATE_ACCESS, EPERM, "owner, group or mode of box 'vm1' needs CAP_CHOWN" },
	{ STEP_CREATE_ACCESS, ENOTTY, "module is older than this command" },
	{ STEP_CREATE_ACCESS, EEXIST, "a box named 'vm1' exists already" },
	{ STEP_PUT, EEXIST, "box 'vm1' already holds an fd named 'ram'" },
	/* ENOENT: no such box / no such fd / module not loaded */
	{ STEP_CONTROL, ENOENT, "load the module first" },
	{ STEP_OPEN_BOX, ENOENT, "no box named 'vm1'" },
	{ STEP_DELETE, ENOENT, "no box named 'vm1'" },
	{ STEP_GET, ENOENT, "box 'vm1' holds no fd named 'ram'" },
	{ STEP_PUT, ENOENT, "box 'vm1' was deleted" },
	{ STEP_SEAL, ENOENT, "box 'vm1' was deleted" },
	{ STEP_UNSEAL, ENOENT, "box 'vm1' was deleted" },
	{ STEP_LIST, ENOENT, "box 'vm1' was deleted" },
	/* EBADF: fd not open */
	{ STEP_PUT, EBADF, "file descriptor 7 is not open" },
	/* EOPNOTSUPP: no handler for the file type */
	{ STEP_PUT, EOPNOTSUPP, "memfds (memfd_create(2)) and eventfds (eventfd(2)) can be put" },
	{ STEP_SEAL, EOPNOTSUPP, "can be held but not handed over" },
	{ STEP_UNSEAL, EOPNOTSUPP, "nothing was lost" },
	{ STEP_UNSEAL, ENOPKG, "kernel module is not loaded, or that this kernel cannot restore (see dmesg for the type): load the module and unseal again" },
	{ STEP_SEAL, EXDEV, "depends on an object that is not in the box" },
	{ STEP_SEAL, ELOOP, "depend on each other in a circle" },
	/* EBUSY: PUT/GET/DELETE on a sealed box */
	{ STEP_PUT, EBUSY, "box 'vm1' is sealed; unseal it first" },
	{ STEP_GET, EBUSY, "box 'vm1' is sealed; unseal it first" },
	{ STEP_DELETE, EBUSY, "box 'vm1' is sealed; unseal it first" },
	/* SEAL refuses what the next kernel could not take back */
	/* EBUSY at SEAL: a memfd with another owner, or a reboot under way */
	{ STEP_SEAL, EBUSY, "preserved by the kernel's live update" },
	{ STEP_SEAL, EMFILE, "more fds than the next kernel can take back" },
	{ STEP_SEAL, EFBIG, "larger than a handover can describe" },
	/* after a reboot began nothing changes */
	{ STEP_UNSEAL, EBUSY, "a reboot has begun" },
	/* ENOTTY: ioctl not meant for this device */
	{ STEP_CREATE, ENOTTY, "/dev/fdbox/fdbox does not know how to create" },
	{ STEP_DELETE, ENOTTY, "/dev/fdbox/fdbox does not know how to delete" },
	{ STEP_PUT, ENOTTY, "/dev/fdbox/vm1 does not know how to put" },
	{ STEP_GET, ENOTTY, "/dev/fdbox/vm1 does not know how to get" },
	{ STEP_SEAL, ENOTTY, "/dev/fdbox/vm1 does not know how to seal" },
	{ STEP_UNSEAL, ENOTTY, "/dev/fdbox/vm1 does not know how to unseal" },
	{ STEP_LIST, ENOTTY, "cannot list boxes (no FDBOX_LIST)" },
	/* EFAULT: bad user pointer: a bug of the caller */
	{ STEP_CREATE, EFAULT, "bug in fdbox" },
	{ STEP_DELETE, EFAULT, "bug in fdbox" },
	{ STEP_PUT, EFAULT, "bug in fdbox" },
	{ STEP_GET, EFAULT, "bug in fdbox" },
	{ STEP_SEAL, EFAULT, "bug in fdbox" },
	{ STEP_UNSEAL, EFAULT, "bug in fdbox" },
	{ STEP_LIST, EFAULT, "bug in fdbox" },
	/* ENOSPC / EMFILE: configured limits */
	{ STEP_CREATE, ENOSPC, "max_boxes" },
	{ STEP_PUT, ENOSPC, "max_bytes" },
	{ STEP_SEAL, ENOSPC, "grown past max_bytes" },
	{ STEP_PUT, EMFILE, "box 'vm1' is full" },
	{ STEP_PUT, EMFILE, "max_fds_per_box" },
	{ STEP_GET, EMFILE, "too many open files" },
	/* EACCES: no permission on the node */
	{ STEP_CONTROL, EACCES, "no permission on /dev/fdbox/fdbox" },
	{ STEP_OPEN_BOX, EACCES, "no permission on /dev/fdbox/vm1" },
	{ STEP_CONTROL, EPERM, "no permission on /dev/fdbox/fdbox" },
	{ STEP_OPEN_BOX, EPERM, "no permission on /dev/fdbox/vm1" },

	/* files, exec, kexec */
	{ STEP_READ_FILE, ENOENT, "file '/x/y' does not exist" },
	{ STEP_READ_FILE, EACCES, "no permission to read '/x/y'" },
	{ STEP_READ_FILE, EISDIR, "'/x/y' is a directory" },
	{ STEP_WRITE_FILE, ENOSPC, "no space left on the file system of '/x/y'" },
	{ STEP_WRITE_FILE, EACCES, "no permission to write '/x/y'" },
	{ STEP_WRITE_FILE, EROFS, "read-only file system" },
	{ STEP_WRITE_FILE, ENOENT, "its directory does not exist" },
	{ STEP_EXEC, ENOENT, "command '/x/y' not found" },
	{ STEP_KEXEC_LOAD, EPERM, "needs root" },
	{ STEP_KEXEC_LOAD, ENOEXEC, "'/x/y' is not a kernel image" },
	{ STEP_REBOOT, EPERM, "rebooting needs root" },
};

int main(void)
{
	struct fdbox_err_ctx ctx = { "vm1", "ram", "/x/y", 7 };
	char buf[512], small[16];
	int step;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		ok(fdbox_error_known(r->step, r->err), "%s %s has its own message",
		   step_names[r->step], strerrorname_np(r->err));
		has_str(fdbox_error_message(buf, sizeof(buf), r->step, r->err, &ctx),
			r->want, "%s %s: %s", step_names[r->step],
			strerrorname_np(r->err), r->want);
	}

	/* A negative errno means the same as a positive one. */
	is_str(fdbox_error_message(buf, sizeof(buf), STEP_PUT, -EBUSY, &ctx),
	       "box 'vm1' is sealed; unseal it first (or a reboot has begun)",
	       "-EBUSY is EBUSY");

	/* Without a message of its own: the step's words and strerror. */
	ok(!fdbox_error_known(STEP_SEAL, EHWPOISON), "seal EHWPOISON has no message of its own");
	has_str(fdbox_error_message(buf, sizeof(buf), STEP_SEAL, EHWPOISON, &ctx),
		"cannot seal box 'vm1': ", "fallback names the operation and box");
	has_str(buf, strerror(EHWPOISON), "fallback gives strerror");
	for (step = 0; step < STEP__MAX; step++) {
		fdbox_error_message(buf, sizeof(buf), (enum fdbox_step)step, ENOKEY, &ctx);
		ok(strstr(buf, strerror(ENOKEY)) && !strchr(buf, '%'),
		   "fallback of step %s is complete: %s", step_names[step], buf);
	}

	/* Truncation is safe; missing context shows as '?'. */
	fdbox_error_message(small, sizeof(small), STEP_PUT, EBUSY, &ctx);
	is_int((long long)strlen(small), (long long)sizeof(small) - 1, "message truncated to the buffer");
	has_str(fdbox_error_message(buf, sizeof(buf), STEP_GET, ENOENT, NULL),
		"box '?' holds no fd named '?'", "no context: '?'");

	/* No message anywhere ends with a newline or has a stray %. */
	for (step = 0; step < STEP__MAX; step++) {
		static const int errs[] = { EINVAL, EEXIST, ENOENT, EBADF, EOPNOTSUPP,
			EBUSY, ENOTTY, EFAULT, ENOSPC, EMFILE, EACCES, EPERM, ENOMEM, EIO };
		bool clean = true;

		for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
			fdbox_error_message(buf, sizeof(buf), (enum fdbox_step)step, errs[i], &ctx);
			if (!*buf || strchr(buf, '\n') || strchr(buf, '%'))
				clean = false;
		}
		ok(clean, "messages of step %s are one clean line", step_names[step]);
	}

	/* Sizes and the progress line. */
	is_str(fdbox_format_size(buf, sizeof(buf), 17), "17 B", "17 bytes");
	is_str(fdbox_format_size(buf, sizeof(buf), 1536), "1.5 KiB", "1.5 KiB");
	is_str(fdbox_format_size(buf, sizeof(buf), 256ull << 20), "256.0 MiB", "256 MiB");
	is_str(fdbox_format_size(buf, sizeof(buf), 3ull << 40), "3.0 TiB", "3 TiB");
	is_str(fdbox_progress_line(buf, sizeof(buf), "put vm1/ram", 512ull << 20,
				   1ull << 30, 2000000000ll),
	       "put vm1/ram [############............]  50% 512.0 MiB of 1.0 GiB, 256.0 MiB/s",
	       "progress line at 50%%");
	is_str(fdbox_progress_line(buf, sizeof(buf), "put vm1/ram", 2ull << 30,
				   1ull << 30, 1000000000ll),
	       "put vm1/ram [########################] 100% 1.0 GiB of 1.0 GiB, 2.0 GiB/s",
	       "progress line clamps at 100%%");
	is_str(fdbox_progress_line(buf, sizeof(buf), "put vm1/ram", 300ull << 20,
				   0, 0),
	       "put vm1/ram 300.0 MiB 0 B/s", "progress line of unknown size");
	return tap_done();
}
