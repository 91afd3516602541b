// SPDX-License-Identifier: GPL-2.0
/*
 * Before a kexec: can the kernel about to be booted take the boxes back?
 *
 * It needs KHO on its command line (kho=on), KHO built in
 * (CONFIG_KEXEC_HANDOVER=y in its config, where a config-VERSION file can
 * be found), and an fdbox.ko built for it under /lib/modules/VERSION; and
 * only sealed boxes go along. The version comes from the x86 boot header of
 * the image. FDBOX_SYSROOT (for tests and chroots) is put before /boot and
 * /lib/modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fdbox.h"

/* The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
#define SETUP_HDR_MAGIC_OFF	0x202	/* "HdrS" */
#define SETUP_VERSION_PTR_OFF	0x20e	/* u16: version string - 0x200 */

int fdbox_cmdline_kho(const char *cmdline)
{
	const char *p = cmdline, *v = NULL, *end;
	size_t len;

	/* The last kho= counts, as the kernel parses them in order. */
	while (p && *p) {
		p += strspn(p, " \t\n");
		end = p + strcspn(p, " \t\n");
		if (!strncmp(p, "kho=", 4))
			v = p + 4;
		else if ((size_t)(end - p) == 3 && !strncmp(p, "kho", 3))
			v = "";
		p = end;
	}
	if (!v)
		return 0;
	len = strcspn(v, " \t\n");
	/* kstrtobool(): 1, y, Y, on; an empty value is not "on". */
	return (len >= 1 && (v[0] == '1' || v[0] == 'y' || v[0] == 'Y')) ||
	       (len == 2 && !strncasecmp(v, "on", 2));
}

int fdbox_bzimage_version(int fd, char *buf, size_t len)
{
	unsigned char hdr[4], ptr[2];
	char s[256];
	ssize_t n;
	off_t off;

	if (pread(fd, hdr, 4, SETUP_HDR_MAGIC_OFF) != 4 ||
	    memcmp(hdr, "HdrS", 4) ||
	    pread(fd, ptr, 2, SETUP_VERSION_PTR_OFF) != 2)
		return -ENOEXEC;
	off = 0x200 + (ptr[0] | ptr[1] << 8);
	n = pread(fd, s, sizeof(s) - 1, off);
	if (n <= 0)
		return -ENOEXEC;
	s[n] = 0;
	n = (ssize_t)strcspn(s, " \t\n");
	if (!n || (size_t)n >= len)
		return -ENOEXEC;
	memcpy(buf, s, (size_t)n);
	buf[n] = 0;
	return 0;
}

int fdbox_config_has(const char *path, const char *option)
{
	char line[512];
	size_t len = strlen(option);
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, option, len) && !strncmp(line + len, "=y", 2) &&
		    (line[len + 2] == '\n' || !line[len + 2]))
			found = 1;
	fclose(f);
	return found;
}

static bool module_found;

static int find_module(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)st;
	/* A file, or a link to one (FTW_PHYS does not follow it). */
	if ((type == FTW_F || type == FTW_SL) &&
	    (!strcmp(base, "fdbox.ko") || !strncmp(base, "fdbox.ko.", 9))) {
		module_found = true;
		return 1;
	}
	return 0;
}

/* One result line; counts failures. */
static void report(FILE *f, int *failed, bool ok, bool warn, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));
static void report(FILE *f, int *failed, bool ok, bool warn, const char *fmt,
		   ...)
{
	va_list ap;

	fputs(ok ? "fdbox: kexec: ok: " :
	      warn ? "fdbox: kexec: warning: " : "fdbox: kexec: FAILED: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	if (!ok && !warn)
		(*failed)++;
}

/* The kernel's config-VERSION: next to the image, in /boot, or its build tree. */
static int find_config(const char *kernel, const char *root, const char *ver,
		       char *path, size_t len)
{
	const char *slash = strrchr(kernel, '/');

	snprintf(path, len, "%.*sconfig-%s",
		 slash ? (int)(slash - kernel + 1) : 0, kernel, ver);
	if (!access(path, R_OK))
		return 0;
	snprintf(path, len, "%s/boot/config-%s", root, ver);
	if (!access(path, R_OK))
		return 0;
	snprintf(path, len, "%s/lib/modules/%s/build/.config", root, ver);
	return access(path, R_OK) ? -ENOENT : 0;
}

/* What goes along and what does not. */
static void check_boxes(FILE *f, int *failed)
{
	struct fdbox_snapshot *snap;
	uint64_t bytes = 0;
	uint32_t i, sealed = 0;

	if (fdbox_snapshot_take(-1, &snap)) {
		report(f, failed, false, true,
		       "FDBox is not loaded here: no box will be handed over");
		return;
	}
	for (i = 0; i < snap->nr_boxes; i++) {
		const struct fdbox_box_info *b = &snap->boxes[i];

		if (b->state == FDBOX_STATE_SEALED) {
			sealed++;
			bytes += b->bytes;
		} else if (b->state == FDBOX_STATE_OPEN && b->nr_fds) {
			report(f, failed, false, true,
			       "box '%s' is open: its %" PRIu32 " fds will not be handed over",
			       (const char *)b->name, b->nr_fds);
		} else if (b->state == FDBOX_STATE_RESTORED) {
			report(f, failed, false, true,
			       "box '%s' came from the previous kernel and was never unsealed: it will not be handed over again",
			       (const char *)b->name);
		}
	}
	report(f, failed, true, false,
	       "%" PRIu32 " sealed boxes, %" PRIu64 " bytes, are handed over",
	       sealed, bytes);
	fdbox_snapshot_free(snap);
}

int fdbox_kexec_preflight(const char *kernel, const char *cmdline,
			  bool boxes_sealed_later, FILE *f)
{
	const char *root = getenv("FDBOX_SYSROOT");
	char ver[128], path[4096];
	int failed = 0, fd, r;

	root = root ? root : "";
	if (fdbox_cmdline_kho(cmdline))
		report(f, &failed, true, false, "kho=on is on the new kernel's command line");
	else
		report(f, &failed, false, false,
		       "the new kernel's command line has no kho=on: it would not take the boxes back (--append kho=on, or --reuse-cmdline if this kernel has it)");

	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report(f, &failed, false, false, "cannot read the kernel '%s': %s",
		       kernel, strerror(errno));
		return failed;
	}
	r = fdbox_bzimage_version(fd, ver, sizeof(ver));
	close(fd);
	if (r) {
		report(f, &failed, false, true,
		       "'%s' has no x86 boot header naming its version: its config and fdbox.ko cannot be checked",
		       kernel);
	} else {
		report(f, &failed, true, false, "the new kernel is %s", ver);
		if (find_config(kernel, root, ver, path, sizeof(path))) {
			report(f, &failed, false, true,
			       "no config-%s found: cannot check that the new kernel has KHO",
			       ver);
		} else if (fdbox_config_has(path, "CONFIG_KEXEC_HANDOVER") == 1) {
			report(f, &failed, true, false,
			       "%s has CONFIG_KEXEC_HANDOVER=y", path);
		} else {
			report(f, &failed, false, false,
			       "%s has no CONFIG_KEXEC_HANDOVER=y: the new kernel cannot take the boxes back",
			       path);
		}
		snprintf(path, sizeof(path), "%s/lib/modules/%s", root, ver);
		module_found = false;
		nftw(path, find_module, 16, FTW_PHYS);
		if (module_found)
			report(f, &failed, true, false, "fdbox.ko for %s is in %s",
			       ver, path);
		else
			report(f, &failed, false, false,
			       "no fdbox.ko for %s in %s: the new kernel could not restore the boxes (build it for that kernel first, with dkms)",
			       ver, path);
	}
	if (!boxes_sealed_later)
		check_boxes(f, &failed);
	return failed;
}
