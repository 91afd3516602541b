// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: fds that depend on other fds of their box.
 */

/**
 * DOC: dependencies
 *
 * An object may need another one to exist first: a device bound to an
 * IOMMU context, a guest memory file to its VM. When both are in the same
 * box, the handler of the dependent fd names the other one in its seal
 * hook with fdbox_seal_depend() (by the object it holds: a file, or what
 * the identity hook of that file's handler returns) and records its name
 * in its own payload; in the next kernel its restore hook asks
 * fdbox_restore_depend() for the file of that name, which restores it
 * first if the box's order had not come to it yet. So the fds of a box
 * are restored in any order their dependencies need, without FDBox knowing
 * what they mean.
 *
 * SEAL refuses a box the next kernel could not restore: an fd that depends
 * on an object no fd of its box stands for (%-EXDEV), on itself, on more
 * than %FDBOX_FD_DEPS fds (%-E2BIG), or dependencies that go round in a
 * circle or nest deeper than %FDBOX_DEPEND_DEPTH (%-ELOOP); each with a
 * message. The next kernel takes nothing on trust either: a name that is
 * not in the box, a circle or a chain too deep makes the dependent fd
 * damaged (%-EIO); a dependency that is damaged makes it damaged too; one
 * whose type has no handler yet makes it wait (%-ENOPKG) like its
 * dependency.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include "fdbox.h"

/**
 * fdbox_seal_depend() - record that an fd being sealed needs another one
 * @fd: the fd whose seal hook is running
 * @object: what it needs: a file held in the same box, or the object the
 *          identity hook of such a file's handler returns
 *
 * The fd returned stays in the box, with the same name, for as long as
 * @fd is sealed; the handler records the name in its payload for
 * fdbox_restore_depend() in the next kernel. SEAL checks, once every seal
 * hook has run, that the dependencies of the box can be restored.
 *
 * Context: Process context, in a seal hook (box lock held).
 * Return: the fd of @fd's box standing for @object, or an ERR_PTR (and a
 * message) the seal hook should return:
 * * %-EXDEV - no fd of the box, or only @fd itself, stands for @object
 * * %-E2BIG - @fd depends on %FDBOX_FD_DEPS fds already
 */
const struct fdbox_fd *fdbox_seal_depend(struct fdbox_fd *fd,
					 const void *object)
{
	struct fdbox_box *box = fd->box;
	struct fdbox_fd *dep;

	lockdep_assert_held(&box->lock);
	dep = fdbox_sealed_find_in(box, object);
	if (!dep || dep == fd) {
		pr_warn_ratelimited("box '%s': fd '%s' (%s) depends on %s; the next kernel could not restore it\n",
				    box->name, fd->name, fd->handler->name,
				    dep ? "itself" : "an object no fd of the box holds");
		return ERR_PTR(-EXDEV);
	}
	if (fd->nr_deps == FDBOX_FD_DEPS) {
		pr_warn_ratelimited("box '%s': fd '%s' (%s) depends on more than %d fds\n",
				    box->name, fd->name, fd->handler->name, FDBOX_FD_DEPS);
		return ERR_PTR(-E2BIG);
	}
	fd->deps[fd->nr_deps++] = dep;
	return dep;
}
EXPORT_SYMBOL_GPL(fdbox_seal_depend);

#define FDBOX_DEPTH_UNKNOWN	U8_MAX
#define FDBOX_DEPTH_VISITING	(U8_MAX - 1)

/*
 * The most dependencies on a path from @fd, or -ELOOP for a circle or a
 * path longer than %FDBOX_DEPEND_DEPTH. @level: how deep the caller is, so
 * that the recursion stops at that depth whatever the dependencies are.
 */
static int fdbox_depend_depth(struct fdbox_fd *fd, unsigned int level)
{
	unsigned int i;
	int d, depth = 0;

	if (fd->depth == FDBOX_DEPTH_VISITING || level > FDBOX_DEPEND_DEPTH)
		return -ELOOP;
	if (fd->depth != FDBOX_DEPTH_UNKNOWN)
		return fd->depth;
	fd->depth = FDBOX_DEPTH_VISITING;
	for (i = 0; i < fd->nr_deps; i++) {
		d = fdbox_depend_depth(fd->deps[i], level + 1);
		if (d < 0)
			return d;
		depth = max(depth, d + 1);
	}
	if (depth > FDBOX_DEPEND_DEPTH)
		return -ELOOP;
	fd->depth = depth;
	return depth;
}

/**
 * fdbox_depend_check() - can the dependencies of a box be restored?
 * @box: a box whose seal hooks have all run
 *
 * Context: Process context. Box lock held.
 * Return: 0, or %-ELOOP (with a message) if dependencies of its fds go
 * round in a circle or nest deeper than %FDBOX_DEPEND_DEPTH.
 */
int fdbox_depend_check(struct fdbox_box *box)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	list_for_each_entry(fd, &box->fds, list)
		fd->depth = FDBOX_DEPTH_UNKNOWN;
	list_for_each_entry(fd, &box->fds, list) {
		if (fdbox_depend_depth(fd, 0) < 0) {
			pr_warn_ratelimited("box '%s': the fds fd '%s' depends on go round in a circle, or nest deeper than %d\n",
					    box->name, fd->name, FDBOX_DEPEND_DEPTH);
			return -ELOOP;
		}
	}
	return 0;
}

/**
 * fdbox_restore_depend() - the file of an fd a restored fd depends on
 * @fd: the fd whose restore hook is running
 * @name: the name of the fd it depends on, as recorded by its seal hook
 *        (untrusted, NUL-terminated)
 *
 * Restores that fd first if it has no file yet.
 *
 * Context: Process context, in a restore hook (box lock held).
 * Return: the file, held by the box: the caller takes its own reference
 * (get_file()) if it keeps it. Or an ERR_PTR the restore hook should
 * return as it is:
 * * %-EIO - no other fd of the box is called @name, dependencies go round
 *   in a circle or nest deeper than %FDBOX_DEPEND_DEPTH, or the data of
 *   the fd called @name is damaged
 * * %-ENOPKG - the type of the fd called @name, or of one it depends on,
 *   has no handler yet
 * * any other error of restoring the fd called @name (worth trying again)
 */
struct file *fdbox_restore_depend(struct fdbox_fd *fd, const char *name)
{
	struct fdbox_box *box = fd->box;
	struct fdbox_fd *dep;
	int err;

	lockdep_assert_held(&box->lock);
	dep = fdbox_box_find_fd(box, name);
	if (!dep || dep == fd) {
		pr_err_ratelimited("box '%s': fd '%s' (%s) depends on fd '%s', which %s\n",
				   box->name, fd->name, fd->handler->name, name,
				   dep ? "is itself" : "the box does not hold");
		return ERR_PTR(-EIO);
	}
	if (box->restore_depth >= FDBOX_DEPEND_DEPTH) {
		pr_err_ratelimited("box '%s': fd '%s' (%s) depends on fds nested deeper than %d\n",
				   box->name, fd->name, fd->handler->name,
				   FDBOX_DEPEND_DEPTH);
		return ERR_PTR(-EIO);
	}
	box->restore_depth++;
	err = fdbox_fd_restore(box, dep);
	box->restore_depth--;
	switch (err) {
	case 0:
		return dep->file;
	case -ELOOP:
		pr_err_ratelimited("box '%s': fd '%s' (%s) depends on fd '%s', which depends on it in turn\n",
				   box->name, fd->name, fd->handler->name, dep->name);
		return ERR_PTR(-EIO);
	case -EINVAL:
	case -EIO:
		pr_err_ratelimited("box '%s': fd '%s' (%s) depends on fd '%s', which cannot be restored\n",
				   box->name, fd->name, fd->handler->name, dep->name);
		return ERR_PTR(-EIO);
	case -ENOPKG:
		pr_err_ratelimited("box '%s': fd '%s' (%s) depends on fd '%s', which waits for its type's module\n",
				   box->name, fd->name, fd->handler->name, dep->name);
		return ERR_PTR(-ENOPKG);
	default:
		return ERR_PTR(err);
	}
}
EXPORT_SYMBOL_GPL(fdbox_restore_depend);
