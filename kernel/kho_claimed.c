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
 * record that names one of them before it claims anything of it. A
 * record that checks out reserves all its memory here at once, under one
 * lock, before it claims any of it: the folios it then claims one by one
 * need no further lookup, and no other record can take them meanwhile. (KHO's
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

/* Page frames per bitmap: one page of bits, 128 MiB with 4 KiB pages. */
#define FDBOX_CLAIMED_BITS	(PAGE_SIZE * BITS_PER_BYTE)

/* A naturally aligned range up to this order lies within one bitmap. */
static_assert(ilog2(FDBOX_CLAIMED_BITS) > MAX_PAGE_ORDER);

static DEFINE_MUTEX(fdbox_claimed_lock);
/* pfn / FDBOX_CLAIMED_BITS -> bitmap of FDBOX_CLAIMED_BITS page frames */
static DEFINE_XARRAY(fdbox_claimed);
/* The bitmap looked up last: records are mostly contiguous. */
static unsigned long fdbox_claimed_last_index = ULONG_MAX;
static unsigned long *fdbox_claimed_last_map;

/*
 * The bitmap that holds page frame @pfn, or NULL; with @create, allocated
 * if missing (an ERR_PTR() on failure).
 */
static unsigned long *fdbox_claimed_map(unsigned long pfn, bool create)
{
	unsigned long index = pfn / FDBOX_CLAIMED_BITS, *map;
	int err;

	lockdep_assert_held(&fdbox_claimed_lock);
	if (index == fdbox_claimed_last_index)
		return fdbox_claimed_last_map;
	map = xa_load(&fdbox_claimed, index);
	if (!map && create) {
		map = kzalloc(PAGE_SIZE, GFP_KERNEL);
		if (!map)
			return ERR_PTR(-ENOMEM);
		err = xa_err(xa_store(&fdbox_claimed, index, map, GFP_KERNEL));
		if (err) {
			kfree(map);
			return ERR_PTR(err);
		}
	}
	if (map) {
		fdbox_claimed_last_index = index;
		fdbox_claimed_last_map = map;
	}
	return map;
}

/* Is a page of the 2^@order frames from @pfn (aligned) set in @map? */
static bool fdbox_claimed_any(const unsigned long *map, unsigned long pfn,
			      unsigned int order)
{
	unsigned long bit = pfn % FDBOX_CLAIMED_BITS;

	if (!order)
		return test_bit(bit, map);
	return find_next_bit(map, bit + (1UL << order), bit) <
	       bit + (1UL << order);
}

/* The range of @phys and @order, checked: 0 or -EINVAL. */
static int fdbox_claimed_range(phys_addr_t phys, unsigned int order,
			       unsigned long *pfn)
{
	*pfn = PHYS_PFN(phys);
	if (WARN_ON_ONCE(order > MAX_PAGE_ORDER ||
			 !IS_ALIGNED(*pfn, 1UL << order)))
		return -EINVAL;
	return 0;
}

/*
 * The bitmap of the checked range @phys, @order (allocated if missing), its
 * first page frame in *@pfn; an ERR_PTR() if the range is bad or on failure.
 */
static unsigned long *fdbox_claimed_map_of(phys_addr_t phys,
					   unsigned int order,
					   unsigned long *pfn)
{
	int err = fdbox_claimed_range(phys, order, pfn);

	return err ? ERR_PTR(err) : fdbox_claimed_map(*pfn, true);
}

/**
 * fdbox_kho_claimed() - has this module claimed memory in a range?
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys, naturally aligned
 *
 * Context: Process context.
 * Return: true if any page of the range was claimed through
 * fdbox_kho_claimed_add(), or if the range is not naturally aligned.
 */
bool fdbox_kho_claimed(phys_addr_t phys, unsigned int order)
{
	unsigned long pfn, *map;

	if (fdbox_claimed_range(phys, order, &pfn))
		return true;
	guard(mutex)(&fdbox_claimed_lock);
	map = fdbox_claimed_map(pfn, false);
	return map && fdbox_claimed_any(map, pfn, order);
}

/**
 * fdbox_kho_claimed_check() - make sure a range can be claimed once
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys, naturally aligned
 *
 * Call while validating a record that names the range, before anything of
 * it is claimed: it also allocates what fdbox_kho_claimed_add() needs for
 * the range, so that claiming it later cannot fail for lack of memory.
 *
 * Context: Process context.
 * Return: 0, -EEXIST if a page of the range was claimed already, -EINVAL
 * for a range that is not naturally aligned, or -ENOMEM.
 */
int fdbox_kho_claimed_check(phys_addr_t phys, unsigned int order)
{
	guard(mutex)(&fdbox_claimed_lock);
	return fdbox_kho_claimed_check_locked(phys, order);
}

/**
 * fdbox_kho_claimed_check_locked() - fdbox_kho_claimed_check(), lock held
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys, naturally aligned
 *
 * For checking many ranges under one fdbox_kho_claimed_lock().
 *
 * Context: Process context, fdbox_kho_claimed_lock() held.
 * Return: as fdbox_kho_claimed_check().
 */
int fdbox_kho_claimed_check_locked(phys_addr_t phys, unsigned int order)
{
	unsigned long pfn, *map;

	map = fdbox_claimed_map_of(phys, order, &pfn);
	if (IS_ERR(map))
		return PTR_ERR(map);
	return fdbox_claimed_any(map, pfn, order) ? -EEXIST : 0;
}

/**
 * fdbox_kho_claimed_lock() - hold the claimed set still
 *
 * Context: Process context; sleeps.
 */
void fdbox_kho_claimed_lock(void)
{
	mutex_lock(&fdbox_claimed_lock);
}

/**
 * fdbox_kho_claimed_unlock() - release fdbox_kho_claimed_lock()
 *
 * Context: Process context.
 */
void fdbox_kho_claimed_unlock(void)
{
	mutex_unlock(&fdbox_claimed_lock);
}

/* Set the bits of a checked range in @map: 0 or -EEXIST (nothing set). */
static int fdbox_claimed_set(unsigned long *map, unsigned long pfn,
			     unsigned int order)
{
	if (fdbox_claimed_any(map, pfn, order))
		return -EEXIST;
	if (order)
		bitmap_set(map, pfn % FDBOX_CLAIMED_BITS, 1UL << order);
	else
		__set_bit(pfn % FDBOX_CLAIMED_BITS, map);
	return 0;
}

/**
 * fdbox_kho_claimed_add_locked() - remember a range, lock held
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys, naturally aligned
 *
 * Call right before the memory is claimed from KHO, or to reserve memory
 * that a checked record will claim later: from then on, no other record
 * may name it. fdbox_kho_claimed_remove_locked() undoes a reservation.
 *
 * Context: Process context, fdbox_kho_claimed_lock() held.
 * Return: 0, -EEXIST if a page of the range was claimed already (nothing
 * changed), -EINVAL for a range that is not naturally aligned, or -ENOMEM.
 */
int fdbox_kho_claimed_add_locked(phys_addr_t phys, unsigned int order)
{
	unsigned long pfn, *map;

	map = fdbox_claimed_map_of(phys, order, &pfn);
	if (IS_ERR(map))
		return PTR_ERR(map);
	return fdbox_claimed_set(map, pfn, order);
}

/**
 * fdbox_kho_claimed_remove_locked() - forget a range reserved, not claimed
 * @phys: physical address, page aligned
 * @order: as given to fdbox_kho_claimed_add_locked(), which succeeded
 *
 * Only for memory that nobody claimed from KHO: a record that reserved it
 * and then failed its checks gives it back.
 *
 * Context: Process context, fdbox_kho_claimed_lock() held.
 */
void fdbox_kho_claimed_remove_locked(phys_addr_t phys, unsigned int order)
{
	unsigned long pfn, *map;

	lockdep_assert_held(&fdbox_claimed_lock);
	if (fdbox_claimed_range(phys, order, &pfn))
		return;
	map = fdbox_claimed_map(pfn, false);
	if (WARN_ON_ONCE(!map))
		return;
	bitmap_clear(map, pfn % FDBOX_CLAIMED_BITS, 1UL << order);
}

/**
 * fdbox_kho_claimed_add() - remember a range about to be claimed
 * @phys: physical address, page aligned
 * @order: the range is the 2^@order pages from @phys, naturally aligned
 *
 * Call right before the memory is claimed from KHO; after
 * fdbox_kho_claimed_check() of the range it does not allocate.
 *
 * Context: Process context.
 * Return: as fdbox_kho_claimed_add_locked().
 */
int fdbox_kho_claimed_add(phys_addr_t phys, unsigned int order)
{
	guard(mutex)(&fdbox_claimed_lock);
	return fdbox_kho_claimed_add_locked(phys, order);
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
	fdbox_claimed_last_index = ULONG_MAX;
	fdbox_claimed_last_map = NULL;
}
