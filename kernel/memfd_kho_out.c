// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox memfd KHO layer, old kernel: preserve a memfd for the next kernel.
 */

/**
 * DOC: memfd handover, old kernel
 *
 * fdbox_memfd_kho_preserve() takes a snapshot of a memfd: its size, seals,
 * position, permission bits, access mode and name, and every folio that
 * holds data. Holes stay holes: the data ranges are found with
 * SEEK_DATA/SEEK_HOLE (so swapped-out pages count as data and fallocated but
 * never written folios as holes), then each range is long-term pinned with
 * memfd_pin_folios(), which swaps pages in and migrates them out of CMA and
 * ZONE_MOVABLE, and therefore out of the KHO scratch areas the next kernel
 * boots in. Each folio is then preserved with kho_preserve_folio() and
 * entered in the folio table, itself preserved with kho_preserve_vmalloc().
 * The file's inode lock is held while the folios are pinned, so the size
 * and the table agree. Preservation is all or nothing: on any error every
 * folio preserved or pinned so far is released again.
 *
 * The pins keep the folios after a later truncate or hole punch by another
 * holder of the file: what is handed over is what the file held at SEAL,
 * with later writes into those folios (through write() or a shared mapping)
 * included, as they land in the very memory that is handed over. Data
 * written after SEAL into what was then a hole lands in a new folio and is
 * not handed over; neither is data beyond the size at SEAL.
 *
 * The same inode can be preserved only once at a time (-EBUSY): two records
 * of the same folios would make the next kernel restore them twice.
 * fdbox_memfd_kho_unpreserve() undoes everything exactly.
 *
 * What is not handed over: the owner (the restored file belongs to whoever
 * restores it), FD_CLOEXEC and other descriptor flags, O_APPEND and other
 * status flags, file locks, the memfd SELinux label (the LSM hook that
 * memfd_create() calls is not exported), and hugetlbfs memfds.
 *
 * Private state touched
 * =====================
 * Linux 7.3 exports neither memfd_get_seals() nor memfd_add_seals(). This
 * layer therefore reads &shmem_inode_info.seals (include/linux/shmem_fs.h)
 * when preserving, and sets it on the new, not yet installed file when
 * restoring, together with mapping_deny_writable() for F_SEAL_WRITE, exactly
 * as memfd_add_seals() does. That field is the one exception; no other
 * shmem or LRU private state is read or written.
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
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "kho_vm.h"
#include "memfd_kho.h"

/* Folios pinned per memfd_pin_folios() call. */
#define FDBOX_PIN_BATCH		512

/**
 * struct fdbox_memfd_kho_out - a memfd preserved for the next kernel
 * @node: entry in fdbox_memfd_kho_held, keyed by inode
 * @file: the memfd (one reference)
 * @table: the folio table, preserved vmalloc memory (NULL when empty)
 * @capacity: entries allocated in @table
 * @rec: the record handed over; @rec.table describes the preserved @table
 *
 * Owned by the caller of fdbox_memfd_kho_preserve(), who serializes calls on
 * one object. @node is protected by fdbox_memfd_kho_lock.
 */
struct fdbox_memfd_kho_out {
	struct hlist_node node;
	struct file *file;
	struct fdbox_kho_folio *table;
	u64 capacity;
	struct fdbox_kho_memfd rec;
};

/* Inodes preserved right now: one record per inode. */
static DEFINE_MUTEX(fdbox_memfd_kho_lock);
static DEFINE_HASHTABLE(fdbox_memfd_kho_held, 6);

static int fdbox_memfd_kho_check_file(struct file *file)
{
	const char *name = file->f_path.dentry->d_name.name;

	if (file->f_mode & FMODE_PATH || !shmem_file(file) ||
	    !(file->f_path.mnt->mnt_flags & MNT_INTERNAL) ||
	    file_inode(file)->i_nlink ||
	    strncmp(name, FDBOX_MEMFD_PREFIX, FDBOX_MEMFD_PREFIX_LEN))
		return -EOPNOTSUPP;
	/* Files on the internal mount are never renamed. */
	if (strlen(name) >= FDBOX_KHO_NAME_LEN)
		return -ENAMETOOLONG;
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EOPNOTSUPP;
	return 0;
}

/* Claim @inode in the registry of preserved inodes. */
static int fdbox_memfd_kho_claim(struct fdbox_memfd_kho_out *out)
{
	struct inode *inode = file_inode(out->file);
	struct fdbox_memfd_kho_out *o;

	guard(mutex)(&fdbox_memfd_kho_lock);
	hash_for_each_possible(fdbox_memfd_kho_held, o, node,
			       (unsigned long)inode)
		if (file_inode(o->file) == inode)
			return -EBUSY;
	hash_add(fdbox_memfd_kho_held, &out->node, (unsigned long)inode);
	return 0;
}

static void fdbox_memfd_kho_unclaim(struct fdbox_memfd_kho_out *out)
{
	guard(mutex)(&fdbox_memfd_kho_lock);
	hash_del(&out->node);
}

/* Unpreserve and unpin every folio of the table; the table itself stays. */
static void fdbox_memfd_kho_release_folios(struct fdbox_memfd_kho_out *out)
{
	u64 i;

	for (i = 0; i < out->rec.nr_folios; i++) {
		struct folio *folio;

		folio = pfn_folio(PHYS_PFN(fdbox_folio_phys(&out->table[i])));
		kho_unpreserve_folio(folio);
		unpin_folio(folio);
	}
	out->rec.nr_folios = 0;
	out->rec.nr_pages = 0;
}

static int fdbox_memfd_kho_grow(struct fdbox_memfd_kho_out *out, u64 max)
{
	struct fdbox_kho_folio *table;
	u64 capacity;

	capacity = min(max(out->capacity * 2, (u64)FDBOX_TABLE_MIN), max);
	if (capacity <= out->capacity)
		return -EFBIG;
	table = vcalloc(capacity, sizeof(*table));
	if (!table)
		return -ENOMEM;
	if (out->table)
		memcpy(table, out->table, out->rec.nr_folios * sizeof(*table));
	vfree(out->table);
	out->table = table;
	out->capacity = capacity;
	return 0;
}

/* Preserve one pinned folio and enter it in the table. */
static int fdbox_memfd_kho_add(struct fdbox_memfd_kho_out *out,
			       struct folio *folio, u64 max)
{
	struct fdbox_kho_folio *e;
	int err;

	if (out->rec.nr_folios == out->capacity) {
		err = fdbox_memfd_kho_grow(out, max);
		if (err)
			return err;
	}
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
 * Pin and preserve the folios of pages [@first, @last] of @out->file.
 * @next_index is the first index not covered by the table yet.
 */
static int fdbox_memfd_kho_pin_range(struct fdbox_memfd_kho_out *out,
				     struct folio **batch, pgoff_t first,
				     pgoff_t last, pgoff_t *next_index,
				     u64 max)
{
	loff_t end = ((loff_t)last << PAGE_SHIFT) + PAGE_SIZE - 1;
	pgoff_t index = first;
	pgoff_t offset;
	long i, n;
	int err;

	end = min(end, i_size_read(file_inode(out->file)) - 1);
	while (index <= last) {
		n = memfd_pin_folios(out->file, (loff_t)index << PAGE_SHIFT,
				     end, batch, FDBOX_PIN_BATCH, &offset);
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
			err = fdbox_memfd_kho_add(out, folio, max);
			if (err) {
				unpin_folios(batch + i, n - i);
				return err;
			}
			*next_index = folio_next_index(folio);
		}
		cond_resched();
	}
	return 0;
}

struct fdbox_range {
	pgoff_t first;
	pgoff_t last;
};

/*
 * Find the data ranges of @file with SEEK_DATA/SEEK_HOLE on a private open
 * file (lseek moves the position, and takes the inode lock itself). Called
 * without the inode lock; the ranges are a hint that the caller clamps to the
 * size it sees under the lock.
 */
static int fdbox_memfd_kho_ranges(struct file *file, struct fdbox_range **rp,
				  unsigned long *nrp)
{
	struct fdbox_range *ranges = NULL, *tmp;
	unsigned long nr = 0, cap = 0;
	struct file *priv;
	loff_t data, hole = 0;
	int err = 0;

	priv = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE,
			   current_cred());
	if (IS_ERR(priv))
		return PTR_ERR(priv);

	for (;;) {
		data = vfs_llseek(priv, hole, SEEK_DATA);
		if (data == -ENXIO)
			break;
		if (data < 0) {
			err = data;
			break;
		}
		hole = vfs_llseek(priv, data, SEEK_HOLE);
		if (hole < 0) {
			err = hole;
			break;
		}
		if (hole <= data)
			break;
		if (nr == cap) {
			cap = max(cap * 2, 16UL);
			tmp = kvmalloc_objs(*tmp, cap);
			if (!tmp) {
				err = -ENOMEM;
				break;
			}
			if (ranges)
				memcpy(tmp, ranges, nr * sizeof(*tmp));
			kvfree(ranges);
			ranges = tmp;
		}
		ranges[nr].first = data >> PAGE_SHIFT;
		ranges[nr].last = (hole - 1) >> PAGE_SHIFT;
		nr++;
		cond_resched();
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	fput(priv);
	if (err) {
		kvfree(ranges);
		return err;
	}
	*rp = ranges;
	*nrp = nr;
	return 0;
}

/* Record the file's attributes and pin its data. Inode lock held. */
static int fdbox_memfd_kho_pin(struct fdbox_memfd_kho_out *out,
			       const struct fdbox_range *ranges,
			       unsigned long nr_ranges)
{
	struct file *file = out->file;
	struct inode *inode = file_inode(file);
	struct fdbox_kho_memfd *rec = &out->rec;
	pgoff_t npages, next_index = 0;
	struct folio **batch;
	unsigned long r;
	unsigned int seals;
	int err = 0;

	/* The one private field read: see "Private state touched". */
	seals = READ_ONCE(SHMEM_I(inode)->seals);
	if (seals & ~FDBOX_KHO_MEMFD_SEALS) {
		pr_err("memfd '%s' has seals %#x this version cannot hand over\n",
		       rec->name, seals);
		return -EOPNOTSUPP;
	}
	rec->seals = seals;
	rec->size = i_size_read(inode);
	rec->mode = inode->i_mode & S_IALLUGO;
	npages = DIV_ROUND_UP(rec->size, PAGE_SIZE);
	if (npages > UINT_MAX)
		return -EFBIG;

	batch = kmalloc_objs(*batch, FDBOX_PIN_BATCH);
	if (!batch)
		return -ENOMEM;
	for (r = 0; r < nr_ranges && ranges[r].first < npages; r++) {
		err = fdbox_memfd_kho_pin_range(out, batch, ranges[r].first,
						min(ranges[r].last, npages - 1),
						&next_index, npages);
		if (err)
			break;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	kfree(batch);

	if (!err && rec->nr_folios)
		err = kho_preserve_vmalloc(out->table, &rec->table);
	if (err) {
		fdbox_memfd_kho_release_folios(out);
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
 * * -EOPNOTSUPP: @file is not a memfd (shmem, unlinked, on the internal
 *   mount, named "memfd:..."), is an O_PATH file, has seals this version
 *   does not know, or KHO is disabled
 * * -EBUSY: the same memfd (inode) is preserved already
 * * -EFBIG: the file is too large to describe
 * * -ENOMEM: out of memory
 * * -EINTR: a fatal signal arrived
 * * other negative errnos from memfd_pin_folios() or KHO
 */
int fdbox_memfd_kho_preserve(struct file *file,
			     struct fdbox_memfd_kho_out **outp)
{
	struct inode *inode = file_inode(file);
	struct fdbox_range *ranges = NULL;
	struct fdbox_memfd_kho_out *out;
	unsigned long nr_ranges = 0;
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
	strscpy(out->rec.name, file->f_path.dentry->d_name.name);
	if (file->f_mode & FMODE_READ)
		out->rec.flags |= FDBOX_KHO_MEMFD_READ;
	if (file->f_mode & FMODE_WRITE)
		out->rec.flags |= FDBOX_KHO_MEMFD_WRITE;

	err = fdbox_memfd_kho_claim(out);
	if (err)
		goto err_put;

	err = fdbox_memfd_kho_ranges(file, &ranges, &nr_ranges);
	if (err)
		goto err_unclaim;

	inode_lock(inode);
	err = fdbox_memfd_kho_pin(out, ranges, nr_ranges);
	inode_unlock(inode);
	kvfree(ranges);
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
 *
 * Context: Process context.
 */
void fdbox_memfd_kho_unpreserve(struct fdbox_memfd_kho_out *out)
{
	if (out->rec.nr_folios)
		kho_unpreserve_vmalloc(&out->rec.table);
	fdbox_memfd_kho_release_folios(out);
	vfree(out->table);
	fdbox_memfd_kho_unclaim(out);
	fput(out->file);
	kfree(out);
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
