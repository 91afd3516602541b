// SPDX-License-Identifier: GPL-2.0
/*
 * A box travels a chain of kexecs and is changed at every hop.
 *
 * Stage 1 seals box "chain" holding memfd "data" filled with the pattern
 * of hop 1. Every later stage unseals the restored box, checks the data
 * left by the previous hop, refills it with its own pattern at a new size,
 * adds one memfd named after the hop, and seals the box again for the next
 * kexec. The last stage only checks. The run's stage count sets the length
 * of the chain (suite.conf: 6 stages = 5 kexecs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pattern.h"
#include "fdbox_test.h"

#define BOX "chain"

static size_t hop_size(int hop)
{
	return (4ULL << 20) + hop * 4096 + hop * 7;	/* grows, unaligned */
}

static uint64_t hop_seed(int hop)
{
	return 0xc4a1 + hop;
}

static int stage_env(const char *var)
{
	const char *s = getenv(var);

	return s ? atoi(s) : 1;
}

TEST(chain_hop)
{
	int stage = stage_env("FDBOX_STAGE"), stages = stage_env("FDBOX_STAGES");
	char name[32];
	struct stat st;
	int ctl, box, fd, h;
	long long bad;

	ctl = fdbox_ctl_open();
	ASSERT_LE(0, ctl);
	if (stage == 1) {
		ASSERT_EQ(0, fdbox_create(ctl, BOX));
		box = fdbox_box_open(BOX);
		ASSERT_LE(0, box);
	} else {
		box = fdbox_box_open(BOX);
		ASSERT_LE(0, box) TH_LOG("box did not survive kexec %d", stage - 1);
		ASSERT_EQ(0, fdbox_unseal(box));
		fd = fdbox_get(box, "data");
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fstat(fd, &st));
		ASSERT_EQ(hop_size(stage - 1), (size_t)st.st_size);
		bad = pattern_check_fd(fd, hop_seed(stage - 1), hop_size(stage - 1));
		ASSERT_EQ(-1, bad) TH_LOG("hop %d: byte %lld differs", stage - 1, bad);
		close(fd);
		/* every earlier hop's marker memfd is still there */
		for (h = 1; h < stage; h++) {
			snprintf(name, sizeof(name), "hop-%d", h);
			fd = fdbox_get(box, name);
			ASSERT_LE(0, fd) TH_LOG("%s lost", name);
			ASSERT_EQ(1, memfd_check(fd, 4096, h));
			ASSERT_EQ(0, fdbox_put(box, fd, name));
		}
		ksft_print_msg("hop %d -> %d: data verified\n", stage - 1, stage);
	}
	if (stage == stages) {
		for (h = 1; h < stage; h++) {
			snprintf(name, sizeof(name), "hop-%d", h);
			fd = fdbox_get(box, name);
			ASSERT_LE(0, fd);
			close(fd);
		}
		close(box);
		ASSERT_EQ(0, fdbox_delete(ctl, BOX));
		return;
	}
	fd = memfd_create("chain-data", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, hop_size(stage)));
	ASSERT_EQ(0, pattern_fill_fd(fd, hop_seed(stage), hop_size(stage)));
	ASSERT_EQ(0, fdbox_put(box, fd, "data"));
	snprintf(name, sizeof(name), "hop-%d", stage);
	fd = memfd_with(name, 4096, stage, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdbox_put(box, fd, name));
	ASSERT_EQ(0, fdbox_seal(box));
	close(box);
	close(ctl);
}

TEST_HARNESS_MAIN
