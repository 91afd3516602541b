/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox file handlers: the interface a file type implements to be held in
 * boxes, and carried across kexec. The memfd handler (memfd.c) is one;
 * other modules register theirs with fdbox_register_handler().
 */

#ifndef _FDBOX_HANDLER_H
#define _FDBOX_HANDLER_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/fdbox.h>
#include "handover_abi.h"

struct file;
struct module;
struct fdbox_box;
struct fdbox_fd;

/* Most bytes a handler may write into the handover record of one fd. */
#define FDBOX_HANDLER_PAYLOAD_MAX	FDBOX_KHO_FD_PAYLOAD

/* Most fds of its box one fd may depend on (fdbox_seal_depend()). */
#define FDBOX_FD_DEPS			4
/* Most dependencies on any path from one fd: the longest chain restored. */
#define FDBOX_DEPEND_DEPTH		8

/**
 * struct fdbox_record - a handler's part of a handed-over fd record
 * @name: the fd's name in its box, checked, NUL-terminated
 * @version: the payload version the previous kernel's handler wrote
 * @size: bytes of @payload it wrote, at most %FDBOX_HANDLER_PAYLOAD_MAX
 * @payload: those bytes, 8-byte aligned, untrusted: the handler checks
 *           every field before using it
 */
struct fdbox_record {
	const char *name;
	u32 version;
	u32 size;
	const void *payload;
};

/**
 * struct fdbox_handler - how FDBox holds one type of file
 * @owner: the module that implements the hooks (THIS_MODULE). Every fd of
 *         this type in a box holds a reference to it, so the module stays
 *         loaded for as long as FDBox may call a hook.
 * @type: FDBOX_FD_TYPE_* reported to userspace; unique among registered
 *        handlers, not 0
 * @name: short name of the type, for messages
 * @compatible: the type in the handover, "vendor,type" (shorter than
 *              %FDBOX_KHO_COMPAT_LEN); unique among registered handlers;
 *              required with the handover hooks. A handler without them
 *              may name the type it would hand over, so that a record of
 *              it is reported as one this kernel cannot restore rather
 *              than as one of a type no module handles.
 * @version: version of the payload @emit writes
 * @recognise: return true if @file is of the type this handler holds. Only
 *             files some handler recognises can be put into a box. Called
 *             under the handler registry lock (a mutex): it must not
 *             register or unregister handlers.
 * @put: validate @fd->file when the file enters a box; may set @fd->priv.
 *       Usually called without the box lock, but with it held if the
 *       caller's descriptor changed under PUT_FD. Return 0 or a negative
 *       errno.
 * @seal: check the dependencies of @fd and serialize it for handover (pin
 *        memory, record it) into @fd->seal_data. An object that needs
 *        another fd of the box names it with fdbox_seal_depend() and
 *        records its name. Called with the box lock held. On error nothing
 *        of @fd may stay serialized. NULL for a type that can be held but
 *        not handed over: SEAL refuses a box holding one, with
 *        %-EOPNOTSUPP and a message.
 * @unseal: undo @seal in the same kernel: unpin, discard @fd->seal_data.
 *          Called with the box lock held. Cannot fail.
 * @restore: after kexec, create @fd->file from @fd->restore_data (what the
 *           previous kernel handed over) and consume it. The files of the
 *           fds it depends on come from fdbox_restore_depend(), which
 *           restores them first; its errors are returned as they are.
 *           Called with the box lock held, once per fd and successful
 *           call. -EINVAL or -EIO mean the handed-over data is damaged and
 *           the fd can never be restored; -ENOPKG that a dependency waits
 *           for its type's module; after any other error a later call may
 *           succeed (it resumes: nothing handed over may be lost by a
 *           failed call).
 * @release: free the handler state of @fd (@fd->priv, and @fd->restore_data
 *           of a fd never restored). The file reference itself belongs to
 *           FDBox. Called with or without the box lock.
 * @size: bytes @fd->file holds, charged against the max_bytes limit.
 * @emit: write the handover record of a sealed @fd, from @fd->seal_data,
 *        into @payload (%FDBOX_HANDLER_PAYLOAD_MAX bytes, zeroed, 8-byte
 *        aligned): a layout of the handler's own, @version. Return the
 *        bytes written. Called with the box lock held; cannot fail.
 * @freeze: optional; bring the record @emit wrote into @payload up to date
 *          with state that may change after SEAL (a counter), as it is when
 *          the reboot begins. The record must stay one @load accepts, of
 *          the same size. Called once, from the reboot notifier, after the
 *          handover is frozen (no box can be unsealed, changed or deleted
 *          any more), without the box lock; cannot fail and must not
 *          sleep for long.
 * @load: in the new kernel, check the record @rec (untrusted: its version,
 *        size and every field) and copy what restore needs into *@data,
 *        without touching preserved file data; *@size gets the bytes the
 *        fd holds. Return 0 or a negative errno (-EINVAL for a record it
 *        refuses, such as an unknown version), with a message saying what
 *        is wrong.
 * @unload: free *@data of @load for a fd that never entered a box.
 * @record_bytes: bytes of memory the record @rec (untrusted) keeps
 *                reserved, for reporting records that were refused (0 if
 *                it cannot tell).
 * @unclaimed: bytes of handed-over memory a fd without a file still keeps
 *             reserved (its @restore_data). Called with the box lock held.
 * @shared: optional; true if someone besides FDBox (the Live Update
 *          Orchestrator) now hands over the memory of the sealed @fd too,
 *          for a warning at reboot. Called with the box lock held.
 * @identity: optional; the object @fd->file stands for (an inode, a
 *            context), which SEAL hands over once: it refuses (-EBUSY) a
 *            box in which two fds of this type, or one of it and one of
 *            another sealed box, have the same identity. NULL (hook or
 *            answer): the file itself. Called with the box lock held.
 * @list: private to FDBox: entry in the handler registry
 * @users: private to FDBox: fds of this type in boxes, and lookups in
 *         progress; unregistering fails while it is not 0
 *
 * @recognise, @put, @release and @size are required. The hooks that carry
 * a file across kexec, @seal, @unseal, @restore, @emit, @load, @unload,
 * @record_bytes and @unclaimed, come all together or not at all.
 *
 * A handler sees a &struct fdbox_fd through its whole life: put, then any
 * number of seal/unseal pairs (with a freeze after the last seal if the
 * kernel reboots), then release. A fd handed over by the previous kernel
 * starts without a file: restore, then the same cycle.
 */
struct fdbox_handler {
	struct module *owner;
	u32 type;
	const char *name;
	const char *compatible;
	u32 version;
	bool (*recognise)(struct file *file);
	int (*put)(struct fdbox_fd *fd);
	int (*seal)(struct fdbox_fd *fd);
	void (*unseal)(struct fdbox_fd *fd);
	int (*restore)(struct fdbox_fd *fd);
	void (*release)(struct fdbox_fd *fd);
	u64 (*size)(struct fdbox_fd *fd);
	u32 (*emit)(struct fdbox_fd *fd, void *payload);
	void (*freeze)(struct fdbox_fd *fd, void *payload);
	int (*load)(const struct fdbox_record *rec, void **data, u64 *size);
	void (*unload)(void *data);
	u64 (*record_bytes)(const struct fdbox_record *rec);
	u64 (*unclaimed)(struct fdbox_fd *fd);
	bool (*shared)(struct fdbox_fd *fd);
	const void *(*identity)(struct fdbox_fd *fd);

	struct list_head list;
	unsigned long users;
};

/**
 * struct fdbox_fd - a file held by a box
 * @list: entry in &fdbox_box.fds
 * @hnode: entry in &fdbox_box.fd_hash, while the box has one
 * @snode: entry in the objects of sealed fds (sealed.c), while sealed
 * @object: the object it stands for, while sealed
 * @hash: hash of @name, while the box has a name hash
 * @deps: the fds of the box this one depends on, while sealed
 *        (fdbox_seal_depend())
 * @nr_deps: entries of @deps in use
 * @depth: most dependencies on a path from this fd, while SEAL checks them
 * @restoring: its restore hook is running (fdbox_restore_depend())
 * @damaged: its handed-over data was found damaged: the error, returned
 *           again without a new attempt
 * @box: the box that holds this fd
 * @handler: handler of the file type (holding a reference to its module)
 * @file: the file (one reference), or NULL while a handed-over fd has not
 *        been restored yet
 * @priv: handler state for as long as the fd is in the box
 * @seal_data: what the seal hook recorded for handover, while sealed
 * @restore_data: what the previous kernel handed over, until restored
 * @size: bytes charged for this fd (against max_bytes)
 * @seal_size: bytes of the file when SEAL charged it, @size once sealed
 * @name: name of the fd within the box, NUL-terminated
 *
 * All fields but @name and @handler are protected by the box lock once the
 * fd is in a box. A handler owns @priv, @seal_data and @restore_data, and
 * reads @file and @name.
 */
struct fdbox_fd {
	struct list_head list;
	struct hlist_node hnode;
	struct hlist_node snode;
	const void *object;
	u32 hash;
	struct fdbox_fd *deps[FDBOX_FD_DEPS];
	u8 nr_deps;
	u8 depth;
	bool restoring;
	int damaged;
	struct fdbox_box *box;
	const struct fdbox_handler *handler;
	struct file *file;
	void *priv;
	void *seal_data;
	void *restore_data;
	u64 size;
	u64 seal_size;
	char name[FDBOX_NAME_LEN];
};

int fdbox_register_handler(struct fdbox_handler *handler);
int fdbox_unregister_handler(struct fdbox_handler *handler);
const struct fdbox_fd *fdbox_seal_depend(struct fdbox_fd *fd,
					 const void *object);
struct file *fdbox_restore_depend(struct fdbox_fd *fd, const char *name);

#endif /* _FDBOX_HANDLER_H */
