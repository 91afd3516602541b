// SPDX-License-Identifier: GPL-2.0
/*
 * libfdbox name validation mirrors the kernel's rules (DESIGN.md section 2,
 * kernel/box.c fdbox_check_name()): 1..255 bytes of [A-Za-z0-9._-], not
 * "." or "..", and no box called "fdbox". Plus the state and type names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdbox.h"
#include "tap.h"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* @s with control characters shown as \n, \t, \xNN (for descriptions). */
static const char *show(const char *s)
{
	static char buf[64];
	size_t n = 0;

	for (; *s && n < sizeof(buf) - 5; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			n += (size_t)sprintf(buf + n, "\\n");
		else if (c == '\t')
			n += (size_t)sprintf(buf + n, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)sprintf(buf + n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = 0;
	return buf;
}

int main(void)
{
	static const char *const valid[] = {
		"a", "vm1", "VM_1", "ram-0", "a.b", "...", ".x", "x.", "-", "_",
		"0", "fd.box", "fdbox0", "Fdbox", "FDBOX",
	};
	static const char *const invalid[] = {
		"", ".", "..", "a/b", "/", "a b", " ", "a\nb", "a\tb", "é", "a:b",
		"a@b", "a+b", "a*", "~", "a\\b", "a\"b", "a'b",
	};
	char *s255 = repeat('x', 255), *s256 = repeat('x', 256);
	char one[2] = { 0, 0 };
	int c, bad_accepted = 0, good_refused = 0;
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		is_int(fdbox_name_check(valid[i]), 0, "fd name '%s' is valid", valid[i]);
		is_int(fdbox_box_name_check(valid[i]), 0, "box name '%s' is valid", valid[i]);
		ok(fdbox_name_problem(valid[i], 1) == NULL, "no problem with '%s'", valid[i]);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		is_int(fdbox_name_check(invalid[i]), -EINVAL, "fd name '%s' is invalid", show(invalid[i]));
		is_int(fdbox_box_name_check(invalid[i]), -EINVAL, "box name '%s' is invalid", show(invalid[i]));
	}

	/* Every byte value: exactly the 65 characters of the set are valid. */
	for (c = 1; c < 256; c++) {
		bool in_set = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-';
		one[0] = (char)c;
		if (c == '.')
			continue;	/* "." alone is refused for another reason */
		if (in_set && fdbox_name_check(one))
			good_refused++;
		if (!in_set && !fdbox_name_check(one))
			bad_accepted++;
	}
	is_int(good_refused, 0, "every character of [A-Za-z0-9_-] is accepted alone");
	is_int(bad_accepted, 0, "every other byte is refused");

	is_int(fdbox_name_check(s255), 0, "255 bytes is the longest fd name");
	is_int(fdbox_box_name_check(s255), 0, "255 bytes is the longest box name");
	is_int(fdbox_name_check(s256), -EINVAL, "256 bytes is too long for an fd name");
	is_int(fdbox_box_name_check(s256), -EINVAL, "256 bytes is too long for a box name");
	is_int(fdbox_name_check(NULL), -EINVAL, "NULL is not a name");

	is_int(fdbox_name_check("fdbox"), 0, "'fdbox' is a valid fd name");
	is_int(fdbox_box_name_check("fdbox"), -EINVAL, "'fdbox' is not a valid box name");

	is_str(fdbox_name_problem("", 0), "is empty", "problem: empty");
	is_str(fdbox_name_problem(s256, 0), "is longer than 255 bytes", "problem: too long");
	is_str(fdbox_name_problem("..", 0), "may not be '.' or '..'", "problem: dot-dot");
	has_str(fdbox_name_problem("a/b", 0), "A-Z a-z 0-9 . _ -", "problem: bad character");
	has_str(fdbox_name_problem("fdbox", 1), "control device", "problem: reserved box name");
	ok(fdbox_name_problem("fdbox", 0) == NULL, "no problem with fd name 'fdbox'");

	is_str(fdbox_state_name(FDBOX_STATE_OPEN), "open", "state open");
	is_str(fdbox_state_name(FDBOX_STATE_SEALED), "sealed", "state sealed");
	is_str(fdbox_state_name(FDBOX_STATE_RESTORED), "restored", "state restored");
	is_str(fdbox_state_name(0), "unknown", "state 0 is unknown");
	is_str(fdbox_fd_type_name(FDBOX_FD_TYPE_MEMFD), "memfd", "type memfd");
	is_str(fdbox_fd_type_name(99), "unknown", "type 99 is unknown");

	free(s255);
	free(s256);
	return tap_done();
}
