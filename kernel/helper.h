/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox: the optional kernel helpers for zero-copy memfd restore (helper.c).
 */

#ifndef _FDBOX_HELPER_H
#define _FDBOX_HELPER_H

#include <linux/bits.h>
#include <linux/shmem_fs.h>
#include <linux/types.h>

struct file;
struct folio;
struct inode;

/* shmem_insert_folios() flag of the FDBox kernel patches: restoring. */
#ifndef SHMEM_INSERT_RESTORE
#define SHMEM_INSERT_RESTORE	BIT(0)
#endif

/**
 * struct fdbox_kernel_helper - exports of kernels with the FDBox patches
 * @insert_folios: shmem_insert_folios(): put folios the caller owns into a
 *                 shmem file at their indices, charged and accounted by
 *                 shmem; returns how many went in, or an error for the first
 *                 (-E2BIG: an order the file may not hold there; copy it)
 * @alloc_file: memfd_alloc_file(): a new memfd, as memfd_create() makes it
 * @add_seals: memfd_add_seals(): add seals, as fcntl(F_ADD_SEALS) does
 * @get_seals: memfd_get_seals(): the seals, as fcntl(F_GET_SEALS) reads them
 */
struct fdbox_kernel_helper {
	long (*insert_folios)(struct inode *inode, struct folio **folios,
			      const pgoff_t *indices, unsigned int nr,
			      unsigned int flags);
	struct file *(*alloc_file)(const char *name, unsigned int flags);
	int (*add_seals)(struct file *file, unsigned int seals);
	int (*get_seals)(struct file *file);
};

/*
 * The helpers' own prototypes, which patched kernels declare in
 * <linux/shmem_fs.h> and <linux/kexec_handover.h>: declared here for
 * typeof() in symbol_get(). An incompatible declaration fails the build.
 */
long shmem_insert_folios(struct inode *inode, struct folio **folios,
			 const pgoff_t *indices, unsigned int nr,
			 unsigned int flags);
bool kho_is_preserved(phys_addr_t phys, unsigned int order);

void fdbox_helper_init(void);
void fdbox_helper_exit(void);
const struct fdbox_kernel_helper *fdbox_helper_get(void);
int fdbox_helper_get_seals(struct file *file);
bool fdbox_helper_kho_is_preserved(phys_addr_t phys, unsigned int order);

#endif /* _FDBOX_HELPER_H */
