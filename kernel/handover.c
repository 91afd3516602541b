// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox handover of sealed boxes through Kexec HandOver (KHO).
 */

/**
 * DOC: Handover
 *
 * Outgoing (this kernel hands boxes to the next one): at module load FDBox
 * registers one KHO subtree, %FDBOX_KHO_SUBTREE, whose blob is the root
 * directory (&struct fdbox_kho_root, preserved memory of its own). SEAL of a
 * box, once every handler has pinned and recorded its fd, writes a box blob
 * (&struct fdbox_kho_box and one &struct fdbox_kho_fd per fd) into vmalloc
 * memory, preserves it with kho_preserve_vmalloc() and publishes it in a free
 * slot of the root. UNSEAL in the same kernel clears the slot and
 * unpreserves the blob before the handlers unpin their fds. KHO in Linux 7.3
 * hands over memory as it is at reboot(), so nothing needs to happen at
 * kexec time and kexec cannot fail because of FDBox.
 *
 * Incoming (module load after a kexec): the root handed over by the previous
 * kernel is found with kho_retrieve_subtree() and checked (magic, version,
 * sizes) before anything else is read; a root FDBox cannot read is left
 * untouched with one message. The root is consumed (see below) before any
 * slot is used; then each used slot's box blob is read in place
 * (kho_vm.c), validated completely and turned into a box in state
 * FDBOX_STATE_RESTORED whose fds hold the validated records (the handler's
 * load hook copies what it needs; nothing of the preserved file data is
 * touched before UNSEAL); only then is the blob claimed and freed. A box
 * that does not check out is not created; its blob and file data stay
 * reserved, untouched, counted as unclaimed and reported. Because the root
 * is consumed before any slot is used, loading the module again in the same
 * kernel cannot restore anything twice.
 *
 * On the way into a kexec a reboot notifier freezes the handover: from then
 * on nothing is published or withdrawn (SEAL and UNSEAL fail with EBUSY,
 * and box.c refuses PUT_FD, GET_FD and DELETE_BOX too), so the next kernel
 * finds exactly the boxes that were sealed when the reboot began. Then the
 * handlers with a freeze hook bring the records of their sealed fds up to
 * date (an eventfd's counter), in place in the published blobs, and the
 * notifier reports what will not be handed over (open boxes, and restored
 * boxes never unsealed). It cannot fail the kexec.
 *
 * Limits: SEAL asks fdbox_handover_check() first, which refuses a box the
 * next kernel would refuse for its size (handover_abi.h, "Limits"); each
 * handler checks its own record's limits in its seal hook.
 *
 * Module load: fdbox_handover_init() prepares the outgoing side and can
 * fail; fdbox_handover_restore() recreates the handed-over boxes and cannot.
 * main.c calls the latter only once nothing else of the module load can
 * fail, so that a failed load consumes no slot and leaves no box device
 * behind: the next load finds the boxes as the previous kernel left them.
 *
 * The incoming root is checked in place, then claimed from KHO and never
 * freed: the first load that reads its slots marks it consumed
 * (%FDBOX_KHO_ROOT_CONSUMED in place of its magic, written only once the
 * memory is the module's), and every later load of the module in this
 * kernel finds it so and reads no slot. Nothing is written into handed-over
 * memory that has not been claimed.
 *
 * Locking: fdbox_handover_lock protects the outgoing root and the unclaimed
 * byte count. It nests inside the box lock (SEAL and UNSEAL hold the box
 * lock when they publish or withdraw a box).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include "debug.h"
#include "fdbox.h"
#include "handover_abi.h"
#include "kho_vm.h"

/* The outgoing root: 16 KiB, header and 511 slots. */
#define FDBOX_KHO_ROOT_ORDER	2
#define FDBOX_KHO_ROOT_SIZE	(PAGE_SIZE << FDBOX_KHO_ROOT_ORDER)
#define FDBOX_KHO_ROOT_SLOTS	((FDBOX_KHO_ROOT_SIZE - \
				  sizeof(struct fdbox_kho_root)) / \
				 sizeof(struct fdbox_kho_box_ref))

/*
 * Written over the magic of an incoming root once it is claimed: this
 * kernel has read its slots. Never handed over ("USED").
 */
#define FDBOX_KHO_ROOT_CONSUMED	0x44455355u

/* Pages of the largest incoming box blob. */
#define FDBOX_KHO_BOX_MAX_PAGES	DIV_ROUND_UP(FDBOX_KHO_BOX_MAX_SIZE, PAGE_SIZE)

static DEFINE_MUTEX(fdbox_handover_lock);
static struct fdbox_kho_root *fdbox_out_root;
static u64 fdbox_refused_bytes;
/* A reboot is under way: the handover must not change any more. */
static bool fdbox_frozen;
/* The published boxes, &fdbox_handover_box.node */
static LIST_HEAD(fdbox_published);

/**
 * struct fdbox_handover_box - a sealed box published for the next kernel
 * @node: entry in fdbox_published
 * @box: the box
 * @blob: the box blob (vmalloc memory, preserved)
 * @slot: index of its slot in the outgoing root
 */
struct fdbox_handover_box {
	struct list_head node;
	struct fdbox_box *box;
	struct fdbox_kho_box *blob;
	unsigned int slot;
};

/**
 * fdbox_handover_available() - can sealed boxes be handed over?
 *
 * Context: Any.
 * Return: true when KHO is enabled and FDBox's subtree is registered.
 */
bool fdbox_handover_available(void)
{
	return READ_ONCE(fdbox_out_root);
}

/**
 * fdbox_handover_frozen() - has a reboot begun?
 *
 * Once the reboot notifier has run, FDBox changes no box any more: what
 * the next kernel finds is what was sealed when the reboot began.
 *
 * Context: Any.
 * Return: true from the reboot notifier on.
 */
bool fdbox_handover_frozen(void)
{
	return READ_ONCE(fdbox_frozen);
}

/**
 * fdbox_handover_check() - can the next kernel take this box?
 * @box: an open box about to be sealed
 *
 * Refuses, with a message, a box the next kernel's reader would refuse for
 * its size (handover_abi.h, "Limits"), before anything is sealed.
 *
 * Context: Process context. Called with the box lock held.
 * Return: 0, or %-EMFILE if the box holds more fds than one box blob can
 * describe.
 */
int fdbox_handover_check(struct fdbox_box *box)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	if (box->nr_fds > FDBOX_KHO_BOX_MAX_FDS) {
		pr_warn_ratelimited("box '%s' holds %u fds; at most %zu can be handed over in one box\n",
				    box->name, box->nr_fds, FDBOX_KHO_BOX_MAX_FDS);
		return -EMFILE;
	}
	list_for_each_entry(fd, &box->fds, list) {
		if (!fdbox_handler_can_seal(fd->handler)) {
			pr_warn_ratelimited("box '%s': fd '%s' of type %s can be held but not handed over on this kernel\n",
					    box->name, fd->name, fd->handler->name);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static struct fdbox_kho_box *fdbox_handover_build(struct fdbox_box *box,
						  size_t *sizep)
{
	struct fdbox_kho_box *blob;
	struct fdbox_fd *fd;
	unsigned int i = 0;
	size_t size;

	lockdep_assert_held(&box->lock);
	size = struct_size(blob, fds, box->nr_fds);
	blob = vzalloc(size);
	if (!blob)
		return NULL;
	blob->magic = FDBOX_KHO_BOX_MAGIC;
	blob->version = FDBOX_KHO_VERSION;
	blob->header_size = sizeof(*blob);
	blob->fd_size = sizeof(blob->fds[0]);
	blob->nr_fds = box->nr_fds;
	blob->bytes = box->bytes;
	blob->uid = from_kuid(&init_user_ns, box->params.uid);
	blob->gid = from_kgid(&init_user_ns, box->params.gid);
	blob->mode = box->params.mode;
	blob->max_bytes = box->params.max_bytes;
	strscpy_pad(blob->name, box->name);
	list_for_each_entry(fd, &box->fds, list) {
		struct fdbox_kho_fd *rec = &blob->fds[i++];

		strscpy_pad(rec->name, fd->name);
		strscpy_pad(rec->compatible, fd->handler->compatible);
		rec->version = fd->handler->version;
		rec->payload_size = fd->handler->emit(fd, rec->payload);
		WARN_ON_ONCE(rec->payload_size > sizeof(rec->payload));
	}
	*sizep = size;
	return blob;
}

/**
 * fdbox_handover_publish() - hand a box that was just sealed to the next kernel
 * @box: the box; every fd of it is sealed
 *
 * Context: Process context. Called with the box lock held; takes
 * fdbox_handover_lock.
 * Return: 0 on success, or
 * * %-EOPNOTSUPP - KHO is not enabled
 * * %-EBUSY - a reboot has begun (fdbox_handover_frozen())
 * * %-ENOSPC - every slot of the root is in use
 * * %-ENOMEM - out of memory
 * * an error of kho_preserve_vmalloc()
 */
int fdbox_handover_publish(struct fdbox_box *box)
{
	struct fdbox_kho_box_ref *ref;
	struct fdbox_handover_box *hb;
	unsigned int slot;
	size_t size;
	int err;

	lockdep_assert_held(&box->lock);
	if (WARN_ON_ONCE(box->handover))
		return -EINVAL;
	hb = kzalloc_obj(*hb);
	if (!hb)
		return -ENOMEM;
	hb->blob = fdbox_handover_build(box, &size);
	if (!hb->blob) {
		kfree(hb);
		return -ENOMEM;
	}

	scoped_guard(mutex, &fdbox_handover_lock) {
		err = -EOPNOTSUPP;
		if (!fdbox_out_root)
			break;
		err = -EBUSY;
		if (fdbox_frozen)
			break;
		for (slot = 0; slot < fdbox_out_root->nr_slots; slot++)
			if (!fdbox_out_root->boxes[slot].flags)
				break;
		err = -ENOSPC;
		if (slot == fdbox_out_root->nr_slots)
			break;
		ref = &fdbox_out_root->boxes[slot];
		err = kho_preserve_vmalloc(hb->blob, &ref->blob);
		if (err)
			break;
		ref->size = size;
		/* The slot is complete before it is marked used. */
		smp_wmb();
		WRITE_ONCE(ref->flags, FDBOX_KHO_SLOT_USED);
		hb->box = box;
		list_add_tail(&hb->node, &fdbox_published);
	}
	if (err) {
		vfree(hb->blob);
		kfree(hb);
		return err;
	}
	hb->slot = slot;
	box->handover = hb;
	pr_info_ratelimited("box '%s' sealed for handover: %u fds, %llu bytes\n",
			    box->name, box->nr_fds, box->bytes);
	return 0;
}

/**
 * fdbox_handover_withdraw() - take a box out of the handover again
 * @box: a box published with fdbox_handover_publish()
 *
 * Context: Process context. Called with the box lock held; takes
 * fdbox_handover_lock.
 * Return: 0, or %-EBUSY if a reboot has begun: the box stays published.
 */
int fdbox_handover_withdraw(struct fdbox_box *box)
{
	struct fdbox_handover_box *hb = box->handover;
	struct fdbox_kho_box_ref *ref;

	lockdep_assert_held(&box->lock);
	if (WARN_ON_ONCE(!hb))
		return -EINVAL;
	scoped_guard(mutex, &fdbox_handover_lock) {
		if (fdbox_frozen)
			return -EBUSY;
		ref = &fdbox_out_root->boxes[hb->slot];
		WRITE_ONCE(ref->flags, 0);
		kho_unpreserve_vmalloc(&ref->blob);
		memset(ref, 0, sizeof(*ref));
		list_del(&hb->node);
	}
	vfree(hb->blob);
	kfree(hb);
	box->handover = NULL;
	return 0;
}

/**
 * fdbox_handover_refused_bytes() - handed-over bytes no box can claim
 *
 * Context: Process context.
 * Return: bytes of file data in boxes the previous kernel handed over that
 * were refused at load; they stay reserved until the next reboot.
 */
u64 fdbox_handover_refused_bytes(void)
{
	guard(mutex)(&fdbox_handover_lock);
	return fdbox_refused_bytes;
}

/**
 * fdbox_handover_add_unclaimed() - count handed-over memory nobody can claim
 * @bytes: bytes that stay reserved until the next reboot (saturating)
 *
 * For memory of boxes deleted before every fd was restored; reported with
 * the refused boxes' by fdbox_handover_refused_bytes().
 *
 * Context: Process context.
 */
void fdbox_handover_add_unclaimed(u64 bytes)
{
	guard(mutex)(&fdbox_handover_lock);
	if (check_add_overflow(fdbox_refused_bytes, bytes, &fdbox_refused_bytes))
		fdbox_refused_bytes = U64_MAX;
}

/* Check a box blob handed over by the previous kernel, header and records. */
static int fdbox_handover_check_box(const struct fdbox_kho_box *blob,
				    size_t size, unsigned int slot)
{
	size_t want;

	if (size < sizeof(*blob)) {
		pr_err("handover slot %u: box blob of %zu bytes is shorter than its header; box refused\n",
		       slot, size);
		return -EINVAL;
	}
	if (blob->magic != FDBOX_KHO_BOX_MAGIC ||
	    blob->version != FDBOX_KHO_VERSION ||
	    blob->header_size != sizeof(*blob) ||
	    blob->fd_size != sizeof(blob->fds[0]) || blob->flags) {
		pr_err("handover slot %u: not an FDBox box blob of version %u (magic %#x, version %u, header %u bytes, fd record %u bytes, flags %#x); box refused\n",
		       slot, FDBOX_KHO_VERSION, blob->magic, blob->version,
		       blob->header_size, blob->fd_size, blob->flags);
		return -EINVAL;
	}
	want = struct_size(blob, fds, blob->nr_fds);
	if (want != size) {
		pr_err("handover slot %u: %u fds need %zu bytes, blob has %zu; box refused\n",
		       slot, blob->nr_fds, want, size);
		return -EINVAL;
	}
	if (!memchr(blob->name, 0, sizeof(blob->name)) ||
	    fdbox_check_box_name(blob->name)) {
		pr_err("handover slot %u: bad box name; box refused\n", slot);
		return -EINVAL;
	}
	if (!uid_valid(make_kuid(&init_user_ns, blob->uid)) ||
	    !gid_valid(make_kgid(&init_user_ns, blob->gid)) ||
	    (blob->mode & ~0777) || blob->reserved) {
		pr_err("box '%s': bad owner, group or mode of its node (uid %u, gid %u, mode %#o, reserved %#x); box refused\n",
		       blob->name, blob->uid, blob->gid, blob->mode,
		       blob->reserved);
		return -EINVAL;
	}
	return 0;
}

/*
 * Check an fd record, untrusted, and describe its payload in @rec. Return
 * NULL, or what is wrong with it.
 */
static const char *fdbox_handover_fd_fault(const struct fdbox_kho_fd *kfd,
					   struct fdbox_record *rec)
{
	const u8 *compat = kfd->compatible;
	size_t len = strnlen(compat, sizeof(kfd->compatible));

	if (!memchr(kfd->name, 0, sizeof(kfd->name)) ||
	    fdbox_check_name(kfd->name) || kfd->flags || kfd->reserved)
		return "bad name or flags";
	if (!len || len == sizeof(kfd->compatible) ||
	    memchr_inv(compat + len, 0, sizeof(kfd->compatible) - len))
		return "bad file type string";
	if (kfd->payload_size > sizeof(kfd->payload) ||
	    memchr_inv(kfd->payload + kfd->payload_size, 0,
		       sizeof(kfd->payload) - kfd->payload_size))
		return "payload larger than its record, or followed by garbage";
	rec->name = (const char *)kfd->name;
	rec->version = kfd->version;
	rec->size = kfd->payload_size;
	rec->payload = kfd->payload;
	return NULL;
}

/*
 * The type and payload of fd record @i of a refused box blob of @len bytes,
 * as far as they can be read there (a blob cut short may still describe
 * all its memory): NULL if they cannot, else the compatible string.
 */
static const char *fdbox_handover_fd_peek(const struct fdbox_kho_box *blob,
					  u64 len, u64 i,
					  struct fdbox_record *rec)
{
	const size_t head = offsetof(struct fdbox_kho_fd, payload);
	const struct fdbox_kho_fd *kfd = &blob->fds[i];
	u64 off = sizeof(*blob) + i * sizeof(*kfd);

	if (off + head > len || kfd->payload_size > sizeof(kfd->payload) ||
	    off + head + kfd->payload_size > len ||
	    !memchr(kfd->compatible, 0, sizeof(kfd->compatible)))
		return NULL;
	rec->name = memchr(kfd->name, 0, sizeof(kfd->name)) ?
		    (const char *)kfd->name : "(unterminated)";
	rec->version = kfd->version;
	rec->size = kfd->payload_size;
	rec->payload = kfd->payload;
	return (const char *)kfd->compatible;
}

/*
 * Bytes of file data the records of a refused box describe, as far as they
 * can be read: records whose type and payload lie in the @len bytes there
 * are, of a type a handler takes (their names and flags do not matter
 * here; the handler checks the payload). False when that is not every
 * record: the bytes are then a lower bound.
 */
static bool fdbox_handover_box_bytes(const struct fdbox_kho_box *blob,
				     u64 len, u64 *bytesp)
{
	const struct fdbox_handler *handler;
	struct fdbox_record rec;
	const char *compat;
	bool all = true;
	u64 bytes = 0, i, n;

	*bytesp = 0;
	if (!blob || len < sizeof(*blob) ||
	    blob->magic != FDBOX_KHO_BOX_MAGIC ||
	    blob->fd_size != sizeof(blob->fds[0]))
		return false;
	n = min_t(u64, blob->nr_fds,
		  DIV_ROUND_UP(len - sizeof(*blob), sizeof(blob->fds[0])));
	for (i = 0; i < n; i++) {
		compat = fdbox_handover_fd_peek(blob, len, i, &rec);
		handler = compat ? fdbox_handler_get_compatible(compat) : NULL;
		if (!handler)
			all = false;
		else if (check_add_overflow(bytes, handler->record_bytes(&rec),
					    &bytes))
			bytes = U64_MAX;
		fdbox_handler_put(handler);
	}
	*bytesp = bytes;
	return all && n == blob->nr_fds;
}

/*
 * Keep fd record @kfd (described by @rec), of a type no handler takes yet,
 * in restored @box until one does.
 */
static int fdbox_handover_add_unbound(struct fdbox_box *box,
				      const struct fdbox_kho_fd *kfd,
				      const struct fdbox_record *rec)
{
	struct fdbox_unbound *u;
	int err;

	u = kzalloc_obj(*u);
	if (!u)
		return -ENOMEM;
	strscpy(u->compatible, kfd->compatible);
	u->rec = *rec;
	u->rec.name = NULL;	/* the fd's own, once bound */
	memcpy(u->payload, rec->payload, rec->size);
	u->rec.payload = u->payload;
	err = fdbox_restored_box_add_fd(box, rec->name, NULL, 0, u);
	if (err) {
		pr_err("box '%s': fd '%s': %pe\n", box->name, rec->name,
		       ERR_PTR(err));
		kfree(u);
		return err;
	}
	if (fdbox_handler_hold_only(u->compatible))
		pr_warn("box '%s': fd '%s' is of type '%s', which this kernel can hold but not restore; UNSEAL restores the box's other fds for GET_FD\n",
			box->name, rec->name, u->compatible);
	else
		pr_warn("box '%s': fd '%s' is of type '%s', which no loaded module handles yet; UNSEAL restores it once one does\n",
			box->name, rec->name, u->compatible);
	return 0;
}

/* Turn a checked box blob into a restored box. */
static int fdbox_handover_load_box(const struct fdbox_kho_box *blob)
{
	const char *bname = (const char *)blob->name;
	const struct fdbox_handler *handler;
	struct fdbox_box_params params = {
		.uid = make_kuid(&init_user_ns, blob->uid),
		.gid = make_kgid(&init_user_ns, blob->gid),
		.mode = blob->mode,
		.max_bytes = blob->max_bytes,
	};
	struct fdbox_record rec;
	struct fdbox_box *box;
	const char *fault;
	unsigned int i;
	void *data;
	u64 size;
	int err;

	box = fdbox_restored_box_alloc(bname, &params);
	if (IS_ERR(box))
		return PTR_ERR(box);
	for (i = 0; i < blob->nr_fds; i++) {
		const struct fdbox_kho_fd *kfd = &blob->fds[i];

		fault = fdbox_handover_fd_fault(kfd, &rec);
		if (fault) {
			pr_err("box '%s': fd record %u: %s\n", bname, i, fault);
			err = -EINVAL;
			goto err_discard;
		}
		handler = fdbox_handler_get_compatible((const char *)kfd->compatible);
		if (!handler) {
			err = fdbox_handover_add_unbound(box, kfd, &rec);
			if (err)
				goto err_discard;
			continue;
		}
		err = handler->load(&rec, &data, &size);
		if (err) {
			fdbox_handler_put(handler);
			goto err_discard;
		}
		err = fdbox_restored_box_add_fd(box, rec.name, handler, size,
						data);
		if (err) {
			pr_err("box '%s': fd '%s': %pe\n", bname, rec.name,
			       ERR_PTR(err));
			handler->unload(data);
			fdbox_handler_put(handler);
			goto err_discard;
		}
	}
	err = fdbox_restored_box_publish(box);
	if (err) {
		pr_err("box '%s': cannot recreate it: %pe\n", bname,
		       ERR_PTR(err));
		goto err_discard;
	}
	pr_info("box '%s' handed over by the previous kernel: %u fds, %llu bytes; UNSEAL restores them\n",
		bname, blob->nr_fds, blob->bytes);
	return 0;

err_discard:
	fdbox_restored_box_discard(box);
	return err;
}

/*
 * Copy a handed-over box blob out of its pages: the @size bytes announced,
 * or all its pages hold if that is less (*@len says how much was copied).
 */
static struct fdbox_kho_box *fdbox_handover_copy_blob(const struct fdbox_kho_vm *vm,
						      u64 size, u64 *len)
{
	struct fdbox_kho_box *blob;
	u64 off;

	*len = min_t(u64, size, vm->nr_pages << PAGE_SHIFT);
	if (!*len)
		return NULL;
	blob = vmalloc(*len);
	if (!blob)
		return NULL;
	for (off = 0; off < *len; off += PAGE_SIZE)
		memcpy((u8 *)blob + off, vm->pages[off >> PAGE_SHIFT],
		       min_t(u64, PAGE_SIZE, *len - off));
	return blob;
}

/*
 * Find the pages of the blob of slot @slot of the incoming root, reading
 * them in place; nothing is claimed yet.
 */
static int fdbox_handover_map_slot(struct fdbox_kho_box_ref *ref,
				   unsigned int slot, struct fdbox_kho_vm *vm)
{
	struct kho_vmalloc desc = ref->blob;
	int err;

	err = fdbox_kho_vm_map(&desc, FDBOX_KHO_BOX_MAX_PAGES, vm);
	if (err)
		pr_err("handover slot %u: box blob descriptor damaged (%pe); box refused\n",
		       slot, ERR_PTR(err));
	return err;
}

/*
 * Recreate the box of slot @slot from its mapped blob of @size bytes. The
 * blob is claimed from KHO only once the box exists; a refused box leaves
 * all its memory reserved, untouched.
 */
static int fdbox_handover_take_slot(struct fdbox_kho_vm *vm, u64 size,
				    unsigned int slot)
{
	struct fdbox_kho_box *blob;
	u64 len, bytes;
	bool all;
	int err;

	blob = fdbox_handover_copy_blob(vm, size, &len);
	if (!blob) {
		err = len ? -ENOMEM : -EINVAL;
	} else if (len < size) {
		pr_err("handover slot %u: box blob of %llu bytes in %llu pages; box refused\n",
		       slot, size, vm->nr_pages);
		err = -EINVAL;
	} else {
		err = fdbox_handover_check_box(blob, size, slot);
		if (!err)
			err = fdbox_handover_load_box(blob);
	}
	if (!err) {
		fdbox_kho_vm_free(vm);
		vfree(blob);
		return 0;
	}
	all = fdbox_handover_box_bytes(blob, len, &bytes);
	fdbox_handover_add_unclaimed(bytes);
	if (all)
		pr_err("handover slot %u: box refused (%pe); its %llu bytes of file data stay reserved until the next reboot\n",
		       slot, ERR_PTR(err), bytes);
	else
		pr_err("handover slot %u: box refused (%pe); its file data (%llu bytes known, the blob does not tell all) stays reserved until the next reboot\n",
		       slot, ERR_PTR(err), bytes);
	fdbox_kho_vm_unmap(vm);
	vfree(blob);
	return err;
}

/*
 * Recreate the boxes of every used slot, in slot order. All blobs are
 * mapped before the first is claimed and freed, and a blob sharing a page
 * with an earlier slot's is refused: it would be read from freed memory.
 */
static void fdbox_handover_take_slots(struct fdbox_kho_root *root)
{
	unsigned int slot, nr_ok = 0, nr_bad = 0;
	struct fdbox_kho_vm *vms;
	struct xarray taken;
	u64 *sizes;
	int err;

	/* On the stack: xa_init() gives its lock the static key lockdep needs. */
	xa_init(&taken);
	vms = kvzalloc_objs(*vms, root->nr_slots);
	sizes = kvzalloc_objs(*sizes, root->nr_slots);
	if (!vms || !sizes) {
		pr_err("out of memory reading the handover; the previous kernel's boxes are left untouched\n");
		goto out;
	}
	for (slot = 0; slot < root->nr_slots; slot++) {
		struct fdbox_kho_box_ref *ref = &root->boxes[slot];

		if (!ref->flags)
			continue;
		if (ref->flags != FDBOX_KHO_SLOT_USED) {
			pr_err("handover slot %u: unknown flags %#llx; skipped\n",
			       slot, ref->flags);
			nr_bad++;
			continue;
		}
		sizes[slot] = ref->size;
		if (fdbox_handover_map_slot(ref, slot, &vms[slot]))
			nr_bad++;
	}
	for (slot = 0; slot < root->nr_slots; slot++) {
		if (!vms[slot].nr_chunks)
			continue;
		err = fdbox_kho_vm_take(&vms[slot], &taken);
		if (err) {
			pr_err("handover slot %u: box blob shares memory with an earlier slot's (%pe); box refused\n",
			       slot, ERR_PTR(err));
			fdbox_kho_vm_unmap(&vms[slot]);
			nr_bad++;
			continue;
		}
		if (fdbox_handover_take_slot(&vms[slot], sizes[slot], slot))
			nr_bad++;
		else
			nr_ok++;
	}
	if (nr_ok || nr_bad)
		pr_info("previous kernel handed over %u boxes: %u recreated, %u refused\n",
			nr_ok + nr_bad, nr_ok, nr_bad);
out:
	xa_destroy(&taken);
	kvfree(sizes);
	kvfree(vms);
}

/*
 * Claim the incoming root of @size bytes at @phys from KHO, for the life of
 * this kernel: it is never freed, so that a later load of the module finds
 * it marked consumed. Only then is it written.
 */
static bool fdbox_handover_claim_root(phys_addr_t phys, size_t size)
{
	unsigned int order = get_order(size);
	struct folio *folio;

	if (!fdbox_kho_preserved(phys, order)) {
		pr_err("handover root is not preserved memory of %zu bytes; left untouched\n",
		       size);
		return false;
	}
	folio = NULL;
	if (!fdbox_kho_claimed_check(phys, order))
		folio = fdbox_kho_claim_folio(phys, order);
	if (!folio) {
		pr_err("KHO cannot give back the handover root; left untouched\n");
		return false;
	}
	if (folio_order(folio) != order) {
		/* Ours now, but not what the subtree says: read none of it. */
		pr_err("handover root of %zu bytes in a folio of order %u; boxes refused\n",
		       size, folio_order(folio));
		WRITE_ONCE(((struct fdbox_kho_root *)folio_address(folio))->magic,
			   FDBOX_KHO_ROOT_CONSUMED);
		return false;
	}
	return true;
}

/**
 * fdbox_handover_restore() - recreate the boxes the previous kernel handed over
 *
 * Errors are reported and refuse the box concerned (or all of them), never
 * the module load. Consumes the slots it reads: call it only once nothing
 * else can fail the module load.
 *
 * Context: Module init, last step.
 */
void fdbox_handover_restore(void)
{
	struct fdbox_kho_root *root;
	phys_addr_t phys;
	size_t size;
	unsigned long pfn;
	int err;

	if (!kho_is_enabled())
		return;
	err = kho_retrieve_subtree(FDBOX_KHO_SUBTREE, &phys, &size);
	if (err) {
		if (err != -ENOENT)
			pr_err("cannot read the handover subtree: %pe\n",
			       ERR_PTR(err));
		return;
	}
	if (size < sizeof(*root) || size > FDBOX_KHO_ROOT_MAX ||
	    !PAGE_ALIGNED(phys)) {
		pr_err("handover root has %zu bytes: not FDBox's; left untouched\n",
		       size);
		return;
	}
	for (pfn = PHYS_PFN(phys); pfn <= PHYS_PFN(phys + size - 1); pfn++) {
		if (!pfn_to_online_page(pfn)) {
			pr_err("handover root is not in memory; left untouched\n");
			return;
		}
	}
	root = phys_to_virt(phys);
	if (root->magic == FDBOX_KHO_ROOT_CONSUMED) {
		pr_info("the previous kernel's boxes were recreated by an earlier load of the module\n");
		return;
	}
	if (root->magic != FDBOX_KHO_ROOT_MAGIC) {
		pr_err("handover root has a bad magic (%#x); left untouched\n",
		       root->magic);
		return;
	}
	if (root->version != FDBOX_KHO_VERSION) {
		pr_err("handover format version %u is not supported (this module reads version %u); the previous kernel's boxes are left untouched\n",
		       root->version, FDBOX_KHO_VERSION);
		return;
	}
	if (root->header_size != sizeof(*root) ||
	    root->slot_size != sizeof(root->boxes[0]) || root->flags ||
	    struct_size(root, boxes, root->nr_slots) > size) {
		pr_err("handover root of version %u is malformed; left untouched\n",
		       root->version);
		return;
	}
	if (!fdbox_handover_claim_root(phys, size))
		return;
	/* Claimed, so ours to write: later loads find it consumed. */
	WRITE_ONCE(root->magic, FDBOX_KHO_ROOT_CONSUMED);
	fdbox_handover_take_slots(root);
}

/*
 * Let the handlers of the fds of published box @hb bring their records up
 * to date (their freeze hooks). The handover is frozen: the box stays
 * sealed and its fds stay as they are, in the order of its blob.
 */
static void fdbox_handover_freeze_box(struct fdbox_handover_box *hb)
{
	struct fdbox_kho_fd *rec = hb->blob->fds;
	struct fdbox_fd *fd;

	lockdep_assert_held(&fdbox_handover_lock);
	list_for_each_entry(fd, &hb->box->fds, list) {
		if (fd->handler->freeze)
			fd->handler->freeze(fd, rec->payload);
		rec++;
	}
}

/**
 * fdbox_handover_freeze() - stop every change of the handover
 *
 * Waits for a publish or withdraw under way to finish; every later one
 * fails with %-EBUSY. Then the handlers of the fds of the published boxes
 * bring their records up to date (freeze hooks). There is no way back: a
 * reboot does not return.
 *
 * Context: Process context (reboot notifier; the debug knob).
 */
void fdbox_handover_freeze(void)
{
	struct fdbox_handover_box *hb;

	guard(mutex)(&fdbox_handover_lock);
	if (fdbox_frozen)
		return;
	WRITE_ONCE(fdbox_frozen, true);
	list_for_each_entry(hb, &fdbox_published, node)
		fdbox_handover_freeze_box(hb);
}

static int fdbox_handover_reboot(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	fdbox_handover_freeze();
	fdbox_report_leftovers();
	return NOTIFY_DONE;
}

static struct notifier_block fdbox_reboot_nb = {
	.notifier_call = fdbox_handover_reboot,
};

/**
 * fdbox_handover_init() - prepare the handover to the next kernel
 *
 * Registers FDBox's KHO subtree for the next kernel. Reads nothing the
 * previous kernel handed over (fdbox_handover_restore() does). Without KHO,
 * boxes work in this kernel but SEAL fails with EOPNOTSUPP.
 *
 * Context: Module init.
 * Return: 0, or the error of allocating or registering the subtree.
 */
int fdbox_handover_init(void)
{
	struct fdbox_kho_root *root;
	int err;

	if (!kho_is_enabled()) {
		pr_info("KHO is disabled (boot with kho=on): boxes cannot be sealed for handover\n");
		return 0;
	}
	err = fdbox_debug_fail_init("kho-root");
	if (err)
		return err;
	root = kho_alloc_preserve(FDBOX_KHO_ROOT_SIZE);
	if (IS_ERR(root))
		return PTR_ERR(root);
	root->magic = FDBOX_KHO_ROOT_MAGIC;
	root->version = FDBOX_KHO_VERSION;
	root->header_size = sizeof(*root);
	root->slot_size = sizeof(root->boxes[0]);
	root->nr_slots = FDBOX_KHO_ROOT_SLOTS;
	err = fdbox_debug_fail_init("kho-subtree") ?:
	      kho_add_subtree(FDBOX_KHO_SUBTREE, root, FDBOX_KHO_ROOT_SIZE);
	if (err) {
		pr_err("cannot register the KHO subtree '%s': %pe\n",
		       FDBOX_KHO_SUBTREE, ERR_PTR(err));
		kho_unpreserve_free(root);
		return err;
	}
	WRITE_ONCE(fdbox_out_root, root);
	register_reboot_notifier(&fdbox_reboot_nb);
	return 0;
}

/**
 * fdbox_handover_exit() - undo fdbox_handover_init()
 *
 * No box exists any more (each one holds a module reference), so no slot is
 * in use.
 *
 * Context: Module exit.
 */
void fdbox_handover_exit(void)
{
	struct fdbox_kho_root *root = fdbox_out_root;

	if (!root)
		return;
	unregister_reboot_notifier(&fdbox_reboot_nb);
	WRITE_ONCE(fdbox_out_root, NULL);
	kho_remove_subtree(root);
	kho_unpreserve_free(root);
}

#ifdef FDBOX_DEBUG
/**
 * fdbox_handover_debug_blob() - the published blob of a sealed box
 * @box: the box, sealed in this kernel
 * @refp: where to store its slot in the outgoing root
 *
 * For the debug knob (debug.c) only: the blob and the slot are preserved
 * memory the next kernel reads as they are at reboot.
 *
 * Context: Process context. The box lock is held, which keeps the box
 * published and its slot its own.
 * Return: the blob, or NULL if @box is not published.
 */
struct fdbox_kho_box *fdbox_handover_debug_blob(struct fdbox_box *box,
						struct fdbox_kho_box_ref **refp)
{
	struct fdbox_handover_box *hb = box->handover;

	lockdep_assert_held(&box->lock);
	if (!hb)
		return NULL;
	guard(mutex)(&fdbox_handover_lock);
	*refp = &fdbox_out_root->boxes[hb->slot];
	return hb->blob;
}
#endif /* FDBOX_DEBUG */
