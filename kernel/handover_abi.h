/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox handover format: what one kernel leaves in memory for the next.
 */

#ifndef _FDBOX_HANDOVER_ABI_H
#define _FDBOX_HANDOVER_ABI_H

#include <linux/build_bug.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/limits.h>
#include <linux/sizes.h>
#include <linux/stddef.h>
#include <linux/types.h>

/**
 * DOC: FDBox handover format
 *
 * FDBox hands its sealed boxes to the next kernel through Kexec HandOver
 * (KHO). Everything below lives in memory preserved with KHO; the next kernel
 * finds it by name with kho_retrieve_subtree(). All fields are fixed-width
 * and in the byte order of the machine (kexec does not change architecture).
 * Every structure has explicit padding and a size checked at build time.
 *
 * One subtree for all boxes
 * -------------------------
 * FDBox registers exactly one KHO subtree, named %FDBOX_KHO_SUBTREE, whose
 * blob is a &struct fdbox_kho_root: a directory of fixed capacity whose
 * slots point to one blob per sealed box. One subtree rather than one per
 * box because the KHO root FDT of Linux 7.3 is a single 4 KiB page shared by
 * every KHO user: a node per box costs up to ~300 bytes with a 255-byte box
 * name, so a dozen boxes could exhaust it (and starve LUO). The directory
 * also gives one place to check the version before anything else is read.
 * The root blob is registered once (at module load) and edited in place on
 * SEAL and UNSEAL; KHO in 7.3 hands over the blob's memory as it is at
 * reboot time, so in-place edits are carried.
 *
 * Writers fill a box blob completely, preserve it, store its descriptor and
 * size into a free slot and finally set the slot's used flag (WRITE_ONCE()
 * after a write barrier); unpublishing clears the flag first. A reader
 * treats a slot without %FDBOX_KHO_SLOT_USED as empty, and clears the flag
 * of every slot it consumes, so the same box is never restored twice.
 *
 * Per-box blob
 * ------------
 * A &struct fdbox_kho_box followed by @nr_fds &struct fdbox_kho_fd records,
 * in vmalloc memory preserved with kho_preserve_vmalloc() (physically
 * contiguous memory would cap a box at about 6000 fds). The new kernel
 * claims it with kho_restore_vmalloc() and frees it once it has copied what
 * it needs.
 *
 * Fd records
 * ----------
 * Each &struct fdbox_kho_fd names its file type by a compatible string and
 * carries a payload of at most %FDBOX_KHO_FD_PAYLOAD bytes whose layout
 * belongs to the handler of that type (its own ABI header), with
 * the handler's own version. The payload may point to more preserved
 * memory the handler manages. A reader hands the payload only to a handler
 * registered with that compatible string, which checks the version and
 * every byte; a record of a type no handler takes, or of a version its
 * handler does not know, is refused like damaged data.
 *
 * Versioning
 * ----------
 * @version in the root (%FDBOX_KHO_VERSION) covers the format in this
 * file: any change of layout or meaning of any structure here bumps it. A
 * payload layout is versioned by its handler, in the record. Version 1,
 * whose fd records held the one file type's record in a union, and version
 * 2, whose box blobs had no owner, group, mode and byte limit, are
 * refused, not read
 * (no FDBox release wrote them). A reader
 * accepts only the versions it knows; on an unknown version, a bad magic or
 * an unexpected structure size it logs one clear message and touches
 * nothing, so the memory stays reserved and another kernel can still read
 * it. Box blobs repeat magic and version so that a stray pointer is caught.
 * Flags and reserved fields are written as 0 and must be read as 0.
 *
 * Everything read from the previous kernel is untrusted: readers check
 * every size, count, offset, string and table entry before using it.
 *
 * Limits
 * ------
 * Every bound a reader enforces is defined here, once, and the writer
 * checks the same bound before it seals anything: SEAL refuses what the
 * next kernel would refuse. %FDBOX_KHO_ROOT_MAX bounds the root (the writer
 * registers a smaller one), %FDBOX_KHO_BOX_MAX_SIZE a box blob and so
 * %FDBOX_KHO_BOX_MAX_FDS the fds of one box, %FDBOX_KHO_NAME_LEN every
 * name, %FDBOX_KHO_FD_PAYLOAD every payload; handlers define and check
 * the bounds of their own records the same way.
 */

/* Name of the one KHO subtree FDBox registers. */
#define FDBOX_KHO_SUBTREE	"fdbox"

/* Largest root a reader accepts (the writer registers 16 KiB). */
#define FDBOX_KHO_ROOT_MAX	(64 * 1024)

/* Version of this whole format. */
#define FDBOX_KHO_VERSION	3

#define FDBOX_KHO_ROOT_MAGIC	0x544f4f52u	/* "ROOT" */
#define FDBOX_KHO_BOX_MAGIC	0x58424446u	/* "FDBX" */

/* Bytes of a box or fd name field, including the NUL. */
#define FDBOX_KHO_NAME_LEN	256

/* &fdbox_kho_box_ref.flags: the slot holds a published box blob. */
#define FDBOX_KHO_SLOT_USED	0x1ULL

/**
 * struct fdbox_kho_box_ref - one slot of the root directory
 * @blob: the box blob, a &struct fdbox_kho_box in vmalloc memory preserved
 *        with kho_preserve_vmalloc(); all zero for an empty slot
 * @size: bytes of that blob (header and all fd records)
 * @flags: %FDBOX_KHO_SLOT_USED once @blob and @size are complete, else 0
 */
struct fdbox_kho_box_ref {
	struct kho_vmalloc blob;
	__u64 size;
	__u64 flags;
};

/**
 * struct fdbox_kho_root - blob of the %FDBOX_KHO_SUBTREE subtree
 * @magic: %FDBOX_KHO_ROOT_MAGIC
 * @version: %FDBOX_KHO_VERSION
 * @header_size: sizeof(struct fdbox_kho_root)
 * @slot_size: sizeof(struct fdbox_kho_box_ref)
 * @nr_slots: number of entries in @boxes; the registered blob size is
 *            @header_size + @nr_slots * @slot_size
 * @flags: 0
 * @reserved: 0
 * @boxes: the directory; empty slots have no %FDBOX_KHO_SLOT_USED flag
 */
struct fdbox_kho_root {
	__u32 magic;
	__u32 version;
	__u32 header_size;
	__u32 slot_size;
	__u32 nr_slots;
	__u32 flags;
	__u64 reserved;
	struct fdbox_kho_box_ref boxes[];
};

/* Bytes of a compatible string field, including the NUL. */
#define FDBOX_KHO_COMPAT_LEN	32

/* Bytes reserved for the type-specific part of an fd record. */
#define FDBOX_KHO_FD_PAYLOAD	384

/**
 * struct fdbox_kho_fd - one fd held by a box
 * @name: fd name within the box, NUL-terminated
 * @compatible: the file type, as the handler of that type names it (for
 *              example "vendor,type"), NUL-terminated, the rest 0
 * @version: version of the payload layout, the handler's own
 * @payload_size: bytes of @payload the handler wrote
 * @flags: 0
 * @reserved: 0
 * @payload: the handler's record of the file, 8-byte aligned; its layout
 *           is the handler's ABI, named by @compatible and @version.
 *           Bytes past @payload_size are 0.
 */
struct fdbox_kho_fd {
	__u8 name[FDBOX_KHO_NAME_LEN];
	__u8 compatible[FDBOX_KHO_COMPAT_LEN];
	__u32 version;
	__u32 payload_size;
	__u32 flags;
	__u32 reserved;
	__u8 payload[FDBOX_KHO_FD_PAYLOAD] __aligned(8);
};

/**
 * struct fdbox_kho_box - blob of one sealed box
 * @magic: %FDBOX_KHO_BOX_MAGIC
 * @version: %FDBOX_KHO_VERSION
 * @header_size: sizeof(struct fdbox_kho_box)
 * @fd_size: sizeof(struct fdbox_kho_fd)
 * @nr_fds: number of entries in @fds; the blob size is
 *          @header_size + @nr_fds * @fd_size
 * @flags: 0
 * @bytes: data bytes held by all fds of the box (for reports)
 * @max_bytes: most bytes the box may hold, as its creator chose; 0: no
 *             limit of its own
 * @uid: owner of the box node, in the initial user namespace
 * @gid: group of the box node, in the initial user namespace
 * @mode: permission bits of the box node, no more than 0777
 * @reserved: 0
 * @name: box name, NUL-terminated
 * @fds: the fd records
 */
struct fdbox_kho_box {
	__u32 magic;
	__u32 version;
	__u32 header_size;
	__u32 fd_size;
	__u32 nr_fds;
	__u32 flags;
	__u64 bytes;
	__u64 max_bytes;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 reserved;
	__u8 name[FDBOX_KHO_NAME_LEN];
	struct fdbox_kho_fd fds[];
};

/*
 * Largest box blob a reader accepts: 16 MiB, header and records. The most
 * fds one box can hand over follows from it.
 */
#define FDBOX_KHO_BOX_MAX_SIZE	SZ_16M
#define FDBOX_KHO_BOX_MAX_FDS	((FDBOX_KHO_BOX_MAX_SIZE - \
				  sizeof(struct fdbox_kho_box)) / \
				 sizeof(struct fdbox_kho_fd))

/* The layout is the contract: any change here is a new FDBOX_KHO_VERSION. */
static_assert(sizeof(struct kho_vmalloc) == 16);
static_assert(sizeof(struct fdbox_kho_box_ref) == 32);
static_assert(sizeof(struct fdbox_kho_root) == 32);
static_assert(sizeof(struct fdbox_kho_fd) == 688);
static_assert(sizeof(struct fdbox_kho_box) == 312);
static_assert(offsetof(struct fdbox_kho_fd, payload) == 304);
static_assert(offsetof(struct fdbox_kho_box, fds) == 312);
static_assert(FDBOX_KHO_BOX_MAX_FDS == 24385);

#endif /* _FDBOX_HANDOVER_ABI_H */
