// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox memfd handler.
 */

/**
 * DOC: memfd handler
 *
 * Holds memfds: shmem files made by memfd_create(2). A file is one if it is
 * shmem-backed, lives on the kernel's internal shmem mount (not on a mounted
 * tmpfs), has no links, and its dentry is named "memfd:..." as
 * memfd_create() names them. memfds made with MFD_HUGETLB are hugetlbfs
 * files, not shmem, and are refused like any other file (EOPNOTSUPP).
 *
 * The size of a memfd is its i_size, charged against max_bytes when it is
 * put into a box.
 *
 * Sealing a box changes nothing of a memfd in this version: the file stays
 * live in the box. Handover (pinning and recording the folios at SEAL,
 * restoring them after kexec) belongs to the KHO layer and plugs into the
 * seal, unseal, restore and release hooks; until then restore fails with
 * EOPNOTSUPP.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include "fdbox.h"

#define FDBOX_MEMFD_PREFIX	"memfd:"

static bool fdbox_memfd_recognise(struct file *file)
{
	if (file->f_mode & FMODE_PATH)
		return false;
	if (!shmem_file(file))
		return false;
	if (!(file->f_path.mnt->mnt_flags & MNT_INTERNAL))
		return false;
	if (file_inode(file)->i_nlink)
		return false;
	/* Files on the internal mount are never renamed. */
	return !strncmp(file->f_path.dentry->d_name.name, FDBOX_MEMFD_PREFIX,
			strlen(FDBOX_MEMFD_PREFIX));
}

static int fdbox_memfd_put(struct fdbox_fd *fd)
{
	return 0;
}

static int fdbox_memfd_seal(struct fdbox_fd *fd)
{
	return 0;
}

static void fdbox_memfd_unseal(struct fdbox_fd *fd)
{
}

static int fdbox_memfd_restore(struct fdbox_fd *fd)
{
	return -EOPNOTSUPP;
}

static void fdbox_memfd_release(struct fdbox_fd *fd)
{
}

static u64 fdbox_memfd_size(struct fdbox_fd *fd)
{
	return i_size_read(file_inode(fd->file));
}

const struct fdbox_handler fdbox_memfd_handler = {
	.type = FDBOX_FD_TYPE_MEMFD,
	.name = "memfd",
	.recognise = fdbox_memfd_recognise,
	.put = fdbox_memfd_put,
	.seal = fdbox_memfd_seal,
	.unseal = fdbox_memfd_unseal,
	.restore = fdbox_memfd_restore,
	.release = fdbox_memfd_release,
	.size = fdbox_memfd_size,
};
