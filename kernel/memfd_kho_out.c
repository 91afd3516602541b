// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox memfd KHO layer, old kernel: preserve a memfd for the next kernel.
 */

/**
 * DOC: memfd handover, old kernel
 *
 * fdbox_memfd_kho_preserve() takes a snapshot of a memfd: its size, seals,
 * position, permission bits, access mode and name, and every folio that
 * holds data. Everything below happens under the file's inode lock, so the
 * size and the table agree and no hole can open up meanwhile (truncate and
 * hole punching take that lock).
 *
 * Holes stay holes: memfd_pin_folios() would fill them with new folios, so
 * only the ranges of the file that hold something are pinned. When the page
 * cache holds exactly one page per index of the file and nothing beyond
 * (nrpages and a lookup past the end, both under the page cache lock), the
 * whole file is one range; otherwise one walk over the page cache, taking
 * no folio references, finds the ranges of folios and swap entries. Each
 * range is long-term pinned with as few memfd_pin_folios() calls as
 * possible (up to FDBOX_PIN_MAX folios each), which swaps pages in
 * (swapped-out pages are data) and migrates them out of CMA and
 * ZONE_MOVABLE, and therefore out of the KHO scratch areas the next kernel
 * boots in. A pinned folio that is not uptodate was fallocated but never
 * written: it is a hole, unpinned at once and not recorded. Every other
 * folio is preserved with kho_preserve_folio() and entered in the folio
 * table, which is allocated once, for as many entries as the ranges have
 * pages (cut down afterwards if that is far more than the folios found,
 * the most the next kernel accepts being two entries per folio), and
 * preserved with kho_preserve_vmalloc(). Preservation is all or nothing: on
 * any error every folio preserved or pinned so far is released again.
 *
 * The pins keep the folios after a later truncate or hole punch by another
 * holder of the file: what is handed over is what the file held at SEAL,
 * with later writes into those folios (through write() or a shared mapping)
 * included, as they land in the very memory that is handed over. Data
 * written after SEAL into what was then a hole lands in a new folio and is
 * not handed over; neither is data beyond the size at SEAL.
 *
 * The same inode can be preserved only once at a time (-EBUSY), by FDBox or
 * the Live Update Orchestrator: two records of the same folios would make
 * the next kernel restore them twice.
 * fdbox_memfd_kho_unpreserve() undoes everything exactly.
 *
 * What is not handed over: the owner (the restored file belongs to whoever
 * restores it), FD_CLOEXEC and other descriptor flags, O_APPEND and other
 * status flags, file locks, the memfd SELinux label (the LSM hook that
 * memfd_create() calls is not exported), and hugetlbfs memfds.
 *
 * Private state touched
 * =====================
 * Linux 7.3 exports neither memfd_get_seals() nor memfd_add_seals(). Without
 * the kernel helpers (helper.c) this layer therefore reads
 * &shmem_inode_info.seals (include/linux/shmem_fs.h) when preserving, and
 * sets it on the new, not yet installed file when restoring, together with
 * mapping_deny_writable() for F_SEAL_WRITE, exactly as memfd_add_seals()
 * does. It also reads (never writes) the
 * SHMEM_F_MAPPING_FROZEN bit of &shmem_inode_info.flags, which
 * shmem_freeze() sets while the Live Update Orchestrator preserves the
 * file: KHO counts no owners, so a memfd LUO preserves is refused at SEAL
 * (-EBUSY), and folios LUO preserved after SEAL stay preserved at UNSEAL.
 * No other shmem or LRU private state is read or written.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/bitmap.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include "helper.h"
#include "kho_vm.h"
#include "memfd_kho.h"

/* Most folios pinned per memfd_pin_folios() call (1 GiB of 4 KiB pages). */
#define FDBOX_PIN_MAX		(SZ_2M / sizeof(struct folio *))

/* Page cache entries walked between two breaks for the scheduler. */
#define FDBOX_WALK_BREAK	4096

/**
 * struct fdbox_memfd_kho_out - a memfd preserved for the next kernel
 * @node: entry in fdbox_memfd_kho_held, keyed by @inode
 * @inode: the inode of @file
 * @file: the memfd (one reference)
 * @table: the folio table, preserved vmalloc memory (NULL when empty)
 * @capacity: entries allocated in @table, its pages full
 * @rec: the record handed over; @rec.table describes the preserved @table
 *
 * Owned by the caller of fdbox_memfd_kho_preserve(), who serializes calls on
 * one object. @node is protected by fdbox_memfd_kho_lock.
 */
struct fdbox_memfd_kho_out {
	struct hlist_node node;
	struct inode *inode;
	struct file *file;
	struct fdbox_kho_folio *table;
	u64 capacity;
	struct fdbox_kho_memfd rec;
};

/*
 * Inodes preserved right now: one record per inode. 1024 buckets keep a
 * claim cheap with thousands of memfds sealed.
 */
static DEFINE_MUTEX(fdbox_memfd_kho_lock);
static DEFINE_HASHTABLE(fdbox_memfd_kho_held, 10);

/*
 * The name the restored memfd gets: its dentry name, which memfd_create(2)
 * makes "memfd:NAME"; another file of the internal mount gets the prefix
 * added. Files on the internal mount are never renamed.
 */
static int fdbox_memfd_kho_name(struct file *file, char *buf, size_t size)
{
	const char *name = file->f_path.dentry->d_name.name;
	int len;

	if (!strncmp(name, FDBOX_MEMFD_PREFIX, FDBOX_MEMFD_PREFIX_LEN))
		len = snprintf(buf, size, "%s", name);
	else
		len = snprintf(buf, size, FDBOX_MEMFD_PREFIX "%s", name);
	return len >= size ? -ENAMETOOLONG : 0;
}

static int fdbox_memfd_kho_check_file(struct file *file)
{
	char name[FDBOX_KHO_NAME_LEN];

	if (!fdbox_memfd_is_memfd(file))
		return -EOPNOTSUPP;
	if (fdbox_memfd_kho_name(file, name, sizeof(name)))
		return -ENAMETOOLONG;
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EOPNOTSUPP;
	return 0;
}

/* Claim @out->inode in the registry of preserved inodes. */
static int fdbox_memfd_kho_claim(struct fdbox_memfd_kho_out *out)
{
	struct fdbox_memfd_kho_out *o;

	guard(mutex)(&fdbox_memfd_kho_lock);
	hash_for_each_possible(fdbox_memfd_kho_held, o, node,
			       (unsigned long)out->inode)
		if (o->inode == out->inode)
			return -EBUSY;
	hash_add(fdbox_memfd_kho_held, &out->node, (unsigned long)out->inode);
	return 0;
}

static void fdbox_memfd_kho_unclaim(struct fdbox_memfd_kho_out *out)
{
	guard(mutex)(&fdbox_memfd_kho_lock);
	hash_del(&out->node);
}

/*
 * Does the Live Update Orchestrator preserve @inode? LUO's memfd handler
 * (mm/memfd_luo.c), the only user of shmem_freeze(), sets
 * SHMEM_F_MAPPING_FROZEN under the inode lock when it preserves the file and
 * clears it when it lets go; while it is set the size cannot change and no
 * hole can be punched. KHO keeps one bit per preserved folio, not a count,
 * so two owners of the same folios would unpreserve each other's. Reading
 * the flag is the second exception of "Private state touched". Exact with
 * the inode lock held; without it, a hint.
 */
static bool fdbox_memfd_luo_holds(struct inode *inode)
{
	return READ_ONCE(SHMEM_I(inode)->flags) & SHMEM_F_MAPPING_FROZEN;
}

/*
 * Unpreserve and unpin every folio of the table; the table itself stays.
 * With @luo (LUO preserved the file after it was sealed here; inode lock
 * held), a folio still in the file is LUO's too, as every folio of a file
 * LUO preserves is: it stays preserved for LUO.
 */
static void fdbox_memfd_kho_release_folios(struct fdbox_memfd_kho_out *out,
					   bool luo)
{
	u64 i;

	for (i = 0; i < out->rec.nr_folios; i++) {
		struct folio *folio;

		folio = pfn_folio(PHYS_PFN(fdbox_folio_phys(&out->table[i])));
		if (!luo || READ_ONCE(folio->mapping) != out->inode->i_mapping)
			kho_unpreserve_folio(folio);
		unpin_folio(folio);
	}
	out->rec.nr_folios = 0;
	out->rec.nr_pages = 0;
}

/* A table of at least @n entries, its last page filled up with entries. */
static int fdbox_memfd_kho_alloc_table(struct fdbox_memfd_kho_out *out, u64 n)
{
	size_t size = PAGE_ALIGN(array_size(n, sizeof(*out->table)));

	/* Not zeroed: every entry is written or zeroed before preserving. */
	out->table = vmalloc(size);
	if (!out->table)
		return -ENOMEM;
	out->capacity = size / sizeof(*out->table);
	return 0;
}

/*
 * Make the filled table what is handed over: cut it down if it was sized
 * for far more folios than were found (fallocated but unwritten folios,
 * large folios), as the next kernel accepts at most two entries per folio
 * (or FDBOX_TABLE_MIN), and zero the entries after the last.
 */
static int fdbox_memfd_kho_fit_table(struct fdbox_memfd_kho_out *out)
{
	struct fdbox_kho_folio *old = out->table;
	u64 nr = out->rec.nr_folios;
	int err;

	if (fdbox_table_pages(out->capacity) >
	    fdbox_table_pages(max(2 * nr, (u64)FDBOX_TABLE_MIN))) {
		err = fdbox_memfd_kho_alloc_table(out, nr);
		if (err) {
			out->table = old;
			return err;
		}
		memcpy(out->table, old, nr * sizeof(*old));
		vfree(old);
	}
	memset(out->table + nr, 0, (out->capacity - nr) * sizeof(*old));
	return 0;
}

/* Preserve one pinned folio and enter it in the table. */
static int fdbox_memfd_kho_add(struct fdbox_memfd_kho_out *out,
			       struct folio *folio)
{
	struct fdbox_kho_folio *e;
	int err;

	/* The table has an entry for every page of the ranges pinned. */
	if (WARN_ON_ONCE(out->rec.nr_folios == out->capacity))
		return -EFBIG;
	err = kho_preserve_folio(folio);
	if (err)
		return err;
	e = &out->table[out->rec.nr_folios++];
	e->index = folio->index;
	e->phys = PFN_PHYS(folio_pfn(folio)) | folio_order(folio);
	out->rec.nr_pages += folio_nr_pages(folio);
	return 0;
}

/*
 * Pin and preserve the folios of pages [@first, @last] of @out->file, at
 * most @max per memfd_pin_folios() call into @batch. @next_index is the
 * first index not covered by the table yet.
 */
static int fdbox_memfd_kho_pin_range(struct fdbox_memfd_kho_out *out,
				     struct folio **batch, unsigned long max,
				     pgoff_t first, pgoff_t last,
				     pgoff_t *next_index)
{
	loff_t end = ((loff_t)last << PAGE_SHIFT) + PAGE_SIZE - 1;
	pgoff_t index = first;
	pgoff_t offset;
	long i, n;
	int err;

	end = min(end, i_size_read(out->inode) - 1);
	while (index <= last) {
		n = memfd_pin_folios(out->file, (loff_t)index << PAGE_SHIFT,
				     end, batch, min(max, last - index + 1),
				     &offset);
		if (n < 0)
			return n;
		if (!n)
			return -EIO;
		/* Where the next call starts: past the last folio pinned. */
		index = max(index + 1, folio_next_index(batch[n - 1]));
		for (i = 0; i < n; i++) {
			struct folio *folio = batch[i];

			/*
			 * Skip a large folio already entered (it spans two
			 * calls), and a folio that is not uptodate: it was
			 * fallocated but never written and holds no data (and
			 * possibly stale memory), so it is a hole.
			 */
			if (folio->index < *next_index ||
			    !folio_test_uptodate(folio)) {
				unpin_folio(folio);
				continue;
			}
			err = fdbox_memfd_kho_add(out, folio);
			if (err) {
				unpin_folios(batch + i, n - i);
				return err;
			}
			*next_index = folio_next_index(folio);
			if (!(i % FDBOX_WALK_BREAK))
				cond_resched();
		}
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

struct fdbox_range {
	pgoff_t first;
	pgoff_t last;
};

/* Make room for more ranges than the @nr there are. */
static int fdbox_memfd_kho_grow_ranges(struct fdbox_range **rp,
				       unsigned long nr, unsigned long *capp)
{
	unsigned long cap = max(*capp * 2, 16UL);
	struct fdbox_range *tmp;

	tmp = kvmalloc_objs(*tmp, cap);
	if (!tmp)
		return -ENOMEM;
	if (*rp)
		memcpy(tmp, *rp, nr * sizeof(*tmp));
	kvfree(*rp);
	*rp = tmp;
	*capp = cap;
	return 0;
}

/*
 * Does the page cache hold a folio at every index of [0, @npages) and
 * nothing beyond? Both are read under the page cache lock, which every
 * change of the page cache and of nrpages takes: nrpages pages, none at or
 * after @npages, and one page per index leave no room for a hole.
 */
static bool fdbox_memfd_kho_full(struct address_space *mapping,
				 pgoff_t npages)
{
	XA_STATE(xas, &mapping->i_pages, npages);
	bool full;

	xas_lock_irq(&xas);
	full = mapping->nrpages == npages && !xas_find(&xas, ULONG_MAX);
	xas_unlock_irq(&xas);
	return full;
}

/*
 * Find the ranges of pages [0, @npages) of @inode that hold something: a
 * folio (uptodate or not: one that is not is skipped when pinned) or a swap
 * entry. Called with the inode lock held, so no hole can appear meanwhile
 * (truncate and hole punching take it); data may appear where a hole was
 * (a page fault), and is not handed over. One pass over the page cache,
 * without taking folio references; *@pagesp gets the pages covered.
 */
static int fdbox_memfd_kho_ranges(struct inode *inode, pgoff_t npages,
				  struct fdbox_range **rp, unsigned long *nrp,
				  u64 *pagesp)
{
	XA_STATE(xas, &inode->i_mapping->i_pages, 0);
	struct fdbox_range *ranges = NULL;
	unsigned long nr = 0, cap = 0, walked = 0;
	pgoff_t first, last;
	unsigned int order;
	u64 pages = 0;
	void *entry;
	int err = 0;

	rcu_read_lock();
	xas_for_each(&xas, entry, npages - 1) {
		if (xas_retry(&xas, entry))
			continue;
		/* A large folio or swap entry covers 1 << order indices. */
		order = xas_get_order(&xas);
		first = round_down(xas.xa_index, 1UL << order);
		last = min(first + (1UL << order) - 1, npages - 1);
		if (nr && first <= ranges[nr - 1].last)
			first = ranges[nr - 1].last + 1;
		if (first > last)
			continue;
		pages += last - first + 1;
		if (nr && first == ranges[nr - 1].last + 1) {
			ranges[nr - 1].last = last;
			goto next;
		}
		if (nr == cap) {
			/* Allocated outside RCU; the walk goes on after. */
			xas_pause(&xas);
			rcu_read_unlock();
			err = fdbox_memfd_kho_grow_ranges(&ranges, nr, &cap);
			if (err)
				goto out;
			rcu_read_lock();
		}
		ranges[nr].first = first;
		ranges[nr].last = last;
		nr++;
next:
		if (++walked % FDBOX_WALK_BREAK)
			continue;
		xas_pause(&xas);
		rcu_read_unlock();
		cond_resched();
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		rcu_read_lock();
	}
	rcu_read_unlock();
out:
	if (err) {
		kvfree(ranges);
		return err;
	}
	*rp = ranges;
	*nrp = nr;
	*pagesp = pages;
	return 0;
}

/* Pin and preserve the folios of @ranges, into a table sized for @pages. */
static int fdbox_memfd_kho_pin_ranges(struct fdbox_memfd_kho_out *out,
				      const struct fdbox_range *ranges,
				      unsigned long nr_ranges, u64 pages)
{
	unsigned long r, max = min(pages, FDBOX_PIN_MAX);
	pgoff_t next_index = 0;
	struct folio **batch;
	int err;

	err = fdbox_memfd_kho_alloc_table(out, pages);
	if (err)
		return err;
	batch = kvmalloc_objs(*batch, max);
	if (!batch)
		return -ENOMEM;
	for (r = 0; r < nr_ranges; r++) {
		err = fdbox_memfd_kho_pin_range(out, batch, max,
						ranges[r].first,
						ranges[r].last, &next_index);
		if (err)
			break;
	}
	kvfree(batch);
	return err;
}

/* Record the file's attributes and pin its data. Inode lock held. */
static int fdbox_memfd_kho_pin(struct fdbox_memfd_kho_out *out)
{
	struct inode *inode = out->inode;
	struct fdbox_kho_memfd *rec = &out->rec;
	struct fdbox_range *ranges = NULL;
	unsigned long nr_ranges = 0;
	int seals;
	pgoff_t npages;
	u64 pages = 0;
	int err;

	/* LUO cannot see FDBox's claim: refuse here, before pinning. */
	if (fdbox_memfd_luo_holds(inode)) {
		pr_info_ratelimited("memfd '%s' is preserved by the Live Update Orchestrator: a file has one owner across a kexec\n",
				    rec->name);
		return -EBUSY;
	}
	/* Without the kernel helpers a private field read ("Private state touched"). */
	seals = fdbox_helper_get_seals(out->file);
	if (seals < 0)
		return seals;
	if (seals & ~FDBOX_KHO_MEMFD_SEALS) {
		pr_err_ratelimited("memfd '%s' has seals %#x this version cannot hand over\n",
				   rec->name, seals);
		return -EOPNOTSUPP;
	}
	rec->seals = seals;
	rec->size = i_size_read(inode);
	rec->mode = inode->i_mode & S_IALLUGO;
	npages = DIV_ROUND_UP(rec->size, PAGE_SIZE);
	if (npages > FDBOX_KHO_MEMFD_MAX_PAGES) {
		pr_warn_ratelimited("memfd '%s' of %llu bytes is larger than the %llu pages a handover can describe\n",
				    rec->name, rec->size, FDBOX_KHO_MEMFD_MAX_PAGES);
		return -EFBIG;
	}

	if (!npages) {
		err = 0;
	} else if (fdbox_memfd_kho_full(inode->i_mapping, npages)) {
		struct fdbox_range all = { .first = 0, .last = npages - 1 };

		err = fdbox_memfd_kho_pin_ranges(out, &all, 1, npages);
	} else {
		err = fdbox_memfd_kho_ranges(inode, npages, &ranges,
					     &nr_ranges, &pages);
		if (!err && pages)
			err = fdbox_memfd_kho_pin_ranges(out, ranges,
							 nr_ranges, pages);
		kvfree(ranges);
	}

	if (!err && rec->nr_folios)
		err = fdbox_memfd_kho_fit_table(out);
	if (!err && rec->nr_folios)
		err = kho_preserve_vmalloc(out->table, &rec->table);
	if (err) {
		fdbox_memfd_kho_release_folios(out, false);
		return err;
	}
	if (!rec->nr_folios) {
		vfree(out->table);
		out->table = NULL;
		out->capacity = 0;
	}
	return 0;
}

/**
 * fdbox_memfd_kho_preserve() - pin a memfd and record it for handover
 * @file: the memfd
 * @outp: where to store the new preservation object
 *
 * Pins every folio holding data of @file, preserves it with KHO and records
 * it in a preserved folio table together with the size, seals, position,
 * permission bits, access mode and name of @file. Takes a reference on
 * @file for the lifetime of the object. All or nothing: on error nothing
 * stays pinned or preserved.
 *
 * Context: Process context, may sleep for long (pinning migrates folios).
 * Takes the inode lock of @file.
 * Return: 0 on success, or
 * * -EOPNOTSUPP: @file is not a memfd (fdbox_memfd_is_memfd()), has seals
 *   this version does not know, or KHO is disabled
 * * -EBUSY: the same memfd (inode) is preserved already, by FDBox or by the
 *   Live Update Orchestrator
 * * -EFBIG: the file is too large to describe
 * * -ENOMEM: out of memory
 * * -EINTR: a fatal signal arrived
 * * other negative errnos from memfd_pin_folios() or KHO
 */
int fdbox_memfd_kho_preserve(struct file *file,
			     struct fdbox_memfd_kho_out **outp)
{
	struct inode *inode = file_inode(file);
	struct fdbox_memfd_kho_out *out;
	int err;

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	err = fdbox_memfd_kho_check_file(file);
	if (err)
		return err;

	out = kzalloc_obj(*out);
	if (!out)
		return -ENOMEM;
	out->file = get_file(file);
	out->inode = inode;
	fdbox_memfd_kho_name(file, out->rec.name, sizeof(out->rec.name));
	if (file->f_mode & FMODE_READ)
		out->rec.flags |= FDBOX_KHO_MEMFD_READ;
	if (file->f_mode & FMODE_WRITE)
		out->rec.flags |= FDBOX_KHO_MEMFD_WRITE;

	err = fdbox_memfd_kho_claim(out);
	if (err)
		goto err_put;

	inode_lock(inode);
	err = fdbox_memfd_kho_pin(out);
	inode_unlock(inode);
	if (err)
		goto err_unclaim;

	out->rec.pos = READ_ONCE(file->f_pos);
	*outp = out;
	return 0;

err_unclaim:
	fdbox_memfd_kho_unclaim(out);
err_put:
	vfree(out->table);
	fput(out->file);
	kfree(out);
	return err;
}

/**
 * fdbox_memfd_kho_unpreserve() - undo fdbox_memfd_kho_preserve()
 * @out: the preservation object, freed here
 *
 * Unpreserves and unpins every folio and the folio table, drops the file
 * reference. Only valid in the kernel that preserved @out (before kexec).
 * Folios the Live Update Orchestrator has preserved since stay preserved.
 *
 * Context: Process context. Takes the inode lock of the file.
 */
void fdbox_memfd_kho_unpreserve(struct fdbox_memfd_kho_out *out)
{
	if (out->rec.nr_folios)
		kho_unpreserve_vmalloc(&out->rec.table);
	inode_lock(out->inode);
	fdbox_memfd_kho_release_folios(out, fdbox_memfd_luo_holds(out->inode));
	inode_unlock(out->inode);
	vfree(out->table);
	fdbox_memfd_kho_unclaim(out);
	fput(out->file);
	kfree(out);
}

/**
 * fdbox_memfd_kho_shared() - does LUO now preserve a memfd sealed here?
 * @out: the preservation object
 *
 * SEAL refuses a memfd LUO preserves, but LUO does not know FDBox and can
 * preserve the file after it was sealed. Then both hand over the same
 * folios, and the next kernel can give them to only one owner.
 *
 * Context: Any; reads without the inode lock (for a warning at reboot).
 * Return: true if the Live Update Orchestrator preserves the file.
 */
bool fdbox_memfd_kho_shared(const struct fdbox_memfd_kho_out *out)
{
	return fdbox_memfd_luo_holds(out->inode);
}

/**
 * fdbox_memfd_kho_emit() - write the handover record of a preserved memfd
 * @out: the preservation object
 * @rec: where to write, typically &fdbox_kho_fd.memfd in a box blob
 *
 * The file position is read again here, so emit as late as possible.
 *
 * Context: Any.
 */
void fdbox_memfd_kho_emit(const struct fdbox_memfd_kho_out *out,
			  struct fdbox_kho_memfd *rec)
{
	*rec = out->rec;
	rec->pos = READ_ONCE(out->file->f_pos);
}

/**
 * fdbox_memfd_kho_out_bytes() - bytes of memory a preservation holds
 * @out: the preservation object
 *
 * Context: Any.
 * Return: bytes of all pinned and preserved folios.
 */
u64 fdbox_memfd_kho_out_bytes(const struct fdbox_memfd_kho_out *out)
{
	return out->rec.nr_pages << PAGE_SHIFT;
}

#ifdef FDBOX_DEBUG
#include "debug.h"

/**
 * fdbox_memfd_kho_debug_table() - the preserved folio table of a memfd
 * @out: the preservation object
 * @nrp: where to store the number of entries
 *
 * For the debug knob (debug.c) only: the table is preserved memory the next
 * kernel reads as it is at reboot.
 *
 * Context: Any; the caller serializes with the owner of @out.
 * Return: the table, or NULL when it is empty.
 */
struct fdbox_kho_folio *
fdbox_memfd_kho_debug_table(const struct fdbox_memfd_kho_out *out, u64 *nrp)
{
	*nrp = out->rec.nr_folios;
	return out->rec.nr_folios ? out->table : NULL;
}
#endif /* FDBOX_DEBUG */
