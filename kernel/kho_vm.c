// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: read a vmalloc area the previous kernel preserved with KHO in place.
 */

/**
 * DOC: handed-over vmalloc areas
 *
 * kho_restore_vmalloc() claims the pages of a preserved vmalloc area as it
 * walks its chunk list; when it fails it cannot say what it consumed, and
 * claiming a page twice, or one that was never preserved, makes KHO warn.
 * FDBox reads such areas from untrusted descriptors (the folio table of a
 * memfd, the blob of a box), so it walks the chunk list itself (the layout
 * is KHO's ABI, include/linux/kho/abi/kexec_handover.h), checks it, reads
 * the pages in place through the direct map, and claims them only once the
 * caller has validated what they hold and is done with them.
 *
 * Before it reads or claims a page, it asks whether the page is preserved
 * and not claimed yet (fdbox_kho_preserved()), so that an untrusted address
 * pointing at memory that was never preserved, or was claimed already, is
 * refused with a message. KHO answers that with kho_is_preserved(), which
 * kernels with the FDBox patch series export (kernel/patches/, helper.c).
 * A stock kernel exports no way to ask: there the question is left to KHO
 * itself, which refuses to claim such memory, with a warning, when the
 * module claims it; the module then fails the record as broken.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>
#include "helper.h"
#include "kho_vm.h"

/**
 * fdbox_kho_preserved() - is there an unclaimed preserved piece here?
 * @phys: physical address, page aligned
 * @order: order the piece must have
 *
 * Context: Process context.
 * Return: false if the memory at @phys is not the start of a preserved,
 * unclaimed piece of order @order; true if it is, or if the kernel cannot
 * tell (see fdbox_helper_kho_is_preserved()).
 */
bool fdbox_kho_preserved(phys_addr_t phys, unsigned int order)
{
	return !fdbox_kho_claimed(phys, order) &&
	       fdbox_helper_kho_is_preserved(phys, order);
}

/**
 * fdbox_kho_claim_folio() - claim a preserved folio, exactly once
 * @phys: its physical address, checked with fdbox_kho_claimed_check()
 * @order: the order it must have been preserved with
 *
 * Context: Process context.
 * Return: the folio, or NULL if it is not there to claim: claimed already
 * (by another record) or not preserved (KHO refuses it).
 */
struct folio *fdbox_kho_claim_folio(phys_addr_t phys, unsigned int order)
{
	if (!fdbox_helper_kho_is_preserved(phys, order) ||
	    fdbox_kho_claimed_add(phys, order))
		return NULL;
	return kho_restore_folio(phys);
}

/**
 * fdbox_kho_claim_reserved_folio() - claim a preserved folio already reserved
 * @phys: its physical address, reserved with fdbox_kho_claimed_add_locked()
 * @order: the order it must have been preserved with
 *
 * Context: Process context.
 * Return: the folio, or NULL if KHO has no preserved folio of that order
 * there (any more): memory another KHO user shares, in a damaged handover.
 */
struct folio *fdbox_kho_claim_reserved_folio(phys_addr_t phys,
					     unsigned int order)
{
	if (!fdbox_helper_kho_is_preserved(phys, order))
		return NULL;
	return kho_restore_folio(phys);
}

/* Claim one page of a handed-over vmalloc area, exactly once, and free it. */
static void fdbox_kho_free_page(phys_addr_t phys)
{
	struct page *page = NULL;

	if (!fdbox_kho_claimed_add(phys, 0))
		page = kho_restore_pages(phys, 1);
	if (page)
		__free_page(page);
	else
		pr_warn("a handed-over page cannot be claimed; it stays reserved\n");
}

/*
 * A page-aligned physical address of online RAM, as a direct-map address,
 * or NULL. pfn_valid() alone would also take a hole or offline memory that
 * has a memmap but no direct mapping to read through.
 */
static void *fdbox_kho_page(u64 phys)
{
	if (!phys || !PAGE_ALIGNED(phys) || !pfn_to_online_page(PHYS_PFN(phys)))
		return NULL;
	return phys_to_virt(phys);
}

/* A chunk page of a handed-over area: online RAM, preserved, then read. */
static const struct kho_vmalloc_chunk *fdbox_kho_chunk(u64 phys)
{
	const struct kho_vmalloc_chunk *chunk = fdbox_kho_page(phys);

	if (!chunk || !fdbox_kho_preserved(phys, 0))
		return NULL;
	return chunk;
}

/* Page frame number of page @i of @vm, its chunk pages after its pages. */
static unsigned long fdbox_kho_vm_pfn(const struct fdbox_kho_vm *vm, u64 i)
{
	if (i < vm->nr_pages)
		return PHYS_PFN(virt_to_phys(vm->pages[i]));
	return PHYS_PFN(vm->chunks[i - vm->nr_pages]);
}

/* sort() comparison of two u64 (physical addresses). */
static int fdbox_kho_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* No page may appear twice in the area or its chunk list. */
static int fdbox_kho_vm_check_unique(const struct fdbox_kho_vm *vm)
{
	u64 n = vm->nr_pages + vm->nr_chunks, i;
	u64 *phys;
	int err = 0;

	phys = kvmalloc_objs(*phys, n);
	if (!phys)
		return -ENOMEM;
	for (i = 0; i < vm->nr_pages; i++)
		phys[i] = virt_to_phys(vm->pages[i]);
	memcpy(phys + vm->nr_pages, vm->chunks, vm->nr_chunks * sizeof(*phys));
	sort(phys, n, sizeof(*phys), fdbox_kho_cmp_u64, NULL);
	for (i = 1; i < n; i++)
		if (phys[i] == phys[i - 1])
			err = -EINVAL;
	kvfree(phys);
	return err;
}

/**
 * fdbox_kho_vm_intact() - is every page of a mapped area still unclaimed?
 * @vm: area from fdbox_kho_vm_map()
 *
 * fdbox_kho_vm_map() ends with this check. An area mapped earlier is read
 * again only after it too: meanwhile another handed-over record (damaged,
 * or lying) may have claimed one of its pages as its own, and the page may
 * hold anything now.
 *
 * Context: Process context.
 * Return: true if every page and chunk page of @vm is still preserved and
 * unclaimed.
 */
bool fdbox_kho_vm_intact(const struct fdbox_kho_vm *vm)
{
	u64 i;

	for (i = 0; i < vm->nr_pages + vm->nr_chunks; i++)
		if (!fdbox_kho_preserved(PFN_PHYS(fdbox_kho_vm_pfn(vm, i)), 0))
			return false;
	return true;
}

/**
 * fdbox_kho_vm_map() - find the pages of a handed-over vmalloc area
 * @desc: its descriptor, from the previous kernel (untrusted)
 * @max_pages: most data pages the caller accepts
 * @vm: filled in on success
 *
 * Walks and checks the chunk list (every address a preserved page of RAM,
 * each chunk checked before it is read, no page twice, the page count as
 * announced and at most @max_pages, which callers derive from the record
 * that holds @desc); claims nothing.
 *
 * Context: Process context.
 * Return: 0, -EINVAL if the descriptor or chunk list does not check out, or
 * -ENOMEM.
 */
int fdbox_kho_vm_map(const struct kho_vmalloc *desc, u64 max_pages,
		     struct fdbox_kho_vm *vm)
{
	u64 total = desc->total_pages, max_chunks, n;
	const struct kho_vmalloc_chunk *chunk;
	unsigned int i;
	int err;

	memset(vm, 0, sizeof(*vm));
	if (!total || total > max_pages || desc->order)
		return -EINVAL;
	/* kho_preserve_vmalloc() may leave one empty chunk at the end. */
	max_chunks = total / KHO_VMALLOC_SIZE + 1;
	vm->pages = kvmalloc_objs(*vm->pages, total);
	vm->chunks = kvmalloc_objs(*vm->chunks, max_chunks);
	if (!vm->pages || !vm->chunks) {
		fdbox_kho_vm_unmap(vm);
		return -ENOMEM;
	}
	chunk = fdbox_kho_chunk(desc->first.phys);
	vm->chunks[0] = desc->first.phys;
	while (chunk) {
		if (++vm->nr_chunks > max_chunks)
			goto bad;
		for (i = 0; i < KHO_VMALLOC_SIZE && chunk->phys[i]; i++) {
			if (vm->nr_pages == total)
				goto bad;
			vm->pages[vm->nr_pages] = fdbox_kho_page(chunk->phys[i]);
			if (!vm->pages[vm->nr_pages])
				goto bad;
			vm->nr_pages++;
		}
		if (!chunk->hdr.next.phys)
			break;
		if (vm->nr_chunks == max_chunks)
			goto bad;
		vm->chunks[vm->nr_chunks] = chunk->hdr.next.phys;
		chunk = fdbox_kho_chunk(chunk->hdr.next.phys);
		if (!chunk)
			goto bad;
	}
	if (!vm->nr_chunks || vm->nr_pages != total)
		goto bad;
	/* Every data page is one piece of order 0 (kho_preserve_vmalloc()). */
	if (!fdbox_kho_vm_intact(vm))
		goto bad;
	err = fdbox_kho_vm_check_unique(vm);
	if (err)
		goto out;
	/* Ready to be claimed later (fdbox_kho_vm_free()) without failing. */
	for (n = 0; n < vm->nr_pages + vm->nr_chunks; n++) {
		err = fdbox_kho_claimed_check(PFN_PHYS(fdbox_kho_vm_pfn(vm, n)),
					      0);
		if (err == -EEXIST)
			goto bad;
		if (err)
			goto out;
	}
	return 0;
bad:
	err = -EINVAL;
out:
	fdbox_kho_vm_unmap(vm);
	return err;
}

/**
 * fdbox_kho_vm_unmap() - forget a mapped area without claiming it
 * @vm: area from fdbox_kho_vm_map(), or zeroed
 *
 * Its memory stays reserved, as the previous kernel left it.
 *
 * Context: Process context.
 */
void fdbox_kho_vm_unmap(struct fdbox_kho_vm *vm)
{
	kvfree(vm->pages);
	kvfree(vm->chunks);
	memset(vm, 0, sizeof(*vm));
}

/**
 * fdbox_kho_vm_free() - claim every page of a mapped area and free it
 * @vm: area from fdbox_kho_vm_map(), checked by the caller
 *
 * Context: Process context.
 */
void fdbox_kho_vm_free(struct fdbox_kho_vm *vm)
{
	u64 i;

	for (i = 0; i < vm->nr_pages; i++)
		fdbox_kho_free_page(virt_to_phys(vm->pages[i]));
	for (i = 0; i < vm->nr_chunks; i++)
		fdbox_kho_free_page(vm->chunks[i]);
	fdbox_kho_vm_unmap(vm);
}

/**
 * fdbox_kho_vm_take() - reserve the pages of an area against other areas
 * @vm: area from fdbox_kho_vm_map()
 * @taken: pages of the areas taken so far, by page frame number
 *
 * Two handed-over areas must not share a page: the second would be read
 * after the first was claimed and freed. Adds @vm's pages and chunk pages
 * to @taken unless one of them is there already.
 *
 * Context: Process context.
 * Return: 0, -EEXIST if a page is taken already (nothing added), or
 * -ENOMEM.
 */
int fdbox_kho_vm_take(const struct fdbox_kho_vm *vm, struct xarray *taken)
{
	u64 i, n = vm->nr_pages + vm->nr_chunks;
	int err;

	for (i = 0; i < n; i++)
		if (xa_load(taken, fdbox_kho_vm_pfn(vm, i)))
			return -EEXIST;
	for (i = 0; i < n; i++) {
		err = xa_err(xa_store(taken, fdbox_kho_vm_pfn(vm, i),
				      xa_mk_value(1), GFP_KERNEL));
		if (err)
			return err;
	}
	return 0;
}
