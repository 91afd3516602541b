// SPDX-License-Identifier: GPL-2.0
/*
 * The command line of fdbox: every subcommand with valid arguments parses
 * into what it should; invalid ones give exit status 2, one error line
 * "fdbox: COMMAND: ..." and the short usage; help goes to stdout with 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tap.h"

#define MAX_ARGS	32

struct result {
	int rc;
	struct fdbox_args a;
	char out[8192];
	char err[8192];
	char *argv[MAX_ARGS + 2];
};

/* Parse "fdbox ARG..." (NULL-terminated), capturing stdout and stderr. */
static struct result *parse(struct result *r, ...)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = open_memstream(&obuf, &olen);
	FILE *err = open_memstream(&ebuf, &elen);
	va_list ap;
	int argc = 0;
	char *s;

	fdbox_args_free(&r->a);
	memset(r, 0, sizeof(*r));
	r->argv[argc++] = "fdbox";
	va_start(ap, r);
	while ((s = va_arg(ap, char *)) && argc < MAX_ARGS)
		r->argv[argc++] = s;
	va_end(ap);
	r->argv[argc] = NULL;
	r->rc = fdbox_parse_args(argc, r->argv, &r->a, out, err);
	fclose(out);
	fclose(err);
	snprintf(r->out, sizeof(r->out), "%s", obuf);
	snprintf(r->err, sizeof(r->err), "%s", ebuf);
	free(obuf);
	free(ebuf);
	return r;
}

#define P(...)	parse(&r, __VA_ARGS__, (char *)NULL)

/* A usage error: exit 2, the message, and a usage line on stderr. */
static void usage_error(struct result *r, const char *want, const char *what)
{
	is_int(r->rc, FDBOX_EXIT_USAGE, "%s: exit status 2", what);
	has_str(r->err, want, "%s: says '%s'", what, want);
	ok(strstr(r->err, "usage: fdbox") != NULL, "%s: shows the usage", what);
	ok(!strncmp(r->err, "fdbox: ", 7), "%s: error line starts with 'fdbox: '", what);
	ok(r->out[0] == 0, "%s: nothing on stdout", what);
}

int main(void)
{
	static struct result r;
	static const char *const words[] = {
		"create", "delete", "seal", "unseal", "put", "get", "list",
		"exec", "kexec", "help",
	};
	char name256[257];
	size_t i;

	/* ---- no command, unknown command, global options ---- */
	P("--help");
	is_int(r.rc, 0, "fdbox --help: exit 0");
	has_str(r.out, "Usage: fdbox COMMAND", "fdbox --help: usage on stdout");
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char want[32];

		snprintf(want, sizeof(want), "  %s", words[i]);
		has_str(r.out, want, "fdbox --help lists '%s'", words[i]);
	}
	P("-h");
	is_int(r.rc, 0, "fdbox -h: exit 0");
	P("--version");
	is_int(r.rc, 0, "fdbox --version: exit 0");
	has_str(r.out, "fdbox ", "fdbox --version prints the version");
	parse(&r, (char *)NULL);
	usage_error(&r, "no command given", "fdbox alone");
	P("frobnicate");
	usage_error(&r, "unknown command 'frobnicate'", "unknown command");
	P("--frob");
	usage_error(&r, "unknown option '--frob'", "unknown global option");

	/* ---- help ---- */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "Usage: fdbox %s", words[i]);
		P("help", words[i]);
		is_int(r.rc, 0, "help %s: exit 0", words[i]);
		has_str(r.out, want, "help %s: its usage", words[i]);
		P(words[i], "--help");
		is_int(r.rc, 0, "%s --help: exit 0", words[i]);
		has_str(r.out, want, "%s --help: its usage", words[i]);
		P(words[i], "-h");
		is_int(r.rc, 0, "%s -h: exit 0", words[i]);
	}
	P("help");
	is_int(r.rc, 0, "help: exit 0");
	has_str(r.out, "Commands:", "help: lists the commands");
	P("help", "nope");
	usage_error(&r, "unknown command 'nope'", "help of an unknown command");
	P("help", "put", "get");
	usage_error(&r, "unexpected argument 'get'", "help with two commands");
	P("put", "vm1", "ram", "--help");
	is_int(r.rc, 0, "--help after arguments: exit 0");

	/* ---- create, delete, seal, unseal ---- */
	for (i = 0; i < 4; i++) {
		static const enum fdbox_cmd cmd[] = { CMD_CREATE, CMD_DELETE, CMD_SEAL, CMD_UNSEAL };
		char what[64];

		P(words[i], "vm1");
		is_int(r.rc, FDBOX_PARSE_RUN, "%s vm1: runs", words[i]);
		is_int(r.a.cmd, cmd[i], "%s vm1: the command", words[i]);
		is_str(r.a.box, "vm1", "%s vm1: the box", words[i]);
		snprintf(what, sizeof(what), "%s without BOX", words[i]);
		P(words[i]);
		usage_error(&r, "missing BOX", what);
		snprintf(what, sizeof(what), "%s with one argument too many", words[i]);
		if (cmd[i] == CMD_DELETE) {
			P(words[i], "a", "b", "c");
			usage_error(&r, "unexpected argument 'c'", what);
		} else {
			P(words[i], "a", "b");
			usage_error(&r, "unexpected argument 'b'", what);
		}
		snprintf(what, sizeof(what), "%s with a bad name", words[i]);
		P(words[i], "a/b");
		usage_error(&r, "box name 'a/b' contains a character", what);
		snprintf(what, sizeof(what), "%s with an unknown option", words[i]);
		P(words[i], "vm1", "--json");
		usage_error(&r, "unknown option '--json'", what);
	}
	P("delete", "vm1", "ram");
	is_int(r.rc, FDBOX_PARSE_RUN, "delete vm1 ram: runs");
	ok(r.a.cmd == CMD_DELETE && !strcmp(r.a.box, "vm1") && !strcmp(r.a.name, "ram"),
	   "delete vm1 ram: one fd of a box");
	P("delete", "vm1");
	ok(r.a.name == NULL, "delete vm1: the whole box");
	P("delete", "vm1", "a/b");
	usage_error(&r, "fd name 'a/b' contains a character", "delete with a bad fd name");
	P("create", "fdbox");
	usage_error(&r, "box name 'fdbox' is reserved", "create fdbox");
	P("create", "..");
	usage_error(&r, "box name '..' may not be", "create ..");
	P("create", "");
	usage_error(&r, "box name '' is empty", "create ''");
	memset(name256, 'x', 256);
	name256[256] = 0;
	P("create", name256);
	usage_error(&r, "is longer than 255 bytes", "create with a 256-byte name");
	P("create", "--", "-box");
	is_int(r.rc, FDBOX_PARSE_RUN, "create -- -box: runs");
	is_str(r.a.box, "-box", "create -- -box: a name starting with '-'");
	P("create", "-box");
	usage_error(&r, "unknown option '-box'", "create -box without --");

	/* ---- put ---- */
	P("put", "vm1", "ram", "--from-file", "/tmp/x");
	is_int(r.rc, FDBOX_PARSE_RUN, "put --from-file: runs");
	is_int(r.a.cmd, CMD_PUT, "put: the command");
	is_str(r.a.box, "vm1", "put: the box");
	is_str(r.a.name, "ram", "put: the name");
	is_str(r.a.from_file, "/tmp/x", "put: the file");
	is_int(r.a.fd, -1, "put --from-file: no fd");
	P("put", "--from-file=/tmp/y", "vm1", "ram");
	is_int(r.rc, FDBOX_PARSE_RUN, "put --from-file=PATH before the names: runs");
	is_str(r.a.from_file, "/tmp/y", "put --from-file=PATH");
	is_str(r.a.name, "ram", "put: names after the option");
	P("put", "vm1", "ram", "--fd", "3");
	is_int(r.rc, FDBOX_PARSE_RUN, "put --fd 3: runs");
	is_int(r.a.fd, 3, "put --fd 3: the fd");
	ok(r.a.from_file == NULL, "put --fd: no file");
	P("put", "vm1", "ram", "--fd=0");
	is_int(r.a.fd, 0, "put --fd=0: fd 0");
	P("put", "vm1", "ram");
	usage_error(&r, "missing --from-file PATH or --fd N", "put without a source");
	P("put", "vm1");
	usage_error(&r, "missing NAME", "put without NAME");
	P("put");
	usage_error(&r, "missing BOX", "put without BOX");
	P("put", "vm1", "ram", "--from-file", "/x", "--fd", "3");
	usage_error(&r, "not both", "put with --from-file and --fd");
	P("put", "vm1", "ram", "--fd", "x3");
	usage_error(&r, "--fd needs a file descriptor number, not 'x3'", "put --fd x3");
	P("put", "vm1", "ram", "--fd", "-1");
	usage_error(&r, "not '-1'", "put --fd -1");
	P("put", "vm1", "ram", "--fd", "99999999999");
	usage_error(&r, "not '99999999999'", "put --fd too large");
	P("put", "vm1", "ram", "--fd", "");
	usage_error(&r, "not ''", "put --fd ''");
	P("put", "vm1", "ram", "--from-file");
	usage_error(&r, "option '--from-file' needs a value", "put --from-file without PATH");
	P("put", "vm1", "ram", "--from-file", "");
	usage_error(&r, "PATH is empty", "put --from-file ''");
	P("put", "vm1", "ram", "extra", "--fd", "3");
	usage_error(&r, "unexpected argument 'extra'", "put with three names");
	P("put", "vm1", "r/m", "--fd", "3");
	usage_error(&r, "fd name 'r/m' contains", "put with a bad fd name");
	P("put", "fdbox", "ram", "--fd", "3");
	usage_error(&r, "box name 'fdbox' is reserved", "put into box 'fdbox'");
	P("put", "vm1", "fdbox", "--fd", "3");
	is_int(r.rc, FDBOX_PARSE_RUN, "put: an fd may be called 'fdbox'");
	P("put", "vm1", "ram", "--to-file", "/x");
	usage_error(&r, "unknown option '--to-file'", "put --to-file");

	/* ---- get ---- */
	P("get", "vm1", "ram", "--to-file", "/tmp/out");
	is_int(r.rc, FDBOX_PARSE_RUN, "get --to-file: runs");
	is_int(r.a.cmd, CMD_GET, "get: the command");
	is_str(r.a.box, "vm1", "get: the box");
	is_str(r.a.name, "ram", "get: the name");
	is_str(r.a.to_file, "/tmp/out", "get: the file");
	P("get", "vm1", "ram");
	usage_error(&r, "missing --to-file PATH", "get without --to-file");
	P("get", "vm1");
	usage_error(&r, "missing NAME", "get without NAME");
	P("get", "vm1", "ram", "--to-file");
	usage_error(&r, "needs a value", "get --to-file without PATH");
	P("get", "vm1", "ram", "--from-file", "/x");
	usage_error(&r, "unknown option '--from-file'", "get --from-file");
	P("get", "vm1", "..", "--to-file", "/x");
	usage_error(&r, "fd name '..' may not be", "get ..");

	/* ---- list ---- */
	P("list");
	is_int(r.rc, FDBOX_PARSE_RUN, "list: runs");
	is_int(r.a.cmd, CMD_LIST, "list: the command");
	ok(r.a.box == NULL && !r.a.json, "list: every box, text");
	P("list", "vm1", "--json");
	is_int(r.rc, FDBOX_PARSE_RUN, "list vm1 --json: runs");
	is_str(r.a.box, "vm1", "list vm1: the box");
	ok(r.a.json, "list --json: JSON");
	P("list", "-j");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.json, "list -j: JSON");
	P("list", "a", "b");
	usage_error(&r, "unexpected argument 'b'", "list with two boxes");
	P("list", "--xml");
	usage_error(&r, "unknown option '--xml'", "list --xml");
	P("list", "--json=yes");
	usage_error(&r, "unknown option '--json=yes'", "list --json=yes");

	/* ---- exec ---- */
	P("exec", "vm1", "--", "/bin/sh", "-c", "echo $LISTEN_FDS");
	is_int(r.rc, FDBOX_PARSE_RUN, "exec BOX -- COMMAND: runs");
	is_int(r.a.cmd, CMD_EXEC, "exec: the command");
	is_str(r.a.box, "vm1", "exec: the box");
	ok(r.a.command && !strcmp(r.a.command[0], "/bin/sh") &&
	   !strcmp(r.a.command[1], "-c") && r.a.command[3] == NULL,
	   "exec: COMMAND and its arguments, options of COMMAND included");
	P("exec", "vm1", "ls", "-l", "--help");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.command && !strcmp(r.a.command[0], "ls") &&
	   !strcmp(r.a.command[2], "--help"), "exec without --: the rest is COMMAND");
	P("exec", "vm1", "--", "--weird-cmd");
	ok(r.rc == FDBOX_PARSE_RUN && !strcmp(r.a.command[0], "--weird-cmd"),
	   "exec -- keeps a COMMAND starting with '-'");
	P("exec", "vm1");
	usage_error(&r, "missing COMMAND", "exec without COMMAND");
	P("exec", "vm1", "--");
	usage_error(&r, "missing COMMAND", "exec with -- and no COMMAND");
	P("exec");
	usage_error(&r, "missing BOX", "exec without BOX");
	P("exec", "--", "ls");
	usage_error(&r, "missing COMMAND", "exec -- ls (ls is the box)");
	P("exec", "b:x", "--", "ls");
	usage_error(&r, "box name 'b:x' contains", "exec with a bad box name");

	/* ---- create --owner --group --mode ---- */
	P("create", "vm1", "--owner", "vmm", "--group=1001", "--mode", "0660");
	is_int(r.rc, FDBOX_PARSE_RUN, "create --owner: runs");
	is_str(r.a.owner, "vmm", "create --owner");
	is_str(r.a.group, "1001", "create --group");
	is_str(r.a.mode, "0660", "create --mode");
	P("create", "vm1");
	ok(!r.a.owner && !r.a.group && !r.a.mode, "create: no owner, group, mode");
	P("create", "vm1", "--mode", "0800");
	usage_error(&r, "--mode needs octal permission bits up to 0777, not '0800'", "create --mode 0800");
	P("create", "vm1", "--mode", "1777");
	usage_error(&r, "not '1777'", "create --mode 1777 (sticky bit)");
	P("create", "vm1", "--mode", "rw");
	usage_error(&r, "not 'rw'", "create --mode rw");
	P("create", "vm1", "--max-bytes", "8G");
	is_int(r.rc, FDBOX_PARSE_RUN, "create --max-bytes: runs");
	ok(r.a.max_bytes == 8ULL << 30, "create --max-bytes 8G is 8 GiB");
	P("create", "vm1", "--max-bytes=4096");
	ok(r.a.max_bytes == 4096, "create --max-bytes 4096");
	P("create", "vm1", "--max-bytes", "0");
	usage_error(&r, "--max-bytes needs a size above 0", "create --max-bytes 0");
	P("create", "vm1", "--max-bytes", "1X");
	usage_error(&r, "not '1X'", "create --max-bytes 1X");
	P("create", "vm1", "--max-bytes", "99999999999T");
	usage_error(&r, "not '99999999999T'", "create --max-bytes too large");
	P("exec", "vm1", "--keep", "--", "ls");
	is_int(r.rc, FDBOX_PARSE_RUN, "exec --keep: runs");
	ok(r.a.keep && r.a.command && !strcmp(r.a.command[0], "ls"), "exec --keep -- ls");
	P("exec", "vm1", "ls");
	ok(!r.a.keep, "exec without --keep");
	P("get", "vm1", "x", "--keep", "--to-file", "/tmp/x");
	usage_error(&r, "unknown option '--keep'", "get --keep");
	P("seal", "vm1", "--owner", "vmm");
	usage_error(&r, "unknown option '--owner'", "seal --owner");
	{
		unsigned int v = 1;

		ok(!fdbox_parse_mode("640", &v) && v == 0640, "mode 640 is octal");
		ok(!fdbox_parse_id("1000", false, &v) && v == 1000, "uid 1000");
		ok(!fdbox_parse_id("root", false, &v) && v == 0, "user root is 0");
		ok(fdbox_parse_id("4294967295", true, &v) == -ENOENT, "gid -1 refused");
		ok(fdbox_parse_id("no-such-user-xyz", false, &v) == -ENOENT, "unknown user");
	}

	/* ---- kexec ---- */
	P("kexec", "--kernel", "/boot/vmlinuz", "--initrd", "/boot/initrd",
	  "--append", "console=ttyS0 quiet", "--reuse-cmdline", "vm1", "vm2");
	is_int(r.rc, FDBOX_PARSE_RUN, "kexec: runs");
	is_int(r.a.cmd, CMD_KEXEC, "kexec: the command");
	is_str(r.a.kernel, "/boot/vmlinuz", "kexec --kernel");
	is_str(r.a.initrd, "/boot/initrd", "kexec --initrd");
	is_str(r.a.append, "console=ttyS0 quiet", "kexec --append");
	ok(r.a.reuse_cmdline && !r.a.check_only && !r.a.load_only, "kexec --reuse-cmdline");
	is_int((long long)r.a.nr_boxes, 2, "kexec: two boxes");
	ok(r.a.boxes && !strcmp(r.a.boxes[0], "vm1") && !strcmp(r.a.boxes[1], "vm2") &&
	   !r.a.boxes[2], "kexec: the boxes, in order");
	P("kexec", "vm1", "--kernel=/k", "--check-only", "vm2", "--load-only");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.check_only && r.a.load_only &&
	   r.a.nr_boxes == 2 && !strcmp(r.a.kernel, "/k"),
	   "kexec: options and boxes mixed, --check-only, --load-only");
	P("kexec", "--kernel", "/k");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.nr_boxes == 0 && !r.a.initrd &&
	   !r.a.append, "kexec: no box, no initrd, no append");
	P("kexec", "vm1");
	usage_error(&r, "missing --kernel PATH", "kexec without --kernel");
	P("kexec", "--kernel");
	usage_error(&r, "option '--kernel' needs a value", "kexec --kernel without PATH");
	P("kexec", "--kernel", "");
	usage_error(&r, "PATH is empty", "kexec --kernel ''");
	P("kexec", "--kernel", "/k", "vm/1");
	usage_error(&r, "box name 'vm/1' contains", "kexec with a bad box name");
	P("kexec", "--kernel", "/k", "--force", "vm1");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.force && !r.a.check, "kexec --force");
	P("kexec", "--kernel", "/k", "--check");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.check, "kexec --check");
	P("kexec", "--check", "--force", "--kernel", "/k");
	usage_error(&r, "--check only checks", "kexec --check --force");
	P("kexec", "--unload");
	ok(r.rc == FDBOX_PARSE_RUN && r.a.unload && !r.a.kernel, "kexec --unload needs no --kernel");
	P("kexec", "--unload", "--kernel", "/k");
	usage_error(&r, "--unload takes nothing else", "kexec --unload --kernel");
	P("kexec", "--unload", "vm1");
	usage_error(&r, "--unload takes nothing else", "kexec --unload BOX");
	P("kexec", "--kernel", "/k", "--frobnicate");
	usage_error(&r, "unknown option '--frobnicate'", "kexec with an unknown option");
	P("kexec", "--kernel", "/k", "--reuse-cmdline=yes");
	usage_error(&r, "unknown option '--reuse-cmdline=yes'", "kexec flag with a value");

	fdbox_args_free(&r.a);
	return tap_done();
}
