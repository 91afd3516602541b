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
 * Memfd records
 * -------------
 * A memfd is described by &struct fdbox_kho_memfd inside its fd record. Its
 * contents are a table of &struct fdbox_kho_folio entries (16 bytes each: a
 * 1 GiB memfd of 4 KiB folios needs 4 MiB, more than kho_alloc_preserve()
 * can give), kept in vmalloc memory preserved with kho_preserve_vmalloc() and
 * described by @table. The folios themselves are preserved one by one with
 * kho_preserve_folio(). File indices not covered by the table are holes.
 *
 * Versioning
 * ----------
 * @version in the root (%FDBOX_KHO_VERSION) covers the whole format: any
 * change of layout or meaning of any structure here bumps it. A reader
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
 * name and %FDBOX_KHO_MEMFD_MAX_PAGES the size of a memfd (and with it the
 * entries of its folio table).
 */

/* Name of the one KHO subtree FDBox registers. */
#define FDBOX_KHO_SUBTREE	"fdbox"

/* Largest root a reader accepts (the writer registers 16 KiB). */
#define FDBOX_KHO_ROOT_MAX	(64 * 1024)

/* Version of this whole format. */
#define FDBOX_KHO_VERSION	1

#define FDBOX_KHO_ROOT_MAGIC	0x544f4f52u	/* "ROOT" */
#define FDBOX_KHO_BOX_MAGIC	0x58424446u	/* "FDBX" */

/* Bytes of a box, fd or memfd name field, including the NUL. */
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

/* File types of fd records. */
#define FDBOX_KHO_FD_MEMFD	1

/* Bits of &fdbox_kho_memfd.flags. */
#define FDBOX_KHO_MEMFD_READ	0x1u	/* the file was open for reading */
#define FDBOX_KHO_MEMFD_WRITE	0x2u	/* the file was open for writing */
#define FDBOX_KHO_MEMFD_FLAGS	(FDBOX_KHO_MEMFD_READ | FDBOX_KHO_MEMFD_WRITE)

/* Seals this version hands over (the F_SEAL_* values of uapi fcntl.h). */
#define FDBOX_KHO_MEMFD_SEALS	0x3fu

/*
 * Most pages a handed-over memfd may span (its size, rounded up to pages):
 * memfd_pin_folios() counts folios in an unsigned int. 16 TiB with 4 KiB
 * pages.
 */
#define FDBOX_KHO_MEMFD_MAX_PAGES	((__u64)U32_MAX)

/**
 * struct fdbox_kho_folio - one preserved folio of a memfd
 * @index: file index (in pages) of the folio's first page; aligned to the
 *         folio size
 * @phys: physical address of the folio, page aligned, OR'ed with its order
 *        in bits 0..5 (%FDBOX_KHO_FOLIO_ORDER); bits 6..11 are 0
 *
 * Entries are sorted by @index and do not overlap. Every folio starts below
 * the end of the file; the last one may extend past it (a large folio at
 * EOF), the pages past EOF are then ignored.
 */
struct fdbox_kho_folio {
	__u64 index;
	__u64 phys;
};

#define FDBOX_KHO_FOLIO_ORDER		0x3fULL
#define FDBOX_KHO_FOLIO_RESERVED	0xfc0ULL
#define FDBOX_KHO_FOLIO_PHYS		(~0xfffULL)

/**
 * struct fdbox_kho_memfd - a memfd (shmem file made by memfd_create(2))
 * @size: file size (i_size) in bytes
 * @pos: file position at SEAL
 * @nr_folios: entries in the folio table
 * @nr_pages: pages in all folios of the table (sum of 1 << order)
 * @seals: F_SEAL_* set on the file (subset of %FDBOX_KHO_MEMFD_SEALS)
 * @mode: permission bits of the inode (S_IALLUGO part of i_mode)
 * @flags: FDBOX_KHO_MEMFD_* bits
 * @reserved: 0
 * @table: the folio table (an array of @nr_folios &struct fdbox_kho_folio in
 *         preserved vmalloc memory); all zero when @nr_folios is 0
 * @name: name of the file as shown in /proc/<pid>/fd, "memfd:" followed by
 *        the name given to memfd_create(2), NUL-terminated
 */
struct fdbox_kho_memfd {
	__u64 size;
	__u64 pos;
	__u64 nr_folios;
	__u64 nr_pages;
	__u32 seals;
	__u32 mode;
	__u32 flags;
	__u32 reserved;
	struct kho_vmalloc table;
	__u8 name[FDBOX_KHO_NAME_LEN];
};

/* Bytes reserved for the type-specific part of an fd record. */
#define FDBOX_KHO_FD_PAYLOAD	384

/**
 * struct fdbox_kho_fd - one fd held by a box
 * @name: fd name within the box, NUL-terminated
 * @type: FDBOX_KHO_FD_* file type, selects the member of the union
 * @flags: 0
 * @reserved: 0
 * @memfd: the file, for %FDBOX_KHO_FD_MEMFD
 * @payload: size of the type-specific part; unused bytes are 0
 */
struct fdbox_kho_fd {
	__u8 name[FDBOX_KHO_NAME_LEN];
	__u32 type;
	__u32 flags;
	__u64 reserved;
	union {
		struct fdbox_kho_memfd memfd;
		__u8 payload[FDBOX_KHO_FD_PAYLOAD];
	};
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
static_assert(sizeof(struct fdbox_kho_folio) == 16);
static_assert(sizeof(struct fdbox_kho_memfd) == 320);
static_assert(sizeof(struct fdbox_kho_fd) == 656);
static_assert(sizeof(struct fdbox_kho_box) == 288);
static_assert(offsetof(struct fdbox_kho_memfd, table) == 48);
static_assert(offsetof(struct fdbox_kho_fd, memfd) == 272);
static_assert(offsetof(struct fdbox_kho_box, fds) == 288);
static_assert(FDBOX_KHO_BOX_MAX_FDS == 25574);

#endif /* _FDBOX_HANDOVER_ABI_H */
