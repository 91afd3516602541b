// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox: find the optional kernel helpers for zero-copy memfd restore.
 */

/**
 * DOC: kernel helpers and the restore path
 *
 * A stock kernel exports nothing that inserts a handed-over folio into a
 * shmem file with shmem's own accounting, so the module restores a memfd
 * the "module-only" way: shmem allocates a folio, the module puts the
 * handed-over one in its place (copying instead for large folios). Kernels
 * carrying the FDBox patch series (kernel/patches/) export
 * shmem_insert_folios(), memfd_alloc_file(), memfd_add_seals() and
 * memfd_get_seals(); with them the handed-over folios of any order go into
 * the file as they are ("zero-copy") and the file is a true memfd, and SEAL
 * reads a memfd's seals through memfd_get_seals() instead of shmem's inode.
 * (Whatever restore_path says: it selects how memfds are restored only.)
 * They also export kho_is_preserved(), looked up on its own, with which
 * every handed-over address is checked before it is read (kho_vm.c).
 *
 * The helpers are looked up once, when the module loads, with symbol_get():
 * the module has no link-time dependency on them and loads on both kernels.
 * All four must be there, or none is used. The module parameter
 * restore_path tells which path restores memfds ("zero-copy" or
 * "module-only"); writing "module-only" to it selects the fallback even
 * when the helpers are there (for comparison and testing), writing
 * "zero-copy" selects them again (-ENODEV without them); both work at
 * insmod too. A restore that has started keeps the path it started with.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/memfd.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "helper.h"

static struct fdbox_kernel_helper fdbox_helper;
/* kho_is_preserved() of the kernel, or NULL: see kho_vm.c. */
static bool (*fdbox_helper_is_preserved)(phys_addr_t phys, unsigned int order);
static bool fdbox_helper_looked_up;
static bool fdbox_helper_found;
/* What restore_path asks for: the helpers when found. */
static bool fdbox_helper_wanted = true;
/* Found and wanted: what fdbox_helper_get() reads. */
static bool fdbox_helper_enabled;

#define FDBOX_PATH_ZERO_COPY	"zero-copy"
#define FDBOX_PATH_MODULE_ONLY	"module-only"

static int fdbox_restore_path_set(const char *val,
				  const struct kernel_param *kp)
{
	if (sysfs_streq(val, FDBOX_PATH_MODULE_ONLY)) {
		fdbox_helper_wanted = false;
		WRITE_ONCE(fdbox_helper_enabled, false);
		return 0;
	}
	if (sysfs_streq(val, FDBOX_PATH_ZERO_COPY)) {
		/* At insmod the helpers are not looked up yet. */
		if (fdbox_helper_looked_up && !fdbox_helper_found)
			return -ENODEV;
		fdbox_helper_wanted = true;
		WRITE_ONCE(fdbox_helper_enabled, fdbox_helper_found);
		return 0;
	}
	return -EINVAL;
}

static int fdbox_restore_path_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(fdbox_helper_enabled) ?
			  FDBOX_PATH_ZERO_COPY : FDBOX_PATH_MODULE_ONLY);
}

static const struct kernel_param_ops fdbox_restore_path_ops = {
	.set = fdbox_restore_path_set,
	.get = fdbox_restore_path_get,
};

/* Writes, init and exit are serialized by the module's param lock. */
module_param_cb(restore_path, &fdbox_restore_path_ops, NULL, 0644);
MODULE_PARM_DESC(restore_path,
		 "How memfds are restored: zero-copy (needs the FDBox kernel helpers) or module-only");

/**
 * fdbox_helper_get() - the kernel helpers to restore with, if any
 *
 * Context: Any.
 * Return: the helpers when they were found and are selected, else NULL
 * (restore the module-only way).
 */
const struct fdbox_kernel_helper *fdbox_helper_get(void)
{
	return READ_ONCE(fdbox_helper_enabled) ? &fdbox_helper : NULL;
}

/**
 * fdbox_helper_get_seals() - the seals of a memfd
 * @file: the memfd
 *
 * Through memfd_get_seals() when the kernel exports it; else read from the
 * shmem inode (include/linux/shmem_fs.h), as fcntl(F_GET_SEALS) does.
 *
 * Context: Any; the inode lock keeps the answer current.
 * Return: the F_SEAL_* seals of @file, or a negative errno.
 */
int fdbox_helper_get_seals(struct file *file)
{
	/* Set once at init, before any box exists; put at exit, after. */
	if (READ_ONCE(fdbox_helper_found))
		return fdbox_helper.get_seals(file);
	return READ_ONCE(SHMEM_I(file_inode(file))->seals);
}

/**
 * fdbox_helper_kho_is_preserved() - ask KHO whether memory is preserved
 * @phys: physical address
 * @order: order the piece must have been preserved with
 *
 * Through kho_is_preserved() when the kernel exports it (kernel/patches/).
 * A stock kernel exports no way to ask; then the answer is true and KHO
 * checks when the memory is claimed (kho_restore_folio() and
 * kho_restore_pages() refuse memory that was not preserved, with a
 * warning).
 *
 * Context: Any.
 * Return: false if @phys is not the start of preserved memory of order
 * @order that nobody has claimed; else true.
 */
bool fdbox_helper_kho_is_preserved(phys_addr_t phys, unsigned int order)
{
	/* Set once at init, before any handover is read; put at exit. */
	bool (*is_preserved)(phys_addr_t phys, unsigned int order) =
		READ_ONCE(fdbox_helper_is_preserved);

	return is_preserved ? is_preserved(phys, order) : true;
}

static void fdbox_helper_put_all(void)
{
	if (fdbox_helper.insert_folios)
		symbol_put(shmem_insert_folios);
	if (fdbox_helper.alloc_file)
		symbol_put(memfd_alloc_file);
	if (fdbox_helper.add_seals)
		symbol_put(memfd_add_seals);
	if (fdbox_helper.get_seals)
		symbol_put(memfd_get_seals);
	memset(&fdbox_helper, 0, sizeof(fdbox_helper));
}

/**
 * fdbox_helper_init() - look up the kernel helpers
 *
 * Logs which restore path is active. Call before any memfd is restored.
 *
 * Context: Process context (module init).
 */
void fdbox_helper_init(void)
{
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(fdbox_helper_is_preserved, symbol_get(kho_is_preserved));
	if (fdbox_helper_is_preserved)
		pr_info("handed-over addresses are checked with kho_is_preserved() before they are read\n");
	else
		pr_info("the kernel does not export kho_is_preserved(): KHO checks handed-over addresses when they are claimed\n");
	fdbox_helper.insert_folios = symbol_get(shmem_insert_folios);
	fdbox_helper.alloc_file = symbol_get(memfd_alloc_file);
	fdbox_helper.add_seals = symbol_get(memfd_add_seals);
	fdbox_helper.get_seals = symbol_get(memfd_get_seals);
	fdbox_helper_found = fdbox_helper.insert_folios &&
			     fdbox_helper.alloc_file && fdbox_helper.add_seals &&
			     fdbox_helper.get_seals;
	if (fdbox_helper_found) {
		pr_info("restore path: zero-copy (kernel exports shmem_insert_folios, memfd_alloc_file, memfd_add_seals, memfd_get_seals)\n");
	} else {
		if (fdbox_helper.insert_folios || fdbox_helper.alloc_file ||
		    fdbox_helper.add_seals || fdbox_helper.get_seals)
			pr_warn("only some of the FDBox kernel helpers are exported; not using them\n");
		fdbox_helper_put_all();
		pr_info("restore path: module-only (the kernel lacks the FDBox helpers)\n");
	}
	fdbox_helper_looked_up = true;
	WRITE_ONCE(fdbox_helper_enabled,
		   fdbox_helper_found && fdbox_helper_wanted);
	if (fdbox_helper_found && !fdbox_helper_wanted)
		pr_info("restore path: module-only, as restore_path asks\n");
	kernel_param_unlock(THIS_MODULE);
}

/**
 * fdbox_helper_exit() - drop the references on the kernel helpers
 *
 * Context: Process context (module exit or failed init); no restore runs.
 */
void fdbox_helper_exit(void)
{
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(fdbox_helper_enabled, false);
	fdbox_helper_found = false;
	fdbox_helper_put_all();
	if (fdbox_helper_is_preserved) {
		WRITE_ONCE(fdbox_helper_is_preserved, NULL);
		symbol_put(kho_is_preserved);
	}
	kernel_param_unlock(THIS_MODULE);
}
