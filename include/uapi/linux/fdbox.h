/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * FDBox: name file descriptors and let the kernel hold them, in the same
 * kernel or across kexec (Kexec HandOver).
 *
 * The control device is /dev/fdbox/fdbox, every box is /dev/fdbox/<name>.
 * All ioctls return 0 (FDBOX_GET_FD: the new file descriptor) or -1 with
 * errno set. The six ioctls FDBOX_CREATE_BOX to FDBOX_UNSEAL keep the _IO
 * encoding of the original FDBox proposal for binary compatibility; every
 * later ioctl uses _IOR/_IOW/_IOWR and a leading size or flags field.
 */

#ifndef _UAPI_LINUX_FDBOX_H
#define _UAPI_LINUX_FDBOX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Maximum length of a box or fd name, including the terminating NUL. */
#define FDBOX_NAME_LEN		256

#define FDBOX_TYPE		'.'
#define FDBOX_BASE		0

/*
 * Types of file a box can hold (struct fdbox_fd_info.type). UNKNOWN: a
 * handed-over fd whose type no loaded module handles (yet).
 */
#define FDBOX_FD_TYPE_UNKNOWN	0
#define FDBOX_FD_TYPE_MEMFD	1
#define FDBOX_FD_TYPE_EVENTFD	2

/* States of a box (struct fdbox_box_info.state). */
#define FDBOX_STATE_OPEN	1	/* accepts PUT/GET/DELETE */
#define FDBOX_STATE_SEALED	2	/* sealed in this kernel */
#define FDBOX_STATE_RESTORED	3	/* sealed, handed over by the previous kernel */

/**
 * struct fdbox_create_box - argument of FDBOX_CREATE_BOX (control device)
 * @flags: must be 0
 * @name: box name, 1..255 bytes of [A-Za-z0-9._-], NUL-terminated,
 *        not "." nor ".." nor "fdbox"
 */
struct fdbox_create_box {
	__u64 flags;
	__u8 name[FDBOX_NAME_LEN];
};

/**
 * struct fdbox_delete_box - argument of FDBOX_DELETE_BOX (control device)
 * @flags: must be 0
 * @name: name of the box to delete
 */
struct fdbox_delete_box {
	__u64 flags;
	__u8 name[FDBOX_NAME_LEN];
};

/**
 * struct fdbox_put_fd - argument of FDBOX_PUT_FD (box device)
 * @flags: must be 0
 * @fd: file descriptor of the caller to move into the box
 * @pad: must be 0
 * @name: name of the fd within the box, same rules as box names
 */
struct fdbox_put_fd {
	__u64 flags;
	__u32 fd;
	__u32 pad;
	__u8 name[FDBOX_NAME_LEN];
};

/*
 * struct fdbox_get_fd.flags: give a descriptor of the file and leave the
 * fd in the box (a second reference to the same open file, as dup(2)).
 */
#define FDBOX_GET_FD_KEEP	(1ULL << 0)

/**
 * struct fdbox_get_fd - argument of FDBOX_GET_FD (box device)
 * @flags: FDBOX_GET_FD_KEEP or 0
 * @name: name of the fd to take out of the box
 */
struct fdbox_get_fd {
	__u64 flags;
	__u8 name[FDBOX_NAME_LEN];
};

#define FDBOX_CREATE_BOX	_IO(FDBOX_TYPE, FDBOX_BASE + 0)
#define FDBOX_DELETE_BOX	_IO(FDBOX_TYPE, FDBOX_BASE + 1)
#define FDBOX_PUT_FD		_IO(FDBOX_TYPE, FDBOX_BASE + 2)
#define FDBOX_GET_FD		_IO(FDBOX_TYPE, FDBOX_BASE + 3)
#define FDBOX_SEAL		_IO(FDBOX_TYPE, FDBOX_BASE + 4)
#define FDBOX_UNSEAL		_IO(FDBOX_TYPE, FDBOX_BASE + 5)

/**
 * struct fdbox_box_info - one box, as reported by FDBOX_LIST
 * @name: box name, NUL-terminated
 * @state: FDBOX_STATE_*
 * @nr_fds: number of fds in the box
 * @bytes: bytes the box holds (sum of the sizes of its fds)
 * @fd_index: index in the fds array of the first fd of this box; its fds
 *            follow each other
 * @reserved: 0
 */
struct fdbox_box_info {
	__u8 name[FDBOX_NAME_LEN];
	__u32 state;
	__u32 nr_fds;
	__u64 bytes;
	__u32 fd_index;
	__u32 reserved;
};

/* struct fdbox_fd_info.flags: handed over, not restored yet (UNSEAL does). */
#define FDBOX_FD_PENDING	(1U << 0)

/**
 * struct fdbox_fd_info - one fd in a box, as reported by FDBOX_LIST
 * @name: fd name, NUL-terminated
 * @type: FDBOX_FD_TYPE_*
 * @flags: FDBOX_FD_* flags
 * @size: bytes the fd holds (for a memfd: its size when it was put)
 */
struct fdbox_fd_info {
	__u8 name[FDBOX_NAME_LEN];
	__u32 type;
	__u32 flags;
	__u64 size;
};

/**
 * struct fdbox_list - argument of FDBOX_LIST
 * @size: sizeof(struct fdbox_list) as the caller knows it
 * @flags: must be 0
 * @nr_boxes: in: number of entries @boxes has room for;
 *            out: number of boxes there are
 * @nr_fds: in: number of entries @fds has room for;
 *          out: number of fds there are in these boxes
 * @boxes: user pointer to an array of struct fdbox_box_info, or 0
 * @fds: user pointer to an array of struct fdbox_fd_info, or 0
 * @unclaimed_bytes: out: bytes handed over by the previous kernel that no
 *                   box has claimed (reserved, never reused)
 *
 * On the control device FDBOX_LIST reports every box, on a box device only
 * that box. The kernel fills at most @nr_boxes and @nr_fds entries and
 * returns the full counts; if they exceed the room given, call again with
 * larger arrays. Both counts 0 asks for the counts only.
 */
struct fdbox_list {
	__u32 size;
	__u32 flags;
	__u32 nr_boxes;
	__u32 nr_fds;
	__u64 boxes;
	__u64 fds;
	__u64 unclaimed_bytes;
};

#define FDBOX_LIST_SIZE_VER0	40	/* sizeof first published struct */

#define FDBOX_LIST		_IOWR(FDBOX_TYPE, FDBOX_BASE + 6, struct fdbox_list)

/* struct fdbox_create_box2.flags: @uid, @gid and @mode are given. */
#define FDBOX_CREATE_ACCESS	(1U << 0)

/**
 * struct fdbox_create_box2 - argument of FDBOX_CREATE_BOX2 (control device)
 * @size: sizeof(struct fdbox_create_box2) as the caller knows it
 * @flags: FDBOX_CREATE_* flags
 * @name: box name, as for FDBOX_CREATE_BOX
 * @uid: with FDBOX_CREATE_ACCESS, the owner of the box node, in the
 *       caller's user namespace; else 0
 * @gid: with FDBOX_CREATE_ACCESS, the group of the box node; else 0
 * @mode: with FDBOX_CREATE_ACCESS, the permission bits of the box node
 *        (no more than 0777); else 0
 * @reserved: 0
 * @max_bytes: most bytes the box may hold (checked at PUT_FD and again at
 *             SEAL, as the module's max_bytes is for all boxes); 0: no
 *             limit of its own
 *
 * FDBOX_CREATE_BOX with the owner, group and mode of the box node, and a
 * byte limit of the box, set when it is created. They are the box's for
 * its whole life: SEAL hands them over, and the next kernel makes the node
 * with them again (a chown of the node is not recorded). Giving an owner,
 * group or mode needs CAP_CHOWN. Without FDBOX_CREATE_ACCESS the node is
 * 0600 root, as with FDBOX_CREATE_BOX.
 */
struct fdbox_create_box2 {
	__u32 size;
	__u32 flags;
	__u8 name[FDBOX_NAME_LEN];
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 reserved;
	__u64 max_bytes;
};

#define FDBOX_CREATE_BOX2_SIZE_VER0	288	/* sizeof first published struct */

#define FDBOX_CREATE_BOX2	_IOW(FDBOX_TYPE, FDBOX_BASE + 7, struct fdbox_create_box2)

#endif /* _UAPI_LINUX_FDBOX_H */
