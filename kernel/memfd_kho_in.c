// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox memfd KHO layer, new kernel: restore a handed-over memfd.
 */

/**
 * DOC: memfd handover, new kernel
 *
 * fdbox_memfd_kho_validate() checks the fixed fields of a record without
 * touching any handed-over memory. fdbox_memfd_kho_load() validates and
 * copies a record into a &struct fdbox_memfd_kho_in, still without touching
 * the preserved memory, so the box blob can be freed afterwards.
 *
 * fdbox_memfd_kho_restore() builds the file. It first reads the folio table
 * in place, without claiming it: it walks the chunk list of the KHO vmalloc
 * preservation (the KHO ABI in include/linux/kho/abi/kexec_handover.h) and
 * checks every entry (sorted, aligned, inside the file, valid memory that
 * KHO marks as preserved (kho_vm.c), as it does the table's own pages).
 * Then it reserves the folios in the set of claimed memory (kho_claimed.c),
 * which refuses memory that two pieces of the record share or that another
 * record claimed. Only then does it claim
 * folios (kho_restore_folio()), one entry at a time, in one of two ways
 * (helper.c tells which one is active):
 *
 * - zero-copy, on kernels with the FDBox helpers: the file is a true memfd
 *   (memfd_alloc_file()), each preserved folio of any order goes into it
 *   as it is (shmem_insert_folios(), which charges and accounts it like
 *   any shmem folio; FDBOX_INSERT_BATCH folios per call, so that shmem
 *   accounts their blocks once), and seals are added with
 *   memfd_add_seals().
 * - module-only, on stock kernels: the file is a shmem file named like a
 *   memfd ("memfd:NAME") with memfd's FMODE_LSEEK/PREAD/PWRITE and
 *   O_LARGEFILE. For each entry shmem allocates a folio at that index with
 *   all its own accounting (shmem_get_folio()), then the preserved folio
 *   takes its place (replace_page_cache_folio(), folio_add_lru()): no copy
 *   for order-0 folios. When the sizes differ (large folios), the data is
 *   copied instead.
 *
 * The table pages are claimed and freed at the end (kho_restore_pages()).
 * Seals are applied last, then the position and the access mode.
 *
 * Restores run one at a time, whatever the box. Two records can only share
 * memory if the handover is damaged; then the first record checked
 * reserves it, and the other is refused. Each folio is checked to be still
 * preserved right before it is claimed (another KHO user may share it), and
 * a call after a failed one first checks that no page of its folio table
 * was claimed meanwhile (the table is read in place and claimed last), so
 * that it never reads or claims what it checked no longer.
 *
 * Every preserved folio is claimed exactly once, and a failed allocation
 * loses nothing: the module-only path allocates the new folios before it
 * claims the preserved one, and holds them until its data is in them; the
 * zero-copy path keeps the claimed folios that shmem could not take (no
 * memory, no space) and offers them again. A later call resumes where the
 * failed one stopped (kho_restore_vmalloc() is not used because its failure
 * does not tell whether it consumed the table).
 * Damaged data (an entry or chunk list that does not check out, a folio
 * KHO cannot give back) makes the record fail for good with -EINVAL or
 * -EIO; what was not claimed then stays reserved: this layer never frees
 * handed-over memory it has not claimed, and fdbox_memfd_kho_in_bytes()
 * tells how much that is. fdbox_memfd_kho_in_free() drops a record in any
 * state.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/bitmap.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <uapi/linux/memfd.h>
#include "helper.h"
#include "kho_vm.h"
#include "memfd_kho.h"

/* Serializes restores: see fdbox_memfd_kho_restore(). */
static DEFINE_MUTEX(fdbox_memfd_kho_restore_lock);

/**
 * struct fdbox_memfd_kho_in - a memfd handed over by the previous kernel
 * @rec: validated copy of the record
 * @fdname: fd name, for messages
 * @table: the pages of the handed-over folio table, read in place (not
 *         claimed) once mapped; empty before that or when there is no table
 * @file: the file being built (one reference), NULL before the first restore
 *        call and after success
 * @helper: the kernel helpers this restore uses, NULL for the module-only
 *          path; chosen when @file is made, kept to the end
 * @batch: zero-copy path: claimed folios on their way into @file (those
 *         shmem could not take for lack of memory are kept and retried);
 *         allocated by the first restore call, freed when it is done
 * @next: first table entry not claimed yet
 * @left_pages: pages of preserved folios not claimed yet
 * @broken: 0, or the error that makes this record fail for good
 * @table_checked: every entry of @table checked out
 * @sealed: seals are applied to @file
 * @done: the file was returned
 *
 * Owned by the caller of fdbox_memfd_kho_load(), who serializes calls on one
 * object.
 */
/* Folios passed to shmem_insert_folios() in one call. */
#define FDBOX_INSERT_BATCH	32

/**
 * struct fdbox_insert_batch - claimed folios on their way into the file
 * @folios: the folios, in table order, each claimed with one reference
 * @index: the page cache index of each
 * @first: first folio not in the file yet
 * @nr: folios in the batch
 */
struct fdbox_insert_batch {
	struct folio *folios[FDBOX_INSERT_BATCH];
	pgoff_t index[FDBOX_INSERT_BATCH];
	unsigned int first;
	unsigned int nr;
};

struct fdbox_memfd_kho_in {
	struct fdbox_kho_memfd rec;
	char fdname[FDBOX_KHO_NAME_LEN];
	struct fdbox_kho_vm table;
	struct file *file;
	const struct fdbox_kernel_helper *helper;
	struct fdbox_insert_batch *batch;
	u64 next;
	u64 left_pages;
	int broken;
	bool table_checked;
	bool sealed;
	bool done;
};

#define fdbox_bad(fdname, fmt, ...)					\
	({								\
		pr_err_ratelimited("handed-over memfd '%s' rejected: "	\
				   fmt "\n", fdname, ##__VA_ARGS__);	\
		-EINVAL;						\
	})

/**
 * fdbox_memfd_kho_validate() - check a memfd record from the previous kernel
 * @rec: the record, untrusted
 * @fdname: fd name, for messages
 *
 * Checks every fixed field: the name, size and position limits, known seals,
 * mode bits and flags, zero reserved fields, and that the counts and the
 * folio table descriptor are consistent with the size. Reads nothing but
 * @rec: no handed-over memory is touched or claimed.
 *
 * Context: Any.
 * Return: 0, or -EINVAL after logging what is wrong.
 */
int fdbox_memfd_kho_validate(const struct fdbox_kho_memfd *rec,
			     const char *fdname)
{
	u64 max_pages, table_pages;
	size_t len;

	len = strnlen(rec->name, sizeof(rec->name));
	if (len == sizeof(rec->name))
		return fdbox_bad(fdname, "name not terminated");
	/* memfd_create(2) takes an empty name: "memfd:" alone. */
	if (len < FDBOX_MEMFD_PREFIX_LEN ||
	    strncmp(rec->name, FDBOX_MEMFD_PREFIX, FDBOX_MEMFD_PREFIX_LEN))
		return fdbox_bad(fdname, "name does not start with \"%s\"",
				 FDBOX_MEMFD_PREFIX);
	if (DIV_ROUND_UP_ULL(rec->size, PAGE_SIZE) > FDBOX_KHO_MEMFD_MAX_PAGES ||
	    rec->pos > MAX_LFS_FILESIZE)
		return fdbox_bad(fdname, "size %llu or position %llu too large",
				 rec->size, rec->pos);
	if (rec->seals & ~FDBOX_KHO_MEMFD_SEALS)
		return fdbox_bad(fdname, "unknown seals %#x", rec->seals);
	if (rec->mode & ~S_IALLUGO)
		return fdbox_bad(fdname, "bad mode %#o", rec->mode);
	if (rec->flags & ~FDBOX_KHO_MEMFD_FLAGS ||
	    !(rec->flags & FDBOX_KHO_MEMFD_FLAGS))
		return fdbox_bad(fdname, "bad flags %#x", rec->flags);
	if (rec->reserved)
		return fdbox_bad(fdname, "reserved field set");

	max_pages = DIV_ROUND_UP(rec->size, PAGE_SIZE);
	if (!rec->nr_folios) {
		if (rec->nr_pages || memchr_inv(&rec->table, 0,
						sizeof(rec->table)))
			return fdbox_bad(fdname, "no folios but pages or a table");
		return 0;
	}
	/* A large folio at EOF may extend past it by less than its size. */
	if (rec->nr_folios > max_pages || rec->nr_pages < rec->nr_folios ||
	    rec->nr_pages >= max_pages + MAX_ORDER_NR_PAGES)
		return fdbox_bad(fdname,
				 "%llu folios, %llu pages for a %llu-byte file",
				 rec->nr_folios, rec->nr_pages, rec->size);
	table_pages = fdbox_table_pages(rec->nr_folios);
	if (!rec->table.first.phys ||
	    !PAGE_ALIGNED(rec->table.first.phys) ||
	    rec->table.total_pages < table_pages ||
	    rec->table.total_pages > fdbox_table_pages(max_pages) ||
	    rec->table.total_pages >
	    fdbox_table_pages(max(2 * rec->nr_folios, (u64)FDBOX_TABLE_MIN)) ||
	    rec->table.order)
		return fdbox_bad(fdname, "bad folio table descriptor");
	return 0;
}

/**
 * fdbox_memfd_kho_record_bytes() - bytes of memory a record keeps reserved
 * @rec: a validated record
 *
 * For reports: the memory the folios of @rec hold until they are restored
 * (the folio table comes on top). @rec may be one that was refused, so the
 * count saturates instead of overflowing.
 *
 * Context: Any.
 * Return: bytes, at most U64_MAX.
 */
u64 fdbox_memfd_kho_record_bytes(const struct fdbox_kho_memfd *rec)
{
	u64 bytes;

	if (check_shl_overflow(rec->nr_pages, PAGE_SHIFT, &bytes))
		return U64_MAX;
	return bytes;
}

/**
 * fdbox_memfd_kho_load() - take a handed-over memfd record into custody
 * @rec: the record in the incoming box blob, untrusted
 * @fdname: fd name, for messages
 * @inp: where to store the new object
 *
 * Validates @rec and copies it; the blob holding @rec may be freed after.
 * Claims no handed-over memory: that happens in fdbox_memfd_kho_restore().
 *
 * Context: Process context.
 * Return: 0, -EINVAL if @rec does not validate, -ENOMEM.
 */
int fdbox_memfd_kho_load(const struct fdbox_kho_memfd *rec, const char *fdname,
			 struct fdbox_memfd_kho_in **inp)
{
	struct fdbox_memfd_kho_in *in;
	int err;

	err = fdbox_memfd_kho_validate(rec, fdname);
	if (err)
		return err;
	in = kzalloc_obj(*in);
	if (!in)
		return -ENOMEM;
	in->rec = *rec;
	strscpy(in->fdname, fdname);
	in->left_pages = rec->nr_pages;
	*inp = in;
	return 0;
}

static inline struct fdbox_kho_folio *
fdbox_in_entry(const struct fdbox_memfd_kho_in *in, u64 i)
{
	struct fdbox_kho_folio *page = in->table.pages[i / FDBOX_FOLIOS_PER_PAGE];

	return page + i % FDBOX_FOLIOS_PER_PAGE;
}

/*
 * Find the pages of the folio table in place (kho_vm.c). Nothing is claimed:
 * the table stays reserved until it has been checked and every folio
 * restored, so that damaged data stays untouched and an allocation failure
 * here can simply be retried.
 */
static int fdbox_memfd_kho_map_table(struct fdbox_memfd_kho_in *in)
{
	int err;

	/* fdbox_memfd_kho_validate() bounded total_pages by the record. */
	err = fdbox_kho_vm_map(&in->rec.table, in->rec.table.total_pages,
			       &in->table);
	if (err == -EINVAL)
		return fdbox_bad(in->fdname, "folio table chunk list damaged");
	return err;
}

/*
 * Key @i of the handed-over memory of a record: its folios, then the pages
 * and the chunk pages of its folio table; physical address OR'ed with order.
 */
static u64 fdbox_memfd_kho_key(const struct fdbox_memfd_kho_in *in, u64 i)
{
	if (i < in->rec.nr_folios)
		return fdbox_in_entry(in, i)->phys;
	i -= in->rec.nr_folios;
	if (i < in->table.nr_pages)
		return virt_to_phys(in->table.pages[i]);
	return in->table.chunks[i - in->table.nr_pages];
}

static inline u64 fdbox_key_pfn(u64 key)
{
	return PHYS_PFN(key & FDBOX_KHO_FOLIO_PHYS);
}

static inline u64 fdbox_key_pages(u64 key)
{
	return 1ULL << (key & FDBOX_KHO_FOLIO_ORDER);
}

/* Forget the reservations of keys @from to @to (excluded) of @in. */
static void fdbox_memfd_kho_unreserve_from(struct fdbox_memfd_kho_in *in,
					   u64 from, u64 to)
{
	u64 i, key;

	for (i = from; i < to; i++) {
		key = fdbox_memfd_kho_key(in, i);
		fdbox_kho_claimed_remove_locked(key & FDBOX_KHO_FOLIO_PHYS,
						key & FDBOX_KHO_FOLIO_ORDER);
	}
}

static void fdbox_memfd_kho_unreserve(struct fdbox_memfd_kho_in *in, u64 nr)
{
	fdbox_memfd_kho_unreserve_from(in, 0, nr);
}

/*
 * Reserve key @i of @in in the claimed set, or explain why not: no two
 * pieces of handed-over memory may overlap, and none may have been claimed
 * by another record. On failure, the first @i keys are unreserved.
 */
static int fdbox_memfd_kho_reserve(struct fdbox_memfd_kho_in *in, u64 i)
{
	u64 key = fdbox_memfd_kho_key(in, i);
	phys_addr_t phys = key & FDBOX_KHO_FOLIO_PHYS;
	unsigned int order = key & FDBOX_KHO_FOLIO_ORDER;
	int err;

	err = fdbox_kho_claimed_add_locked(phys, order);
	if (!err)
		return 0;
	fdbox_memfd_kho_unreserve(in, i);
	if (err != -EEXIST)
		return err;
	/* Still claimed once this record's own part is undone? */
	if (fdbox_kho_claimed_check_locked(phys, order))
		return fdbox_bad(in->fdname,
				 "memory at %#llx belongs to another handed-over record",
				 (u64)phys);
	return fdbox_bad(in->fdname, "handed-over memory overlaps");
}

/*
 * Check every entry of the folio table, read in place, and reserve its
 * folio (so that it is this record's from now on), then check the table's
 * own pages against them. On failure nothing stays reserved.
 */
static int fdbox_memfd_kho_check_entries(struct fdbox_memfd_kho_in *in)
{
	const struct fdbox_kho_memfd *rec = &in->rec;
	u64 nr_keys = rec->nr_folios + in->table.nr_pages + in->table.nr_chunks;
	u64 max_pages = DIV_ROUND_UP(rec->size, PAGE_SIZE);
	u64 i, pages = 0, end = 0;
	int err;

	for (i = 0; i < rec->nr_folios; i++) {
		const struct fdbox_kho_folio *e = fdbox_in_entry(in, i);
		unsigned int order = fdbox_folio_order(e);
		unsigned long pfn = PHYS_PFN(fdbox_folio_phys(e));
		u64 nr = 1ULL << order;

		if (e->phys & FDBOX_KHO_FOLIO_RESERVED ||
		    order > MAX_PAGE_ORDER) {
			err = fdbox_bad(in->fdname, "folio %llu: bad order", i);
			goto unreserve;
		}
		if (!pfn || !IS_ALIGNED(pfn, nr) || !pfn_to_online_page(pfn) ||
		    (nr > 1 && !pfn_to_online_page(pfn + nr - 1))) {
			err = fdbox_bad(in->fdname, "folio %llu: bad address", i);
			goto unreserve;
		}
		if (!IS_ALIGNED(e->index, nr) || e->index >= max_pages ||
		    e->index < end) {
			err = fdbox_bad(in->fdname,
					"folio %llu: index %llu unsorted, overlapping or past EOF",
					i, e->index);
			goto unreserve;
		}
		/* First: memory another record took is not preserved either. */
		err = fdbox_memfd_kho_reserve(in, i);
		if (err)
			return err;
		if (!fdbox_helper_kho_is_preserved(PFN_PHYS(pfn), order)) {
			err = fdbox_bad(in->fdname,
					"folio %llu: memory at %#llx was not preserved as a folio of order %u",
					i, (u64)fdbox_folio_phys(e), order);
			fdbox_memfd_kho_unreserve(in, i + 1);
			return err;
		}
		end = e->index + nr;
		pages += nr;
		if (!(i % 4096))
			cond_resched();
	}
	if (pages != rec->nr_pages) {
		err = fdbox_bad(in->fdname, "table has %llu pages, record %llu",
				pages, rec->nr_pages);
		goto unreserve;
	}
	/* Table pages: checked here, claimed and freed with the table. */
	for (; i < nr_keys; i++) {
		err = fdbox_memfd_kho_reserve(in, i);
		if (err)
			return err;
	}
	fdbox_memfd_kho_unreserve_from(in, rec->nr_folios, nr_keys);
	return 0;

unreserve:
	fdbox_memfd_kho_unreserve(in, i);
	return err;
}

/*
 * Check the folio table, read in place, before anything of it is claimed,
 * and reserve its folios.
 */
static int fdbox_memfd_kho_check_table(struct fdbox_memfd_kho_in *in)
{
	int err;

	/* One lock for all entries: a table has up to millions. */
	fdbox_kho_claimed_lock();
	err = fdbox_memfd_kho_check_entries(in);
	fdbox_kho_claimed_unlock();
	return err;
}

/*
 * Create the empty file: a true memfd when the kernel helpers are there,
 * else a shmem file that looks like a memfd.
 */
static int fdbox_memfd_kho_new_file(struct fdbox_memfd_kho_in *in)
{
	const struct fdbox_kernel_helper *helper = fdbox_helper_get();
	struct inode *inode;
	struct file *file;

	if (helper) {
		/* Seals come later, with memfd_add_seals(). */
		file = helper->alloc_file(in->rec.name, MFD_ALLOW_SEALING);
	} else {
		file = shmem_file_setup(in->rec.name, 0,
					mk_vma_flags(VMA_NORESERVE_BIT));
		if (!IS_ERR(file)) {
			/* What memfd_alloc_file() adds to a shmem file. */
			file->f_mode |= FMODE_LSEEK | FMODE_PREAD |
					FMODE_PWRITE;
			file->f_flags |= O_LARGEFILE;
		}
	}
	if (IS_ERR(file))
		return PTR_ERR(file);
	inode = file_inode(file);
	inode_lock(inode);
	i_size_write(inode, in->rec.size);
	/*
	 * The permission bits memfd_create() gave it, as fchmod() would set
	 * them: this inode is new and reachable by nobody but this restore.
	 */
	inode->i_mode = (inode->i_mode & ~S_IALLUGO) | in->rec.mode;
	inode_unlock(inode);
	in->file = file;
	in->helper = helper;
	return 0;
}

/* Claim a preserved folio and check it is what the table says. */
static struct folio *fdbox_memfd_kho_claim_folio(struct fdbox_memfd_kho_in *in,
						 const struct fdbox_kho_folio *e)
{
	struct folio *folio;

	/*
	 * Reserved when the table was checked; KHO may still refuse it if
	 * another KHO user took it since (a damaged handover).
	 */
	folio = fdbox_kho_claim_reserved_folio(fdbox_folio_phys(e),
					       fdbox_folio_order(e));
	if (!folio) {
		pr_err_ratelimited("handed-over memfd '%s': KHO has no folio for page %llu\n",
				   in->fdname, e->index);
		in->broken = -EIO;
		return NULL;
	}
	in->left_pages -= 1UL << fdbox_folio_order(e);
	if (folio_order(folio) != fdbox_folio_order(e)) {
		pr_err_ratelimited("handed-over memfd '%s': the folio of page %llu has order %u, table says %u\n",
				   in->fdname, e->index, folio_order(folio),
				   fdbox_folio_order(e));
		folio_put(folio);
		in->broken = -EIO;
		return NULL;
	}
	return folio;
}

/*
 * Restore entry @e by copying: allocate (and zero) every page of the file
 * the preserved folio covers, then claim it (unless the caller passes it
 * claimed, as @claimed, and keeps it), copy, and free it.
 *
 * Every destination folio stays referenced from its allocation until its
 * copy is done: a clean shmem folio nobody references holds only zeroes as
 * far as the kernel knows, so reclaim or drop_caches may take it out of the
 * file; a referenced one stays. The preserved folio is claimed only when
 * all destinations are held: a failure before that leaves the entry whole
 * for a later call, and nothing after it can fail.
 */
static int fdbox_memfd_kho_copy(struct fdbox_memfd_kho_in *in,
				const struct fdbox_kho_folio *e, loff_t wend,
				struct folio *claimed)
{
	struct inode *inode = file_inode(in->file);
	pgoff_t end = min(e->index + (1UL << fdbox_folio_order(e)),
			  (u64)DIV_ROUND_UP(in->rec.size, PAGE_SIZE));
	pgoff_t index, from, to, i;
	struct folio **dst, *src;
	unsigned long nr = 0, n;
	int err = 0;

	/* At most one destination folio per page of @e. */
	dst = kvmalloc_array(end - e->index, sizeof(*dst), GFP_KERNEL);
	if (!dst)
		return -ENOMEM;
	for (index = e->index; index < end; nr++) {
		err = shmem_get_folio(inode, index, wend, &dst[nr], SGP_CACHE);
		if (err)
			goto put;
		folio_unlock(dst[nr]);
		index = folio_next_index(dst[nr]);
	}

	src = claimed ?: fdbox_memfd_kho_claim_folio(in, e);
	if (!src) {
		err = in->broken;
		goto put;
	}
	for (n = 0; n < nr; n++) {
		from = max(dst[n]->index, e->index);
		to = min(folio_next_index(dst[n]), end);
		folio_lock(dst[n]);
		for (i = from; i < to; i++)
			copy_highpage(folio_page(dst[n], i - dst[n]->index),
				      folio_page(src, i - e->index));
		folio_mark_dirty(dst[n]);
		folio_unlock(dst[n]);
	}
	if (!claimed)
		folio_put(src);
put:
	while (nr)
		folio_put(dst[--nr]);
	kvfree(dst);
	return err;
}

/*
 * Restore one table entry the module-only way (and, on the zero-copy path,
 * a folio larger than the file's page cache takes).
 */
static int fdbox_memfd_kho_restore_one(struct fdbox_memfd_kho_in *in,
				       const struct fdbox_kho_folio *e)
{
	unsigned int order = fdbox_folio_order(e);
	struct inode *inode = file_inode(in->file);
	struct folio *dst, *src;
	loff_t wend;
	int err;

	wend = min_t(u64, (e->index + (1ULL << order)) << PAGE_SHIFT,
		     in->rec.size);
	/* shmem allocates, charges and accounts a folio at this index. */
	err = shmem_get_folio(inode, e->index, wend, &dst, SGP_WRITE);
	if (err)
		return err;
	if (order || folio_test_large(dst) || folio_test_uptodate(dst) ||
	    dst->index != e->index) {
		folio_unlock(dst);
		folio_put(dst);
		return fdbox_memfd_kho_copy(in, e, wend, NULL);
	}

	src = fdbox_memfd_kho_claim_folio(in, e);
	if (!src) {
		folio_unlock(dst);
		folio_put(dst);
		return in->broken;
	}
	/* @src is ours alone until it enters the page cache. */
	__folio_set_locked(src);
	__folio_set_swapbacked(src);
	folio_mark_uptodate(src);
	replace_page_cache_folio(dst, src);
	folio_mark_dirty(src);
	folio_add_lru(src);
	folio_unlock(src);
	folio_put(src);
	folio_unlock(dst);
	folio_put(dst);
	return 0;
}

/* Drop the folios of the batch that are not in the file (claimed: freed). */
static void fdbox_insert_batch_drop(struct fdbox_insert_batch *b)
{
	while (b->first < b->nr)
		folio_put(b->folios[b->first++]);
	b->first = 0;
	b->nr = 0;
}

/*
 * Zero-copy: copy the first folio of the batch, which the file may not hold
 * as it is (its order is not one shmem may allocate there now, e.g. a THP
 * after shmem_enabled went to "never"), into folios shmem allocates.
 */
static int fdbox_memfd_kho_copy_first(struct fdbox_memfd_kho_in *in)
{
	struct fdbox_insert_batch *b = in->batch;
	/* The batch holds the entries just before in->next, in order. */
	const struct fdbox_kho_folio *e =
		fdbox_in_entry(in, in->next - b->nr + b->first);
	loff_t wend;
	int err;

	wend = min_t(u64, (e->index + (1ULL << fdbox_folio_order(e))) <<
		     PAGE_SHIFT, in->rec.size);
	err = fdbox_memfd_kho_copy(in, e, wend, b->folios[b->first]);
	if (err)
		return err;
	folio_put(b->folios[b->first++]);
	return 0;
}

/*
 * Zero-copy: let the kernel helper put the claimed folios of the batch into
 * the file as they are, charged and accounted by shmem. What it could not
 * take for lack of memory or space stays in the batch for the next call.
 */
static int fdbox_memfd_kho_insert_batch(struct fdbox_memfd_kho_in *in)
{
	struct fdbox_insert_batch *b = in->batch;
	struct inode *inode = file_inode(in->file);
	long n;
	int err;

	while (b->first < b->nr) {
		n = in->helper->insert_folios(inode, b->folios + b->first,
					      b->index + b->first,
					      b->nr - b->first,
					      SHMEM_INSERT_RESTORE);
		if (n == -E2BIG) {
			err = fdbox_memfd_kho_copy_first(in);
			if (err)
				return err;
			continue;
		}
		if (n == -ENOMEM || n == -ENOSPC || n == -EDQUOT)
			return n;
		if (n <= 0 || n > b->nr - b->first) {
			/* The table was checked: the file cannot refuse this. */
			pr_err_ratelimited("handed-over memfd '%s': shmem refused the folio at index %lu: %ld\n",
					   in->fdname, b->index[b->first], n);
			fdbox_insert_batch_drop(b);
			in->broken = -EIO;
			return in->broken;
		}
		/* In the file now, which holds its own reference. */
		while (n--)
			folio_put(b->folios[b->first++]);
	}
	b->first = 0;
	b->nr = 0;
	return 0;
}

/*
 * Zero-copy: claim the folios of the table in batches and insert them. A
 * folio larger than this file's page cache takes is copied instead.
 */
static int fdbox_memfd_kho_insert_all(struct fdbox_memfd_kho_in *in)
{
	struct address_space *mapping = file_inode(in->file)->i_mapping;
	unsigned int max_order = mapping_max_folio_order(mapping);
	struct fdbox_insert_batch *b = in->batch;
	const struct fdbox_kho_folio *e;
	struct folio *folio;
	int err;

	for (;;) {
		/* First what an earlier call left in the batch. */
		err = fdbox_memfd_kho_insert_batch(in);
		if (err)
			return err;
		if (in->next == in->rec.nr_folios)
			return 0;
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;

		while (b->nr < FDBOX_INSERT_BATCH &&
		       in->next < in->rec.nr_folios) {
			e = fdbox_in_entry(in, in->next);
			if (fdbox_folio_order(e) > max_order)
				break;
			folio = fdbox_memfd_kho_claim_folio(in, e);
			if (!folio) {
				fdbox_insert_batch_drop(b);
				return in->broken;
			}
			/* Table entries hold data only: every byte is set. */
			folio_mark_uptodate(folio);
			b->folios[b->nr] = folio;
			b->index[b->nr++] = e->index;
			in->next++;
		}
		if (!b->nr) {
			/* The next entry is too large to insert: copy it. */
			err = fdbox_memfd_kho_restore_one(in,
							  fdbox_in_entry(in, in->next));
			if (err)
				return err;
			in->next++;
		}
	}
}

/* Module-only: restore the entries one by one. */
static int fdbox_memfd_kho_restore_each(struct fdbox_memfd_kho_in *in)
{
	int err;

	for (; in->next < in->rec.nr_folios; in->next++) {
		err = fdbox_memfd_kho_restore_one(in,
						  fdbox_in_entry(in, in->next));
		if (err)
			return err;
		cond_resched();
		if (fatal_signal_pending(current)) {
			in->next++;
			return -EINTR;
		}
	}
	return 0;
}

/* Apply seals (once), then hand out a file with the recorded access mode. */
static int fdbox_memfd_kho_finish(struct fdbox_memfd_kho_in *in,
				  struct file **filep)
{
	struct inode *inode = file_inode(in->file);
	unsigned int acc = in->rec.flags & FDBOX_KHO_MEMFD_FLAGS;
	struct file *file = in->file;
	int err;

	if (!in->sealed && in->helper) {
		err = in->helper->add_seals(in->file, in->rec.seals);
		if (err)
			return err;
		in->sealed = true;
	}
	if (!in->sealed) {
		inode_lock(inode);
		if (in->rec.seals & F_SEAL_WRITE) {
			err = mapping_deny_writable(inode->i_mapping);
			if (err) {
				inode_unlock(inode);
				return err;
			}
		}
		/*
		 * The one private field written (memfd_add_seals() is not
		 * exported): the file is new and not installed anywhere yet.
		 * This also clears the F_SEAL_SEAL that shmem_file_setup()
		 * sets unless the memfd had it.
		 */
		SHMEM_I(inode)->seals = in->rec.seals;
		inode_unlock(inode);
		in->sealed = true;
	}

	if (acc != FDBOX_KHO_MEMFD_FLAGS) {
		int flags = acc == FDBOX_KHO_MEMFD_READ ? O_RDONLY : O_WRONLY;

		file = dentry_open(&in->file->f_path, flags | O_LARGEFILE,
				   current_cred());
		if (IS_ERR(file))
			return PTR_ERR(file);
		fput(in->file);
	}
	in->file = NULL;
	vfs_setpos(file, in->rec.pos, MAX_LFS_FILESIZE);
	*filep = file;
	return 0;
}

/**
 * fdbox_memfd_kho_restore() - recreate a handed-over memfd
 * @in: the record, from fdbox_memfd_kho_load()
 * @filep: where to store the new file (one reference) on success
 *
 * Claims the folio table and every preserved folio of @in, exactly once, and
 * builds from them a memfd with the recorded contents, holes, size, seals,
 * permission bits, position and access mode. See the DOC section for how
 * failures leave @in: an allocation failure can be retried by calling again
 * (it resumes); damaged data fails for good.
 *
 * Context: Process context, may sleep for long. Takes
 * fdbox_memfd_kho_restore_lock: one restore at a time.
 * Return: 0 on success, or
 * * -ENOMEM, -ENOSPC, -EINTR, other allocation errors: retry later
 * * -EINVAL: the folio table does not check out (logged); nothing is
 *   claimed, later calls fail the same way
 * * -EIO: KHO could not give back a preserved folio, or another record
 *   claimed a folio or a page of the table since it was checked (logged);
 *   as -EINVAL
 * * -EALREADY: the file was restored already
 */
int fdbox_memfd_kho_restore(struct fdbox_memfd_kho_in *in,
			    struct file **filep)
{
	const struct fdbox_kho_memfd *rec = &in->rec;
	int err;

	/*
	 * One restore at a time, whatever the box: each claims handed-over
	 * memory only after checking it is still unclaimed, and no other
	 * restore may claim it between the check and the claim.
	 */
	guard(mutex)(&fdbox_memfd_kho_restore_lock);

	if (in->done)
		return -EALREADY;
	if (in->broken)
		return in->broken;

	if (!in->file) {
		err = fdbox_memfd_kho_new_file(in);
		if (err)
			return err;
	}

	/*
	 * A call after a failed one reads the table again: it must still be
	 * the table checked then, not claimed meanwhile by another record.
	 */
	if (in->table_checked && !fdbox_kho_vm_intact(&in->table)) {
		pr_err_ratelimited("handed-over memfd '%s': its folio table was claimed by another handed-over record since the last UNSEAL; %llu bytes stay reserved\n",
				   in->fdname, in->left_pages << PAGE_SHIFT);
		in->broken = -EIO;
		return in->broken;
	}
	if (rec->nr_folios && !in->table_checked) {
		if (!in->table.pages) {
			err = fdbox_memfd_kho_map_table(in);
			if (err == -EINVAL)
				in->broken = err;
			if (err)
				return err;
		}
		err = fdbox_memfd_kho_check_table(in);
		if (err == -EINVAL) {
			in->broken = err;
			fdbox_kho_vm_unmap(&in->table);
		}
		if (err)
			return err;
		in->table_checked = true;
	}

	if (in->helper && rec->nr_folios) {
		if (!in->batch) {
			in->batch = kzalloc_obj(*in->batch);
			if (!in->batch)
				return -ENOMEM;
		}
		err = fdbox_memfd_kho_insert_all(in);
	} else {
		err = fdbox_memfd_kho_restore_each(in);
	}
	if (err) {
		if (in->broken)
			pr_err_ratelimited("handed-over memfd '%s': restore failed at folio %llu of %llu; %llu bytes stay reserved\n",
					   in->fdname, in->next, rec->nr_folios,
					   in->left_pages << PAGE_SHIFT);
		return err;
	}
	kfree(in->batch);
	in->batch = NULL;
	/* The table is not needed any more: claim and free its pages. */
	fdbox_kho_vm_free(&in->table);

	err = fdbox_memfd_kho_finish(in, filep);
	if (err)
		return err;
	in->done = true;
	return 0;
}

/**
 * fdbox_memfd_kho_in_bytes() - handed-over bytes a record still keeps reserved
 * @in: the record
 *
 * Context: Any.
 * Return: bytes of preserved folios not claimed (yet); 0 after a successful
 * restore.
 */
u64 fdbox_memfd_kho_in_bytes(const struct fdbox_memfd_kho_in *in)
{
	return in->left_pages << PAGE_SHIFT;
}

/**
 * fdbox_memfd_kho_in_free() - drop a handed-over memfd record
 * @in: the record, freed here
 *
 * Drops a partly built file (freeing the folios already claimed into it).
 * Preserved folios not claimed stay reserved for the life of this kernel:
 * they are reported, never freed.
 *
 * Context: Process context.
 */
void fdbox_memfd_kho_in_free(struct fdbox_memfd_kho_in *in)
{
	if (in->left_pages)
		pr_warn_ratelimited("handed-over memfd '%s' dropped unrestored: %llu bytes stay reserved\n",
				    in->fdname, in->left_pages << PAGE_SHIFT);
	/* Claimed already: freed with the rest of the partly built file. */
	if (in->batch) {
		fdbox_insert_batch_drop(in->batch);
		kfree(in->batch);
	}
	if (in->file)
		fput(in->file);
	fdbox_kho_vm_unmap(&in->table);
	kfree(in);
}
