// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: the registry of file handlers.
 */

/**
 * DOC: file handlers
 *
 * Each type of file FDBox can hold has a &struct fdbox_handler, registered
 * with fdbox_register_handler(): the memfd handler by FDBox itself at load,
 * others by the modules that implement them. PUT_FD asks every registered
 * handler in turn whether it recognises the file; a handed-over fd finds
 * its handler by the type recorded in the handover.
 *
 * Every fd in a box holds a reference to its handler: a count in the
 * registry, and one on the handler's module, taken under the registry lock
 * when the handler is looked up. So a module whose files are in boxes cannot
 * be unloaded, and fdbox_unregister_handler() refuses a handler that still
 * has users; no hook is ever called after its handler is gone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include "fdbox.h"

static DEFINE_MUTEX(fdbox_handlers_lock);
static LIST_HEAD(fdbox_handlers);

/* Take a reference to @handler and its module; false if it is going away. */
static bool fdbox_handler_tryget(struct fdbox_handler *handler)
{
	lockdep_assert_held(&fdbox_handlers_lock);
	if (!try_module_get(handler->owner))
		return false;
	handler->users++;
	return true;
}

/**
 * fdbox_handler_find() - find the handler for a file, and hold it
 * @file: the file
 *
 * Context: Process context. Takes the handler registry lock.
 * Return: the handler that recognises @file, with a reference to drop with
 * fdbox_handler_put(), or NULL if there is none (or its module is being
 * unloaded).
 */
const struct fdbox_handler *fdbox_handler_find(struct file *file)
{
	struct fdbox_handler *handler;

	guard(mutex)(&fdbox_handlers_lock);
	list_for_each_entry(handler, &fdbox_handlers, list)
		if (handler->recognise(file))
			return fdbox_handler_tryget(handler) ? handler : NULL;
	return NULL;
}

/**
 * fdbox_handler_get_compatible() - find the handler of a handed-over type
 * @compatible: the type as recorded in the handover, NUL-terminated
 *
 * Context: Process context. Takes the handler registry lock.
 * Return: the handler of @compatible that can take a handed-over file,
 * with a reference to drop with fdbox_handler_put(), or NULL if there is
 * none (or its module is being unloaded).
 */
const struct fdbox_handler *fdbox_handler_get_compatible(const char *compatible)
{
	struct fdbox_handler *handler;

	guard(mutex)(&fdbox_handlers_lock);
	list_for_each_entry(handler, &fdbox_handlers, list)
		if (handler->compatible && handler->seal &&
		    !strcmp(handler->compatible, compatible))
			return fdbox_handler_tryget(handler) ? handler : NULL;
	return NULL;
}

/**
 * fdbox_handler_hold_only() - is a handed-over type one this kernel only holds?
 * @compatible: the type as recorded in the handover, NUL-terminated
 *
 * Context: Process context. Takes the handler registry lock.
 * Return: true if a handler registered without handover hooks names
 * @compatible: its files can be held here, but a record of one cannot be
 * restored on this kernel whatever module is loaded.
 */
bool fdbox_handler_hold_only(const char *compatible)
{
	struct fdbox_handler *handler;

	guard(mutex)(&fdbox_handlers_lock);
	list_for_each_entry(handler, &fdbox_handlers, list)
		if (handler->compatible && !handler->seal &&
		    !strcmp(handler->compatible, compatible))
			return true;
	return false;
}

/**
 * fdbox_handler_put() - drop a reference from fdbox_handler_find() or _get()
 * @handler: the handler, or NULL
 *
 * Context: Process context. Takes the handler registry lock.
 */
void fdbox_handler_put(const struct fdbox_handler *handler)
{
	struct fdbox_handler *h = (struct fdbox_handler *)handler;

	if (!h)
		return;
	scoped_guard(mutex, &fdbox_handlers_lock) {
		if (WARN_ON_ONCE(!h->users))
			return;
		h->users--;
	}
	module_put(h->owner);
}

/**
 * fdbox_handler_can_seal() - can files of this type cross a kexec?
 * @handler: the handler
 *
 * Context: Any.
 * Return: true if @handler implements the handover hooks.
 */
bool fdbox_handler_can_seal(const struct fdbox_handler *handler)
{
	return handler->seal;
}

/* Required hooks present; the handover hooks all or none. */
static bool fdbox_handler_hooks_valid(const struct fdbox_handler *h)
{
	unsigned int n = !!h->seal + !!h->unseal + !!h->restore + !!h->emit +
			 !!h->load + !!h->unload + !!h->record_bytes +
			 !!h->unclaimed;

	if (!h->recognise || !h->put || !h->release || !h->size)
		return false;
	if (h->compatible && (!h->compatible[0] ||
			      strlen(h->compatible) >= FDBOX_KHO_COMPAT_LEN))
		return false;
	if (!n)
		return !h->freeze;
	return n == 8 && h->compatible;
}

/**
 * fdbox_register_handler() - let FDBox hold files of a type
 * @handler: the handler, with @owner set to the module that implements it;
 *           it must stay allocated until fdbox_unregister_handler()
 *           succeeds
 *
 * From now on, PUT_FD takes files that @handler->recognise() accepts, and
 * boxes handed over with fds of @handler->type can be restored (only boxes
 * handed over after the registration: the previous kernel's boxes are read
 * when FDBox loads).
 *
 * Context: Process context. Takes the handler registry lock.
 * Return: 0, %-EINVAL if a required hook is missing, the handover hooks are
 * incomplete or come without a compatible string, the compatible string
 * does not fit the handover, @freeze comes without the handover hooks, or
 * @type is 0, or %-EEXIST if a handler of the same type or compatible
 * string, or @handler itself, is registered already.
 */
int fdbox_register_handler(struct fdbox_handler *handler)
{
	struct fdbox_handler *h;

	if (!handler->type || !handler->name || !handler->name[0] ||
	    !fdbox_handler_hooks_valid(handler))
		return -EINVAL;

	guard(mutex)(&fdbox_handlers_lock);
	list_for_each_entry(h, &fdbox_handlers, list)
		if (h == handler || h->type == handler->type ||
		    (h->compatible && handler->compatible &&
		     !strcmp(h->compatible, handler->compatible)))
			return -EEXIST;
	handler->users = 0;
	list_add_tail(&handler->list, &fdbox_handlers);
	pr_debug("handler '%s' (type %u) registered\n", handler->name,
		 handler->type);
	return 0;
}
EXPORT_SYMBOL_GPL(fdbox_register_handler);

/**
 * fdbox_unregister_handler() - stop holding files of a type
 * @handler: a handler registered with fdbox_register_handler()
 *
 * Files of the type can no longer be put into boxes. Fds of the type in
 * boxes keep the handler's module loaded, so a module that unregisters from
 * its exit function always succeeds; another caller may find fds still
 * held and must keep @handler until a later call succeeds.
 *
 * Context: Process context. Takes the handler registry lock.
 * Return: 0, %-EBUSY if fds of the type are in boxes (or being looked up),
 * or %-ENOENT if @handler is not registered.
 */
int fdbox_unregister_handler(struct fdbox_handler *handler)
{
	struct fdbox_handler *h;

	guard(mutex)(&fdbox_handlers_lock);
	list_for_each_entry(h, &fdbox_handlers, list) {
		if (h != handler)
			continue;
		if (h->users)
			return -EBUSY;
		list_del(&h->list);
		return 0;
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(fdbox_unregister_handler);
