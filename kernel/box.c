// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox box registry, box state machine and fd entries.
 */

/**
 * DOC: Boxes
 *
 * A box is a named set of files held by the kernel. Boxes are created and
 * deleted through the control device; files enter (PUT_FD) and leave
 * (GET_FD) through the box device. States::
 *
 *   CREATE_BOX -> OPEN --SEAL--> SEALED --UNSEAL--> OPEN --DELETE_BOX--> gone
 *   previous kernel -> RESTORED --UNSEAL (restores every fd)--> OPEN
 *
 * SEALED and RESTORED boxes refuse PUT_FD, GET_FD and DELETE_BOX (EBUSY).
 * SEAL first asks the handover whether the next kernel can take the box
 * (fdbox_handover_check()), then calls the seal hook of every fd's handler
 * in list order; if the hook of fd k fails, the hooks of fds k-1..0 are
 * undone with unseal and the box stays OPEN. UNSEAL of a SEALED box
 * withdraws it from the handover and calls every unseal hook, which cannot
 * fail. UNSEAL of a RESTORED box restores every fd that has no file yet; if
 * one fails the box stays RESTORED, the fds restored so far keep their new
 * files and the others their handed-over data, so nothing is lost and a
 * later UNSEAL carries on where this one stopped.
 *
 * A restored fd whose handed-over data is damaged can never be restored
 * (its restore hook fails with -EINVAL or -EIO). UNSEAL restores the other
 * fds all the same, fails with that error and marks the box broken: it
 * stays RESTORED for good, but GET_FD takes out the fds that were restored
 * and DELETE_BOX drops the rest. Memory handed over for fds that were never
 * restored stays reserved until the next reboot and is reported.
 *
 * A restored fd whose type no registered handler takes (its module is not
 * loaded) keeps its record (&struct fdbox_unbound). UNSEAL restores the
 * other fds, fails with -ENOPKG and marks the box incomplete: GET_FD and
 * DELETE_BOX work as on a broken box, but an UNSEAL after the module has
 * registered its handler restores the rest and opens the box.
 *
 * Once a reboot has begun (fdbox_handover_frozen()), SEAL, UNSEAL, PUT_FD,
 * GET_FD and DELETE_BOX fail with EBUSY: the next kernel finds the boxes
 * exactly as they were sealed when the reboot began.
 *
 * Every operation checks everything that can fail before it changes
 * anything, so a failed operation leaves the box as it was.
 *
 * Locking, in this order:
 *
 * 1. fdbox_lock (mutex): the registry: the list of boxes, fdbox_nr_boxes,
 *    adding and removing box devices (so a name is free only once its
 *    device is gone).
 * 2. fdbox_box.lock (mutex, one per box): state, fds (list and name hash)
 *    and counters of the box. Handler hooks run under it (except put and
 *    release, see &struct fdbox_handler). Never held while a box device is
 *    added or removed: sysfs attribute methods take it.
 * 3. current->files->file_lock, inside file_close_fd().
 *
 * fdbox_bytes (the bytes held in all boxes) is an atomic counter changed
 * with the box lock held.
 *
 * Lifetimes: a box lives as long as its &fdbox_box.dev has references: one
 * from the registry, dropped by DELETE_BOX, and one per open file of the box
 * device (through its cdev). A deleted box is marked dead; ioctls on files
 * still open on it fail with ENOENT. A held file is one reference on the
 * &struct file in its &struct fdbox_fd.
 *
 * Names: a box keeps its fds in a list, in the order they came, for SEAL,
 * the handover and FDBOX_LIST. PUT_FD and GET_FD find an fd by name in that
 * list while the box holds up to FDBOX_FD_LIST_MAX fds; beyond, in a hash
 * table of the box (&fdbox_box.fd_hash), so that they cost the same in a
 * box of 10 or 10 000 fds. The table is made with 16 buckets when a PUT_FD
 * finds FDBOX_FD_LIST_MAX fds in the box, moved to twice as many buckets
 * whenever a PUT_FD finds as many fds as buckets (kvmalloc, up to 1M
 * buckets), and freed when the box is emptied or deleted. Making or moving
 * it is best effort: if memory is short the box goes on with what it has
 * (the list, or longer chains), and PUT_FD does not fail for it.
 *
 * Module unload: every box holds a reference on the module, so rmmod fails
 * ("in use") while any box exists, including sealed and restored ones.
 * FDBox cannot know whether the memory in a box is still wanted, so it
 * refuses to drop it behind the owner's back: delete the boxes first.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>
#include "fdbox.h"

static unsigned int max_boxes = 256;
module_param(max_boxes, uint, 0644);
MODULE_PARM_DESC(max_boxes, "Maximum number of boxes (ENOSPC beyond)");

static unsigned int max_fds_per_box = 1024;
module_param(max_fds_per_box, uint, 0644);
MODULE_PARM_DESC(max_fds_per_box, "Maximum number of fds in one box (EMFILE beyond)");

static unsigned long long max_bytes;
module_param(max_bytes, ullong, 0644);
MODULE_PARM_DESC(max_bytes, "Maximum bytes held in all boxes, 0: no limit (ENOSPC beyond)");

static DEFINE_MUTEX(fdbox_lock);
static LIST_HEAD(fdbox_boxes);
static unsigned int fdbox_nr_boxes;
static atomic64_t fdbox_bytes = ATOMIC64_INIT(0);

static bool fdbox_name_char_valid(u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/**
 * fdbox_check_name() - check a box or fd name from userspace
 * @name: the FDBOX_NAME_LEN bytes of the name field
 *
 * A name is 1..255 bytes from [A-Za-z0-9._-] followed by a NUL within the
 * field, and neither "." nor "..". Bytes after the NUL are ignored.
 *
 * Context: Any context.
 * Return: 0 if @name is valid, -EINVAL otherwise.
 */
int fdbox_check_name(const u8 *name)
{
	size_t len = strnlen((const char *)name, FDBOX_NAME_LEN);
	size_t i;

	if (!len || len == FDBOX_NAME_LEN)
		return -EINVAL;
	if (!strcmp((const char *)name, ".") || !strcmp((const char *)name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!fdbox_name_char_valid(name[i]))
			return -EINVAL;
	return 0;
}

/**
 * fdbox_check_box_name() - check a box name from userspace
 * @name: the FDBOX_NAME_LEN bytes of the name field
 *
 * Like fdbox_check_name(), and "fdbox" is refused too: that is the control
 * device.
 *
 * Context: Any context.
 * Return: 0 if @name is a valid box name, -EINVAL otherwise.
 */
int fdbox_check_box_name(const u8 *name)
{
	int err = fdbox_check_name(name);

	if (err)
		return err;
	if (!strcmp((const char *)name, "fdbox"))
		return -EINVAL;
	return 0;
}

/**
 * fdbox_state_name() - name of a box state, as shown in sysfs
 * @state: FDBOX_STATE_*
 *
 * Context: Any context.
 * Return: "open", "sealed", "restored" or "unknown".
 */
const char *fdbox_state_name(u32 state)
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

/* Charge @bytes against @limit (0: none but what the counter can hold). */
static int fdbox_charge_limit(u64 bytes, u64 limit)
{
	s64 old = atomic64_read(&fdbox_bytes);
	s64 new;

	do {
		if (bytes > (u64)(S64_MAX - old))
			return -ENOSPC;
		new = old + bytes;
		if (limit && (u64)new > limit)
			return -ENOSPC;
	} while (!atomic64_try_cmpxchg(&fdbox_bytes, &old, new));
	return 0;
}

/* Charge @bytes against max_bytes. */
static int fdbox_charge(u64 bytes)
{
	return fdbox_charge_limit(bytes, READ_ONCE(max_bytes));
}

/* Charge the bytes of a handed-over fd: they exist, max_bytes or not. */
static int fdbox_charge_unlimited(u64 bytes)
{
	return fdbox_charge_limit(bytes, 0);
}

static void fdbox_uncharge(u64 bytes)
{
	atomic64_sub(bytes, &fdbox_bytes);
}

static u32 fdbox_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

static struct fdbox_fd *fdbox_fd_alloc(const char *name)
{
	struct fdbox_fd *fd;

	fd = kzalloc_obj(*fd, GFP_KERNEL_ACCOUNT);
	if (!fd)
		return NULL;
	INIT_LIST_HEAD(&fd->list);
	INIT_HLIST_NODE(&fd->hnode);
	INIT_HLIST_NODE(&fd->snode);
	strscpy(fd->name, name);
	return fd;
}

/*
 * Let the handler of @file take it into @fd. @fd takes over the caller's
 * reference on @file on success only.
 */
static int fdbox_fd_attach(struct fdbox_fd *fd, struct file *file)
{
	const struct fdbox_handler *handler = fdbox_handler_find(file);
	int err;

	if (!handler)
		return -EOPNOTSUPP;
	fd->handler = handler;
	fd->file = file;
	err = handler->put(fd);
	if (err) {
		fdbox_handler_put(handler);
		fd->handler = NULL;
		fd->file = NULL;
		return err;
	}
	fd->size = handler->size(fd);
	return 0;
}

/*
 * Undo fdbox_fd_attach(): drop the handler state and return the file (or
 * NULL); its reference now belongs to the caller.
 */
static struct file *fdbox_fd_detach(struct fdbox_fd *fd)
{
	struct file *file = fd->file;

	if (fd->handler) {
		fd->handler->release(fd);
		fdbox_handler_put(fd->handler);
	} else {
		kfree(fd->restore_data);
	}
	fd->handler = NULL;
	fd->file = NULL;
	fd->priv = NULL;
	fd->seal_data = NULL;
	fd->restore_data = NULL;
	fd->size = 0;
	return file;
}

static void fdbox_fd_free(struct fdbox_fd *fd)
{
	struct file *file = fdbox_fd_detach(fd);

	if (file)
		fput(file);
	kfree(fd);
}

static void fdbox_fds_free(struct list_head *fds)
{
	struct fdbox_fd *fd, *tmp;

	list_for_each_entry_safe(fd, tmp, fds, list) {
		list_del(&fd->list);
		fdbox_fd_free(fd);
	}
}

/**
 * fdbox_box_find_fd() - find an fd of a box by name
 * @box: the box
 * @name: the fd's name
 *
 * Context: Box lock held.
 * Return: the fd called @name in @box, or NULL.
 */
struct fdbox_fd *fdbox_box_find_fd(struct fdbox_box *box, const char *name)
{
	struct hlist_head *head;
	struct fdbox_fd *fd;
	u32 hash;

	lockdep_assert_held(&box->lock);
	if (!box->fd_hash) {
		list_for_each_entry(fd, &box->fds, list)
			if (!strcmp(fd->name, name))
				return fd;
		return NULL;
	}
	hash = fdbox_name_hash(name);
	head = &box->fd_hash[hash_32(hash, box->fd_hash_bits)];
	hlist_for_each_entry(fd, head, hnode)
		if (fd->hash == hash && !strcmp(fd->name, name))
			return fd;
	return NULL;
}

/*
 * Give @box a name hash of 1 << @bits buckets holding all its fds, in place
 * of its list lookups or its smaller hash. If memory is short nothing
 * changes.
 */
static void fdbox_fd_hash_resize(struct fdbox_box *box, unsigned int bits)
{
	struct hlist_head *hash;
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	hash = kvmalloc_objs(*hash, 1U << bits,
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!hash)
		return;
	__hash_init(hash, 1U << bits);
	list_for_each_entry(fd, &box->fds, list) {
		if (!box->fd_hash)
			fd->hash = fdbox_name_hash(fd->name);
		hlist_add_head(&fd->hnode, &hash[hash_32(fd->hash, bits)]);
	}
	kvfree(box->fd_hash);
	box->fd_hash = hash;
	box->fd_hash_bits = bits;
}

/* Back to list lookups, once @box holds no fds any more. */
static void fdbox_fd_hash_free(struct fdbox_box *box)
{
	lockdep_assert_held(&box->lock);
	kvfree(box->fd_hash);
	box->fd_hash = NULL;
	box->fd_hash_bits = 0;
}

/* Check that @fd may enter @box and charge its bytes. */
static int fdbox_box_may_add(struct fdbox_box *box, struct fdbox_fd *fd)
{
	lockdep_assert_held(&box->lock);
	if (box->dead)
		return -ENOENT;
	if (box->state != FDBOX_STATE_OPEN || fdbox_handover_frozen())
		return -EBUSY;
	if (fdbox_box_find_fd(box, fd->name))
		return -EEXIST;
	if (box->nr_fds >= READ_ONCE(max_fds_per_box))
		return -EMFILE;
	if (box->params.max_bytes &&
	    (fd->size > box->params.max_bytes ||
	     box->bytes > box->params.max_bytes - fd->size))
		return -ENOSPC;
	return fdbox_charge(fd->size);
}

/* Add @fd, whose bytes are charged already, to @box. */
static void fdbox_box_add(struct fdbox_box *box, struct fdbox_fd *fd)
{
	lockdep_assert_held(&box->lock);
	if (!box->fd_hash && box->nr_fds >= FDBOX_FD_LIST_MAX)
		fdbox_fd_hash_resize(box, FDBOX_FD_HASH_MIN_BITS);
	else if (box->fd_hash && box->nr_fds >= 1U << box->fd_hash_bits &&
		 box->fd_hash_bits < FDBOX_FD_HASH_MAX_BITS)
		fdbox_fd_hash_resize(box, box->fd_hash_bits + 1);
	fd->box = box;
	list_add_tail(&fd->list, &box->fds);
	if (box->fd_hash) {
		fd->hash = fdbox_name_hash(fd->name);
		hlist_add_head(&fd->hnode,
			       &box->fd_hash[hash_32(fd->hash, box->fd_hash_bits)]);
	}
	box->nr_fds++;
	box->bytes += fd->size;
}

static void fdbox_box_remove(struct fdbox_box *box, struct fdbox_fd *fd)
{
	lockdep_assert_held(&box->lock);
	list_del_init(&fd->list);
	hlist_del_init(&fd->hnode);
	box->nr_fds--;
	box->bytes -= fd->size;
	fdbox_uncharge(fd->size);
	fd->box = NULL;
	if (!box->nr_fds && box->fd_hash)
		fdbox_fd_hash_free(box);
}

static struct fdbox_box *fdbox_box_alloc(const char *name, u32 state,
					 const struct fdbox_box_params *params)
{
	struct fdbox_box *box;

	box = kzalloc_obj(*box, GFP_KERNEL_ACCOUNT);
	if (!box)
		return NULL;
	INIT_LIST_HEAD(&box->node);
	INIT_LIST_HEAD(&box->fds);
	mutex_init(&box->lock);
	strscpy(box->name, name);
	box->params = *params;
	box->state = state;
	/* From here on the box is freed by put_device(). */
	fdbox_box_device_init(box);
	return box;
}

static struct fdbox_box *fdbox_find_box(const char *name)
{
	struct fdbox_box *box;

	lockdep_assert_held(&fdbox_lock);
	list_for_each_entry(box, &fdbox_boxes, node)
		if (!strcmp(box->name, name))
			return box;
	return NULL;
}

/*
 * Make @box visible: add it to the registry and create its device. Boxes
 * handed over by the previous kernel are not subject to max_boxes: they
 * exist already.
 */
static int fdbox_box_register(struct fdbox_box *box, bool restored)
{
	int err;

	lockdep_assert_held(&fdbox_lock);
	if (fdbox_find_box(box->name))
		return -EEXIST;
	if (!restored && fdbox_nr_boxes >= READ_ONCE(max_boxes))
		return -ENOSPC;
	/* Dropped by fdbox_delete_box(), see "Module unload" above. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	err = fdbox_box_device_add(box);
	if (err) {
		module_put(THIS_MODULE);
		return err;
	}
	list_add_tail(&box->node, &fdbox_boxes);
	fdbox_nr_boxes++;
	return 0;
}

/**
 * fdbox_create_box() - create an empty, open box and its device
 * @name: box name, checked by fdbox_check_box_name()
 * @params: owner, group and mode of its node, its own byte limit; checked
 *
 * Context: Process context. Takes the registry lock.
 * Return: 0 on success, or
 * * %-EEXIST - a box called @name exists already
 * * %-ENOSPC - max_boxes boxes exist, or no device minor is left
 * * %-ENOMEM - out of memory
 */
int fdbox_create_box(const char *name, const struct fdbox_box_params *params)
{
	struct fdbox_box *box;
	int err;

	box = fdbox_box_alloc(name, FDBOX_STATE_OPEN, params);
	if (!box)
		return -ENOMEM;
	scoped_guard(mutex, &fdbox_lock)
		err = fdbox_box_register(box, false);
	if (err)
		put_device(&box->dev);
	return err;
}

/**
 * fdbox_fd_type_name() - the type of an fd, for messages
 * @fd: the fd
 *
 * Context: Box lock held, or @fd not in a box yet.
 * Return: its handler's name, or for an fd without one the type recorded
 * in the handover.
 */
const char *fdbox_fd_type_name(struct fdbox_fd *fd)
{
	if (fd->handler)
		return fd->handler->name;
	return ((struct fdbox_unbound *)fd->restore_data)->compatible;
}

/*
 * Bytes of handed-over memory @fd, without a file, keeps reserved: 0 when no
 * handler took its type (only that handler could tell).
 */
static u64 fdbox_fd_unclaimed(struct fdbox_fd *fd)
{
	return fd->handler ? fd->handler->unclaimed(fd) : 0;
}

/* Bytes of handed-over memory the fds of @box without a file keep reserved. */
static u64 fdbox_box_unclaimed(struct fdbox_box *box, unsigned int *nrp)
{
	struct fdbox_fd *fd;
	u64 bytes = 0;

	lockdep_assert_held(&box->lock);
	*nrp = 0;
	list_for_each_entry(fd, &box->fds, list) {
		if (fd->file)
			continue;
		(*nrp)++;
		if (check_add_overflow(bytes, fdbox_fd_unclaimed(fd), &bytes))
			bytes = U64_MAX;
		if (!fd->handler)
			pr_warn_ratelimited("box '%s': fd '%s' of type '%s' had no handler; its handed-over memory, not counted, stays reserved until the next reboot\n",
					    box->name, fd->name, fdbox_fd_type_name(fd));
	}
	return bytes;
}

/*
 * A restored box that UNSEAL could not finish, broken or incomplete: GET_FD
 * takes out the fds it restored, DELETE_BOX drops the rest.
 */
static bool fdbox_box_partly_restored(struct fdbox_box *box)
{
	lockdep_assert_held(&box->lock);
	return box->state == FDBOX_STATE_RESTORED &&
	       (box->broken || box->incomplete);
}

/* A broken restored box is deleted: say what it loses, and count it. */
static void fdbox_box_report_lost(struct fdbox_box *box)
{
	unsigned int nr;
	u64 bytes = fdbox_box_unclaimed(box, &nr);

	lockdep_assert_held(&box->lock);
	pr_warn_ratelimited("box '%s' deleted with %u of its %u handed-over fds not restored: %llu bytes stay reserved until the next reboot\n",
			    box->name, nr, box->nr_fds, bytes);
	fdbox_handover_add_unclaimed(bytes);
}

/**
 * fdbox_delete_box() - delete a box and drop the files it holds
 * @name: box name, checked by fdbox_check_box_name()
 *
 * Deletes an open box, or a restored box that is broken (see "Boxes"): its
 * fds that were never restored are dropped, their handed-over memory stays
 * reserved until the next reboot, and how much is logged and counted in
 * FDBOX_LIST's unclaimed bytes. The device node disappears at once; files
 * still open on it see ENOENT.
 *
 * Context: Process context. Takes the registry lock and the box lock.
 * Return: 0 on success, or
 * * %-ENOENT - there is no box called @name
 * * %-EBUSY - the box is sealed, or restored and not broken, or a reboot
 *   has begun
 */
int fdbox_delete_box(const char *name)
{
	struct fdbox_box *box;
	LIST_HEAD(fds);

	scoped_guard(mutex, &fdbox_lock) {
		box = fdbox_find_box(name);
		if (!box)
			return -ENOENT;
		scoped_guard(mutex, &box->lock) {
			if (fdbox_handover_frozen())
				return -EBUSY;
			if (box->state != FDBOX_STATE_OPEN &&
			    !fdbox_box_partly_restored(box))
				return -EBUSY;
			if (box->state == FDBOX_STATE_RESTORED)
				fdbox_box_report_lost(box);
			box->dead = true;
			list_splice_init(&box->fds, &fds);
			fdbox_fd_hash_free(box);
			fdbox_uncharge(box->bytes);
			box->nr_fds = 0;
			box->bytes = 0;
		}
		list_del_init(&box->node);
		fdbox_nr_boxes--;
		fdbox_box_device_del(box);
	}
	fdbox_fds_free(&fds);
	put_device(&box->dev);
	/* The caller's open control device keeps the module alive. */
	module_put(THIS_MODULE);
	return 0;
}

/*
 * Between fget() and file_close_fd() in fdbox_box_put_fd(), another thread
 * of the caller closed or replaced the descriptor; @cur is what
 * file_close_fd() took out of the fd table (maybe NULL). There is no
 * exported way to put a file back at a given descriptor number, so PUT_FD
 * goes on with what the table held when the descriptor was taken out, as
 * if the other thread had finished before PUT_FD began: nothing is EBADF;
 * another file is checked like the first one and enters the box if it may.
 * If it may not, the caller has lost the descriptor as it would by close(2)
 * and PUT_FD fails with the reason. Only a program racing against itself
 * on one descriptor gets here.
 */
static int fdbox_put_raced(struct fdbox_box *box, struct fdbox_fd *fd,
			   struct file *cur)
{
	int err;

	fdbox_uncharge(fd->size);
	fput(fdbox_fd_detach(fd));
	if (!cur)
		return -EBADF;
	err = fdbox_fd_attach(fd, get_file(cur));
	if (err) {
		fput(cur);
		return err;
	}
	return fdbox_box_may_add(box, fd);
}

/**
 * fdbox_box_put_fd() - move a descriptor of the caller into a box
 * @box: the box
 * @fdnum: descriptor of the current task
 * @name: fd name, checked by fdbox_check_name()
 *
 * The file is checked first (descriptor, handler, limits, name), and only
 * then taken out of the caller's fd table, atomically, with close(2)
 * semantics for the caller (POSIX locks, flush). A failed PUT_FD leaves the
 * caller's descriptor and the box as they were (but see fdbox_put_raced()).
 *
 * Context: Process context. Takes the box lock.
 * Return: 0 on success, or
 * * %-EBADF - @fdnum is not an open descriptor of the caller
 * * %-EOPNOTSUPP - no handler for this type of file
 * * %-ENOENT - the box was deleted
 * * %-EBUSY - the box is sealed or restored
 * * %-EEXIST - the box holds an fd called @name already
 * * %-EMFILE - the box holds max_fds_per_box fds
 * * %-ENOSPC - max_bytes, or the box's own limit, would be exceeded
 * * %-ENOMEM - out of memory
 */
int fdbox_box_put_fd(struct fdbox_box *box, unsigned int fdnum,
		     const char *name)
{
	struct file *file, *cur = NULL;
	struct fdbox_fd *fd;
	int err;

	fd = fdbox_fd_alloc(name);
	if (!fd)
		return -ENOMEM;

	file = fget(fdnum);
	if (!file) {
		err = -EBADF;
		goto err_free;
	}
	err = fdbox_fd_attach(fd, file);
	if (err) {
		fput(file);
		goto err_free;
	}

	scoped_guard(mutex, &box->lock) {
		err = fdbox_box_may_add(box, fd);
		if (err)
			goto err_free;
		cur = file_close_fd(fdnum);
		if (unlikely(cur != file))
			err = fdbox_put_raced(box, fd, cur);
		if (!err)
			fdbox_box_add(box, fd);
	}
	/* Drop the fd table's reference the way close(2) does. */
	if (cur)
		filp_close(cur, current->files);
	if (err)
		goto err_free;
	return 0;

err_free:
	fdbox_fd_free(fd);
	return err;
}

/**
 * fdbox_box_get_fd() - take a file out of a box into a new descriptor
 * @box: the box
 * @name: fd name, checked by fdbox_check_name()
 * @keep: leave the fd in the box: the descriptor is a second reference to
 *        the same file (as dup(2) gives), and the box still holds it
 *
 * The descriptor is reserved first and the file installed, with
 * O_CLOEXEC, only after nothing can fail any more.
 *
 * An open box gives any of its fds; a broken restored box (see "Boxes")
 * the fds that were restored.
 *
 * Context: Process context. Takes the box lock.
 * Return: the new descriptor, or
 * * %-EMFILE - the caller has no free descriptor
 * * %-ENOENT - the box was deleted, or holds no fd called @name
 * * %-EBUSY - the box is sealed, or restored and not broken, or the fd is
 *   not restored, or a reboot has begun
 */
int fdbox_box_get_fd(struct fdbox_box *box, const char *name, bool keep)
{
	struct fdbox_fd *fd;
	struct file *file;

	CLASS(get_unused_fd, fdnum)(O_CLOEXEC);
	if (fdnum < 0)
		return fdnum;

	scoped_guard(mutex, &box->lock) {
		if (box->dead)
			return -ENOENT;
		if (fdbox_handover_frozen())
			return -EBUSY;
		if (box->state != FDBOX_STATE_OPEN &&
		    !fdbox_box_partly_restored(box))
			return -EBUSY;
		fd = fdbox_box_find_fd(box, name);
		if (!fd)
			return -ENOENT;
		if (!fd->file)
			return -EBUSY;
		if (keep) {
			file = get_file(fd->file);
			fd = NULL;
		} else {
			fdbox_box_remove(box, fd);
		}
	}
	if (fd) {
		file = fdbox_fd_detach(fd);
		kfree(fd);
	}
	fd_install(fdnum, file);
	return take_fd(fdnum);
}

/*
 * The bytes of the fds of @box now: a file may have grown or shrunk since
 * PUT through another reference. Check them against the box's own limit,
 * charge (against max_bytes) or uncharge the difference to what @box is
 * charged for; *@nowp gets the new total.
 */
static int fdbox_box_recharge(struct fdbox_box *box, u64 *nowp)
{
	struct fdbox_fd *fd;
	u64 now = 0, size;
	int err = 0;

	lockdep_assert_held(&box->lock);
	list_for_each_entry(fd, &box->fds, list) {
		size = fd->handler->size(fd);
		fd->seal_size = size;
		if (check_add_overflow(now, size, &now))
			return -ENOSPC;
	}
	if (box->params.max_bytes && now > box->params.max_bytes)
		return -ENOSPC;
	if (now > box->bytes)
		err = fdbox_charge(now - box->bytes);
	else
		fdbox_uncharge(box->bytes - now);
	if (!err)
		*nowp = now;
	return err;
}

/* Undo fdbox_box_recharge() after a failed SEAL. */
static void fdbox_box_recharge_undo(struct fdbox_box *box, u64 now)
{
	if (now > box->bytes)
		fdbox_uncharge(now - box->bytes);
	else
		WARN_ON_ONCE(fdbox_charge_unlimited(box->bytes - now));
}

/* Make what SEAL charged, @now, the bytes of @box and of each fd. */
static void fdbox_box_recharge_commit(struct fdbox_box *box, u64 now)
{
	struct fdbox_fd *fd;

	list_for_each_entry(fd, &box->fds, list)
		fd->size = fd->seal_size;
	box->bytes = now;
}

/* Undo every seal hook, last fd first. */
static void fdbox_box_unseal_fds(struct fdbox_box *box)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	list_for_each_entry_reverse(fd, &box->fds, list)
		fd->handler->unseal(fd);
}

/*
 * Call every seal hook, then check the dependencies they recorded; on
 * failure undo the hooks that succeeded.
 */
static int fdbox_box_seal_fds(struct fdbox_box *box)
{
	struct fdbox_fd *fd;
	int err;

	lockdep_assert_held(&box->lock);
	list_for_each_entry(fd, &box->fds, list)
		fd->nr_deps = 0;
	list_for_each_entry(fd, &box->fds, list) {
		err = fd->handler->seal(fd);
		if (err)
			goto err_unseal;
	}
	err = fdbox_depend_check(box);
	if (err) {
		fdbox_box_unseal_fds(box);
		return err;
	}
	return 0;

err_unseal:
	pr_warn_ratelimited("box '%s': cannot seal fd '%s' (%s): %pe\n",
			    box->name, fd->name, fd->handler->name, ERR_PTR(err));
	list_for_each_entry_continue_reverse(fd, &box->fds, list)
		fd->handler->unseal(fd);
	return err;
}

/**
 * fdbox_box_seal() - seal a box: serialize every fd for handover
 * @box: the box
 *
 * All or nothing: if one handler fails, or the box cannot join the
 * handover, every fd sealed before is unsealed again and the box stays open.
 *
 * Context: Process context. Takes the box lock.
 * Return: 0 on success, or
 * * %-ENOENT - the box was deleted
 * * %-EINVAL - the box is sealed or restored already
 * * %-EOPNOTSUPP - KHO is disabled, nothing can be handed over
 * * %-EBUSY - a reboot has begun, or two fds of the box, or one of it and
 *   one of another sealed box, stand for the same object (sealed.c)
 * * %-EMFILE - the box holds more fds than the next kernel can take
 * * %-ENOSPC - too many boxes are sealed for handover, or the files have
 *   grown since PUT and their bytes now exceed max_bytes
 * * %-ENOMEM - out of memory
 * * the error of the first seal hook that failed
 */
int fdbox_box_seal(struct fdbox_box *box)
{
	u64 bytes;
	int err;

	guard(mutex)(&box->lock);
	if (box->dead)
		return -ENOENT;
	if (box->state != FDBOX_STATE_OPEN)
		return -EINVAL;
	if (!fdbox_handover_available())
		return -EOPNOTSUPP;
	if (fdbox_handover_frozen())
		return -EBUSY;
	err = fdbox_handover_check(box);
	if (err)
		return err;
	err = fdbox_sealed_add(box);
	if (err)
		return err;
	err = fdbox_box_recharge(box, &bytes);
	if (err) {
		pr_info_ratelimited("box '%s': its files have grown past max_bytes (the box's own, or the module's) since PUT\n",
				    box->name);
		goto err_sealed;
	}
	err = fdbox_box_seal_fds(box);
	if (err)
		goto err_recharge;
	/* Every fd is serialized: the box joins the handover. */
	err = fdbox_handover_publish(box);
	if (err) {
		pr_warn_ratelimited("box '%s': cannot join the handover: %pe\n",
				    box->name, ERR_PTR(err));
		fdbox_box_unseal_fds(box);
		goto err_recharge;
	}
	fdbox_box_recharge_commit(box, bytes);
	box->state = FDBOX_STATE_SEALED;
	return 0;

err_recharge:
	fdbox_box_recharge_undo(box, bytes);
err_sealed:
	fdbox_sealed_del(box);
	return err;
}

/*
 * Give an fd whose type had no handler to the handler now registered for
 * it: -ENOPKG if there is none yet, else what its load hook says (-EINVAL:
 * the record is damaged; the fd keeps it).
 */
static int fdbox_fd_bind(struct fdbox_box *box, struct fdbox_fd *fd)
{
	struct fdbox_unbound *u = fd->restore_data;
	const struct fdbox_handler *handler;
	void *data;
	u64 size;
	int err;

	lockdep_assert_held(&box->lock);
	handler = fdbox_handler_get_compatible(u->compatible);
	if (!handler)
		return -ENOPKG;
	u->rec.name = fd->name;
	err = handler->load(&u->rec, &data, &size);
	if (err)
		goto err_put;
	err = -EOVERFLOW;
	if (size > S64_MAX || box->bytes + size < box->bytes ||
	    fdbox_charge_unlimited(size))
		goto err_unload;
	fd->handler = handler;
	fd->restore_data = data;
	fd->size = size;
	box->bytes += size;
	kfree(u);
	return 0;

err_unload:
	handler->unload(data);
err_put:
	fdbox_handler_put(handler);
	return err;
}

/* Say why fd @fd of @box has no type handler yet. */
static void fdbox_fd_report_unbound(struct fdbox_box *box, struct fdbox_fd *fd)
{
	const char *type = fdbox_fd_type_name(fd);

	if (fdbox_handler_hold_only(type))
		pr_err_ratelimited("box '%s': fd '%s' is of type '%s', which this kernel can hold but not restore (GET_FD gives the fds restored, DELETE_BOX drops the rest)\n",
				   box->name, fd->name, type);
	else
		pr_err_ratelimited("box '%s': fd '%s' is of type '%s', which no loaded module handles; load it and UNSEAL again (GET_FD gives the fds restored, DELETE_BOX drops the rest)\n",
				   box->name, fd->name, type);
}

/**
 * fdbox_fd_restore() - restore one handed-over fd of a box
 * @box: the box, RESTORED
 * @fd: an fd of it
 *
 * Binds @fd to its type's handler if it has none yet, and calls the
 * restore hook (which may restore the fds @fd depends on first, through
 * fdbox_restore_depend()). Says what a failure means; an fd found damaged
 * marks the box broken and is not tried again.
 *
 * Context: Process context. Box lock held.
 * Return: 0 (also if @fd has its file already), or
 * * %-ENOPKG - no registered handler takes its type, or that of an fd it
 *   depends on
 * * %-EINVAL, %-EIO - its handed-over data, or that of an fd it depends
 *   on, is damaged
 * * %-ELOOP - its restore hook is running: an fd depends on itself
 * * any other error of its restore hook (worth trying again later)
 */
int fdbox_fd_restore(struct fdbox_box *box, struct fdbox_fd *fd)
{
	int err;

	lockdep_assert_held(&box->lock);
	if (fd->file)
		return 0;
	if (fd->damaged)
		return fd->damaged;
	if (fd->restoring)
		return -ELOOP;
	err = fd->handler ? 0 : fdbox_fd_bind(box, fd);
	if (err == -ENOPKG) {
		fdbox_fd_report_unbound(box, fd);
		return err;
	}
	if (!err) {
		fd->restoring = true;
		err = fd->handler->restore(fd);
		fd->restoring = false;
	}
	if (err == -ENOPKG) {
		pr_err_ratelimited("box '%s': fd '%s' (%s) waits for an fd it depends on\n",
				   box->name, fd->name, fdbox_fd_type_name(fd));
	} else if (err == -EINVAL || err == -EIO) {
		pr_err_ratelimited("box '%s': fd '%s' (%s) cannot be restored, its handed-over data is damaged (%pe); GET_FD gives the fds restored, DELETE_BOX drops the rest\n",
				   box->name, fd->name, fdbox_fd_type_name(fd),
				   ERR_PTR(err));
		fd->damaged = err;
		box->broken = true;
	} else if (err) {
		/* Also a failed bind (its load hook): it may be retried. */
		pr_err_ratelimited("box '%s': cannot restore fd '%s' (%s): %pe; box stays sealed, nothing was dropped\n",
				   box->name, fd->name, fdbox_fd_type_name(fd),
				   ERR_PTR(err));
	}
	return err;
}

/*
 * Restore every fd handed over by the previous kernel that has no file. An
 * fd whose data is damaged, or whose type has no handler yet, does not stop
 * the others; any other error does (it is worth trying again later, as a
 * whole).
 */
static int fdbox_box_restore_fds(struct fdbox_box *box)
{
	struct fdbox_fd *fd;
	int err, broken = 0, unbound = 0;

	lockdep_assert_held(&box->lock);
	list_for_each_entry(fd, &box->fds, list) {
		err = fdbox_fd_restore(box, fd);
		if (err == -ENOPKG)
			unbound = err;
		else if (err == -EINVAL || err == -EIO)
			broken = broken ?: err;
		else if (err)
			return err;
	}
	if (unbound && !broken)
		box->incomplete = true;
	return broken ?: unbound;
}

/**
 * fdbox_box_unseal() - unseal a box
 * @box: the box
 *
 * A box sealed in this kernel discards what SEAL serialized. A box handed
 * over by the previous kernel gets every file recreated from the handed-over
 * data, exactly once; if one cannot be, the box stays restored and sealed,
 * keeping the files restored so far and the data of the others.
 *
 * Context: Process context. Takes the box lock.
 * Return: 0 on success, or
 * * %-ENOENT - the box was deleted
 * * %-EINVAL - the box is not sealed
 * * %-EBUSY - a reboot has begun
 * * %-ENOPKG - an fd is of a type no registered handler takes; the others
 *   are restored and the box is incomplete (see "Boxes")
 * * the error of the restore hook that failed (-EINVAL or -EIO: the box
 *   is broken, see "Boxes")
 */
int fdbox_box_unseal(struct fdbox_box *box)
{
	int err;

	guard(mutex)(&box->lock);
	if (box->dead)
		return -ENOENT;
	if (box->state != FDBOX_STATE_OPEN && fdbox_handover_frozen())
		return -EBUSY;
	switch (box->state) {
	case FDBOX_STATE_SEALED:
		/* Fails only when a reboot began since the check above. */
		err = fdbox_handover_withdraw(box);
		if (err)
			return err;
		fdbox_box_unseal_fds(box);
		fdbox_sealed_del(box);
		break;
	case FDBOX_STATE_RESTORED:
		err = fdbox_box_restore_fds(box);
		if (err)
			return err;
		break;
	default:
		return -EINVAL;
	}
	box->state = FDBOX_STATE_OPEN;
	box->incomplete = false;
	return 0;
}

/**
 * fdbox_restored_box_alloc() - start recreating a box from the handover
 * @name: box name from the handover
 * @params: owner, group and mode of its node and its byte limit, from the
 *          handover, checked
 *
 * The box is in state FDBOX_STATE_RESTORED and invisible until
 * fdbox_restored_box_publish(). Fill it with fdbox_restored_box_add_fd().
 *
 * Context: Process context.
 * Return: the box, or ERR_PTR(-EINVAL) for a bad name, ERR_PTR(-ENOMEM).
 */
struct fdbox_box *fdbox_restored_box_alloc(const char *name,
					   const struct fdbox_box_params *params)
{
	struct fdbox_box *box;

	if (fdbox_check_box_name((const u8 *)name))
		return ERR_PTR(-EINVAL);
	box = fdbox_box_alloc(name, FDBOX_STATE_RESTORED, params);
	return box ?: ERR_PTR(-ENOMEM);
}

/**
 * fdbox_restored_box_add_fd() - add a handed-over fd to a restored box
 * @box: box from fdbox_restored_box_alloc(), not published yet
 * @name: fd name from the handover
 * @handler: the handler of the fd's type, held by the caller
 *           (fdbox_handler_get_compatible()), or NULL if none takes it
 *           (yet): @data is then a &struct fdbox_unbound (kfree()) and
 *           @size 0
 * @size: bytes the fd holds; charged without max_bytes (they exist
 *        already), but never past what the counters can hold
 * @data: handover data for the handler's restore hook
 *
 * On success the box owns @data (as &fdbox_fd.restore_data): the handler's
 * restore hook consumes it or its release hook frees it, and the caller's
 * reference on @handler. On failure the caller still owns both.
 *
 * Context: Process context.
 * Return: 0 on success, or
 * * %-EINVAL - bad name or size
 * * %-EOVERFLOW - the bytes of all boxes would not fit the counters
 * * %-EEXIST - @box has an fd called @name already
 * * %-ENOMEM - out of memory
 */
int fdbox_restored_box_add_fd(struct fdbox_box *box, const char *name,
			      const struct fdbox_handler *handler, u64 size,
			      void *data)
{
	struct fdbox_fd *fd;

	if (fdbox_check_name((const u8 *)name) || size > S64_MAX)
		return -EINVAL;

	guard(mutex)(&box->lock);
	if (WARN_ON_ONCE(box->state != FDBOX_STATE_RESTORED))
		return -EINVAL;
	if (fdbox_box_find_fd(box, name))
		return -EEXIST;
	fd = fdbox_fd_alloc(name);
	if (!fd)
		return -ENOMEM;
	if (fdbox_charge_unlimited(size)) {
		kfree(fd);
		return -EOVERFLOW;
	}
	fd->handler = handler;
	fd->restore_data = data;
	fd->size = size;
	fdbox_box_add(box, fd);
	return 0;
}

/**
 * fdbox_restored_box_publish() - make a restored box visible
 * @box: box from fdbox_restored_box_alloc()
 *
 * Adds the box to the registry and creates /dev/fdbox/<name>. max_boxes does
 * not apply. On failure the box is still the caller's, to be dropped with
 * fdbox_restored_box_discard().
 *
 * Context: Process context. Takes the registry lock.
 * Return: 0 on success, %-EEXIST if a box of that name exists, or the error
 * of creating the device.
 */
int fdbox_restored_box_publish(struct fdbox_box *box)
{
	guard(mutex)(&fdbox_lock);
	return fdbox_box_register(box, true);
}

/**
 * fdbox_restored_box_discard() - drop a restored box that was not published
 * @box: box from fdbox_restored_box_alloc()
 *
 * Calls the release hook of every fd, which decides what becomes of its
 * handed-over data, and frees the box.
 *
 * Context: Process context.
 */
void fdbox_restored_box_discard(struct fdbox_box *box)
{
	LIST_HEAD(fds);

	scoped_guard(mutex, &box->lock) {
		box->dead = true;
		list_splice_init(&box->fds, &fds);
		fdbox_fd_hash_free(box);
		fdbox_uncharge(box->bytes);
		box->nr_fds = 0;
		box->bytes = 0;
	}
	fdbox_fds_free(&fds);
	put_device(&box->dev);
}

/* State of one FDBOX_LIST call. */
struct fdbox_list_ctx {
	struct fdbox_box_info *boxes;
	struct fdbox_fd_info *fds;
	u32 box_room;
	u32 fd_room;
	u32 nr_boxes;
	u32 nr_fds;
	u64 unclaimed;
};

static void fdbox_list_box(struct fdbox_list_ctx *ctx, struct fdbox_box *box)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	if (ctx->nr_boxes < ctx->box_room) {
		struct fdbox_box_info *bi = &ctx->boxes[ctx->nr_boxes];

		strscpy_pad((char *)bi->name, box->name, sizeof(bi->name));
		bi->state = box->state;
		bi->nr_fds = box->nr_fds;
		bi->bytes = box->bytes;
		bi->fd_index = ctx->nr_fds;
	}
	ctx->nr_boxes++;

	list_for_each_entry(fd, &box->fds, list) {
		if (ctx->nr_fds < ctx->fd_room) {
			struct fdbox_fd_info *fi = &ctx->fds[ctx->nr_fds];

			strscpy_pad((char *)fi->name, fd->name, sizeof(fi->name));
			fi->type = fd->handler ? fd->handler->type :
						 FDBOX_FD_TYPE_UNKNOWN;
			fi->flags = fd->file ? 0 : FDBOX_FD_PENDING;
			fi->size = fd->size;
		}
		ctx->nr_fds++;
		if (!fd->file &&
		    check_add_overflow(ctx->unclaimed, fdbox_fd_unclaimed(fd),
				       &ctx->unclaimed))
			ctx->unclaimed = U64_MAX;
	}
}

/* Allocate room for what exists now, but never more than the caller has. */
static int fdbox_list_alloc(struct fdbox_list_ctx *ctx,
			    const struct fdbox_list *args,
			    u32 nr_boxes, u32 nr_fds)
{
	ctx->box_room = min(args->nr_boxes, nr_boxes);
	ctx->fd_room = min(args->nr_fds, nr_fds);
	if (ctx->box_room) {
		ctx->boxes = kvzalloc_objs(*ctx->boxes, ctx->box_room);
		if (!ctx->boxes)
			return -ENOMEM;
	}
	if (ctx->fd_room) {
		ctx->fds = kvzalloc_objs(*ctx->fds, ctx->fd_room);
		if (!ctx->fds)
			return -ENOMEM;
	}
	return 0;
}

static int fdbox_list_one(struct fdbox_list_ctx *ctx,
			  const struct fdbox_list *args, struct fdbox_box *box)
{
	int err;

	guard(mutex)(&box->lock);
	if (box->dead)
		return -ENOENT;
	err = fdbox_list_alloc(ctx, args, 1, box->nr_fds);
	if (err)
		return err;
	fdbox_list_box(ctx, box);
	return 0;
}

/* Tries of fdbox_list_all() before it makes room for every fd there can be. */
#define FDBOX_LIST_TRIES	4

/*
 * Count, allocate, fill. PUT_FD and GET_FD take only the box lock, so more
 * fds may turn up between counting and filling; if the caller has room for
 * them, it must not be told a count that fits with entries missing: count
 * again with room to spare, and at last with room for every fd the limits
 * allow.
 */
static int fdbox_list_all(struct fdbox_list_ctx *ctx,
			  const struct fdbox_list *args)
{
	struct fdbox_box *box;
	unsigned int tries;
	u64 nr_fds;
	int err;

	guard(mutex)(&fdbox_lock);
	for (tries = 0; ; tries++) {
		nr_fds = 0;
		list_for_each_entry(box, &fdbox_boxes, node)
			scoped_guard(mutex, &box->lock)
				nr_fds += box->nr_fds;
		if (tries == FDBOX_LIST_TRIES)
			nr_fds = max_t(u64, nr_fds, (u64)fdbox_nr_boxes *
				       READ_ONCE(max_fds_per_box));
		else if (tries)
			nr_fds = 2 * nr_fds + 64;
		err = fdbox_list_alloc(ctx, args, fdbox_nr_boxes,
				       min_t(u64, nr_fds, U32_MAX));
		if (err)
			return err;
		list_for_each_entry(box, &fdbox_boxes, node)
			scoped_guard(mutex, &box->lock)
				fdbox_list_box(ctx, box);
		if (ctx->nr_fds <= ctx->fd_room ||
		    ctx->fd_room == args->nr_fds || tries == FDBOX_LIST_TRIES)
			return 0;
		kvfree(ctx->boxes);
		kvfree(ctx->fds);
		memset(ctx, 0, sizeof(*ctx));
	}
}

/**
 * fdbox_list() - report boxes and their fds (FDBOX_LIST)
 * @box: the box to report, or NULL for all boxes
 * @args: the ioctl argument, copied in already; updated with the counts
 *
 * Writes at most @args->nr_boxes box entries to @args->boxes and at most
 * @args->nr_fds fd entries to @args->fds, then sets both counts to the
 * numbers that exist. The user arrays are written after the locks are
 * dropped.
 *
 * Context: Process context. Takes the registry lock (all boxes) or the box
 * lock (one box).
 * Return: 0 on success, or
 * * %-EINVAL - non-zero @args->flags
 * * %-ENOENT - @box was deleted
 * * %-EFAULT - an array is not writable
 * * %-ENOMEM - out of memory
 */
int fdbox_list(struct fdbox_box *box, struct fdbox_list *args)
{
	struct fdbox_list_ctx ctx = {};
	int err;

	if (args->flags)
		return -EINVAL;
	if (box)
		err = fdbox_list_one(&ctx, args, box);
	else
		err = fdbox_list_all(&ctx, args);
	if (err)
		goto out;

	err = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(args->boxes), ctx.boxes,
			 array_size(min(ctx.nr_boxes, ctx.box_room),
				    sizeof(*ctx.boxes))))
		goto out;
	if (copy_to_user(u64_to_user_ptr(args->fds), ctx.fds,
			 array_size(min(ctx.nr_fds, ctx.fd_room),
				    sizeof(*ctx.fds))))
		goto out;
	args->nr_boxes = ctx.nr_boxes;
	args->nr_fds = ctx.nr_fds;
	/*
	 * Handed over and not restored yet: the fds of restored boxes that
	 * were never unsealed, and for all boxes also what was refused.
	 */
	args->unclaimed_bytes = ctx.unclaimed;
	if (!box && check_add_overflow(ctx.unclaimed,
				       fdbox_handover_refused_bytes(),
				       &args->unclaimed_bytes))
		args->unclaimed_bytes = U64_MAX;
	err = 0;
out:
	kvfree(ctx.boxes);
	kvfree(ctx.fds);
	return err;
}

/* Sealed fds whose memory someone else hands over too. Box lock held. */
static void fdbox_report_shared(struct fdbox_box *box)
{
	struct fdbox_fd *fd;

	list_for_each_entry(fd, &box->fds, list)
		if (fd->handler && fd->handler->shared &&
		    fd->handler->shared(fd))
			pr_warn("reboot: fd '%s' of box '%s' was preserved by the Live Update Orchestrator after SEAL: the next kernel can give its memory to only one of them\n",
				fd->name, box->name);
}

/**
 * fdbox_report_leftovers() - say what the coming kexec will not carry
 *
 * Called on the way into a kexec (or any reboot). Open boxes are not handed
 * over, and neither are boxes the previous kernel handed over that were
 * never unsealed: their memory stays reserved in this kernel only. Never
 * blocks: a box or registry lock that is taken is skipped with a note.
 *
 * Context: Process context (reboot notifier).
 */
void fdbox_report_leftovers(void)
{
	struct fdbox_box *box;

	if (!mutex_trylock(&fdbox_lock)) {
		pr_warn("reboot: boxes busy, cannot list what is not handed over\n");
		return;
	}
	list_for_each_entry(box, &fdbox_boxes, node) {
		if (!mutex_trylock(&box->lock)) {
			pr_warn("reboot: box '%s' busy\n", box->name);
			continue;
		}
		if (box->state == FDBOX_STATE_OPEN && box->nr_fds)
			pr_warn("reboot: box '%s' is not sealed: its %u fds are not handed over\n",
				box->name, box->nr_fds);
		else if (box->state == FDBOX_STATE_RESTORED)
			pr_warn("reboot: box '%s' came from the previous kernel and was never unsealed: its %llu bytes are not handed over again\n",
				box->name, box->bytes);
		else if (box->state == FDBOX_STATE_SEALED)
			fdbox_report_shared(box);
		mutex_unlock(&box->lock);
	}
	mutex_unlock(&fdbox_lock);
}

#ifdef FDBOX_DEBUG
#include "debug.h"

/**
 * fdbox_debug_get_box() - find a box by name for the debug knob (debug.c)
 * @name: box name
 *
 * Context: Process context. Takes the registry lock.
 * Return: the box with a reference on its device (put_device() it), or NULL.
 */
struct fdbox_box *fdbox_debug_get_box(const char *name)
{
	struct fdbox_box *box;

	guard(mutex)(&fdbox_lock);
	box = fdbox_find_box(name);
	if (box)
		get_device(&box->dev);
	return box;
}
#endif /* FDBOX_DEBUG */
