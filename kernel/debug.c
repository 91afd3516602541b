// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox debug-only knob: corrupt the handover of a sealed box.
 */

/**
 * DOC: Hostile handover knob (debug builds only)
 *
 * The next kernel must refuse handover data that does not check out, with a
 * clear message, and keep running. To prove that for the data behind the
 * KHO root (box blobs, memfd records, folio tables), which userspace cannot
 * reach, a module built with ``FDBOX_DEBUG=y`` has a debugfs file
 * ``/sys/kernel/debug/fdbox/corrupt`` (root only, mode 0200). Writing
 * ``"BOX CASE"`` (``"BOX CASE OTHER"`` for a case that needs a second box)
 * to it damages, in place, the handover data of the sealed
 * box BOX as CASE says. The data is preserved memory that KHO hands over as
 * it is at reboot, so the next kernel sees exactly this damage.
 *
 * It is debug-only, and never compiled into production builds (Kbuild adds
 * this file only when the build sets FDBOX_DEBUG=y; the default build,
 * ``make install`` and dkms.conf never do), because it is a deliberate way
 * to break state FDBox relies on: a box corrupted here must not be unsealed
 * in this kernel (withdrawing it trusts the descriptors and the folio table
 * it edits, and could unpin or unpreserve the wrong memory); it is meant to
 * be carried into a kexec and nothing else.
 *
 * Errors: -ENOENT no box BOX (or OTHER); -EBUSY BOX (or OTHER) is not
 * sealed in this kernel (open, or restored from the previous kernel:
 * nothing published); -EINVAL unknown CASE, malformed input, OTHER given
 * or missing when CASE does not or does need it; -ENODATA BOX has nothing CASE
 * could damage (no fd, or record 0 is not a memfd with enough folios of
 * the right order); -ERANGE the "outside RAM" address has memory on this
 * machine; -ENOMEM. Each corruption is logged with pr_info() ("(case
 * CASE)").
 *
 * Cases, with what the next kernel's module must do. "Refused at load" means
 * the box is not recreated and its memory stays reserved; "refused at
 * UNSEAL" means the box comes back sealed (restored), UNSEAL fails with
 * EINVAL and names the damage, nothing is claimed. Record 0 is the first fd
 * of the box, and entries 0 and 1 are the first two of its folio table.
 *
 * Box blob header (refused at load, "not an FDBox box blob", with the
 * values found):
 *
 * - ``box-magic``: the magic is "BAD!".
 * - ``box-version``: a future format version (%FDBOX_KHO_VERSION + 1).
 * - ``box-header-size``: header_size 8 bytes too large.
 * - ``box-fd-size``: fd_size 8 bytes too small.
 * - ``box-flags``: an unknown flag set.
 *
 * Box node access (refused at load, "bad owner, group or mode"):
 *
 * - ``box-mode``: mode 04600, a set-user-ID bit no node may have.
 * - ``box-owner``: uid U32_MAX, no user.
 *
 * Box blob contents (refused at load):
 *
 * - ``box-nr-fds``: nr_fds U32_MAX, far more records than the blob has
 *   bytes for (a count too large, a blob truncated): "fds need".
 * - ``box-name``: the box name fills its field, no NUL: "bad box name".
 * - ``fd-name``: record 0's fd name without NUL: "bad name or flags".
 * - ``fd-type``: record 0 of unknown file type "fdbox,nosuch": "unknown
 *   file type".
 * - ``fd-flags``: record 0's flags nonzero: "bad name or flags".
 * - ``fd-reserved``: record 0's reserved field nonzero: as fd-flags.
 * - ``fd-payload-size``: record 0's payload one byte larger than the
 *   record has room for: "payload larger than its record".
 * - ``memfd-version``: memfd record 0 of a version the memfd handler does
 *   not know: "record version 99".
 *
 * Memfd record 0 (refused at load, "handed-over memfd 'NAME' rejected"):
 *
 * - ``memfd-name``: the memfd name without NUL: "name not terminated".
 * - ``memfd-size``: size MAX_LFS_FILESIZE + 1: "too large".
 * - ``memfd-reserved``: the reserved field nonzero: "reserved field set".
 * - ``memfd-nr-folios``: nr_folios U64_MAX, more than the size allows:
 *   "folios, ... pages for a".
 *
 * Memfd record 0 (refused at UNSEAL, the table is read there):
 *
 * - ``memfd-nr-pages``: nr_pages one more than the folios hold: "table
 *   has N pages, record N+1".
 * - ``memfd-table-outside-ram``: the folio table descriptor points to a
 *   physical address with no memory (pfn not valid): "folio table chunk
 *   list damaged".
 *
 * Folio table of record 0, the preserved vmalloc table itself (refused at
 * UNSEAL):
 *
 * - ``folio-outside-ram``: entry 0's address has no memory: "bad address".
 * - ``folio-not-preserved``: entry 0 points to a page of RAM that was never
 *   preserved (allocated here and kept, so nothing else preserves it
 *   before the kexec): "was not preserved". Claiming it would make KHO
 *   warn (kho_restore_page()), so it must be refused before that.
 * - ``folio-order``: a reserved bit of entry 0's order field: "bad order".
 * - ``folio-overlap``: entry 1 has the address of entry 0 (needs two
 *   folios of the same order): "handed-over memory overlaps".
 * - ``folio-on-table``: entry 0 points to the table's own first page (an
 *   order-0 folio needed): "handed-over memory overlaps".
 * - ``folio-unsorted``: indices of entries 0 and 1 swapped: "unsorted".
 * - ``folio-shared``, written as ``"BOX folio-shared OTHER"``: entry 0
 *   takes the address of entry 0 of the sealed box OTHER's memfd (same
 *   order needed), so two records of two boxes share a folio. Whichever is
 *   unsealed second is refused: "belongs to another handed-over record".
 *
 * Two more knobs in the same builds:
 *
 * - The module parameter ``fail_init=STEP`` fails the module load at STEP
 *   (``region``, ``class``, ``kho-root``, ``kho-subtree``, ``misc``) with
 *   -ENOMEM, as if that step had failed, to prove that a failed load
 *   leaves no device behind and consumes nothing of the handover.
 * - ``/sys/kernel/debug/fdbox/freeze`` (mode 0200): writing ``1`` freezes
 *   the handover exactly as the reboot notifier does at the start of a
 *   kexec, so that the refusals that follow can be tested without
 *   rebooting. There is no way back but reloading the module.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "debug.h"
#include "fdbox.h"
#include "handover_abi.h"
#include "memfd_kho.h"

/* What a case needs, see &struct fdbox_debug_case. */
#define FDBOX_DEBUG_NEED_BOX	(-2)
#define FDBOX_DEBUG_NEED_FD	(-1)
#define FDBOX_DEBUG_NEED_MEMFD	0

/* A physical address with no memory behind it on any machine we test on. */
#define FDBOX_DEBUG_NO_RAM	BIT_ULL(45)

/* Longest input: two box names, a case name, spaces and a newline. */
#define FDBOX_DEBUG_INPUT_MAX	(2 * FDBOX_NAME_LEN + 64)

/**
 * struct fdbox_debug_target - what a case may damage
 * @box: the sealed box (box lock held)
 * @blob: its published blob
 * @ref: its slot in the outgoing root
 * @rec: record 0 of @blob, or NULL when the box has no fd
 * @memfd: the payload of @rec when it is a memfd record, else NULL
 * @table: folio table of @rec when it is a memfd with folios, else NULL
 * @nr: entries in @table
 * @other: for a case that needs another box: entry 0 of its folio table
 */
struct fdbox_debug_target {
	struct fdbox_box *box;
	struct fdbox_kho_box *blob;
	struct fdbox_kho_box_ref *ref;
	struct fdbox_kho_fd *rec;
	struct fdbox_kho_memfd *memfd;
	struct fdbox_kho_folio *table;
	u64 nr;
	struct fdbox_kho_folio other;
};

/**
 * struct fdbox_debug_case - one way to damage the handover
 * @name: what is written to the knob
 * @what: what is damaged, for the log
 * @need: FDBOX_DEBUG_NEED_FD: needs record 0; FDBOX_DEBUG_NEED_MEMFD: needs
 *        record 0 to be a memfd; 1, 2: needs a memfd record 0 with its folio
 *        table and at least that many folios in it
 * @corrupt: do it; 0 or a negative errno
 * @other: the case names a second sealed box ("BOX CASE OTHER"), whose
 *         record 0 must be a memfd with folios
 */
struct fdbox_debug_case {
	const char *name;
	const char *what;
	int need;
	int (*corrupt)(struct fdbox_debug_target *t);
	bool other;
};

static struct dentry *fdbox_debug_dir;

static char *fail_init;
module_param(fail_init, charp, 0444);
MODULE_PARM_DESC(fail_init, "Debug builds only: fail the module load at this step (region, class, kho-root, kho-subtree, misc)");

/**
 * fdbox_debug_fail_init() - fail the module load here?
 * @step: name of the step about to be taken
 *
 * Context: Module init.
 * Return: -ENOMEM if the fail_init parameter names @step, else 0.
 */
int fdbox_debug_fail_init(const char *step)
{
	if (!fail_init || strcmp(fail_init, step))
		return 0;
	pr_info("debug: failing the module load at step '%s'\n", step);
	return -ENOMEM;
}

static int fdbox_debug_box_magic(struct fdbox_debug_target *t)
{
	t->blob->magic = 0x21444142;	/* "BAD!" */
	return 0;
}

static int fdbox_debug_box_version(struct fdbox_debug_target *t)
{
	t->blob->version = FDBOX_KHO_VERSION + 1;
	return 0;
}

static int fdbox_debug_box_header_size(struct fdbox_debug_target *t)
{
	t->blob->header_size += 8;
	return 0;
}

static int fdbox_debug_box_fd_size(struct fdbox_debug_target *t)
{
	t->blob->fd_size -= 8;
	return 0;
}

static int fdbox_debug_box_flags(struct fdbox_debug_target *t)
{
	t->blob->flags = 0x1;
	return 0;
}

static int fdbox_debug_box_mode(struct fdbox_debug_target *t)
{
	t->blob->mode = 04600;
	return 0;
}

static int fdbox_debug_box_owner(struct fdbox_debug_target *t)
{
	t->blob->uid = U32_MAX;
	return 0;
}

static int fdbox_debug_box_nr_fds(struct fdbox_debug_target *t)
{
	t->blob->nr_fds = U32_MAX;
	return 0;
}

static int fdbox_debug_box_name(struct fdbox_debug_target *t)
{
	memset(t->blob->name, 'x', sizeof(t->blob->name));
	return 0;
}

static int fdbox_debug_fd_name(struct fdbox_debug_target *t)
{
	memset(t->rec->name, 'x', sizeof(t->rec->name));
	return 0;
}

static int fdbox_debug_fd_type(struct fdbox_debug_target *t)
{
	strscpy_pad(t->rec->compatible, "fdbox,nosuch");
	return 0;
}

static int fdbox_debug_fd_payload_size(struct fdbox_debug_target *t)
{
	t->rec->payload_size = FDBOX_KHO_FD_PAYLOAD + 1;
	return 0;
}

static int fdbox_debug_memfd_version(struct fdbox_debug_target *t)
{
	t->rec->version = FDBOX_MEMFD_VERSION + 98;
	return 0;
}

static int fdbox_debug_fd_flags(struct fdbox_debug_target *t)
{
	t->rec->flags = 0x1;
	return 0;
}

static int fdbox_debug_fd_reserved(struct fdbox_debug_target *t)
{
	t->rec->reserved = 0x1;
	return 0;
}

static int fdbox_debug_memfd_name(struct fdbox_debug_target *t)
{
	memset(t->memfd->name, 'x', sizeof(t->memfd->name));
	return 0;
}

static int fdbox_debug_memfd_size(struct fdbox_debug_target *t)
{
	t->memfd->size = (u64)MAX_LFS_FILESIZE + 1;
	return 0;
}

static int fdbox_debug_memfd_reserved(struct fdbox_debug_target *t)
{
	t->memfd->reserved = 0x1;
	return 0;
}

static int fdbox_debug_memfd_nr_folios(struct fdbox_debug_target *t)
{
	t->memfd->nr_folios = U64_MAX;
	return 0;
}

static int fdbox_debug_memfd_nr_pages(struct fdbox_debug_target *t)
{
	t->memfd->nr_pages++;
	return 0;
}

static int fdbox_debug_memfd_table_outside_ram(struct fdbox_debug_target *t)
{
	if (pfn_valid(PHYS_PFN(FDBOX_DEBUG_NO_RAM)))
		return -ERANGE;
	t->memfd->table.first.phys = FDBOX_DEBUG_NO_RAM;
	return 0;
}

static int fdbox_debug_folio_outside_ram(struct fdbox_debug_target *t)
{
	if (pfn_valid(PHYS_PFN(FDBOX_DEBUG_NO_RAM)))
		return -ERANGE;
	t->table[0].phys = FDBOX_DEBUG_NO_RAM | fdbox_folio_order(&t->table[0]);
	return 0;
}

/*
 * A page of RAM that is never preserved: allocated here and never freed, so
 * that nothing in this kernel can preserve it before the kexec.
 */
static int fdbox_debug_folio_not_preserved(struct fdbox_debug_target *t)
{
	unsigned int order = fdbox_folio_order(&t->table[0]);
	struct page *page;

	page = alloc_pages(GFP_KERNEL, order);
	if (!page)
		return -ENOMEM;
	t->table[0].phys = page_to_phys(page) | order;
	return 0;
}

static int fdbox_debug_folio_order(struct fdbox_debug_target *t)
{
	t->table[0].phys |= 0x40;
	return 0;
}

static int fdbox_debug_folio_overlap(struct fdbox_debug_target *t)
{
	if (fdbox_folio_order(&t->table[0]) != fdbox_folio_order(&t->table[1]))
		return -ENODATA;
	t->table[1].phys = t->table[0].phys;
	return 0;
}

static int fdbox_debug_folio_on_table(struct fdbox_debug_target *t)
{
	if (fdbox_folio_order(&t->table[0]))
		return -ENODATA;
	t->table[0].phys = page_to_phys(vmalloc_to_page(t->table));
	return 0;
}

/* Entry 0 takes the address of entry 0 of another box's memfd. */
static int fdbox_debug_folio_shared(struct fdbox_debug_target *t)
{
	if (fdbox_folio_order(&t->other) != fdbox_folio_order(&t->table[0]))
		return -ENODATA;
	t->table[0].phys = t->other.phys;
	return 0;
}

static int fdbox_debug_folio_unsorted(struct fdbox_debug_target *t)
{
	swap(t->table[0].index, t->table[1].index);
	return 0;
}

/* The last folio moved to the first page past the end of the file. */
static int fdbox_debug_folio_past_eof(struct fdbox_debug_target *t)
{
	struct fdbox_kho_folio *e = &t->table[t->nr - 1];

	if (fdbox_folio_order(e))
		return -ENODATA;
	e->index = DIV_ROUND_UP(t->memfd->size, PAGE_SIZE);
	return 0;
}

#define BOX	FDBOX_DEBUG_NEED_BOX
#define FD	FDBOX_DEBUG_NEED_FD
#define MEMFD	FDBOX_DEBUG_NEED_MEMFD

static const struct fdbox_debug_case fdbox_debug_cases[] = {
	{ "box-magic", "box blob magic", BOX, fdbox_debug_box_magic },
	{ "box-version", "box blob format version (a future one)", BOX,
	  fdbox_debug_box_version },
	{ "box-header-size", "box blob header_size", BOX,
	  fdbox_debug_box_header_size },
	{ "box-fd-size", "box blob fd_size", BOX, fdbox_debug_box_fd_size },
	{ "box-flags", "box blob flags", BOX, fdbox_debug_box_flags },
	{ "box-mode", "box node mode", BOX, fdbox_debug_box_mode },
	{ "box-owner", "box node owner", BOX, fdbox_debug_box_owner },
	{ "box-nr-fds", "box blob nr_fds (too large for the blob)", BOX,
	  fdbox_debug_box_nr_fds },
	{ "box-name", "box name (no NUL)", BOX, fdbox_debug_box_name },
	{ "fd-name", "fd record 0 name (no NUL)", FD, fdbox_debug_fd_name },
	{ "fd-type", "fd record 0 type (unknown)", FD, fdbox_debug_fd_type },
	{ "fd-flags", "fd record 0 flags", FD, fdbox_debug_fd_flags },
	{ "fd-reserved", "fd record 0 reserved field", FD,
	  fdbox_debug_fd_reserved },
	{ "fd-payload-size", "fd record 0 payload size (too large)", FD,
	  fdbox_debug_fd_payload_size },
	{ "memfd-version", "memfd record 0 version (unknown)", MEMFD,
	  fdbox_debug_memfd_version },
	{ "memfd-name", "memfd record 0 name (no NUL)", MEMFD,
	  fdbox_debug_memfd_name },
	{ "memfd-size", "memfd record 0 size (beyond MAX_LFS_FILESIZE)", MEMFD,
	  fdbox_debug_memfd_size },
	{ "memfd-reserved", "memfd record 0 reserved field", MEMFD,
	  fdbox_debug_memfd_reserved },
	{ "memfd-nr-folios", "memfd record 0 nr_folios (too large)", MEMFD,
	  fdbox_debug_memfd_nr_folios },
	{ "memfd-nr-pages", "memfd record 0 nr_pages (one too many)", 1,
	  fdbox_debug_memfd_nr_pages },
	{ "memfd-table-outside-ram",
	  "memfd record 0 folio table descriptor (outside RAM)", 1,
	  fdbox_debug_memfd_table_outside_ram },
	{ "folio-outside-ram", "folio table entry 0 address (outside RAM)", 1,
	  fdbox_debug_folio_outside_ram },
	{ "folio-not-preserved",
	  "folio table entry 0 address (RAM never preserved)", 1,
	  fdbox_debug_folio_not_preserved },
	{ "folio-order", "folio table entry 0 order (reserved bit)", 1,
	  fdbox_debug_folio_order },
	{ "folio-overlap", "folio table entry 1 address (that of entry 0)", 2,
	  fdbox_debug_folio_overlap },
	{ "folio-on-table",
	  "folio table entry 0 address (the table's own first page)", 1,
	  fdbox_debug_folio_on_table },
	{ "folio-unsorted", "folio table entries 0 and 1 index (swapped)", 2,
	  fdbox_debug_folio_unsorted },
	{ "folio-shared",
	  "folio table entry 0 address (that of another box's entry 0)", 1,
	  fdbox_debug_folio_shared, true },
	{ "folio-past-eof", "last folio table entry index (the page past EOF)",
	  1, fdbox_debug_folio_past_eof },
};

#undef BOX
#undef FD
#undef MEMFD

static const struct fdbox_debug_case *fdbox_debug_find_case(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fdbox_debug_cases); i++)
		if (!strcmp(fdbox_debug_cases[i].name, name))
			return &fdbox_debug_cases[i];
	return NULL;
}

/*
 * Find what a case needing @need may damage in the sealed @box (see
 * &struct fdbox_debug_case). Box lock held.
 */
static int fdbox_debug_find_target(struct fdbox_box *box, int need,
				   struct fdbox_debug_target *t)
{
	struct fdbox_fd *fd;

	lockdep_assert_held(&box->lock);
	t->box = box;
	if (box->dead)
		return -ENOENT;
	if (box->state != FDBOX_STATE_SEALED)
		return -EBUSY;
	t->blob = fdbox_handover_debug_blob(box, &t->ref);
	if (WARN_ON_ONCE(!t->blob))
		return -EBUSY;
	fd = list_first_entry_or_null(&box->fds, struct fdbox_fd, list);
	if (t->blob->nr_fds && fd)
		t->rec = &t->blob->fds[0];
	if (t->rec && !strcmp(t->rec->compatible, FDBOX_MEMFD_COMPATIBLE) &&
	    fd->handler == &fdbox_memfd_handler && fd->seal_data) {
		t->memfd = (struct fdbox_kho_memfd *)t->rec->payload;
		t->table = fdbox_memfd_kho_debug_table(fd->seal_data, &t->nr);
	}
	if ((need >= FDBOX_DEBUG_NEED_FD && !t->rec) ||
	    (need >= FDBOX_DEBUG_NEED_MEMFD && !t->memfd) ||
	    (need > 0 && (!t->table || t->nr < need)))
		return -ENODATA;
	return 0;
}

/* Find what @c damages in the sealed @box and damage it. Box lock held. */
static int fdbox_debug_corrupt_box(struct fdbox_box *box,
				   const struct fdbox_debug_case *c,
				   struct fdbox_debug_target *t)
{
	int err;

	err = fdbox_debug_find_target(box, c->need, t);
	if (err == -ENODATA)
		pr_info("debug: box '%s': nothing case %s can damage\n",
			box->name, c->name);
	if (err)
		return err;
	err = c->corrupt(t);
	if (err) {
		pr_info("debug: box '%s': case %s not applicable: %pe\n",
			box->name, c->name, ERR_PTR(err));
		return err;
	}
	pr_info("debug: box '%s': %s corrupted for the next kernel (case %s); do not unseal it in this kernel\n",
		box->name, c->what, c->name);
	return 0;
}

/* Entry 0 of the folio table of the sealed box @oname's record 0. */
static int fdbox_debug_other_folio(const char *oname,
				   struct fdbox_kho_folio *e)
{
	struct fdbox_debug_target t = {};
	struct fdbox_box *box;
	int err;

	box = fdbox_debug_get_box(oname);
	if (!box)
		return -ENOENT;
	scoped_guard(mutex, &box->lock) {
		err = fdbox_debug_find_target(box, 1, &t);
		if (!err)
			*e = t.table[0];
	}
	put_device(&box->dev);
	return err;
}

static int fdbox_debug_corrupt(const char *bname, const char *cname,
			       const char *oname)
{
	struct fdbox_debug_target t = {};
	const struct fdbox_debug_case *c;
	struct fdbox_box *box;
	int err;

	c = fdbox_debug_find_case(cname);
	if (!c) {
		pr_info("debug: unknown case '%s'\n", cname);
		return -EINVAL;
	}
	if (c->other != !!oname || (oname && !strcmp(oname, bname)))
		return -EINVAL;
	if (oname) {
		/* Sealed, so it stays as read until the victim is damaged. */
		err = fdbox_debug_other_folio(oname, &t.other);
		if (err)
			return err;
	}
	box = fdbox_debug_get_box(bname);
	if (!box)
		return -ENOENT;
	scoped_guard(mutex, &box->lock)
		err = fdbox_debug_corrupt_box(box, c, &t);
	put_device(&box->dev);
	return err;
}

static ssize_t fdbox_debug_corrupt_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	char *buf __free(kfree) = NULL;
	char *p, *bname, *cname, *oname;
	int err;

	if (!len || len > FDBOX_DEBUG_INPUT_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = strim(buf);
	bname = strsep(&p, " \t");
	cname = p ? strsep(&p, " \t") : NULL;
	oname = p ? strim(p) : NULL;
	if (!*bname || !cname || !*cname || strlen(bname) >= FDBOX_NAME_LEN ||
	    (oname && (!*oname || strpbrk(oname, " \t") ||
		       strlen(oname) >= FDBOX_NAME_LEN)))
		return -EINVAL;
	err = fdbox_debug_corrupt(bname, cname, oname);
	return err ? err : len;
}

static const struct file_operations fdbox_debug_corrupt_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fdbox_debug_corrupt_write,
	.llseek = noop_llseek,
};

static ssize_t fdbox_debug_freeze_write(struct file *file,
					const char __user *ubuf, size_t len,
					loff_t *ppos)
{
	bool freeze;
	int err;

	err = kstrtobool_from_user(ubuf, len, &freeze);
	if (err)
		return err;
	if (!freeze)
		return -EINVAL;
	pr_info("debug: handover frozen as at the start of a reboot\n");
	fdbox_handover_freeze();
	return len;
}

static const struct file_operations fdbox_debug_freeze_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fdbox_debug_freeze_write,
	.llseek = noop_llseek,
};

/**
 * fdbox_debug_init() - create /sys/kernel/debug/fdbox/{corrupt,freeze}
 *
 * Failures are not fatal (debugfs may be absent); the knob is then missing,
 * which the tests report.
 *
 * Context: Module init.
 */
void fdbox_debug_init(void)
{
	fdbox_debug_dir = debugfs_create_dir("fdbox", NULL);
	debugfs_create_file("corrupt", 0200, fdbox_debug_dir, NULL,
			    &fdbox_debug_corrupt_fops);
	debugfs_create_file("freeze", 0200, fdbox_debug_dir, NULL,
			    &fdbox_debug_freeze_fops);
	pr_info("debug build: /sys/kernel/debug/fdbox/corrupt can damage sealed boxes' handover data\n");
}

/**
 * fdbox_debug_exit() - remove the knob
 *
 * Context: Module exit. Waits for writers still in the knob.
 */
void fdbox_debug_exit(void)
{
	debugfs_remove(fdbox_debug_dir);
	fdbox_debug_dir = NULL;
}
