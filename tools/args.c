// SPDX-License-Identifier: GPL-2.0
/*
 * The command line of fdbox: OBJECT-less ip(8)-like grammar,
 *
 *   fdbox COMMAND [ARGS]
 *
 * with options anywhere after COMMAND ("--opt VALUE" or "--opt=VALUE"),
 * "--" ending options, and the same words here, in the help, in fdbox(1)
 * and in the error messages.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fdbox.h"

#ifndef FDBOX_VERSION
#define FDBOX_VERSION "unknown"
#endif

struct cmd_info {
	const char *word;
	const char *usage;	/* one or more lines, each "fdbox ..." */
	const char *summary;	/* for the list of commands */
	const char *help;	/* what it does, its options */
};

static const struct cmd_info cmds[CMD__MAX] = {
	[CMD_CREATE] = {
		"create", "fdbox create BOX [--owner USER] [--group GROUP] [--mode MODE]\n"
			  "             [--max-bytes SIZE]\n",
		"create an empty box",
		"Create the box BOX and its device node /dev/fdbox/BOX (mode 0600,\n"
		"root). Box names are 1-255 characters of A-Z a-z 0-9 . _ -, not\n"
		"'.', '..' or 'fdbox'.\n"
		"\n"
		"  --owner USER      owner of the node (a name or a number; root)\n"
		"  --group GROUP     its group (a name or a number; root)\n"
		"  --mode MODE       its permission bits, octal, at most 0777 (0600)\n"
		"  --max-bytes SIZE  most bytes the box may hold (suffix K, M, G or T:\n"
		"                    binary units), on top of the module's limit\n"
		"\n"
		"Whoever may open the node may use the box: this delegates it to a\n"
		"service. Owner, group and mode stay the box's, across kexec too (a\n"
		"chown of the node is not carried over), and so does the byte limit.\n"
		"Setting owner, group or mode needs CAP_CHOWN.\n",
	},
	[CMD_DELETE] = {
		"delete", "fdbox delete BOX [NAME]\n",
		"delete a box and drop every fd in it, or drop one fd",
		"Delete the box BOX and drop every fd it holds. A sealed box cannot\n"
		"be deleted: unseal it first. With NAME, drop only the fd NAME from\n"
		"the box (its contents are gone, nothing is copied out).\n",
	},
	[CMD_SEAL] = {
		"seal", "fdbox seal BOX\n",
		"seal a box: it goes to the next kernel on kexec",
		"Seal the box BOX: every fd in it is prepared for handover, and the\n"
		"box is handed to the next kernel on kexec. A sealed box accepts no\n"
		"put, get or delete. If an fd cannot be sealed the box stays open.\n",
	},
	[CMD_UNSEAL] = {
		"unseal", "fdbox unseal BOX\n",
		"unseal a box (after kexec: restore its fds)",
		"Unseal the box BOX. In the kernel that sealed it this discards what\n"
		"sealing prepared; in the next kernel it restores every fd handed over.\n"
		"If one cannot be restored the box stays sealed and nothing is lost.\n",
	},
	[CMD_PUT] = {
		"put", "fdbox put BOX NAME --from-file PATH\n"
		       "fdbox put BOX NAME --fd N\n",
		"put a memfd into a box",
		"Put a memfd into the box BOX under the name NAME (same rules as box\n"
		"names, unique in the box). The box must be open, not sealed.\n"
		"\n"
		"  --from-file PATH  create a memfd with the contents of the file PATH\n"
		"                    (copied inside the kernel, holes kept) and put it\n"
		"  --fd N            put the memfd open as file descriptor N, as\n"
		"                    inherited from the caller; it moves into the box\n"
		"\n"
		"A progress bar is shown for files over 256 MiB when stderr is a\n"
		"terminal.\n",
	},
	[CMD_GET] = {
		"get", "fdbox get BOX NAME --to-file PATH\n",
		"take an fd out of a box and write it to a file",
		"Take the fd NAME out of the box BOX and write its contents to the\n"
		"file PATH (created, or truncated if it exists; holes kept; synced).\n"
		"If writing fails (no space, no permission, ...) the fd is put back\n"
		"into the box under the same name, so nothing is lost.\n"
		"\n"
		"  --to-file PATH    the file to write\n"
		"\n"
		"A progress bar is shown for fds over 256 MiB when stderr is a\n"
		"terminal.\n",
	},
	[CMD_LIST] = {
		"list", "fdbox list [BOX] [--json]\n",
		"show boxes, their state and their fds",
		"Show every box (or only BOX) with its state (open, sealed, restored),\n"
		"number of fds and bytes, and each fd with its type and size; 'pending'\n"
		"marks an fd handed over by the previous kernel and not restored yet.\n"
		"The last line gives the bytes handed over that no box claimed.\n"
		"\n"
		"  -j, --json        print JSON instead\n",
	},
	[CMD_EXEC] = {
		"exec", "fdbox exec BOX [--keep] [--] COMMAND [ARG...]\n",
		"take every fd out of a box and run a command with them",
		"Take every fd out of the box BOX and execute COMMAND (searched in\n"
		"PATH) in place of fdbox with them as file descriptors 3, 4, ... in\n"
		"the order of 'fdbox list', with the environment of sd_listen_fds(3):\n"
		"LISTEN_FDS (their number), LISTEN_PID (the pid of COMMAND) and\n"
		"LISTEN_FDNAMES (their names, separated by ':'). If fdbox was given\n"
		"fds that way itself (LISTEN_PID is its pid), the box's fds follow\n"
		"them and the variables count both. If COMMAND cannot be run the fds\n"
		"are put back into the box (exit status 127 if it was not found, 126\n"
		"otherwise).\n"
		"\n"
		"  --keep            leave the fds in the box: COMMAND gets a second\n"
		"                    descriptor of each (as dup(2)), so nothing is\n"
		"                    lost if it crashes\n",
	},
	[CMD_KEXEC] = {
		"kexec", "fdbox kexec --kernel PATH [--initrd PATH] [--append ARGS]\n"
			 "            [--reuse-cmdline] [--check | --check-only] [--load-only]\n"
			 "            [--force] [BOX...]\n"
			 "fdbox kexec --unload\n",
		"seal boxes and reboot into another kernel",
		"Check that the kernel PATH can take the boxes back, seal every box BOX\n"
		"that is open, load PATH with kexec_file_load(2) and reboot into it:\n"
		"the sealed boxes are handed over. Nothing happens if a check fails, a\n"
		"box cannot be sealed (boxes sealed by this command are unsealed again)\n"
		"or the kernel cannot be loaded. The checks: kho=on on the new command\n"
		"line, CONFIG_KEXEC_HANDOVER=y in the new kernel's config-VERSION (when\n"
		"one is found), an fdbox.ko under /lib/modules/VERSION. When systemd\n"
		"runs the machine, the reboot is 'systemctl kexec': services stop and\n"
		"file systems are unmounted first.\n"
		"\n"
		"  --kernel PATH     the kernel image to boot\n"
		"  --initrd PATH     its initramfs\n"
		"  --append ARGS     its command line (after the current one with\n"
		"                    --reuse-cmdline)\n"
		"  --reuse-cmdline   start from the current kernel's command line\n"
		"  --check           only check, and say what would be handed over\n"
		"  --check-only      do not seal: refuse if a BOX is not sealed\n"
		"  --load-only       load the kernel but do not reboot ('kexec -e' or\n"
		"                    'systemctl kexec' boots it later)\n"
		"  --force           go ahead although a check failed, and reboot at\n"
		"                    once, without systemd\n"
		"  --unload          unload a kernel loaded for kexec\n",
	},
	[CMD_HELP] = {
		"help", "fdbox help [COMMAND]\n",
		"show help of fdbox or of one command",
		"Show the help of COMMAND, or of fdbox. 'fdbox COMMAND --help' does\n"
		"the same.\n",
	},
};

const char *fdbox_cmd_word(enum fdbox_cmd cmd)
{
	return cmd > CMD_NONE && cmd < CMD__MAX ? cmds[cmd].word : NULL;
}

static enum fdbox_cmd cmd_lookup(const char *word)
{
	int i;

	for (i = CMD_NONE + 1; i < CMD__MAX; i++)
		if (cmds[i].word && !strcmp(cmds[i].word, word))
			return (enum fdbox_cmd)i;
	return CMD_NONE;
}

/* The usage lines of @cmd, each prefixed ("usage: " then aligned). */
static void print_usage_lines(FILE *f, enum fdbox_cmd cmd, const char *first)
{
	const char *u = cmds[cmd].usage, *nl;
	size_t indent = strlen(first);

	for (; *u; u = nl + 1) {
		nl = strchr(u, '\n');
		fprintf(f, "%*s%.*s\n", (int)indent, u == cmds[cmd].usage ? first : "",
			(int)(nl - u), u);
	}
}

void fdbox_print_help(FILE *f, enum fdbox_cmd cmd)
{
	int i;

	if (cmd > CMD_NONE && cmd < CMD__MAX && cmds[cmd].word) {
		print_usage_lines(f, cmd, "Usage: ");
		fprintf(f, "\n%s", cmds[cmd].help);
		return;
	}
	fputs("Usage: fdbox COMMAND [ARGS]\n"
	      "\n"
	      "Hand named memfds to the kernel's FDBox, take them back by name, and\n"
	      "carry sealed boxes across kexec.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = CMD_NONE + 1; i < CMD__MAX; i++) {
		const char *u = cmds[i].usage, *nl;

		if (!cmds[i].word)
			continue;
		for (; *u; u = nl + 1) {
			nl = strchr(u, '\n');
			fprintf(f, "  %.*s\n", (int)(nl - u - 6), u + 6);
		}
		fprintf(f, "      %s\n", cmds[i].summary);
	}
	fputs("\n"
	      "'fdbox help COMMAND' or 'fdbox COMMAND --help' describes COMMAND.\n"
	      "Exit status: 0 success, 1 failure, 2 usage error; exec: that of\n"
	      "COMMAND, or 126 (cannot run) or 127 (not found).\n", f);
}

/* Error line, the short usage of @cmd, and the exit status for it. */
static int usage_error(FILE *err, enum fdbox_cmd cmd, const char *fmt,
		       const char *arg)
{
	fputs("fdbox: ", err);
	if (cmd > CMD_NONE && cmd < CMD__MAX && cmds[cmd].word)
		fprintf(err, "%s: ", cmds[cmd].word);
	fprintf(err, fmt, arg);
	fputc('\n', err);
	if (cmd > CMD_NONE && cmd < CMD__MAX && cmds[cmd].word) {
		print_usage_lines(err, cmd, "usage: ");
		fprintf(err, "See 'fdbox help %s'.\n", cmds[cmd].word);
	} else {
		fputs("usage: fdbox COMMAND [ARGS]; see 'fdbox help'.\n", err);
	}
	return FDBOX_EXIT_USAGE;
}

enum opt_id {
	OPT_HELP, OPT_FROM_FILE, OPT_TO_FILE, OPT_FD, OPT_JSON, OPT_KERNEL,
	OPT_INITRD, OPT_APPEND, OPT_REUSE_CMDLINE, OPT_CHECK_ONLY,
	OPT_LOAD_ONLY, OPT_OWNER, OPT_GROUP, OPT_MODE, OPT_MAX_BYTES, OPT_KEEP,
	OPT_CHECK, OPT_FORCE, OPT_UNLOAD,
};

struct opt {
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0: none */
	bool has_arg;
	enum opt_id id;
	unsigned int cmds;	/* bit (1 << CMD_x) of each command that has it */
};

#define C(x)	(1u << (x))
#define ALL	(~0u)

static const struct opt opts[] = {
	{ "help", 'h', false, OPT_HELP, ALL },
	{ "from-file", 0, true, OPT_FROM_FILE, C(CMD_PUT) },
	{ "fd", 0, true, OPT_FD, C(CMD_PUT) },
	{ "to-file", 0, true, OPT_TO_FILE, C(CMD_GET) },
	{ "json", 'j', false, OPT_JSON, C(CMD_LIST) },
	{ "kernel", 0, true, OPT_KERNEL, C(CMD_KEXEC) },
	{ "initrd", 0, true, OPT_INITRD, C(CMD_KEXEC) },
	{ "append", 0, true, OPT_APPEND, C(CMD_KEXEC) },
	{ "reuse-cmdline", 0, false, OPT_REUSE_CMDLINE, C(CMD_KEXEC) },
	{ "check-only", 0, false, OPT_CHECK_ONLY, C(CMD_KEXEC) },
	{ "load-only", 0, false, OPT_LOAD_ONLY, C(CMD_KEXEC) },
	{ "owner", 0, true, OPT_OWNER, C(CMD_CREATE) },
	{ "group", 0, true, OPT_GROUP, C(CMD_CREATE) },
	{ "mode", 0, true, OPT_MODE, C(CMD_CREATE) },
	{ "max-bytes", 0, true, OPT_MAX_BYTES, C(CMD_CREATE) },
	{ "keep", 0, false, OPT_KEEP, C(CMD_EXEC) },
	{ "check", 0, false, OPT_CHECK, C(CMD_KEXEC) },
	{ "force", 0, false, OPT_FORCE, C(CMD_KEXEC) },
	{ "unload", 0, false, OPT_UNLOAD, C(CMD_KEXEC) },
};

/* Find the option @arg ("--name", "--name=value" or "-x") of @cmd. */
static const struct opt *opt_lookup(enum fdbox_cmd cmd, const char *arg,
				    const char **value)
{
	size_t i;

	*value = NULL;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		size_t len = strlen(o->name);

		if (!(o->cmds & C(cmd)))
			continue;
		if (arg[1] == '-' && !strncmp(arg + 2, o->name, len) &&
		    (arg[2 + len] == 0 || (arg[2 + len] == '=' && o->has_arg))) {
			if (arg[2 + len] == '=')
				*value = arg + 3 + len;
			return o;
		}
		if (arg[1] != '-' && o->short_name && arg[1] == o->short_name &&
		    !arg[2])
			return o;
	}
	return NULL;
}

int fdbox_parse_mode(const char *s, unsigned int *mode)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '7')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 0777)
		return -EINVAL;
	if (mode)
		*mode = (unsigned int)v;
	return 0;
}

int fdbox_parse_size(const char *s, unsigned long long *bytes)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		u = strchr(units, *end);
		if (!u || end[1])
			return -EINVAL;
		for (; u >= units; u--) {
			if (v > ULLONG_MAX / 1024)
				return -EINVAL;
			v *= 1024;
		}
	}
	*bytes = v;
	return 0;
}

static bool parse_fd(const char *s, int *fd)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > INT_MAX)
		return false;
	*fd = (int)v;
	return true;
}

/* Check a box or fd name from the command line. */
static int check_name(FILE *err, enum fdbox_cmd cmd, const char *name,
		      bool is_box)
{
	const char *problem = fdbox_name_problem(name, is_box);

	if (!problem)
		return 0;
	fprintf(err, "fdbox: %s: %s name '%s' %s\n", cmds[cmd].word,
		is_box ? "box" : "fd", name, problem);
	print_usage_lines(err, cmd, "usage: ");
	fprintf(err, "See 'fdbox help %s'.\n", cmds[cmd].word);
	return FDBOX_EXIT_USAGE;
}

#define MAX_POSITIONAL	3	/* BOX NAME and one too many */

void fdbox_args_free(struct fdbox_args *a)
{
	free(a->boxes);
	a->boxes = NULL;
	a->nr_boxes = 0;
}

int fdbox_parse_args(int argc, char **argv, struct fdbox_args *a,
		     FILE *out, FILE *err)
{
	const char *pos[MAX_POSITIONAL];
	size_t npos = 0, i;
	enum fdbox_cmd cmd;
	bool options_done = false;
	int argi, r;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (argc < 2)
		return usage_error(err, CMD_NONE, "%s", "no command given");

	/* Options of fdbox itself, before COMMAND. */
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fdbox_print_help(out, CMD_NONE);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		fprintf(out, "fdbox %s\n", FDBOX_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		return usage_error(err, CMD_NONE, "unknown option '%s'", argv[1]);
	cmd = cmd_lookup(argv[1]);
	if (cmd == CMD_NONE)
		return usage_error(err, CMD_NONE, "unknown command '%s'", argv[1]);
	a->cmd = cmd;

	if (cmd == CMD_KEXEC) {
		a->boxes = calloc((size_t)argc, sizeof(*a->boxes));
		if (!a->boxes) {
			fputs("fdbox: out of memory\n", err);
			return FDBOX_EXIT_FAILURE;
		}
	}

	for (argi = 2; argi < argc; argi++) {
		const char *arg = argv[argi], *value;
		const struct opt *o;

		if (!options_done && !strcmp(arg, "--")) {
			options_done = true;
			if (cmd == CMD_EXEC && npos == 1) {
				a->command = &argv[argi + 1];
				break;
			}
			continue;
		}
		if (!options_done && arg[0] == '-' && arg[1]) {
			o = opt_lookup(cmd, arg, &value);
			if (!o)
				return usage_error(err, cmd, "unknown option '%s'", arg);
			if (o->has_arg && !value) {
				if (argi + 1 >= argc)
					return usage_error(err, cmd, "option '%s' needs a value", arg);
				value = argv[++argi];
			}
			switch (o->id) {
			case OPT_HELP:
				fdbox_print_help(out, cmd);
				return 0;
			case OPT_FROM_FILE:
				a->from_file = value;
				break;
			case OPT_TO_FILE:
				a->to_file = value;
				break;
			case OPT_FD:
				if (!parse_fd(value, &a->fd))
					return usage_error(err, cmd, "--fd needs a file descriptor number, not '%s'", value);
				break;
			case OPT_JSON:
				a->json = true;
				break;
			case OPT_KERNEL:
				a->kernel = value;
				break;
			case OPT_INITRD:
				a->initrd = value;
				break;
			case OPT_APPEND:
				a->append = value;
				break;
			case OPT_REUSE_CMDLINE:
				a->reuse_cmdline = true;
				break;
			case OPT_CHECK_ONLY:
				a->check_only = true;
				break;
			case OPT_LOAD_ONLY:
				a->load_only = true;
				break;
			case OPT_OWNER:
				a->owner = value;
				break;
			case OPT_GROUP:
				a->group = value;
				break;
			case OPT_MODE:
				if (fdbox_parse_mode(value, NULL))
					return usage_error(err, cmd, "--mode needs octal permission bits up to 0777, not '%s'", value);
				a->mode = value;
				break;
			case OPT_KEEP:
				a->keep = true;
				break;
			case OPT_CHECK:
				a->check = true;
				break;
			case OPT_FORCE:
				a->force = true;
				break;
			case OPT_UNLOAD:
				a->unload = true;
				break;
			case OPT_MAX_BYTES:
				if (fdbox_parse_size(value, &a->max_bytes) || !a->max_bytes)
					return usage_error(err, cmd, "--max-bytes needs a size above 0 (bytes, or with K, M, G or T), not '%s'", value);
				break;
			}
			continue;
		}
		/* A positional argument. */
		if (cmd == CMD_KEXEC) {
			a->boxes[a->nr_boxes++] = argv[argi];
			continue;
		}
		if (cmd == CMD_EXEC && npos == 1) {
			/* The rest of the line is COMMAND. */
			a->command = &argv[argi];
			break;
		}
		if (npos == MAX_POSITIONAL - 1 ||
		    (npos == 1 && cmd != CMD_PUT && cmd != CMD_GET &&
		     cmd != CMD_DELETE))
			return usage_error(err, cmd, "unexpected argument '%s'", arg);
		pos[npos++] = arg;
	}

	switch (cmd) {
	case CMD_HELP:
		if (npos == 0) {
			a->help_cmd = CMD_NONE;
		} else {
			a->help_cmd = cmd_lookup(pos[0]);
			if (a->help_cmd == CMD_NONE)
				return usage_error(err, cmd, "unknown command '%s'", pos[0]);
		}
		fdbox_print_help(out, a->help_cmd);
		return 0;
	case CMD_CREATE:
	case CMD_DELETE:
	case CMD_SEAL:
	case CMD_UNSEAL:
		if (npos < 1)
			return usage_error(err, cmd, "%s", "missing BOX");
		a->box = pos[0];
		if ((r = check_name(err, cmd, a->box, true)))
			return r;
		if (npos < 2)
			return FDBOX_PARSE_RUN;
		a->name = pos[1];
		return (r = check_name(err, cmd, a->name, false)) ? r : FDBOX_PARSE_RUN;
	case CMD_PUT:
	case CMD_GET:
		if (npos < 1)
			return usage_error(err, cmd, "%s", "missing BOX");
		if (npos < 2)
			return usage_error(err, cmd, "%s", "missing NAME");
		a->box = pos[0];
		a->name = pos[1];
		if (cmd == CMD_PUT && !a->from_file && a->fd < 0)
			return usage_error(err, cmd, "%s", "missing --from-file PATH or --fd N");
		if (cmd == CMD_PUT && a->from_file && a->fd >= 0)
			return usage_error(err, cmd, "%s", "give --from-file or --fd, not both");
		if (cmd == CMD_GET && !a->to_file)
			return usage_error(err, cmd, "%s", "missing --to-file PATH");
		if ((a->from_file && !*a->from_file) || (a->to_file && !*a->to_file))
			return usage_error(err, cmd, "%s", "PATH is empty");
		if ((r = check_name(err, cmd, a->box, true)))
			return r;
		return (r = check_name(err, cmd, a->name, false)) ? r : FDBOX_PARSE_RUN;
	case CMD_LIST:
		if (npos == 1) {
			a->box = pos[0];
			if ((r = check_name(err, cmd, a->box, true)))
				return r;
		}
		return FDBOX_PARSE_RUN;
	case CMD_EXEC:
		if (npos < 1)
			return usage_error(err, cmd, "%s", "missing BOX");
		a->box = pos[0];
		if (!a->command || !a->command[0])
			return usage_error(err, cmd, "%s", "missing COMMAND");
		return (r = check_name(err, cmd, a->box, true)) ? r : FDBOX_PARSE_RUN;
	case CMD_KEXEC:
		if (a->unload) {
			if (a->kernel || a->initrd || a->append || a->reuse_cmdline ||
			    a->check || a->check_only || a->load_only || a->force ||
			    a->nr_boxes)
				return usage_error(err, cmd, "%s", "--unload takes nothing else");
			return FDBOX_PARSE_RUN;
		}
		if (a->check && (a->check_only || a->load_only || a->force))
			return usage_error(err, cmd, "%s", "--check only checks: no --check-only, --load-only or --force with it");
		if (!a->kernel)
			return usage_error(err, cmd, "%s", "missing --kernel PATH");
		if (!*a->kernel || (a->initrd && !*a->initrd))
			return usage_error(err, cmd, "%s", "PATH is empty");
		for (i = 0; i < a->nr_boxes; i++)
			if ((r = check_name(err, cmd, a->boxes[i], true)))
				return r;
		return FDBOX_PARSE_RUN;
	default:
		break;
	}
	return FDBOX_PARSE_RUN;
}
