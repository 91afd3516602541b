// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox eventfd handler.
 */

/**
 * DOC: eventfds
 *
 * Any eventfd can be held in a box, on every kernel. It crosses a kexec
 * only where the kernel exports eventfd_ctx_get_state() and
 * eventfd_file_create() (kernel/patches/, looked up with symbol_get()):
 * there SEAL records its counter and its modes (EFD_SEMAPHORE, and
 * O_NONBLOCK of the file) and UNSEAL in the next kernel creates a new
 * eventfd with them. Elsewhere the handler has no handover hooks, and SEAL
 * refuses a box holding an eventfd (EOPNOTSUPP, with a message).
 *
 * The file stays usable after SEAL, and the next kernel gets the counter
 * and modes as they are when the reboot begins (the freeze hook records
 * them again then): a write or read after SEAL, even one racing with the
 * reboot, either reaches the next kernel or happened after the last point
 * it could. Who waits on the eventfd (poll, an irqfd, an AIO context) is
 * not handed over; the owner sets that up again around the new file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "eventfd_kho_abi.h"
#include "fdbox.h"

/* The kernel patches' eventfd helpers, declared here for symbol_get(). */
void eventfd_ctx_get_state(struct eventfd_ctx *ctx, __u64 *cnt,
			   unsigned int *flags);
struct file *eventfd_file_create(__u64 count, unsigned int flags);

static typeof(eventfd_ctx_get_state) *fdbox_eventfd_get_state;
static typeof(eventfd_file_create) *fdbox_eventfd_create;

static bool fdbox_eventfd_recognise(struct file *file)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(file);

	if (IS_ERR(ctx))
		return false;
	eventfd_ctx_put(ctx);
	return true;
}

static int fdbox_eventfd_put(struct fdbox_fd *fd)
{
	return 0;
}

static u64 fdbox_eventfd_size(struct fdbox_fd *fd)
{
	return 0;
}

/* The eventfd's context: one object however many files share it. */
static const void *fdbox_eventfd_identity(struct fdbox_fd *fd)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(fd->file);

	if (IS_ERR(ctx))
		return NULL;
	/* The box's file keeps it alive; only its address is needed. */
	eventfd_ctx_put(ctx);
	return ctx;
}

/* Record the counter and modes of the eventfd of @fd, as they are now. */
static void fdbox_eventfd_record(struct fdbox_fd *fd,
				 struct fdbox_kho_eventfd *rec)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(fd->file);
	unsigned int efd_flags;

	/* Recognised at PUT_FD, so an eventfd; its box holds the file. */
	if (WARN_ON_ONCE(IS_ERR(ctx)))
		return;
	fdbox_eventfd_get_state(ctx, &rec->count, &efd_flags);
	eventfd_ctx_put(ctx);
	rec->flags = 0;
	if (efd_flags & EFD_SEMAPHORE)
		rec->flags |= FDBOX_KHO_EVENTFD_SEMAPHORE;
	if (READ_ONCE(fd->file->f_flags) & O_NONBLOCK)
		rec->flags |= FDBOX_KHO_EVENTFD_NONBLOCK;
}

static int fdbox_eventfd_seal(struct fdbox_fd *fd)
{
	struct fdbox_kho_eventfd *rec;

	rec = kzalloc_obj(*rec);
	if (!rec)
		return -ENOMEM;
	fdbox_eventfd_record(fd, rec);
	fd->seal_data = rec;
	return 0;
}

static void fdbox_eventfd_unseal(struct fdbox_fd *fd)
{
	kfree(fd->seal_data);
	fd->seal_data = NULL;
}

static u32 fdbox_eventfd_emit(struct fdbox_fd *fd, void *payload)
{
	memcpy(payload, fd->seal_data, sizeof(struct fdbox_kho_eventfd));
	return sizeof(struct fdbox_kho_eventfd);
}

/* The counter and modes as the reboot begins: what the next kernel gets. */
static void fdbox_eventfd_freeze(struct fdbox_fd *fd, void *payload)
{
	fdbox_eventfd_record(fd, payload);
}

static int fdbox_eventfd_load(const struct fdbox_record *rec, void **data,
			      u64 *size)
{
	struct fdbox_kho_eventfd e;

	if (rec->version != FDBOX_EVENTFD_VERSION || rec->size != sizeof(e)) {
		pr_err("handed-over eventfd '%s': record version %u of %u bytes; this kernel reads version %u of %zu bytes\n",
		       rec->name, rec->version, rec->size,
		       FDBOX_EVENTFD_VERSION, sizeof(e));
		return -EINVAL;
	}
	memcpy(&e, rec->payload, sizeof(e));
	if ((e.flags & ~FDBOX_KHO_EVENTFD_FLAGS) || e.reserved ||
	    e.count == U64_MAX) {
		pr_err("handed-over eventfd '%s' rejected: flags %#x, reserved %#x, count %llu\n",
		       rec->name, e.flags, e.reserved, e.count);
		return -EINVAL;
	}
	*data = kmemdup(&e, sizeof(e), GFP_KERNEL);
	*size = 0;
	return *data ? 0 : -ENOMEM;
}

static void fdbox_eventfd_unload(void *data)
{
	kfree(data);
}

static int fdbox_eventfd_restore(struct fdbox_fd *fd)
{
	const struct fdbox_kho_eventfd *e = fd->restore_data;
	unsigned int flags = 0;
	struct file *file;

	if (e->flags & FDBOX_KHO_EVENTFD_SEMAPHORE)
		flags |= EFD_SEMAPHORE;
	if (e->flags & FDBOX_KHO_EVENTFD_NONBLOCK)
		flags |= EFD_NONBLOCK;
	file = fdbox_eventfd_create(e->count, flags);
	if (IS_ERR(file))
		return PTR_ERR(file) == -EINVAL ? -EIO : PTR_ERR(file);
	kfree(fd->restore_data);
	fd->restore_data = NULL;
	fd->file = file;
	return 0;
}

static void fdbox_eventfd_release(struct fdbox_fd *fd)
{
	WARN_ON_ONCE(fd->seal_data);
	kfree(fd->restore_data);
	fd->restore_data = NULL;
}

static u64 fdbox_eventfd_record_bytes(const struct fdbox_record *rec)
{
	return 0;
}

static u64 fdbox_eventfd_unclaimed(struct fdbox_fd *fd)
{
	return 0;
}

/* On kernels with the helpers: held, and handed over. */
static struct fdbox_handler fdbox_eventfd_handler = {
	.owner = THIS_MODULE,
	.type = FDBOX_FD_TYPE_EVENTFD,
	.name = "eventfd",
	.compatible = FDBOX_EVENTFD_COMPATIBLE,
	.version = FDBOX_EVENTFD_VERSION,
	.recognise = fdbox_eventfd_recognise,
	.put = fdbox_eventfd_put,
	.seal = fdbox_eventfd_seal,
	.unseal = fdbox_eventfd_unseal,
	.restore = fdbox_eventfd_restore,
	.release = fdbox_eventfd_release,
	.size = fdbox_eventfd_size,
	.emit = fdbox_eventfd_emit,
	.freeze = fdbox_eventfd_freeze,
	.load = fdbox_eventfd_load,
	.unload = fdbox_eventfd_unload,
	.record_bytes = fdbox_eventfd_record_bytes,
	.unclaimed = fdbox_eventfd_unclaimed,
	.identity = fdbox_eventfd_identity,
};

/* Elsewhere: held only; a handed-over eventfd is named as one. */
static struct fdbox_handler fdbox_eventfd_hold_handler = {
	.owner = THIS_MODULE,
	.type = FDBOX_FD_TYPE_EVENTFD,
	.name = "eventfd",
	.compatible = FDBOX_EVENTFD_COMPATIBLE,
	.recognise = fdbox_eventfd_recognise,
	.put = fdbox_eventfd_put,
	.release = fdbox_eventfd_release,
	.size = fdbox_eventfd_size,
	.identity = fdbox_eventfd_identity,
};

static struct fdbox_handler *fdbox_eventfd_registered;

/**
 * fdbox_eventfd_init() - register the eventfd handler
 *
 * Context: Module init.
 * Return: 0 or the error of fdbox_register_handler().
 */
int fdbox_eventfd_init(void)
{
	struct fdbox_handler *h = &fdbox_eventfd_handler;
	int err;

	fdbox_eventfd_get_state = symbol_get(eventfd_ctx_get_state);
	fdbox_eventfd_create = symbol_get(eventfd_file_create);
	if (!fdbox_eventfd_get_state || !fdbox_eventfd_create) {
		pr_info("eventfds can be held but not handed over: this kernel does not export eventfd_ctx_get_state() and eventfd_file_create()\n");
		h = &fdbox_eventfd_hold_handler;
	}
	err = fdbox_register_handler(h);
	if (err) {
		fdbox_eventfd_exit();
		return err;
	}
	fdbox_eventfd_registered = h;
	return 0;
}

/**
 * fdbox_eventfd_exit() - unregister the eventfd handler
 *
 * Context: Module exit (no box is left), or failed init.
 */
void fdbox_eventfd_exit(void)
{
	if (fdbox_eventfd_registered)
		WARN_ON_ONCE(fdbox_unregister_handler(fdbox_eventfd_registered));
	fdbox_eventfd_registered = NULL;
	if (fdbox_eventfd_get_state)
		symbol_put(eventfd_ctx_get_state);
	if (fdbox_eventfd_create)
		symbol_put(eventfd_file_create);
	fdbox_eventfd_get_state = NULL;
	fdbox_eventfd_create = NULL;
}
