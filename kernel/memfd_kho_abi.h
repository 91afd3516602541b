/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox memfd handover record: the payload of a "fdbox,memfd" fd record.
 */

#ifndef _FDBOX_MEMFD_KHO_ABI_H
#define _FDBOX_MEMFD_KHO_ABI_H

#include "handover_abi.h"

/**
 * DOC: memfd handover record
 *
 * A memfd is described by &struct fdbox_kho_memfd, the payload of its fd
 * record (compatible %FDBOX_MEMFD_COMPATIBLE, version
 * %FDBOX_MEMFD_VERSION, payload_size its size). Its contents are a table of
 * &struct fdbox_kho_folio entries (16 bytes each: a 1 GiB memfd of 4 KiB
 * folios needs 4 MiB, more than kho_alloc_preserve() can give), kept in
 * vmalloc memory preserved with kho_preserve_vmalloc() and described by
 * @table. The folios themselves are preserved one by one with
 * kho_preserve_folio(). File indices not covered by the table are holes.
 *
 * Any change of layout or meaning here is a new %FDBOX_MEMFD_VERSION; the
 * memfd handler refuses versions it does not know.
 */

#define FDBOX_MEMFD_COMPATIBLE	"fdbox,memfd"
#define FDBOX_MEMFD_VERSION	1

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

static_assert(sizeof(struct fdbox_kho_folio) == 16);
static_assert(sizeof(struct fdbox_kho_memfd) == 320);
static_assert(offsetof(struct fdbox_kho_memfd, table) == 48);
static_assert(sizeof(struct fdbox_kho_memfd) <= FDBOX_KHO_FD_PAYLOAD);
static_assert(sizeof(FDBOX_MEMFD_COMPATIBLE) <= FDBOX_KHO_COMPAT_LEN);

#endif /* _FDBOX_MEMFD_KHO_ABI_H */
