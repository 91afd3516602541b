/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox debug-only knobs (debug.c): corrupt the handover of a sealed box to
 * test the next kernel's validation, fail the module load at a chosen step,
 * freeze the handover as a reboot does. Only in modules built with
 * FDBOX_DEBUG=y; production builds get the empty stubs.
 */

#ifndef _FDBOX_DEBUG_H
#define _FDBOX_DEBUG_H

#ifdef FDBOX_DEBUG

#include <linux/types.h>

struct fdbox_box;
struct fdbox_kho_box;
struct fdbox_kho_box_ref;
struct fdbox_kho_folio;
struct fdbox_memfd_kho_out;

/* debug.c */
void fdbox_debug_init(void);
void fdbox_debug_exit(void);
int fdbox_debug_fail_init(const char *step);

/* box.c: the box called @name with a reference on its device, or NULL */
struct fdbox_box *fdbox_debug_get_box(const char *name);

/* handover.c: the published blob and root slot of a sealed box */
struct fdbox_kho_box *fdbox_handover_debug_blob(struct fdbox_box *box,
						struct fdbox_kho_box_ref **refp);

/* memfd_kho_out.c: the preserved folio table of a preserved memfd */
struct fdbox_kho_folio *
fdbox_memfd_kho_debug_table(const struct fdbox_memfd_kho_out *out, u64 *nrp);

#else

static inline void fdbox_debug_init(void) { }
static inline void fdbox_debug_exit(void) { }
static inline int fdbox_debug_fail_init(const char *step) { return 0; }

#endif /* FDBOX_DEBUG */

#endif /* _FDBOX_DEBUG_H */
