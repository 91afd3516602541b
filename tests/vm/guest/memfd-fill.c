// SPDX-License-Identifier: GPL-2.0
/*
 * memfd-fill: make a memfd of SIZE MiB filled with pseudo-random data
 * (xorshift, seeded from getrandom()) as fd 3, then exec COMMAND with it.
 *
 *   memfd-fill SIZE_MIB NAME COMMAND [ARG...]
 *
 * Prints "fill: <ms>" on stderr. Used by make demo; fast under emulation,
 * where reading /dev/urandom runs at about 20 MiB/s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "pattern.h"

int main(int argc, char **argv)
{
	uint64_t seed, x, *p;
	size_t size, i;
	double t;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: memfd-fill SIZE_MIB NAME COMMAND [ARG...]\n");
		return 2;
	}
	size = strtoull(argv[1], NULL, 10) << 20;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	fd = memfd_create(argv[2], 0);
	if (fd < 0 || dup2(fd, 3) != 3 || ftruncate(3, size)) {
		fprintf(stderr, "memfd-fill: memfd of %s MiB: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (fd != 3)
		close(fd);
	t = now_ms();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "memfd-fill: mmap: %s\n", strerror(errno));
		return 1;
	}
	x = seed | 1;
	for (i = 0; i < size / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
	munmap(p, size);
	fprintf(stderr, "fill: %.0f\n", now_ms() - t);
	execvp(argv[3], argv + 3);
	fprintf(stderr, "memfd-fill: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
