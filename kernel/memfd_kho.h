/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox memfd KHO layer: preserve a memfd for the next kernel, restore it
 * there. See memfd_kho.c for the lifecycle.
 */

#ifndef _FDBOX_MEMFD_KHO_H
#define _FDBOX_MEMFD_KHO_H

#include <linux/types.h>
#include "handover_abi.h"

struct file;

/* Outgoing: a memfd pinned and recorded for handover (old kernel). */
struct fdbox_memfd_kho_out;

/* Incoming: a memfd handed over by the previous kernel (new kernel). */
struct fdbox_memfd_kho_in;

int fdbox_memfd_kho_preserve(struct file *file,
			     struct fdbox_memfd_kho_out **outp);
void fdbox_memfd_kho_unpreserve(struct fdbox_memfd_kho_out *out);
void fdbox_memfd_kho_emit(const struct fdbox_memfd_kho_out *out,
			  struct fdbox_kho_memfd *rec);
u64 fdbox_memfd_kho_out_bytes(const struct fdbox_memfd_kho_out *out);

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
