// SPDX-License-Identifier: GPL-2.0
/*
 * fdbox: hand named memfds to the kernel's FDBox, take them back, and carry
 * sealed boxes across kexec. See fdbox(1); the grammar is in args.c, the
 * error messages in errmsg.c.
 *
 * Prints nothing on success (but list, and the progress bar of large
 * transfers on a terminal). Errors are one line
 *   fdbox: OPERATION BOX[/NAME]: what it means and what to do
 * with exit status 1; usage errors exit with 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fdbox.h"
#include "progress.h"

/* The operation being run, as shown in front of error messages. */
struct op {
	const char *word;	/* "put" */
	const char *box;
	const char *name;
};

/* "fdbox: put vm1/ram: " then the rest, printf-style, and a newline. */
static void op_printf(const struct op *op, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void op_printf(const struct op *op, const char *fmt, ...)
{
	char line[4096];
	size_t len;
	va_list ap;

	/* One write, so that lines of several processes do not mix. */
	len = (size_t)snprintf(line, sizeof(line), "fdbox: %s%s%s%s%s: ",
			       op->word, op->box ? " " : "",
			       op->box ? op->box : "", op->name ? "/" : "",
			       op->name ? op->name : "");
	if (len < sizeof(line)) {
		va_start(ap, fmt);
		vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		va_end(ap);
	}
	len = strlen(line);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	line[len] = 0;
	fputs(line, stderr);
}

/* The message of @err at @step, with @suffix appended (may be ""). */
static int op_fail(const struct op *op, enum fdbox_step step, int err,
		   const char *path, int fd, const char *suffix)
{
	struct fdbox_err_ctx ctx = {
		.box = op->box, .name = op->name, .path = path, .fd = fd,
	};
	char msg[1024];

	fdbox_error_message(msg, sizeof(msg), step, err, &ctx);
	op_printf(op, "%s%s", msg, suffix ? suffix : "");
	return FDBOX_EXIT_FAILURE;
}

/*
 * Open the node of @op->box. ENOENT because the whole of FDBox is missing
 * (no control device) is reported as such, not as "no box".
 */
static int open_box(const struct op *op, int *boxfd)
{
	struct stat st;
	int fd = fdbox_box_open(op->box);

	if (fd >= 0) {
		*boxfd = fd;
		return 0;
	}
	if (fd == -ENOENT && stat(FDBOX_CONTROL_PATH, &st) < 0 && errno == ENOENT)
		return op_fail(op, STEP_CONTROL, ENOENT, NULL, -1, NULL);
	return op_fail(op, STEP_OPEN_BOX, fd, NULL, -1, NULL);
}

static int open_control(const struct op *op, int *ctl)
{
	int fd = fdbox_control_open();

	if (fd < 0)
		return op_fail(op, STEP_CONTROL, fd, NULL, -1, NULL);
	*ctl = fd;
	return 0;
}

/*
 * While fds are out of their box (get, exec), a signal that would kill
 * fdbox must not lose them: SIGINT, SIGTERM, SIGHUP and SIGQUIT only set
 * @interrupted, and the copy stops at the next chunk (its progress callback
 * says so) and puts the fd back. Signals the caller ignores stay ignored.
 * Handlers do not survive execve(), so exec's COMMAND gets the
 * dispositions fdbox was started with.
 */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void catch_signals(bool ignore_sigpipe)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_signal }, old;
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	/* Writing to a closed pipe: EPIPE, and the fd goes back. */
	if (ignore_sigpipe)
		signal(SIGPIPE, SIG_IGN);
}

/* Progress of a copy, which stops when a signal came. */
static int copy_progress(uint64_t done, uint64_t total, void *userdata)
{
	fdbox_progress_cb(done, total, userdata);
	return interrupted != 0;
}

/* ---- create, delete, seal, unseal -------------------------------------- */

/*
 * create --owner/--group/--mode/--max-bytes into @o: 1 if any is given,
 * 0 if none, or an exit status (> 1) after a message.
 */
static int create_options(const struct fdbox_args *a,
			  struct fdbox_create_options *o)
{
	unsigned int id, mode = 0600;

	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->mode = 0600;
	o->max_bytes = a->max_bytes;
	if (!a->owner && !a->group && !a->mode)
		return a->max_bytes ? 1 : 0;
	o->set_access = 1;
	if (a->owner) {
		if (fdbox_parse_id(a->owner, false, &id)) {
			fprintf(stderr, "fdbox: create %s: no user '%s'\n", a->box, a->owner);
			return FDBOX_EXIT_FAILURE + 1;
		}
		o->uid = id;
	}
	if (a->group) {
		if (fdbox_parse_id(a->group, true, &id)) {
			fprintf(stderr, "fdbox: create %s: no group '%s'\n", a->box, a->group);
			return FDBOX_EXIT_FAILURE + 1;
		}
		o->gid = id;
	}
	/* Checked when the command line was parsed. */
	if (a->mode && !fdbox_parse_mode(a->mode, &mode))
		o->mode = mode;
	return 1;
}

/* delete BOX NAME: take the fd out and close it. */
static int drop_fd(const struct fdbox_args *a)
{
	struct op op = { "delete", a->box, a->name };
	int boxfd, fd, r;

	r = open_box(&op, &boxfd);
	if (r)
		return r;
	fd = fdbox_fd_get(boxfd, a->name);
	close(boxfd);
	if (fd < 0)
		return op_fail(&op, STEP_GET, fd, NULL, -1, NULL);
	close(fd);
	return 0;
}

static int cmd_create_delete(const struct fdbox_args *a)
{
	struct op op = { fdbox_cmd_word(a->cmd), a->box, NULL };
	enum fdbox_step step = STEP_CREATE;
	struct fdbox_create_options o;
	int ctl, err, r;

	/* Dropping one fd needs the box node only (a delegated box). */
	if (a->cmd == CMD_DELETE && a->name)
		return drop_fd(a);
	r = a->cmd == CMD_CREATE ? create_options(a, &o) : 0;
	if (r > 1)
		return FDBOX_EXIT_FAILURE;
	/* Open the control device first: its errors are clearer. */
	err = open_control(&op, &ctl);
	if (err)
		return err;
	close(ctl);
	if (a->cmd == CMD_CREATE && r) {
		step = STEP_CREATE_ACCESS;
		err = fdbox_box_create2(a->box, &o);
	} else if (a->cmd == CMD_CREATE) {
		err = fdbox_box_create(a->box);
	} else {
		step = STEP_DELETE;
		err = fdbox_box_delete(a->box);
	}
	if (err == -ENOENT && a->cmd == CMD_CREATE)
		return op_fail(&op, STEP_CONTROL, err, NULL, -1, NULL);
	if (err)
		return op_fail(&op, step, err, NULL, -1, NULL);
	return 0;
}

static int cmd_seal_unseal(const struct fdbox_args *a)
{
	struct op op = { fdbox_cmd_word(a->cmd), a->box, NULL };
	int boxfd, err, r;

	r = open_box(&op, &boxfd);
	if (r)
		return r;
	if (a->cmd == CMD_SEAL)
		err = fdbox_box_seal(boxfd);
	else
		err = fdbox_box_unseal(boxfd);
	close(boxfd);
	if (err)
		return op_fail(&op, a->cmd == CMD_SEAL ? STEP_SEAL : STEP_UNSEAL,
			       err, NULL, -1, NULL);
	return 0;
}

/* ---- put, get ----------------------------------------------------------- */

/*
 * Before copying a large file, find out whether the put can succeed at all
 * (box sealed, name taken). Returns 0 or the errno PUT_FD would give.
 */
static int put_precheck(int boxfd, const char *box, const char *name)
{
	struct fdbox_snapshot *snap;
	const struct fdbox_box_info *b;
	int err = 0;
	uint32_t i;

	if (fdbox_snapshot_take(boxfd, &snap))
		return 0;	/* no listing: let PUT_FD tell */
	b = fdbox_snapshot_find_box(snap, box);
	if (b && b->state != FDBOX_STATE_OPEN)
		err = -EBUSY;
	for (i = 0; b && !err && i < b->nr_fds; i++)
		if (!strcmp((const char *)snap->fds[b->fd_index + i].name, name))
			err = -EEXIST;
	fdbox_snapshot_free(snap);
	return err;
}

static int cmd_put(const struct fdbox_args *a)
{
	struct op op = { "put", a->box, a->name };
	struct fdbox_progress progress;
	char label[FDBOX_NAME_LEN * 2 + 8];
	int boxfd, fd, err, r;

	if (a->fd >= 0 && fcntl(a->fd, F_GETFD) < 0)
		return op_fail(&op, STEP_PUT, EBADF, NULL, a->fd, NULL);
	r = open_box(&op, &boxfd);
	if (r)
		return r;
	if (a->fd >= 0) {
		err = fdbox_fd_put(boxfd, a->name, a->fd);
		close(boxfd);
		return err ? op_fail(&op, STEP_PUT, err, NULL, a->fd, NULL) : 0;
	}

	err = put_precheck(boxfd, a->box, a->name);
	if (err) {
		close(boxfd);
		return op_fail(&op, STEP_PUT, err, NULL, -1, NULL);
	}
	snprintf(label, sizeof(label), "put %s/%s", a->box, a->name);
	fdbox_progress_init(&progress, label);
	catch_signals(false);
	fd = fdbox_memfd_from_file(a->from_file, a->name, copy_progress,
				   &progress);
	fdbox_progress_done(&progress);
	if (fd < 0) {
		close(boxfd);
		return op_fail(&op, STEP_READ_FILE, fd, a->from_file, -1,
			       "; nothing was put");
	}
	err = fdbox_fd_put(boxfd, a->name, fd);
	close(boxfd);
	if (err) {
		close(fd);
		return op_fail(&op, STEP_PUT, err, NULL, fd, NULL);
	}
	return 0;
}

static int cmd_get(const struct fdbox_args *a)
{
	struct op op = { "get", a->box, a->name };
	struct fdbox_progress progress;
	char label[FDBOX_NAME_LEN * 2 + 8];
	struct fdbox_err_ctx ctx = { a->box, a->name, a->to_file, -1 };
	char msg[1024], back[1024];
	int boxfd, fd, err, perr, r;

	r = open_box(&op, &boxfd);
	if (r)
		return r;
	catch_signals(true);
	fd = fdbox_fd_get(boxfd, a->name);
	if (fd < 0) {
		close(boxfd);
		return op_fail(&op, STEP_GET, fd, NULL, -1, NULL);
	}
	snprintf(label, sizeof(label), "get %s/%s", a->box, a->name);
	fdbox_progress_init(&progress, label);
	err = fdbox_memfd_to_file(fd, a->to_file, copy_progress, &progress);
	fdbox_progress_done(&progress);
	if (!err) {
		close(fd);
		close(boxfd);
		return 0;
	}

	/* Nothing may be lost: the fd goes back where it came from. */
	fdbox_error_message(msg, sizeof(msg), STEP_WRITE_FILE, err, &ctx);
	perr = fdbox_fd_put(boxfd, a->name, fd);
	close(boxfd);
	if (!perr) {
		op_printf(&op, "%s; the fd was put back into box '%s' as '%s'",
			  msg, a->box, a->name);
		return FDBOX_EXIT_FAILURE;
	}
	fdbox_error_message(back, sizeof(back), STEP_PUT, perr, &ctx);
	op_printf(&op, "%s; putting the fd back failed too (%s), its contents are lost",
		  msg, back);
	close(fd);
	return FDBOX_EXIT_FAILURE;
}

/* ---- list --------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/*
 * How the module restores handed-over memfds ("zero-copy" or "module-only",
 * see restore_path in fdbox(4)), into @buf; "" when the module does not say.
 */
static const char *restore_path(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/fdbox/parameters/restore_path", "re");
	size_t n;

	buf[0] = 0;
	if (!f)
		return buf;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = 0;
	/* A word of [a-z-] or nothing: it goes into JSON unescaped. */
	if (strspn(buf, "abcdefghijklmnopqrstuvwxyz-") != n)
		buf[0] = 0;
	return buf;
}

static void list_json(FILE *f, const struct fdbox_snapshot *s)
{
	char path[32];

	uint32_t i, j;

	/* The schema of this output (fdbox(1)): stable, versioned. */
	fputs("{\"schema\":1,\"boxes\":[", f);
	for (i = 0; i < s->nr_boxes; i++) {
		const struct fdbox_box_info *b = &s->boxes[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_string(f, (const char *)b->name);
		fprintf(f, ",\"state\":\"%s\",\"nr_fds\":%" PRIu32
			",\"bytes\":%" PRIu64 ",\"fds\":[",
			fdbox_state_name(b->state), b->nr_fds,
			(uint64_t)b->bytes);
		for (j = 0; j < b->nr_fds; j++) {
			const struct fdbox_fd_info *fd = &s->fds[b->fd_index + j];

			fputs(j ? ",{\"name\":" : "{\"name\":", f);
			json_string(f, (const char *)fd->name);
			fprintf(f, ",\"type\":\"%s\",\"size\":%" PRIu64
				",\"pending\":%s}",
				fdbox_fd_type_name(fd->type), (uint64_t)fd->size,
				fd->flags & FDBOX_FD_PENDING ? "true" : "false");
		}
		fputs("]}", f);
	}
	fputs("]", f);
	if (*restore_path(path, sizeof(path)))
		fprintf(f, ",\"restore_path\":\"%s\"", path);
	fprintf(f, ",\"unclaimed_bytes\":%" PRIu64 "}\n",
		(uint64_t)s->unclaimed_bytes);
}

static void list_text(FILE *f, const struct fdbox_snapshot *s, bool all)
{
	char path[32];
	uint32_t i, j;

	for (i = 0; i < s->nr_boxes; i++) {
		const struct fdbox_box_info *b = &s->boxes[i];

		fprintf(f, "box %s state %s fds %" PRIu32 " bytes %" PRIu64 "\n",
			(const char *)b->name, fdbox_state_name(b->state),
			b->nr_fds, (uint64_t)b->bytes);
		for (j = 0; j < b->nr_fds; j++) {
			const struct fdbox_fd_info *fd = &s->fds[b->fd_index + j];

			fprintf(f, "\tfd %s type %s size %" PRIu64 "%s\n",
				(const char *)fd->name, fdbox_fd_type_name(fd->type),
				(uint64_t)fd->size,
				fd->flags & FDBOX_FD_PENDING ? " pending" : "");
		}
	}
	if (!all)
		return;
	if (*restore_path(path, sizeof(path)))
		fprintf(f, "restore-path %s\n", path);
	fprintf(f, "unclaimed-bytes %" PRIu64 "\n",
		(uint64_t)s->unclaimed_bytes);
}

static int cmd_list(const struct fdbox_args *a)
{
	struct op op = { "list", a->box, NULL };
	struct fdbox_snapshot *snap;
	int devfd, err, r;

	r = a->box ? open_box(&op, &devfd) : open_control(&op, &devfd);
	if (r)
		return r;
	err = fdbox_snapshot_take(devfd, &snap);
	close(devfd);
	if (err)
		return op_fail(&op, STEP_LIST, err, NULL, -1, NULL);
	if (a->json)
		list_json(stdout, snap);
	else
		list_text(stdout, snap, !a->box);
	fdbox_snapshot_free(snap);
	if (fflush(stdout) || ferror(stdout)) {
		op_printf(&op, "cannot write the listing: %s", strerror(errno));
		return FDBOX_EXIT_FAILURE;
	}
	return 0;
}

/* ---- exec --------------------------------------------------------------- */

/*
 * Give the fds taken for exec back: put them back into the box, or with
 * --keep (they never left it) just close them.
 */
static void put_back(const struct op *op, bool keep, int boxfd, char **names,
		     int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct op one = { op->word, op->box, names[i] };
		int err;

		if (fds[i] < 0)
			continue;
		err = keep ? 0 : fdbox_fd_put(boxfd, names[i], fds[i]);
		if (err)
			op_fail(&one, STEP_PUT, err, NULL, fds[i],
				"; could not put the fd back");
		if (err || keep)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Move @fd to a number >= @min (close-on-exec), closing the old one. */
static int move_fd_up(int *fd, int min)
{
	int nfd;

	if (*fd >= min)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, min);
	if (nfd < 0)
		return -errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

/*
 * Socket-activation fds fdbox itself was given (LISTEN_FDS, for this pid
 * as LISTEN_PID says): their number, and their names in @names (the
 * inherited LISTEN_FDNAMES, or "unknown" for each, as systemd names them).
 * 0 and "" when there are none.
 */
static size_t inherited_fds(char **names)
{
	const char *pid = getenv("LISTEN_PID"), *nfds = getenv("LISTEN_FDS");
	const char *given = getenv("LISTEN_FDNAMES");
	unsigned long k;
	size_t i, c;
	char *end;

	*names = NULL;
	if (!pid || !nfds || strtol(pid, &end, 10) != (long)getpid() || *end)
		return 0;
	errno = 0;
	k = strtoul(nfds, &end, 10);
	if (errno || *end || !k || k > 4096)
		return 0;
	for (i = 3; i < 3 + k; i++)
		if (fcntl((int)i, F_GETFD) < 0)
			return 0;
	if (given) {
		for (c = 1, i = 0; given[i]; i++)
			c += given[i] == ':';
		if (c == k) {
			*names = strdup(given);
			return *names ? k : 0;
		}
	}
	*names = calloc(k, sizeof("unknown"));
	if (!*names)
		return 0;
	for (i = 0; i < k; i++)
		strcat(strcat(*names, i ? ":" : ""), "unknown");
	return k;
}

static int cmd_exec(const struct fdbox_args *a)
{
	struct op op = { "exec", a->box, NULL };
	struct fdbox_snapshot *snap = NULL;
	const struct fdbox_box_info *b;
	char **names = NULL, *fdnames = NULL, *given = NULL, num[32];
	int *fds = NULL, boxfd, err, r, ret = FDBOX_EXIT_FAILURE, first;
	size_t n = 0, k, i, len = 1;
	const char *back = a->keep ? "; the fds stay in the box" :
				     "; the fds were put back into the box";

	r = open_box(&op, &boxfd);
	if (r)
		return r;
	err = fdbox_snapshot_take(boxfd, &snap);
	if (err) {
		op_fail(&op, STEP_LIST, err, NULL, -1, NULL);
		goto out;
	}
	b = snap->nr_boxes ? &snap->boxes[0] : NULL;
	if (b && b->state != FDBOX_STATE_OPEN) {
		op_fail(&op, STEP_GET, EBUSY, NULL, -1, NULL);
		goto out;
	}
	/* After the fds fdbox was given itself, if any: 3 .. 3 + k - 1. */
	k = inherited_fds(&given);
	first = 3 + (int)k;
	n = b ? b->nr_fds : 0;
	names = calloc(n + 1, sizeof(*names));
	fds = calloc(n + 1, sizeof(*fds));
	if (!names || !fds) {
		op_fail(&op, STEP_GET, ENOMEM, NULL, -1, NULL);
		goto out;
	}
	len += given ? strlen(given) + 1 : 0;
	for (i = 0; i < n; i++) {
		names[i] = (char *)snap->fds[b->fd_index + i].name;
		fds[i] = -1;
		len += strlen(names[i]) + 1;
	}

	/* Take every fd out of the box (--keep: a descriptor of each). */
	catch_signals(false);
	for (i = 0; i < n; i++) {
		fds[i] = a->keep ? fdbox_fd_dup(boxfd, names[i]) :
				   fdbox_fd_get(boxfd, names[i]);
		if (fds[i] < 0) {
			struct op one = { "exec", a->box, names[i] };

			err = fds[i];
			fds[i] = -1;
			put_back(&op, a->keep, boxfd, names, fds, i);
			op_fail(&one, STEP_GET, err, NULL, -1, NULL);
			goto out;
		}
	}

	/*
	 * Move the box and every fd above first + n, then each fd i down to
	 * first + i: dup2() leaves the new one without FD_CLOEXEC.
	 */
	err = move_fd_up(&boxfd, first + (int)n);
	for (i = 0; !err && i < n; i++)
		err = move_fd_up(&fds[i], first + (int)n);
	for (i = 0; !err && i < n; i++) {
		if (dup2(fds[i], first + (int)i) < 0) {
			err = -errno;
			break;
		}
		close(fds[i]);
		fds[i] = first + (int)i;
	}
	if (err) {
		put_back(&op, a->keep, boxfd, names, fds, n);
		op_printf(&op, "cannot arrange the fds as %d, %d, ...: %s%s",
			  first, first + 1, strerror(-err), back);
		goto out;
	}

	fdnames = malloc(len);
	if (!fdnames) {
		put_back(&op, a->keep, boxfd, names, fds, n);
		op_fail(&op, STEP_EXEC, ENOMEM, a->command[0], -1, NULL);
		goto out;
	}
	strcpy(fdnames, given ? given : "");
	for (i = 0; i < n; i++) {
		if (i || given)
			strcat(fdnames, ":");
		strcat(fdnames, names[i]);
	}
	snprintf(num, sizeof(num), "%zu", k + n);
	err = setenv("LISTEN_FDS", num, 1);
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	err = err ? err : setenv("LISTEN_PID", num, 1);
	err = err ? err : setenv("LISTEN_FDNAMES", fdnames, 1);
	if (!err && !interrupted) {
		fflush(NULL);
		execvp(a->command[0], a->command);
	}
	err = interrupted ? EINTR : errno;
	put_back(&op, a->keep, boxfd, names, fds, n);
	op_fail(&op, STEP_EXEC, err, a->command[0], -1, n ? back : NULL);
	/* As env(1): 127 if COMMAND was not found, 126 if it could not run. */
	if (!interrupted)
		ret = err == ENOENT ? FDBOX_EXIT_NOT_FOUND : FDBOX_EXIT_CANNOT_RUN;
out:
	free(fdnames);
	free(given);
	free(names);
	free(fds);
	fdbox_snapshot_free(snap);
	close(boxfd);
	return ret;
}

/* ---- kexec -------------------------------------------------------------- */

/* The current kernel command line without BOOT_IMAGE=, or NULL. */
static char *current_cmdline(void)
{
	char buf[8192], *out, *tok, *save = NULL;
	size_t len;
	FILE *f = fopen("/proc/cmdline", "re");

	if (!f)
		return NULL;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	out = calloc(1, len + 1);
	if (!out)
		return NULL;
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(tok, "BOOT_IMAGE=", 11))
			continue;
		if (*out)
			strcat(out, " ");
		strcat(out, tok);
	}
	return out;
}

struct kexec_box {
	const char *name;
	int fd;
	bool sealed_here;
};

/* Unseal what this command sealed: nothing changed after all. */
static void kexec_undo(struct kexec_box *boxes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct op op = { "kexec", boxes[i].name, NULL };
		int err;

		if (!boxes[i].sealed_here)
			continue;
		err = fdbox_box_unseal(boxes[i].fd);
		if (err)
			op_fail(&op, STEP_UNSEAL, err, NULL, -1,
				"; it was sealed by this command and stays sealed");
		boxes[i].sealed_here = false;
	}
}

/* Seal (or with --check-only: check) box @kb. */
static int kexec_prepare_box(const struct fdbox_args *a, struct kexec_box *kb)
{
	struct op op = { "kexec", kb->name, NULL };
	struct fdbox_snapshot *snap;
	uint32_t state;
	int err, r;

	r = open_box(&op, &kb->fd);
	if (r)
		return r;
	err = fdbox_snapshot_take(kb->fd, &snap);
	if (err)
		return op_fail(&op, STEP_LIST, err, NULL, -1, NULL);
	state = snap->nr_boxes ? snap->boxes[0].state : 0;
	fdbox_snapshot_free(snap);
	if (state == FDBOX_STATE_SEALED || state == FDBOX_STATE_RESTORED)
		return 0;
	if (a->check_only) {
		op_printf(&op, "box '%s' is not sealed; seal it first ('fdbox seal %s'), or leave out --check-only; not rebooting",
			  kb->name, kb->name);
		return FDBOX_EXIT_FAILURE;
	}
	err = fdbox_box_seal(kb->fd);
	if (err) {
		char msg[1024];
		struct fdbox_err_ctx ctx = { kb->name, NULL, NULL, -1 };

		op_printf(&op, "box '%s' is not sealed and cannot be sealed (%s); not rebooting",
			  kb->name,
			  fdbox_error_message(msg, sizeof(msg), STEP_SEAL, err, &ctx));
		return FDBOX_EXIT_FAILURE;
	}
	kb->sealed_here = true;
	return 0;
}

/* Open boxes nobody named do not go along: say so. */
static void kexec_warn_open(const struct fdbox_args *a)
{
	struct fdbox_snapshot *snap;
	uint32_t i;
	size_t j;

	if (fdbox_snapshot_take(-1, &snap))
		return;
	for (i = 0; i < snap->nr_boxes; i++) {
		const char *name = (const char *)snap->boxes[i].name;
		bool named = false;

		if (snap->boxes[i].state != FDBOX_STATE_OPEN)
			continue;
		for (j = 0; j < a->nr_boxes; j++)
			named = named || !strcmp(a->boxes[j], name);
		if (!named)
			fprintf(stderr, "fdbox: kexec: warning: box '%s' is open and will not be handed over\n",
				name);
	}
	fdbox_snapshot_free(snap);
}

/*
 * The new kernel's command line: the current one with --reuse-cmdline,
 * then --append. NULL (after a message) if it cannot be read.
 */
static char *kexec_cmdline(const struct fdbox_args *a)
{
	struct op op = { "kexec", NULL, NULL };
	char *cmdline, *cur = NULL;
	size_t len;

	if (a->reuse_cmdline) {
		cur = current_cmdline();
		if (!cur) {
			op_fail(&op, STEP_READ_FILE, errno, "/proc/cmdline", -1, NULL);
			return NULL;
		}
	}
	len = (cur ? strlen(cur) : 0) + (a->append ? strlen(a->append) : 0) + 2;
	cmdline = calloc(1, len);
	if (!cmdline) {
		op_fail(&op, STEP_KEXEC_LOAD, ENOMEM, a->kernel, -1, NULL);
		free(cur);
		return NULL;
	}
	snprintf(cmdline, len, "%s%s%s", cur ? cur : "",
		 cur && *cur && a->append && *a->append ? " " : "",
		 a->append ? a->append : "");
	free(cur);
	return cmdline;
}

static int kexec_load(const struct fdbox_args *a, const char *cmdline)
{
	struct op op = { "kexec", NULL, NULL };
	int kfd = -1, ifd = -1, ret = FDBOX_EXIT_FAILURE;
	unsigned long flags = 0;

	kfd = open(a->kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		op_fail(&op, STEP_READ_FILE, errno, a->kernel, -1, NULL);
		goto out;
	}
	if (a->initrd) {
		ifd = open(a->initrd, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			op_fail(&op, STEP_READ_FILE, errno, a->initrd, -1, NULL);
			goto out;
		}
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
		    flags) < 0) {
		op_fail(&op, STEP_KEXEC_LOAD, errno, a->kernel, -1, NULL);
		goto out;
	}
	ret = 0;
out:
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}

static void kexec_unload(void)
{
	syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
		(unsigned long)KEXEC_FILE_UNLOAD);
}

/* Is systemd PID 1 (sd_booted(3))? */
static bool systemd_runs(void)
{
	const char *root = getenv("FDBOX_SYSROOT");
	char path[4096];

	snprintf(path, sizeof(path), "%s/run/systemd/system", root ? root : "");
	return !access(path, F_OK);
}

/*
 * Boot the loaded kernel: through systemd ('systemctl kexec' stops the
 * services and unmounts file systems first), or at once. Returns only on
 * failure, or once systemd has the job.
 */
static int kexec_reboot(const struct fdbox_args *a)
{
	struct op op = { "kexec", NULL, NULL };
	int status, err;
	pid_t pid;

	sync();
	fflush(NULL);
	if (!a->force && systemd_runs()) {
		pid = fork();
		if (pid < 0)
			return op_fail(&op, STEP_REBOOT, errno, NULL, -1, NULL);
		if (pid == 0) {
			execlp("systemctl", "systemctl", "kexec", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status))
			return 0;
		op_printf(&op, "'systemctl kexec' failed (%s %d); not rebooting",
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) :
					      WTERMSIG(status));
		return FDBOX_EXIT_FAILURE;
	}
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	err = errno;
	return op_fail(&op, STEP_REBOOT, err, NULL, -1, NULL);
}

/*
 * The checks before anything is sealed: 0 if they pass (or --force), else
 * an exit status after one line naming the first failure.
 */
static int kexec_check(const struct fdbox_args *a, const char *cmdline)
{
	static const char fail[] = "fdbox: kexec: FAILED: ";
	struct op op = { "kexec", NULL, NULL };
	char *buf = NULL, *first, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int failed;

	if (!f)
		return op_fail(&op, STEP_KEXEC_LOAD, ENOMEM, a->kernel, -1, NULL);
	failed = fdbox_kexec_preflight(a->kernel, cmdline, true, f);
	fclose(f);
	first = buf ? strstr(buf, fail) : NULL;
	if (first) {
		first += sizeof(fail) - 1;
		nl = strchr(first, '\n');
		if (nl)
			*nl = 0;
	}
	if (failed && a->force)
		fprintf(stderr, "fdbox: kexec: warning: %s%s (--force)\n",
			first ? first : "a check failed",
			failed > 1 ? ", and more" : "");
	else if (failed)
		op_printf(&op, "not rebooting: %s%s ('fdbox kexec --check' lists every check; --force goes ahead)",
			  first ? first : "a check failed",
			  failed > 1 ? "; and more" : "");
	free(buf);
	return failed && !a->force ? FDBOX_EXIT_FAILURE : 0;
}

static int cmd_kexec(const struct fdbox_args *a)
{
	struct op op = { "kexec", NULL, NULL };
	struct kexec_box *boxes;
	char *cmdline;
	size_t i;
	int r = 0, failed;

	if (a->unload) {
		if (syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
			    (unsigned long)KEXEC_FILE_UNLOAD) < 0)
			return op_fail(&op, STEP_KEXEC_LOAD, errno, NULL, -1, NULL);
		return 0;
	}
	cmdline = kexec_cmdline(a);
	if (!cmdline)
		return FDBOX_EXIT_FAILURE;
	if (a->check) {
		failed = fdbox_kexec_preflight(a->kernel, cmdline, false, stdout);
		free(cmdline);
		if (fflush(stdout) || ferror(stdout))
			return FDBOX_EXIT_FAILURE;
		if (failed)
			fprintf(stderr, "fdbox: kexec: %d check(s) failed\n", failed);
		return failed ? FDBOX_EXIT_FAILURE : 0;
	}
	r = kexec_check(a, cmdline);
	if (r) {
		free(cmdline);
		return r;
	}

	boxes = calloc(a->nr_boxes + 1, sizeof(*boxes));
	if (!boxes) {
		free(cmdline);
		return op_fail(&op, STEP_KEXEC_LOAD, ENOMEM, a->kernel, -1, NULL);
	}
	for (i = 0; i < a->nr_boxes; i++) {
		boxes[i].name = a->boxes[i];
		boxes[i].fd = -1;
	}
	for (i = 0; !r && i < a->nr_boxes; i++)
		r = kexec_prepare_box(a, &boxes[i]);
	if (!r) {
		kexec_warn_open(a);
		r = kexec_load(a, cmdline);
	}
	if (!r && !a->load_only) {
		r = kexec_reboot(a);
		/* Still here without systemd's job: as if nothing happened. */
		if (r)
			kexec_unload();
	}
	if (r)
		kexec_undo(boxes, a->nr_boxes);
	for (i = 0; i < a->nr_boxes; i++)
		if (boxes[i].fd >= 0)
			close(boxes[i].fd);
	free(boxes);
	free(cmdline);
	return r;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct fdbox_args a;
	int r;

	r = fdbox_parse_args(argc, argv, &a, stdout, stderr);
	if (r != FDBOX_PARSE_RUN) {
		fdbox_args_free(&a);
		if (r == 0 && (fflush(stdout) || ferror(stdout)))
			return FDBOX_EXIT_FAILURE;
		return r;
	}
	switch (a.cmd) {
	case CMD_CREATE:
	case CMD_DELETE:
		r = cmd_create_delete(&a);
		break;
	case CMD_SEAL:
	case CMD_UNSEAL:
		r = cmd_seal_unseal(&a);
		break;
	case CMD_PUT:
		r = cmd_put(&a);
		break;
	case CMD_GET:
		r = cmd_get(&a);
		break;
	case CMD_LIST:
		r = cmd_list(&a);
		break;
	case CMD_EXEC:
		r = cmd_exec(&a);
		break;
	case CMD_KEXEC:
		r = cmd_kexec(&a);
		break;
	default:
		r = FDBOX_EXIT_USAGE;
		break;
	}
	fdbox_args_free(&a);
	return r;
}
