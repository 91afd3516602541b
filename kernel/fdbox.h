/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox internal types and the file handler interface.
 */

#ifndef _FDBOX_H
#define _FDBOX_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/fdbox.h>

/*
 * Boxes of up to FDBOX_FD_LIST_MAX fds find names in their list; larger ones
 * in a hash of 16 to 1M buckets (box.c).
 */
#define FDBOX_FD_LIST_MAX	8
#define FDBOX_FD_HASH_MIN_BITS	4
#define FDBOX_FD_HASH_MAX_BITS	20

struct fdbox_fd;
struct fdbox_kho_fd;
struct fdbox_handover_box;

/**
 * struct fdbox_handler - how FDBox holds one type of file
 * @type: FDBOX_FD_TYPE_* reported to userspace and written to the handover
 * @name: short name of the type, for messages
 * @recognise: return true if @file is of the type this handler holds. Only
 *             files some handler recognises can be put into a box.
 * @put: validate @fd->file when the file enters a box; may set @fd->priv.
 *       Usually called without the box lock, but with it held if the
 *       caller's descriptor changed under PUT_FD. Return 0 or a negative
 *       errno.
 * @seal: check the dependencies of @fd and serialize it for handover (pin
 *        memory, record it) into @fd->seal_data. Called with the box lock
 *        held. On error nothing of @fd may stay serialized.
 * @unseal: undo @seal in the same kernel: unpin, discard @fd->seal_data.
 *          Called with the box lock held. Cannot fail.
 * @restore: after kexec, create @fd->file from @fd->restore_data (what the
 *           previous kernel handed over) and consume it. Called with the box
 *           lock held, once per fd and successful call. -EINVAL or -EIO mean
 *           the handed-over data is damaged and the fd can never be
 *           restored; after any other error a later call may succeed (it
 *           resumes: nothing handed over may be lost by a failed call).
 * @release: free the handler state of @fd (@fd->priv, and @fd->restore_data
 *           of a fd never restored). The file reference itself belongs to
 *           box.c. Called with or without the box lock.
 * @size: bytes @fd->file holds, charged against the max_bytes limit.
 * @emit: write the type-specific part of the handover record @rec of a
 *        sealed @fd from @fd->seal_data. Called with the box lock held.
 * @load: in the new kernel, check the handover record @rec (untrusted) and
 *        copy what restore needs into *@data, without touching preserved
 *        file data; *@size gets the bytes the fd holds. Return 0 or a
 *        negative errno, with a message saying what is wrong.
 * @unload: free *@data of @load for a fd that never entered a box.
 * @record_bytes: bytes of memory a handover record keeps reserved, for
 *                reporting records that were refused (0 if unknown).
 * @unclaimed: bytes of handed-over memory a fd without a file still keeps
 *             reserved (its @restore_data). Called with the box lock held.
 * @shared: optional; true if someone besides FDBox (the Live Update
 *          Orchestrator) now hands over the memory of the sealed @fd too,
 *          for a warning at reboot. Called with the box lock held.
 *
 * A handler sees a &struct fdbox_fd through its whole life: put, then any
 * number of seal/unseal pairs, then release. A fd handed over by the previous
 * kernel starts without a file: restore, then the same cycle.
 */
struct fdbox_handler {
	u32 type;
	const char *name;
	bool (*recognise)(struct file *file);
	int (*put)(struct fdbox_fd *fd);
	int (*seal)(struct fdbox_fd *fd);
	void (*unseal)(struct fdbox_fd *fd);
	int (*restore)(struct fdbox_fd *fd);
	void (*release)(struct fdbox_fd *fd);
	u64 (*size)(struct fdbox_fd *fd);
	void (*emit)(struct fdbox_fd *fd, struct fdbox_kho_fd *rec);
	int (*load)(const struct fdbox_kho_fd *rec, void **data, u64 *size);
	void (*unload)(void *data);
	u64 (*record_bytes)(const struct fdbox_kho_fd *rec);
	u64 (*unclaimed)(struct fdbox_fd *fd);
	bool (*shared)(struct fdbox_fd *fd);
};

/**
 * struct fdbox_fd - a file held by a box
 * @list: entry in &fdbox_box.fds
 * @hnode: entry in &fdbox_box.fd_hash, while the box has one
 * @hash: hash of @name, while the box has a name hash
 * @box: the box that holds this fd
 * @handler: handler of the file type
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
 * fd is in a box.
 */
struct fdbox_fd {
	struct list_head list;
	struct hlist_node hnode;
	u32 hash;
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

/**
 * struct fdbox_box - a box: a named set of fds with a device node
 * @dev: the box device, /dev/fdbox/<name>; its reference count is the
 *       lifetime of the box. The registry holds one reference, every open
 *       file of the box device holds one through @cdev.
 * @cdev: character device of @dev
 * @node: entry in the registry list, protected by the registry lock
 * @name: box name, NUL-terminated, never changes
 * @lock: the box lock, protects all fields below
 * @state: FDBOX_STATE_*
 * @dead: the box was deleted; open files of its device see ENOENT
 * @broken: a restored box with an fd whose handed-over data is damaged: it
 *          can never become OPEN; its restored fds can be taken out with
 *          GET_FD and DELETE_BOX drops the rest
 * @fds: list of &struct fdbox_fd, in the order they entered the box
 * @nr_fds: number of entries in @fds
 * @fd_hash: the same fds by name in 1 << @fd_hash_bits buckets, or NULL
 *           while the box holds few fds (box.c)
 * @fd_hash_bits: log2 of the number of buckets of @fd_hash
 * @bytes: sum of &fdbox_fd.size over @fds
 * @handover: the box's place in the handover while it is sealed (handover.c)
 */
struct fdbox_box {
	struct device dev;
	struct cdev cdev;
	struct list_head node;
	char name[FDBOX_NAME_LEN];

	struct mutex lock;	/* the box lock, see box.c */
	u32 state;
	bool dead;
	bool broken;
	struct list_head fds;
	unsigned int nr_fds;
	struct hlist_head *fd_hash;
	unsigned int fd_hash_bits;
	u64 bytes;
	struct fdbox_handover_box *handover;
};

/* main.c: devices */
void fdbox_box_device_init(struct fdbox_box *box);
int fdbox_box_device_add(struct fdbox_box *box);
void fdbox_box_device_del(struct fdbox_box *box);

/* box.c: names, registry, box state machine */
int fdbox_check_name(const u8 *name);
int fdbox_check_box_name(const u8 *name);
int fdbox_create_box(const char *name);
int fdbox_delete_box(const char *name);
int fdbox_box_put_fd(struct fdbox_box *box, unsigned int fd, const char *name);
int fdbox_box_get_fd(struct fdbox_box *box, const char *name);
int fdbox_box_seal(struct fdbox_box *box);
int fdbox_box_unseal(struct fdbox_box *box);
int fdbox_list(struct fdbox_box *box, struct fdbox_list *args);
const char *fdbox_state_name(u32 state);
struct fdbox_box *fdbox_restored_box_alloc(const char *name);
int fdbox_restored_box_add_fd(struct fdbox_box *box, const char *name,
			      u32 type, u64 size, void *data);
int fdbox_restored_box_publish(struct fdbox_box *box);
void fdbox_restored_box_discard(struct fdbox_box *box);
const struct fdbox_handler *fdbox_handler_find(struct file *file);
const struct fdbox_handler *fdbox_handler_by_type(u32 type);
void fdbox_report_leftovers(void);

/* memfd.c */
extern const struct fdbox_handler fdbox_memfd_handler;

/* handover.c */
int fdbox_handover_init(void);
void fdbox_handover_restore(void);
void fdbox_handover_exit(void);
bool fdbox_handover_available(void);
bool fdbox_handover_frozen(void);
void fdbox_handover_freeze(void);
int fdbox_handover_check(struct fdbox_box *box);
int fdbox_handover_publish(struct fdbox_box *box);
int fdbox_handover_withdraw(struct fdbox_box *box);
u64 fdbox_handover_refused_bytes(void);
void fdbox_handover_add_unclaimed(u64 bytes);

#endif /* _FDBOX_H */
