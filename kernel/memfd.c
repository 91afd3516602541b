// SPDX-License-Identifier: GPL-2.0
/*
 * FDBox memfd handler.
 */

/**
 * DOC: memfd handler
 *
 * Holds memfds: shmem files made by memfd_create(2). A file is one if it is
 * shmem-backed and has no links, as the kernel's own memfd preservation
 * tells them, and lives on the kernel's internal shmem mount (not on a
 * mounted tmpfs); its name does not matter. memfds made with MFD_HUGETLB
 * are hugetlbfs files, not shmem, and are refused like any other file
 * (EOPNOTSUPP).
 *
 * The size of a memfd is its i_size, charged against max_bytes when it is
 * put into a box.
 *
 * Sealing a box pins the memfd's folios and preserves them with KHO (see
 * memfd_kho_out.c); the file itself stays in the box, and UNSEAL in the same
 * kernel unpins it again. After a kexec, the handed-over record is loaded
 * when the module loads and the file is recreated from the preserved folios
 * on UNSEAL.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include "fdbox.h"
#include "memfd_kho.h"

/**
 * fdbox_memfd_is_memfd() - is @file a memfd FDBox can hold?
 * @file: the file
 *
 * As the kernel tells one (mm/memfd_luo.c): a shmem file without links;
 * and on the kernel's internal shmem mount, where memfd_create(2) makes
 * them, not an unlinked file of a mounted tmpfs. Not by its name.
 *
 * Context: Any.
 * Return: true if it is one and not an O_PATH file.
 */
bool fdbox_memfd_is_memfd(struct file *file)
{
	return !(file->f_mode & FMODE_PATH) && shmem_file(file) &&
	       !file_inode(file)->i_nlink &&
	       (file->f_path.mnt->mnt_flags & MNT_INTERNAL);
}

static int fdbox_memfd_put(struct fdbox_fd *fd)
{
	return 0;
}

static int fdbox_memfd_seal(struct fdbox_fd *fd)
{
	struct fdbox_memfd_kho_out *out;
	int err;

	err = fdbox_memfd_kho_preserve(fd->file, &out);
	if (err)
		return err;
	fd->seal_data = out;
	return 0;
}

static void fdbox_memfd_unseal(struct fdbox_fd *fd)
{
	fdbox_memfd_kho_unpreserve(fd->seal_data);
	fd->seal_data = NULL;
}

static u32 fdbox_memfd_emit(struct fdbox_fd *fd, void *payload)
{
	fdbox_memfd_kho_emit(fd->seal_data, payload);
	return sizeof(struct fdbox_kho_memfd);
}

/* The memfd record of @rec, copied into @m; -EINVAL (quietly) if none. */
static int fdbox_memfd_record(const struct fdbox_record *rec,
			      struct fdbox_kho_memfd *m)
{
	if (rec->version != FDBOX_MEMFD_VERSION || rec->size != sizeof(*m))
		return -EINVAL;
	memcpy(m, rec->payload, sizeof(*m));
	return 0;
}

static int fdbox_memfd_load(const struct fdbox_record *rec, void **data,
			    u64 *size)
{
	struct fdbox_memfd_kho_in *in;
	struct fdbox_kho_memfd m;
	int err;

	if (fdbox_memfd_record(rec, &m)) {
		pr_err_ratelimited("handed-over memfd '%s': record version %u of %u bytes; this kernel reads version %u of %zu bytes\n",
				   rec->name, rec->version, rec->size, FDBOX_MEMFD_VERSION,
				   sizeof(m));
		return -EINVAL;
	}
	err = fdbox_memfd_kho_load(&m, rec->name, &in);
	if (err)
		return err;
	*data = in;
	*size = m.size;
	return 0;
}

static void fdbox_memfd_unload(void *data)
{
	fdbox_memfd_kho_in_free(data);
}

static u64 fdbox_memfd_record_bytes(const struct fdbox_record *rec)
{
	struct fdbox_kho_memfd m;

	if (fdbox_memfd_record(rec, &m))
		return 0;
	return fdbox_memfd_kho_record_bytes(&m);
}

static u64 fdbox_memfd_unclaimed(struct fdbox_fd *fd)
{
	return fdbox_memfd_kho_in_bytes(fd->restore_data);
}

/* Two opens of a memfd are one file to hand over: its inode. */
static const void *fdbox_memfd_identity(struct fdbox_fd *fd)
{
	return file_inode(fd->file);
}

static bool fdbox_memfd_shared(struct fdbox_fd *fd)
{
	return fdbox_memfd_kho_shared(fd->seal_data);
}

static int fdbox_memfd_restore(struct fdbox_fd *fd)
{
	struct file *file;
	int err;

	err = fdbox_memfd_kho_restore(fd->restore_data, &file);
	if (err)
		return err;
	fdbox_memfd_kho_in_free(fd->restore_data);
	fd->restore_data = NULL;
	fd->file = file;
	return 0;
}

/*
 * A sealed fd is never released (a sealed box cannot be deleted); a
 * handed-over fd that was never restored keeps its folios reserved.
 */
static void fdbox_memfd_release(struct fdbox_fd *fd)
{
	WARN_ON_ONCE(fd->seal_data);
	if (fd->restore_data)
		fdbox_memfd_kho_in_free(fd->restore_data);
	fd->restore_data = NULL;
}

static u64 fdbox_memfd_size(struct fdbox_fd *fd)
{
	return i_size_read(file_inode(fd->file));
}

struct fdbox_handler fdbox_memfd_handler = {
	.owner = THIS_MODULE,
	.type = FDBOX_FD_TYPE_MEMFD,
	.name = "memfd",
	.compatible = FDBOX_MEMFD_COMPATIBLE,
	.version = FDBOX_MEMFD_VERSION,
	.recognise = fdbox_memfd_is_memfd,
	.put = fdbox_memfd_put,
	.seal = fdbox_memfd_seal,
	.unseal = fdbox_memfd_unseal,
	.restore = fdbox_memfd_restore,
	.release = fdbox_memfd_release,
	.size = fdbox_memfd_size,
	.emit = fdbox_memfd_emit,
	.load = fdbox_memfd_load,
	.unload = fdbox_memfd_unload,
	.record_bytes = fdbox_memfd_record_bytes,
	.unclaimed = fdbox_memfd_unclaimed,
	.shared = fdbox_memfd_shared,
	.identity = fdbox_memfd_identity,
};
