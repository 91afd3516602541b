/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox memfd KHO layer: preserve a memfd for the next kernel, restore it
 * there. memfd_kho_out.c (old kernel) and memfd_kho_in.c (new kernel) tell
 * the lifecycle.
 */

#ifndef _FDBOX_MEMFD_KHO_H
#define _FDBOX_MEMFD_KHO_H

#include <linux/math.h>
#include <linux/mm.h>
#include <linux/types.h>
#include "memfd_kho_abi.h"

struct file;

#define FDBOX_MEMFD_PREFIX	"memfd:"
#define FDBOX_MEMFD_PREFIX_LEN	(sizeof(FDBOX_MEMFD_PREFIX) - 1)

/* Folio table entries allocated at first. */
#define FDBOX_TABLE_MIN		256

/* Entries of the folio table per page. */
#define FDBOX_FOLIOS_PER_PAGE	(PAGE_SIZE / sizeof(struct fdbox_kho_folio))

static inline unsigned int fdbox_folio_order(const struct fdbox_kho_folio *e)
{
	return e->phys & FDBOX_KHO_FOLIO_ORDER;
}

static inline phys_addr_t fdbox_folio_phys(const struct fdbox_kho_folio *e)
{
	return e->phys & FDBOX_KHO_FOLIO_PHYS;
}

/* Pages of a folio table of @n entries. */
static inline u64 fdbox_table_pages(u64 n)
{
	return DIV_ROUND_UP(n * sizeof(struct fdbox_kho_folio), PAGE_SIZE);
}

/* Outgoing: a memfd pinned and recorded for handover (old kernel). */
struct fdbox_memfd_kho_out;

/* Incoming: a memfd handed over by the previous kernel (new kernel). */
struct fdbox_memfd_kho_in;

bool fdbox_memfd_is_memfd(struct file *file);
int fdbox_memfd_kho_preserve(struct file *file,
			     struct fdbox_memfd_kho_out **outp);
void fdbox_memfd_kho_unpreserve(struct fdbox_memfd_kho_out *out);
void fdbox_memfd_kho_emit(const struct fdbox_memfd_kho_out *out,
			  struct fdbox_kho_memfd *rec);
u64 fdbox_memfd_kho_out_bytes(const struct fdbox_memfd_kho_out *out);
bool fdbox_memfd_kho_shared(const struct fdbox_memfd_kho_out *out);

int fdbox_memfd_kho_validate(const struct fdbox_kho_memfd *rec,
			     const char *fdname);
u64 fdbox_memfd_kho_record_bytes(const struct fdbox_kho_memfd *rec);
int fdbox_memfd_kho_load(const struct fdbox_kho_memfd *rec, const char *fdname,
			 struct fdbox_memfd_kho_in **inp);
int fdbox_memfd_kho_restore(struct fdbox_memfd_kho_in *in,
			    struct file **filep);
u64 fdbox_memfd_kho_in_bytes(const struct fdbox_memfd_kho_in *in);
void fdbox_memfd_kho_in_free(struct fdbox_memfd_kho_in *in);

#endif /* _FDBOX_MEMFD_KHO_H */
