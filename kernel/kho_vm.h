/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox: read a vmalloc area the previous kernel preserved with KHO in place.
 */

#ifndef _FDBOX_KHO_VM_H
#define _FDBOX_KHO_VM_H

#include <linux/types.h>

struct folio;
struct kho_vmalloc;
struct xarray;

/**
 * struct fdbox_kho_vm - a handed-over vmalloc area, read in place
 * @pages: direct-map addresses of its data pages, in order
 * @nr_pages: entries in @pages
 * @chunks: physical addresses of the pages of its chunk list
 * @nr_chunks: entries in @chunks
 *
 * Nothing of it is claimed from KHO until fdbox_kho_vm_free().
 */
struct fdbox_kho_vm {
	void **pages;
	u64 nr_pages;
	u64 *chunks;
	u64 nr_chunks;
};

bool fdbox_kho_preserved(phys_addr_t phys, unsigned int order);
struct folio *fdbox_kho_claim_folio(phys_addr_t phys, unsigned int order);
struct folio *fdbox_kho_claim_reserved_folio(phys_addr_t phys,
					     unsigned int order);

/* kho_claimed.c: what this module claimed of the handover */
bool fdbox_kho_claimed(phys_addr_t phys, unsigned int order);
int fdbox_kho_claimed_check(phys_addr_t phys, unsigned int order);
int fdbox_kho_claimed_check_locked(phys_addr_t phys, unsigned int order);
void fdbox_kho_claimed_lock(void);
void fdbox_kho_claimed_unlock(void);
int fdbox_kho_claimed_add(phys_addr_t phys, unsigned int order);
int fdbox_kho_claimed_add_locked(phys_addr_t phys, unsigned int order);
void fdbox_kho_claimed_remove_locked(phys_addr_t phys, unsigned int order);
void fdbox_kho_claimed_exit(void);

int fdbox_kho_vm_map(const struct kho_vmalloc *desc, u64 max_pages,
		     struct fdbox_kho_vm *vm);
bool fdbox_kho_vm_intact(const struct fdbox_kho_vm *vm);
void fdbox_kho_vm_unmap(struct fdbox_kho_vm *vm);
void fdbox_kho_vm_free(struct fdbox_kho_vm *vm);
int fdbox_kho_vm_take(const struct fdbox_kho_vm *vm, struct xarray *taken);

#endif /* _FDBOX_KHO_VM_H */
