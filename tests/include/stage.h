/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multi-stage tests for the FDBox VM harness.
 *
 * A test that spans kexecs puts the tests of stage N in fixture "stageN"
 * (FIXTURE(stage1) ... TEST_F(stage1, ...)) and ends with
 * FDBOX_STAGED_HARNESS_MAIN instead of TEST_HARNESS_MAIN. The harness guest
 * init runs the binary once per stage with FDBOX_STAGE set; only that
 * stage's fixture runs. State crosses the kexec in the preserved objects
 * themselves, never in files.
 *
 * Include after kselftest_harness.h.
 */
#ifndef FDBOX_TESTS_STAGE_H
#define FDBOX_TESTS_STAGE_H

#include <stdio.h>
#include <stdlib.h>

static inline int fdbox_stage(void)
{
	const char *s = getenv("FDBOX_STAGE");

	return s ? atoi(s) : 1;
}

#define FDBOX_STAGED_HARNESS_MAIN					\
	int main(int argc, char **argv)					\
	{								\
		char fixture[32];					\
		char *args[] = { argv[0], "-f", fixture, NULL };	\
									\
		(void)argc;						\
		snprintf(fixture, sizeof(fixture), "stage%d",		\
			 fdbox_stage());				\
		return test_harness_run(3, args);			\
	}

#endif /* FDBOX_TESTS_STAGE_H */
