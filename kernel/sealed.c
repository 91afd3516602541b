// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: the objects of sealed fds, each sealed once.
 */

/**
 * DOC: one seal per object
 *
 * Two fds can stand for the same object: dup()ed descriptors share a file,
 * two opens of a memfd share an inode. Handed over twice, the object would
 * come back as two, or its memory be restored twice. So SEAL asks the
 * handler of each fd what object it stands for (its identity hook, else
 * the file itself) and refuses, with EBUSY and a message naming both fds,
 * a box in which two fds, or an fd and one of another sealed box, stand
 * for the same object. The objects of sealed boxes are kept here, from
 * SEAL until UNSEAL in the same kernel.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include "fdbox.h"

static DEFINE_MUTEX(fdbox_sealed_lock);
static DEFINE_HASHTABLE(fdbox_sealed, 10);

/* The object @fd stands for: its handler's answer, else its file. */
static const void *fdbox_fd_object(struct fdbox_fd *fd)
{
	const void *obj = NULL;

	if (fd->handler->identity)
		obj = fd->handler->identity(fd);
	return obj ?: fd->file;
}

/* The sealed fd standing for @obj of @handler, or NULL. Lock held. */
static struct fdbox_fd *fdbox_sealed_find(const struct fdbox_handler *handler,
					  const void *obj)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&fdbox_sealed_lock);
	hash_for_each_possible(fdbox_sealed, fd, snode, (unsigned long)obj)
		if (fd->handler == handler && fd->object == obj)
			return fd;
	return NULL;
}

/* Forget the objects of the fds of @box up to @last (excluded). */
static void fdbox_sealed_del_upto(struct fdbox_box *box, struct fdbox_fd *last)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&fdbox_sealed_lock);
	list_for_each_entry(fd, &box->fds, list) {
		if (fd == last)
			break;
		hash_del(&fd->snode);
		fd->object = NULL;
	}
}

/**
 * fdbox_sealed_add() - remember the objects of a box about to be sealed
 * @box: the box, OPEN, every fd with a file and a handler
 *
 * Context: Process context, box lock held.
 * Return: 0, or %-EBUSY (logged, nothing remembered) if two fds of @box,
 * or one of @box and one of a sealed box, stand for the same object.
 */
int fdbox_sealed_add(struct fdbox_box *box)
{
	struct fdbox_fd *fd, *other;

	lockdep_assert_held(&box->lock);
	guard(mutex)(&fdbox_sealed_lock);
	list_for_each_entry(fd, &box->fds, list) {
		const void *obj = fdbox_fd_object(fd);

		other = fdbox_sealed_find(fd->handler, obj);
		if (other) {
			pr_warn_ratelimited("box '%s': fd '%s' is the same %s as fd '%s' of box '%s', which is sealed or being sealed; an object is handed over once\n",
					    box->name, fd->name, fd->handler->name,
					    other->name, other->box->name);
			fdbox_sealed_del_upto(box, fd);
			return -EBUSY;
		}
		fd->object = obj;
		hash_add(fdbox_sealed, &fd->snode, (unsigned long)obj);
	}
	return 0;
}

/**
 * fdbox_sealed_find_in() - the fd of a box being sealed that stands for an object
 * @box: a box whose fdbox_sealed_add() succeeded
 * @object: an object (what an identity hook returns) or a file
 *
 * Context: Process context, box lock held.
 * Return: the fd of @box whose object is @object, else one whose file is
 * @object, else NULL.
 */
struct fdbox_fd *fdbox_sealed_find_in(struct fdbox_box *box,
				      const void *object)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	scoped_guard(mutex, &fdbox_sealed_lock) {
		hash_for_each_possible(fdbox_sealed, fd, snode,
				       (unsigned long)object)
			if (fd->box == box && fd->object == object)
				return fd;
	}
	list_for_each_entry(fd, &box->fds, list)
		if (fd->file == object)
			return fd;
	return NULL;
}

/**
 * fdbox_sealed_del() - forget the objects of a box sealed no more
 * @box: a box whose fdbox_sealed_add() succeeded
 *
 * Context: Process context, box lock held.
 */
void fdbox_sealed_del(struct fdbox_box *box)
{
	lockdep_assert_held(&box->lock);
	guard(mutex)(&fdbox_sealed_lock);
	fdbox_sealed_del_upto(box, NULL);
}
