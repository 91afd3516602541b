// SPDX-License-Identifier: GPL-2.0
/*
 * fdbox kexec's checks of the kernel about to be booted (tools/preflight.c):
 * kho= on the command line as the kernel parses it, the version from an x86
 * boot header, CONFIG_KEXEC_HANDOVER=y in its config, fdbox.ko under
 * /lib/modules/VERSION; each missing piece is one failure, a config that
 * cannot be found only a warning. Files under a scratch FDBOX_SYSROOT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tap.h"

#define VER	"7.9.1-fdbox-test"

static char root[] = "/tmp/fdbox-preflight.XXXXXX";
static char image[4096], out[16384];

static void write_file(const char *path, const void *data, size_t len, off_t off)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (off ? 0 : O_TRUNC),
		      0644);

	if (fd < 0 || pwrite(fd, data, len, off) != (ssize_t)len)
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text), 0);
}

static void mkdirs(const char *sub)
{
	char path[4096], *p;

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

/* A file with just an x86 boot header naming version VER. */
static void make_image(void)
{
	static const char version[] = VER " (test@host) #1 SMP";
	unsigned char ptr[2] = { 0x00, 0x01 };	/* string at 0x300 */

	snprintf(image, sizeof(image), "%s/boot/vmlinuz-" VER, root);
	write_file(image, "", 1, 0);
	write_file(image, "HdrS", 4, 0x202);
	write_file(image, ptr, 2, 0x20e);
	write_file(image, version, sizeof(version), 0x300);
}

/* Run the checks; their output in out[]; the number of failures. */
static int preflight(const char *cmdline)
{
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	int failed;

	memset(out, 0, sizeof(out));
	failed = fdbox_kexec_preflight(image, cmdline, true, f);
	fclose(f);
	return failed;
}

int main(void)
{
	char path[4096], ver[64];
	int fd;

	/* kho= as the kernel reads it: the last one, kstrtobool(). */
	ok(fdbox_cmdline_kho("console=ttyS0 kho=on quiet"), "kho=on");
	ok(fdbox_cmdline_kho("kho=1"), "kho=1");
	ok(fdbox_cmdline_kho("kho=y root=/dev/sda"), "kho=y");
	ok(!fdbox_cmdline_kho("console=ttyS0 quiet"), "no kho=");
	ok(!fdbox_cmdline_kho("kho=on kho=off"), "the last kho= counts (off)");
	ok(fdbox_cmdline_kho("kho=off kho=on"), "the last kho= counts (on)");
	ok(!fdbox_cmdline_kho("kho=0"), "kho=0");
	ok(!fdbox_cmdline_kho("nokho=on"), "nokho=on is not kho=");
	ok(!fdbox_cmdline_kho("kho_scratch=16M"), "kho_scratch= is not kho=");
	ok(!fdbox_cmdline_kho(""), "an empty command line");

	if (!mkdtemp(root)) {
		diag("mkdtemp: %s", strerror(errno));
		return 1;
	}
	mkdirs("boot");
	make_image();
	fd = open(image, O_RDONLY | O_CLOEXEC);
	ok(fd >= 0 && !fdbox_bzimage_version(fd, ver, sizeof(ver)) &&
	   !strcmp(ver, VER), "the version of an x86 boot header");
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/boot/not-a-kernel", root);
	write_file(path, "hello", 5, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ok(fd >= 0 && fdbox_bzimage_version(fd, ver, sizeof(ver)) == -ENOEXEC,
	   "a file without a boot header has no version");
	if (fd >= 0)
		close(fd);

	snprintf(path, sizeof(path), "%s/boot/config-" VER, root);
	write_text(path, "CONFIG_A=y\n# CONFIG_KEXEC_HANDOVER is not set\nCONFIG_KEXEC_HANDOVER_DEBUG=y\n");
	ok(fdbox_config_has(path, "CONFIG_KEXEC_HANDOVER") == 0,
	   "'is not set' and a longer name are not CONFIG_KEXEC_HANDOVER=y");
	ok(fdbox_config_has("/nonexistent/config", "CONFIG_A") == -ENOENT,
	   "a missing config");

	setenv("FDBOX_SYSROOT", root, 1);
	/* Everything missing: kho=, KHO in the config, the module. */
	ok(preflight("quiet") == 3, "three failures: no kho=on, no KHO, no fdbox.ko");
	ok(strstr(out, "FAILED: the new kernel's command line has no kho=on") != NULL,
	   "says kho=on is missing");
	ok(strstr(out, "has no CONFIG_KEXEC_HANDOVER=y") != NULL, "says KHO is not built in");
	ok(strstr(out, "FAILED: no fdbox.ko for " VER " in ") != NULL, "says fdbox.ko is missing");

	write_text(path, "CONFIG_A=y\nCONFIG_KEXEC_HANDOVER=y\n");
	mkdirs("lib/modules/" VER "/updates/dkms");
	snprintf(path, sizeof(path), "%s/lib/modules/" VER "/updates/dkms/fdbox.ko.xz", root);
	write_file(path, "x", 1, 0);
	ok(preflight("console=ttyS0 kho=on") == 0, "all there: no failure");
	ok(strstr(out, "ok: the new kernel is " VER) != NULL, "names the version");
	ok(strstr(out, "has CONFIG_KEXEC_HANDOVER=y") != NULL, "finds KHO in the config");
	ok(strstr(out, "ok: fdbox.ko for " VER " is in") != NULL, "finds the module");

	/* No config anywhere: a warning, not a failure. */
	snprintf(path, sizeof(path), "%s/boot/config-" VER, root);
	unlink(path);
	ok(preflight("kho=on") == 0, "no config: not a failure");
	ok(strstr(out, "warning: no config-" VER " found") != NULL, "but a warning");

	/* An image without a version: the rest cannot be checked, says so. */
	snprintf(image, sizeof(image), "%s/boot/not-a-kernel", root);
	ok(preflight("kho=on") == 0 && strstr(out, "has no x86 boot header"),
	   "an image without a boot header: a warning");
	snprintf(image, sizeof(image), "%s/boot/missing", root);
	ok(preflight("kho=on") == 1 && strstr(out, "cannot read the kernel"),
	   "a missing image fails");

	if (fork() == 0)
		execlp("rm", "rm", "-rf", root, (char *)NULL);
	return tap_done();
}
