/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fdbox command: its parsed command line (args.c) and its error
 * messages (errmsg.c), kept apart from main so unit tests can use them.
 */
#ifndef FDBOX_CLI_H
#define FDBOX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FDBOX_EXIT_FAILURE	1	/* the operation failed */
#define FDBOX_EXIT_USAGE	2	/* bad command line */
#define FDBOX_EXIT_CANNOT_RUN	126	/* exec: COMMAND found, cannot run */
#define FDBOX_EXIT_NOT_FOUND	127	/* exec: COMMAND not found */

enum fdbox_cmd {
	CMD_NONE,
	CMD_CREATE,
	CMD_DELETE,
	CMD_SEAL,
	CMD_UNSEAL,
	CMD_PUT,
	CMD_GET,
	CMD_LIST,
	CMD_EXEC,
	CMD_KEXEC,
	CMD_HELP,
	CMD_VERSION,
	CMD__MAX
};

/* What the command line asks for; strings point into argv. */
struct fdbox_args {
	enum fdbox_cmd cmd;
	const char *box;		/* BOX (list: NULL for every box) */
	const char *name;		/* NAME of put and get */
	const char *from_file;		/* put --from-file PATH */
	const char *to_file;		/* get --to-file PATH */
	int fd;				/* put --fd N, -1 if not given */
	bool json;			/* list --json */
	bool keep;			/* exec --keep */
	const char *owner;		/* create --owner USER */
	const char *group;		/* create --group GROUP */
	const char *mode;		/* create --mode MODE */
	unsigned long long max_bytes;	/* create --max-bytes SIZE, 0: none */
	char **command;			/* exec: COMMAND [ARG...], NULL-ended */
	const char *kernel;		/* kexec --kernel */
	const char *initrd;		/* kexec --initrd */
	const char *append;		/* kexec --append */
	bool reuse_cmdline;		/* kexec --reuse-cmdline */
	bool check_only;		/* kexec --check-only */
	bool load_only;			/* kexec --load-only */
	bool check;			/* kexec --check */
	bool force;			/* kexec --force */
	bool unload;			/* kexec --unload */
	char **boxes;			/* kexec BOX..., NULL-ended */
	size_t nr_boxes;
	enum fdbox_cmd help_cmd;	/* help COMMAND, CMD_NONE for all */
};

/* Returned by fdbox_parse_args() when the command is to be run. */
#define FDBOX_PARSE_RUN		(-1)

/*
 * Parse the command line (argv[0] is the program). Returns FDBOX_PARSE_RUN
 * with @args filled in, or an exit status: 0 after printing help or the
 * version to @out, FDBOX_EXIT_USAGE after printing an error and a short
 * usage to @err. Call fdbox_args_free() afterwards in every case.
 */
int fdbox_parse_args(int argc, char **argv, struct fdbox_args *args,
		     FILE *out, FILE *err);

/* A user (@group false) or group named @s, or its number: 0 or -ENOENT. */
int fdbox_parse_id(const char *s, bool group, unsigned int *id);

/* preflight.c: can the kernel about to be kexec'd take the boxes back? */

/* Does @cmdline turn KHO on (its last kho=)? 1 or 0. */
int fdbox_cmdline_kho(const char *cmdline);

/* The version of the x86 kernel image open as @fd into @buf: 0, -ENOEXEC. */
int fdbox_bzimage_version(int fd, char *buf, size_t len);

/* Is "@option=y" in the kernel config @path? 1, 0, or -errno. */
int fdbox_config_has(const char *path, const char *option);

/*
 * Check the kernel image @kernel and the command line @cmdline it would
 * boot with (and, unless @boxes_sealed_later, the boxes now), one line per
 * check on @f. Returns the number of checks that failed.
 */
int fdbox_kexec_preflight(const char *kernel, const char *cmdline,
			  bool boxes_sealed_later, FILE *f);

/* Parse a size in bytes, or with a suffix K, M, G, T: 0 or -EINVAL. */
int fdbox_parse_size(const char *s, unsigned long long *bytes);

/* Parse octal permission bits up to 0777 ("0660", "640"): 0 or -EINVAL. */
int fdbox_parse_mode(const char *s, unsigned int *mode);

/* Free what fdbox_parse_args() allocated in @args (after any result). */
void fdbox_args_free(struct fdbox_args *args);

/* Full help of @cmd (CMD_NONE: of every command) to @f. */
void fdbox_print_help(FILE *f, enum fdbox_cmd cmd);

/* The word of @cmd on the command line ("put"), or NULL. */
const char *fdbox_cmd_word(enum fdbox_cmd cmd);

/*
 * Steps that can fail, each with its own meaning for an errno. The
 * operation shown to the user ("put vm1/ram") is the command; the step is
 * what failed inside it.
 */
enum fdbox_step {
	STEP_CONTROL,		/* opening /dev/fdbox/fdbox */
	STEP_OPEN_BOX,		/* opening /dev/fdbox/<box> */
	STEP_CREATE,		/* FDBOX_CREATE_BOX */
	STEP_CREATE_ACCESS,	/* FDBOX_CREATE_BOX2 (create --owner, --max-bytes) */
	STEP_DELETE,		/* FDBOX_DELETE_BOX */
	STEP_PUT,		/* FDBOX_PUT_FD */
	STEP_GET,		/* FDBOX_GET_FD */
	STEP_SEAL,		/* FDBOX_SEAL */
	STEP_UNSEAL,		/* FDBOX_UNSEAL */
	STEP_LIST,		/* FDBOX_LIST */
	STEP_READ_FILE,		/* reading a file (put --from-file, kexec) */
	STEP_WRITE_FILE,	/* writing a file (get --to-file) */
	STEP_EXEC,		/* execvp() of exec's COMMAND */
	STEP_KEXEC_LOAD,	/* kexec_file_load() */
	STEP_REBOOT,		/* reboot(LINUX_REBOOT_CMD_KEXEC) */
	STEP__MAX
};

/* What an error message may name. */
struct fdbox_err_ctx {
	const char *box;
	const char *name;
	const char *path;	/* file, or exec's COMMAND */
	int fd;			/* put --fd N */
};

/*
 * Write to @buf what errno @err (positive or negative) means for @step:
 * a phrase naming the object and, where there is one, what to do, e.g.
 * "box 'vm1' is sealed; unseal it first". Returns @buf.
 */
const char *fdbox_error_message(char *buf, size_t size, enum fdbox_step step,
				int err, const struct fdbox_err_ctx *ctx);

/* Does @step have a message of its own for @err (not the generic one)? */
bool fdbox_error_known(enum fdbox_step step, int err);

#endif /* FDBOX_CLI_H */
