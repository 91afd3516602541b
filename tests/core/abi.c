// SPDX-License-Identifier: GPL-2.0
/*
 * The UAPI header matches the ABI of DESIGN.md section 2 (binary
 * compatible with the original FDBox proposal): ioctl numbers, struct sizes
 * and offsets. Mostly compile-time checks; the tests restate them at run
 * time so a report shows they ran.
 */
#include <assert.h>
#include <stddef.h>
#include <linux/fdbox.h>

#include "kselftest_harness.h"

static_assert(FDBOX_NAME_LEN == 256, "name length");
static_assert(FDBOX_TYPE == '.', "ioctl type");
static_assert(FDBOX_BASE == 0, "ioctl base");

/* The six seed ioctls use _IO encoding: no direction, no size. */
static_assert(FDBOX_CREATE_BOX == 0x2e00, "CREATE_BOX");
static_assert(FDBOX_DELETE_BOX == 0x2e01, "DELETE_BOX");
static_assert(FDBOX_PUT_FD == 0x2e02, "PUT_FD");
static_assert(FDBOX_GET_FD == 0x2e03, "GET_FD");
static_assert(FDBOX_SEAL == 0x2e04, "SEAL");
static_assert(FDBOX_UNSEAL == 0x2e05, "UNSEAL");

static_assert(sizeof(struct fdbox_create_box) == 264, "create_box size");
static_assert(offsetof(struct fdbox_create_box, flags) == 0, "create flags");
static_assert(offsetof(struct fdbox_create_box, name) == 8, "create name");

static_assert(sizeof(struct fdbox_delete_box) == 264, "delete_box size");
static_assert(offsetof(struct fdbox_delete_box, flags) == 0, "delete flags");
static_assert(offsetof(struct fdbox_delete_box, name) == 8, "delete name");

static_assert(sizeof(struct fdbox_put_fd) == 272, "put_fd size");
static_assert(offsetof(struct fdbox_put_fd, flags) == 0, "put flags");
static_assert(offsetof(struct fdbox_put_fd, fd) == 8, "put fd");
static_assert(offsetof(struct fdbox_put_fd, pad) == 12, "put pad");
static_assert(offsetof(struct fdbox_put_fd, name) == 16, "put name");

static_assert(sizeof(struct fdbox_get_fd) == 264, "get_fd size");
static_assert(offsetof(struct fdbox_get_fd, flags) == 0, "get flags");
static_assert(offsetof(struct fdbox_get_fd, name) == 8, "get name");

/* Listing: FDBOX_BASE + 6, _IOWR, leading __u32 size. */
static_assert(sizeof(struct fdbox_list) == FDBOX_LIST_SIZE_VER0, "list size");
static_assert(offsetof(struct fdbox_list, size) == 0, "list size field");
static_assert(offsetof(struct fdbox_list, flags) == 4, "list flags");
static_assert(offsetof(struct fdbox_list, nr_boxes) == 8, "list nr_boxes");
static_assert(offsetof(struct fdbox_list, nr_fds) == 12, "list nr_fds");
static_assert(offsetof(struct fdbox_list, boxes) == 16, "list boxes");
static_assert(offsetof(struct fdbox_list, fds) == 24, "list fds");
static_assert(offsetof(struct fdbox_list, unclaimed_bytes) == 32,
	      "list unclaimed_bytes");
static_assert(FDBOX_LIST == 0xc0282e06, "LIST number");

static_assert(sizeof(struct fdbox_box_info) == 280, "box_info size");
static_assert(offsetof(struct fdbox_box_info, state) == 256, "box state");
static_assert(offsetof(struct fdbox_box_info, nr_fds) == 260, "box nr_fds");
static_assert(offsetof(struct fdbox_box_info, bytes) == 264, "box bytes");
static_assert(offsetof(struct fdbox_box_info, fd_index) == 272, "box index");

static_assert(sizeof(struct fdbox_fd_info) == 272, "fd_info size");
static_assert(offsetof(struct fdbox_fd_info, type) == 256, "fd type");
static_assert(offsetof(struct fdbox_fd_info, flags) == 260, "fd flags");
static_assert(offsetof(struct fdbox_fd_info, size) == 264, "fd size");

static_assert(FDBOX_FD_TYPE_MEMFD == 1, "memfd type");
static_assert(FDBOX_STATE_OPEN != FDBOX_STATE_SEALED &&
	      FDBOX_STATE_SEALED != FDBOX_STATE_RESTORED &&
	      FDBOX_STATE_OPEN != FDBOX_STATE_RESTORED, "states distinct");

TEST(seed_ioctls_have_io_encoding_type_dot_and_numbers_0_to_5)
{
	const unsigned int cmds[] = {
		FDBOX_CREATE_BOX, FDBOX_DELETE_BOX, FDBOX_PUT_FD,
		FDBOX_GET_FD, FDBOX_SEAL, FDBOX_UNSEAL,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_EQ((unsigned int)_IOC_NONE, _IOC_DIR(cmds[i]));
		EXPECT_EQ(0U, _IOC_SIZE(cmds[i]));
		EXPECT_EQ((unsigned int)'.', _IOC_TYPE(cmds[i]));
		EXPECT_EQ(FDBOX_BASE + i, _IOC_NR(cmds[i]));
	}
}

TEST(list_ioctl_is_iowr_number_6_with_its_struct_size)
{
	EXPECT_EQ((unsigned int)(_IOC_READ | _IOC_WRITE), _IOC_DIR(FDBOX_LIST));
	EXPECT_EQ(sizeof(struct fdbox_list), (size_t)_IOC_SIZE(FDBOX_LIST));
	EXPECT_EQ((unsigned int)'.', _IOC_TYPE(FDBOX_LIST));
	EXPECT_EQ(FDBOX_BASE + 6U, _IOC_NR(FDBOX_LIST));
}

TEST(seed_structs_have_the_original_layout)
{
	EXPECT_EQ((size_t)264, sizeof(struct fdbox_create_box));
	EXPECT_EQ((size_t)264, sizeof(struct fdbox_delete_box));
	EXPECT_EQ((size_t)272, sizeof(struct fdbox_put_fd));
	EXPECT_EQ((size_t)16, offsetof(struct fdbox_put_fd, name));
	EXPECT_EQ((size_t)264, sizeof(struct fdbox_get_fd));
}

TEST_HARNESS_MAIN
