/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfdbox: hand named file descriptors to the kernel's FDBox and take
 * them back, in the same kernel or after a kexec.
 *
 * Conventions, for every function here:
 * - returns 0 (or a file descriptor, or a value >= 0) on success and a
 *   negative errno on failure, exactly the errno the kernel gave where a
 *   system call failed (see fdbox(4) for what each one means);
 * - errno itself is left as the calls inside happened to leave it, and is
 *   not part of the interface;
 * - nothing is printed, nothing global is kept: every function may be
 *   called from any thread;
 * - file descriptors returned are O_CLOEXEC; the caller closes them.
 *
 * Constants and the structures of the device ABI come from <linux/fdbox.h>,
 * which is installed as <fdbox/linux/fdbox.h> so as not to collide with
 * the kernel headers of the distribution (pkg-config's Cflags find it as
 * <linux/fdbox.h>; without them the installed copy is used).
 */
#ifndef LIBFDBOX_FDBOX_H
#define LIBFDBOX_FDBOX_H

#include <stdint.h>
#include <sys/types.h>
#if defined(__has_include) && !__has_include(<linux/fdbox.h>)
#include <fdbox/linux/fdbox.h>
#else
#include <linux/fdbox.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Directory of the device nodes, and the control device. */
#define FDBOX_DEV_DIR		"/dev/fdbox"
#define FDBOX_CONTROL_PATH	"/dev/fdbox/fdbox"

/* ---- names --------------------------------------------------------- */

/*
 * fdbox_name_check - is @name a valid fd name?
 * Mirrors the kernel: 1..255 bytes of [A-Za-z0-9._-], not "." nor "..".
 * Returns 0 if valid, -EINVAL otherwise (also for NULL).
 */
int fdbox_name_check(const char *name);

/*
 * fdbox_box_name_check - is @name a valid box name?
 * Like fdbox_name_check(), and "fdbox" (the control device) is refused.
 * Returns 0 if valid, -EINVAL otherwise.
 */
int fdbox_box_name_check(const char *name);

/*
 * fdbox_name_problem - why is @name not a valid name?
 * @is_box: non-zero to check against the box name rules.
 * Returns NULL if @name is valid, else a constant English phrase that
 * completes "name '...' " (e.g. "is empty", "contains a character other
 * than A-Z a-z 0-9 . _ -").
 */
const char *fdbox_name_problem(const char *name, int is_box);

/* ---- boxes (control device) ------------------------------------------- */

/*
 * fdbox_control_open - open the control device /dev/fdbox/fdbox.
 * Returns the fd, or -ENOENT (module not loaded), -EACCES, ...
 */
int fdbox_control_open(void);

/*
 * fdbox_box_create - create the box @box (FDBOX_CREATE_BOX).
 * Returns 0, or the errors of fdbox_control_open(), -EINVAL (bad name),
 * -EEXIST, -ENOSPC (max_boxes reached), ...
 */
int fdbox_box_create(const char *box);

/* What fdbox_box_create2() gives a new box, besides its name. */
struct fdbox_create_options {
	size_t size;		/* sizeof(struct fdbox_create_options) */
	int set_access;		/* nonzero: @uid, @gid and @mode are given */
	uid_t uid;		/* owner of the node /dev/fdbox/BOX */
	gid_t gid;		/* its group */
	mode_t mode;		/* its permission bits, at most 0777 */
	uint64_t max_bytes;	/* most bytes the box may hold; 0: no limit */
};

/*
 * fdbox_box_create2 - create the box @box with the owner, group and mode
 * of its node and its own byte limit from @opts (FDBOX_CREATE_BOX2); the
 * box keeps them across kexec. Without @opts->set_access the node is
 * 0600 root; setting them needs CAP_CHOWN.
 * Returns 0, the errors of fdbox_box_create(), -EINVAL (also for an id of
 * -1 or a mode beyond 0777), -EPERM (no CAP_CHOWN), or -ENOTTY (a module
 * older than FDBOX_CREATE_BOX2).
 */
int fdbox_box_create2(const char *box, const struct fdbox_create_options *opts);

/*
 * fdbox_box_delete - delete the box @box and drop every fd it holds
 * (FDBOX_DELETE_BOX).
 * Returns 0, or the errors of fdbox_control_open(), -EINVAL, -ENOENT,
 * -EBUSY (the box is sealed), ...
 */
int fdbox_box_delete(const char *box);

/* ---- one box (box device) --------------------------------------------- */

/*
 * fdbox_box_open - open the device node of @box, /dev/fdbox/<box>.
 * Returns the fd, or -EINVAL (bad name), -ENOENT (no such box, or no
 * module), -EACCES (no permission on the node), ...
 */
int fdbox_box_open(const char *box);

/*
 * fdbox_fd_put - move @fd into the box open as @boxfd under @name
 * (FDBOX_PUT_FD). On success @fd is no longer open in the caller.
 * Returns 0, or -EINVAL, -EEXIST, -EBADF, -EOPNOTSUPP (not a memfd),
 * -EBUSY (sealed), -EMFILE, -ENOSPC, -ENOENT (box deleted), ...
 */
int fdbox_fd_put(int boxfd, const char *name, int fd);

/*
 * fdbox_fd_get - take the fd called @name out of the box open as @boxfd
 * (FDBOX_GET_FD).
 * Returns the new fd (O_CLOEXEC), or -EINVAL, -ENOENT (no such fd),
 * -EBUSY (sealed), -EMFILE (caller's fd table full), ...
 */
int fdbox_fd_get(int boxfd, const char *name);

/*
 * fdbox_fd_dup - a new descriptor of the file of the fd called @name, which
 * stays in the box open as @boxfd (FDBOX_GET_FD with FDBOX_GET_FD_KEEP; a
 * second reference to the same open file, as dup(2)).
 * Returns the new fd (O_CLOEXEC), or the errors of fdbox_fd_get(), or
 * -EINVAL from a module older than FDBOX_GET_FD_KEEP.
 */
int fdbox_fd_dup(int boxfd, const char *name);

/*
 * fdbox_box_seal - seal the box open as @boxfd (FDBOX_SEAL): it is then
 * handed to the next kernel on kexec and accepts no PUT/GET/DELETE.
 * Returns 0, or -EINVAL (sealed already), or the error of the handler
 * that could not seal an fd (the box then stays open).
 */
int fdbox_box_seal(int boxfd);

/*
 * fdbox_box_unseal - unseal the box open as @boxfd (FDBOX_UNSEAL); after a
 * kexec this restores every fd the previous kernel handed over.
 * Returns 0, or -EINVAL (not sealed), or the error of a failed restore
 * (the box then stays sealed and nothing is lost).
 */
int fdbox_box_unseal(int boxfd);

/* ---- listing ----------------------------------------------------------- */

/*
 * A consistent snapshot of boxes and their fds. The fds of boxes[i] are
 * fds[boxes[i].fd_index] .. fds[boxes[i].fd_index + boxes[i].nr_fds - 1].
 */
struct fdbox_snapshot {
	uint32_t nr_boxes;
	uint32_t nr_fds;
	struct fdbox_box_info *boxes;
	struct fdbox_fd_info *fds;
	uint64_t unclaimed_bytes;	/* handed over, claimed by no box */
};

/*
 * fdbox_snapshot_take - list boxes and fds (FDBOX_LIST).
 * @devfd: the control device (every box) or a box device (that box only),
 *         or -1 to open the control device.
 * @ret: set to a snapshot to release with fdbox_snapshot_free().
 * If boxes or fds are added while listing, the listing is retried with
 * more room. Returns 0, or -ENOTTY (module without FDBOX_LIST), -ENOENT
 * (box deleted), -ENOMEM, -EAGAIN (kept changing), ...
 */
int fdbox_snapshot_take(int devfd, struct fdbox_snapshot **ret);

/* fdbox_snapshot_free - release a snapshot; NULL is ignored. */
void fdbox_snapshot_free(struct fdbox_snapshot *snap);

/*
 * fdbox_snapshot_find_box - the entry of the box called @box in @snap,
 * or NULL if there is none.
 */
const struct fdbox_box_info *
fdbox_snapshot_find_box(const struct fdbox_snapshot *snap, const char *box);

/* fdbox_state_name - "open", "sealed", "restored" or "unknown". */
const char *fdbox_state_name(uint32_t state);

/* fdbox_fd_type_name - "memfd" or "unknown". */
const char *fdbox_fd_type_name(uint32_t type);

/* ---- files and memfds -------------------------------------------------- */

/*
 * Progress of a copy: @done of @total bytes (@total is 0 when unknown).
 * Called after every chunk; return non-zero to stop the copy, which then
 * fails with -ECANCELED.
 */
typedef int (*fdbox_progress_fn)(uint64_t done, uint64_t total,
				 void *userdata);

/*
 * fdbox_memfd_from_file - a new memfd with the contents of the file @path.
 * @memfd_name: name given to memfd_create(2) (shown in /proc/PID/fd),
 *              truncated to what memfd_create accepts.
 * @progress, @userdata: optional progress callback (may be NULL).
 * Copies in large chunks inside the kernel (copy_file_range, sendfile),
 * falling back to read/write; holes of the file stay holes. The memfd is
 * created with MFD_ALLOW_SEALING and its offset is left at 0.
 * Returns the memfd (O_CLOEXEC), or the error of open/read (-ENOENT,
 * -EACCES, -EISDIR, ...), -ENOSPC/-ENOMEM (no memory for the copy),
 * -ECANCELED (stopped by @progress).
 */
int fdbox_memfd_from_file(const char *path, const char *memfd_name,
			  fdbox_progress_fn progress, void *userdata);

/*
 * fdbox_put_file - put a memfd made from the file @path into the box open
 * as @boxfd under @name: fdbox_memfd_from_file() then fdbox_fd_put().
 * Returns 0 or the error of either step; on error nothing was put.
 */
int fdbox_put_file(int boxfd, const char *name, const char *path,
		   fdbox_progress_fn progress, void *userdata);

/*
 * fdbox_memfd_to_file - write the contents of @fd (a memfd, or any
 * readable file) to the file @path, created (mode 0666 & ~umask) or
 * truncated. Streams in large chunks, keeps holes, and syncs the file
 * before returning. @fd's offset is not changed.
 * On failure @fd is untouched and still the caller's (put it back into its
 * box), and a file this call created is removed again.
 * Returns 0, or -ENOSPC, -EDQUOT, -EACCES, -EROFS, -EISDIR, -ENOENT, -EIO,
 * -ECANCELED, ...
 */
int fdbox_memfd_to_file(int fd, const char *path,
			fdbox_progress_fn progress, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* LIBFDBOX_FDBOX_H */
