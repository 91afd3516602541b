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
#include <linux/uidgid.h>
#include <linux/fdbox.h>
#include "fdbox_handler.h"

/*
 * Boxes of up to FDBOX_FD_LIST_MAX fds find names in their list; larger ones
 * in a hash of 16 to 1M buckets (box.c).
 */
#define FDBOX_FD_LIST_MAX	8
#define FDBOX_FD_HASH_MIN_BITS	4
#define FDBOX_FD_HASH_MAX_BITS	20

struct fdbox_handover_box;

/**
 * struct fdbox_box_params - what the creator of a box chose for it
 * @uid: owner of the box node
 * @gid: its group
 * @mode: its permission bits, no more than 0777
 * @max_bytes: most bytes the box may hold (besides the module's
 *             max_bytes for all boxes); 0: no limit of its own
 */
struct fdbox_box_params {
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u64 max_bytes;
};

/* A box unless its creator says otherwise: node 0600 root, no limit. */
#define FDBOX_PARAMS_DEFAULT	((struct fdbox_box_params){ \
	.uid = GLOBAL_ROOT_UID, .gid = GLOBAL_ROOT_GID, .mode = 0600 })

/**
 * struct fdbox_box - a box: a named set of fds with a device node
 * @dev: the box device, /dev/fdbox/<name>; its reference count is the
 *       lifetime of the box. The registry holds one reference, every open
 *       file of the box device holds one through @cdev.
 * @cdev: character device of @dev
 * @node: entry in the registry list, protected by the registry lock
 * @name: box name, NUL-terminated, never changes
 * @params: owner, group and mode of the box node, byte limit of the box;
 *          never change
 * @lock: the box lock, protects all fields below
 * @state: FDBOX_STATE_*
 * @dead: the box was deleted; open files of its device see ENOENT
 * @incomplete: a restored box whose UNSEAL found an fd of a type no
 *              registered handler takes: its restored fds can be taken out
 *              with GET_FD and DELETE_BOX drops the rest, until an UNSEAL
 *              after the handler registered restores them all
 * @broken: a restored box with an fd whose handed-over data is damaged: it
 *          can never become OPEN; its restored fds can be taken out with
 *          GET_FD and DELETE_BOX drops the rest
 * @fds: list of &struct fdbox_fd, in the order they entered the box
 * @nr_fds: number of entries in @fds
 * @fd_hash: the same fds by name in 1 << @fd_hash_bits buckets, or NULL
 *           while the box holds few fds (box.c)
 * @fd_hash_bits: log2 of the number of buckets of @fd_hash
 * @bytes: sum of &fdbox_fd.size over @fds
 * @restore_depth: nesting of fdbox_restore_depend() calls under way
 * @handover: the box's place in the handover while it is sealed (handover.c)
 */
struct fdbox_box {
	struct device dev;
	struct cdev cdev;
	struct list_head node;
	char name[FDBOX_NAME_LEN];
	struct fdbox_box_params params;

	struct mutex lock;	/* the box lock, see box.c */
	u32 state;
	bool dead;
	bool incomplete;
	bool broken;
	struct list_head fds;
	unsigned int nr_fds;
	struct hlist_head *fd_hash;
	unsigned int fd_hash_bits;
	u64 bytes;
	unsigned int restore_depth;
	struct fdbox_handover_box *handover;
};

/**
 * struct fdbox_unbound - a handed-over fd whose type had no handler yet
 * @compatible: its type, NUL-terminated
 * @rec: its record (@rec.payload points to @payload, @rec.name to the fd's
 *       name once it is in a box)
 * @payload: @rec.size bytes of payload, copied from the handover
 *
 * Kept as the &fdbox_fd.restore_data of an fd without a handler, until an
 * UNSEAL finds the handler of @compatible registered and hands it @rec.
 */
struct fdbox_unbound {
	char compatible[FDBOX_KHO_COMPAT_LEN];
	struct fdbox_record rec;
	u8 payload[FDBOX_KHO_FD_PAYLOAD] __aligned(8);
};

/* main.c: devices */
void fdbox_box_device_init(struct fdbox_box *box);
int fdbox_box_device_add(struct fdbox_box *box);
void fdbox_box_device_del(struct fdbox_box *box);

/* box.c: names, registry, box state machine */
int fdbox_check_name(const u8 *name);
int fdbox_check_box_name(const u8 *name);
int fdbox_create_box(const char *name, const struct fdbox_box_params *params);
int fdbox_delete_box(const char *name);
int fdbox_box_put_fd(struct fdbox_box *box, unsigned int fd, const char *name);
int fdbox_box_get_fd(struct fdbox_box *box, const char *name, bool keep);
int fdbox_box_seal(struct fdbox_box *box);
int fdbox_box_unseal(struct fdbox_box *box);
int fdbox_list(struct fdbox_box *box, struct fdbox_list *args);
const char *fdbox_state_name(u32 state);
struct fdbox_box *fdbox_restored_box_alloc(const char *name,
					   const struct fdbox_box_params *params);
int fdbox_restored_box_add_fd(struct fdbox_box *box, const char *name,
			      const struct fdbox_handler *handler, u64 size,
			      void *data);
int fdbox_restored_box_publish(struct fdbox_box *box);
void fdbox_restored_box_discard(struct fdbox_box *box);
void fdbox_report_leftovers(void);
struct fdbox_fd *fdbox_box_find_fd(struct fdbox_box *box, const char *name);
const char *fdbox_fd_type_name(struct fdbox_fd *fd);
int fdbox_fd_restore(struct fdbox_box *box, struct fdbox_fd *fd);

/* handler.c: the registered file types */
const struct fdbox_handler *fdbox_handler_find(struct file *file);
const struct fdbox_handler *fdbox_handler_get_compatible(const char *compatible);
void fdbox_handler_put(const struct fdbox_handler *handler);
bool fdbox_handler_can_seal(const struct fdbox_handler *handler);
bool fdbox_handler_hold_only(const char *compatible);

/* depend.c: fds that depend on other fds of their box */
int fdbox_depend_check(struct fdbox_box *box);

/* sealed.c: objects of sealed fds */
int fdbox_sealed_add(struct fdbox_box *box);
struct fdbox_fd *fdbox_sealed_find_in(struct fdbox_box *box,
				      const void *object);
void fdbox_sealed_del(struct fdbox_box *box);

/* memfd.c */
extern struct fdbox_handler fdbox_memfd_handler;

/* eventfd.c */
int fdbox_eventfd_init(void);
void fdbox_eventfd_exit(void);

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
