// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: the handed-over memory this module has claimed from KHO.
 */

/**
 * DOC: claimed handed-over memory
 *
 * Two handed-over records (box blobs, folio tables, folios; of one box or
 * of two) must never share memory: the second would read, or put into its
 * file, memory the first already owns. Within one record that is checked
 * when the record is validated; across records FDBox remembers every page
 * it claims from KHO, in a sparse bitmap of page frames, and refuses a
 * record that names one of them before it claims anything of it. (KHO's
 * own mark, which kho_is_preserved() reads on patched kernels, says the
 * same for memory anyone claimed; this works on every kernel, and says who
 * holds it.)
 *
 * The bitmap lives as long as the module: 4 KiB for each 128 MiB of
 * physical memory that held a claimed page.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "kho_vm.h"

/* Page frames per bitmap: one page of bits. */
#define FDBOX_CLAIMED_BITS	(PAGE_SIZE * BITS_PER_BYTE)

static DEFINE_MUTEX(fdbox_claimed_lock);
/* pfn / FDBOX_CLAIMED_BITS -> bitmap of FDBOX_CLAIMED_BITS page frames */
static DEFINE_XARRAY(fdbox_claimed);

/*
 * Call @fn on each bitmap piece of the @nr page frames from @pfn; stops at
 * the first nonzero return. With @create, missing bitmaps are allocated.
 */
static int fdbox_claimed_walk(unsigned long pfn, unsigned long nr,
			      bool create,
			      int (*fn)(unsigned long *map, unsigned long bit,
					unsigned long len))
{
	unsigned long end = pfn + nr, len, *map;
	int err;

	lockdep_assert_held(&fdbox_claimed_lock);
	while (pfn < end) {
		len = min(end - pfn,
			  FDBOX_CLAIMED_BITS - pfn % FDBOX_CLAIMED_BITS);
		map = xa_load(&fdbox_claimed, pfn / FDBOX_CLAIMED_BITS);
		if (!map && create) {
			map = kzalloc(PAGE_SIZE, GFP_KERNEL);
			if (!map)
				return -ENOMEM;
			err = xa_err(xa_store(&fdbox_claimed,
					      pfn / FDBOX_CLAIMED_BITS, map,
					      GFP_KERNEL));
			if (err) {
				kfree(map);
				return err;
			}
		}
		if (map) {
			err = fn(map, pfn % FDBOX_CLAIMED_BITS, len);
			if (err)
				return err;
		}
		pfn += len;
	}
	return 0;
}

static int fdbox_claimed_any(unsigned long *map, unsigned long bit,
			     unsigned long len)
{
	return find_next_bit(map, bit + len, bit) < bit + len ? -EEXIST : 0;
}

static int fdbox_claimed_set(unsigned long *map, unsigned long bit,
			     unsigned long len)
{
	bitmap_set(map, bit, len);
	return 0;
}

/**
 * fdbox_kho_claimed() - has this module claimed memory in a range?
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys
 *
 * Context: Process context.
 * Return: true if any page of the range was claimed through
 * fdbox_kho_claimed_add().
 */
bool fdbox_kho_claimed(phys_addr_t phys, unsigned int order)
{
	guard(mutex)(&fdbox_claimed_lock);
	return fdbox_claimed_walk(PHYS_PFN(phys), 1UL << order, false,
				  fdbox_claimed_any) == -EEXIST;
}

/**
 * fdbox_kho_claimed_check() - make sure a range can be claimed once
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys
 *
 * Call while validating a record that names the range, before anything of
 * it is claimed: it also allocates what fdbox_kho_claimed_add() needs for
 * the range, so that claiming it later cannot fail for lack of memory.
 *
 * Context: Process context.
 * Return: 0, -EEXIST if a page of the range was claimed already, or
 * -ENOMEM.
 */
int fdbox_kho_claimed_check(phys_addr_t phys, unsigned int order)
{
	guard(mutex)(&fdbox_claimed_lock);
	return fdbox_claimed_walk(PHYS_PFN(phys), 1UL << order, true,
				  fdbox_claimed_any);
}

/**
 * fdbox_kho_claimed_add() - remember a range about to be claimed
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys
 *
 * Call right before the memory is claimed from KHO; after
 * fdbox_kho_claimed_check() of the range it does not allocate.
 *
 * Context: Process context.
 * Return: 0, -EEXIST if a page of the range was claimed already (nothing
 * changed), or -ENOMEM (not checked before; nothing set).
 */
int fdbox_kho_claimed_add(phys_addr_t phys, unsigned int order)
{
	unsigned long pfn = PHYS_PFN(phys), nr = 1UL << order;
	int err;

	guard(mutex)(&fdbox_claimed_lock);
	err = fdbox_claimed_walk(pfn, nr, true, fdbox_claimed_any);
	if (!err)
		err = fdbox_claimed_walk(pfn, nr, false, fdbox_claimed_set);
	return err;
}

/**
 * fdbox_kho_claimed_exit() - forget what was claimed
 *
 * Context: Module exit (or failed init): nothing claims any more.
 */
void fdbox_kho_claimed_exit(void)
{
	unsigned long index, *map;

	xa_for_each(&fdbox_claimed, index, map)
		kfree(map);
	xa_destroy(&fdbox_claimed);
}
