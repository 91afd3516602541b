/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FDBox eventfd handover record: the payload of a "fdbox,eventfd" fd record.
 */

#ifndef _FDBOX_EVENTFD_KHO_ABI_H
#define _FDBOX_EVENTFD_KHO_ABI_H

#include "handover_abi.h"

#define FDBOX_EVENTFD_COMPATIBLE	"fdbox,eventfd"
#define FDBOX_EVENTFD_VERSION		1

/* Bits of &fdbox_kho_eventfd.flags. */
#define FDBOX_KHO_EVENTFD_SEMAPHORE	0x1u	/* EFD_SEMAPHORE */
#define FDBOX_KHO_EVENTFD_NONBLOCK	0x2u	/* O_NONBLOCK on the file */
#define FDBOX_KHO_EVENTFD_FLAGS		(FDBOX_KHO_EVENTFD_SEMAPHORE | \
					 FDBOX_KHO_EVENTFD_NONBLOCK)

/**
 * struct fdbox_kho_eventfd - an eventfd, as it was when the reboot began
 * @count: its counter, at most U64_MAX - 1
 * @flags: FDBOX_KHO_EVENTFD_* bits
 * @reserved: 0
 *
 * Any change of layout or meaning is a new %FDBOX_EVENTFD_VERSION.
 */
struct fdbox_kho_eventfd {
	__u64 count;
	__u32 flags;
	__u32 reserved;
};

static_assert(sizeof(struct fdbox_kho_eventfd) == 16);
static_assert(sizeof(struct fdbox_kho_eventfd) <= FDBOX_KHO_FD_PAYLOAD);

#endif /* _FDBOX_EVENTFD_KHO_ABI_H */
