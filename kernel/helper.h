/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox: the optional kernel helpers for zero-copy memfd restore (helper.c).
 */

#ifndef _FDBOX_HELPER_H
#define _FDBOX_HELPER_H

#include <linux/types.h>

struct file;
struct folio;
struct inode;

/**
 * struct fdbox_kernel_helper - exports of kernels with the FDBox patches
 * @insert_folios: shmem_insert_folios(): put folios the caller owns into a
 *                 shmem file at their indices, charged and accounted by
 *                 shmem; returns how many went in, or an error for the first
 * @alloc_file: memfd_alloc_file(): a new memfd, as memfd_create() makes it
 * @add_seals: memfd_add_seals(): add seals, as fcntl(F_ADD_SEALS) does
 * @get_seals: memfd_get_seals(): the seals, as fcntl(F_GET_SEALS) reads them
 */
struct fdbox_kernel_helper {
	long (*insert_folios)(struct inode *inode, struct folio **folios,
			      const pgoff_t *indices, unsigned int nr);
	struct file *(*alloc_file)(const char *name, unsigned int flags);
	int (*add_seals)(struct file *file, unsigned int seals);
	int (*get_seals)(struct file *file);
};

void fdbox_helper_init(void);
void fdbox_helper_exit(void);
const struct fdbox_kernel_helper *fdbox_helper_get(void);
int fdbox_helper_get_seals(struct file *file);

#endif /* _FDBOX_HELPER_H */
