/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic memory patterns for tests that cross a kexec: the stage
 * after the kexec recomputes the expected contents from the seed alone.
 */
#ifndef FDBOX_TESTS_PATTERN_H
#define FDBOX_TESTS_PATTERN_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static inline uint64_t pattern_word(uint64_t seed, uint64_t index)
{
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Byte @off of the pattern (for sizes that are not a multiple of 8). */
static inline uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	return pattern_word(seed, off / 8) >> (8 * (off % 8));
}

/*
 * Fill bytes [@off, @off + @len) of @fd with the pattern of @seed; byte x of
 * the file always gets pattern_byte(seed, x). @off must be page aligned.
 */
static inline int pattern_fill_range(int fd, uint64_t seed, size_t off,
				     size_t len)
{
	uint8_t *p;
	size_t i;

	if (!len)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word(seed, (off + i) / 8);

		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = pattern_byte(seed, off + i);
	munmap(p, len);
	return 0;
}

static inline int pattern_fill_fd(int fd, uint64_t seed, size_t len)
{
	return pattern_fill_range(fd, seed, 0, len);
}

/*
 * Check bytes [@off, @off + @len) of @fd against the pattern of @seed
 * (@off page aligned). Returns -1 when everything matches, else the file
 * offset of the first differing byte (@off when the range cannot be mapped).
 */
static inline long long pattern_check_range(int fd, uint64_t seed, size_t off,
					    size_t len)
{
	const uint8_t *p;
	long long bad = -1;
	size_t i;

	if (!len)
		return -1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return off;
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w != pattern_word(seed, (off + i) / 8)) {
			bad = off + i;
			break;
		}
	}
	for (; bad < 0 && i < len; i++)
		if (p[i] != pattern_byte(seed, off + i))
			bad = off + i;
	munmap((void *)p, len);
	return bad;
}

static inline long long pattern_check_fd(int fd, uint64_t seed, size_t len)
{
	return pattern_check_range(fd, seed, 0, len);
}

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif /* FDBOX_TESTS_PATTERN_H */
