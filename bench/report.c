// SPDX-License-Identifier: GPL-2.0
/*
 * bench-report: turn the console log of one benchmark VM run into tables.
 *
 *     bench-report [--json FILE] [--tap] [--partial] [--meta KEY=VALUE]... LOG
 *
 * LOG is the console log tests/vm/run.sh wrote (each line stamped
 * "[  sec.ms] " with host time). The programs in the guest print
 * "bench: KEY VALUE" or "bench: KEY n/a (REASON)" (see bench.h); every
 * KEY gets median, min and max over its samples. Also derived from the
 * log: blackout/<held>/host_ms, the host's timestamps of the serial lines
 * "fdbox-harness: kexec" (printed right before reboot()) and the next
 * stage's first line (a cross-check of the TSC figures, ~ms precise).
 *
 * Prints the Markdown tables on stdout; --json writes everything to FILE;
 * --tap instead prints one TAP line per workload for the smoke run: it ran
 * without errors, and every FDBox figure it reported is a measurement (at
 * least one, and none n/a: a SEAL or PUT that failed, or a box that did not
 * come back across the kexec, fails the workload). --partial: a run of
 * some workloads only (BENCH_WORKLOADS); when none of them took a sealed
 * box across a kexec, the FDBox figures are shown as measured instead of
 * n/a (a handover that was tried and failed still makes them n/a).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXK 512
#define MAXS 64
#define MAXMETA 16

struct fig {
	char key[96];
	double v[MAXS];
	int n;
	char na[160];	/* last n/a reason */
	int nna;
};

static struct fig figs[MAXK];
static int nfigs;
static char *meta[MAXMETA];
static int nmeta;
static int handover_seen, handover_na, partial;

static struct fig *fig(const char *key, int create)
{
	int i;

	for (i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].key, key))
			return &figs[i];
	if (!create || nfigs == MAXK)
		return NULL;
	snprintf(figs[nfigs].key, sizeof(figs[nfigs].key), "%s", key);
	return &figs[nfigs++];
}

static void add(const char *key, double v)
{
	struct fig *f = fig(key, 1);

	if (f && f->n < MAXS)
		f->v[f->n++] = v;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(struct fig *f)
{
	double s[MAXS];

	memcpy(s, f->v, f->n * sizeof(double));
	qsort(s, f->n, sizeof(double), cmp);
	return f->n % 2 ? s[f->n / 2] : (s[f->n / 2 - 1] + s[f->n / 2]) / 2;
}

static double vmin(struct fig *f)
{
	double m = f->v[0];

	for (int i = 1; i < f->n; i++)
		m = f->v[i] < m ? f->v[i] : m;
	return m;
}

static double vmax(struct fig *f)
{
	double m = f->v[0];

	for (int i = 1; i < f->n; i++)
		m = f->v[i] > m ? f->v[i] : m;
	return m;
}

/* ---- reading the log ---------------------------------------------------- */

static void parse(FILE *in)
{
	char line[4096], held[32], key[128];
	double t, t_kexec = -1, t_stage = -1;
	int stage_seen_blackout = 1;

	while (fgets(line, sizeof(line), in)) {
		char *p = line, *v;

		line[strcspn(line, "\r\n")] = 0;
		t = -1;
		if (*p == '[') {
			t = strtod(p + 1, NULL);
			p = strchr(p, ']');
			if (!p)
				continue;
			p += 2;
		}
		if (!strcmp(p, "fdbox-harness: kexec")) {
			t_kexec = t;
			continue;
		}
		if (!strncmp(p, "fdbox-harness: stage ", 21) && strstr(p, " begins")) {
			t_stage = t;
			stage_seen_blackout = 0;
			continue;
		}
		if (strncmp(p, "bench: ", 7))
			continue;
		p += 7;
		v = strchr(p, ' ');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(p, "handover/fdbox")) {
			if (!strncmp(v, "n/a", 3))
				handover_na = 1;
			else
				handover_seen = 1;
			continue;
		}
		if (!strncmp(v, "n/a", 3)) {
			struct fig *f = fig(p, 1);

			if (f) {
				snprintf(f->na, sizeof(f->na), "%s", v + 4);
				f->nna++;
			}
			continue;
		}
		add(p, strtod(v, NULL));
		/* the host's view of the same kexec, once per stage */
		if (!stage_seen_blackout && t_kexec >= 0 && t_stage > t_kexec &&
		    sscanf(p, "blackout/%31[^/]/first_ms", held) == 1) {
			snprintf(key, sizeof(key), "blackout/%s/host_ms", held);
			add(key, (t_stage - t_kexec) * 1e3);
			stage_seen_blackout = 1;
		}
	}
}

/* ---- tables ------------------------------------------------------------- */

/* A figure with 3-4 significant digits and no exponent. */
static const char *num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	snprintf(buf, len, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
	return buf;
}

static const char *cell(const char *key, char *buf, size_t len)
{
	struct fig *f = fig(key, 0);
	char m[32], lo[32], hi[32];

	if (!f)
		snprintf(buf, len, "–");
	else if (!f->n)
		snprintf(buf, len, "n/a %.100s", f->na);
	else if (f->n == 1)
		snprintf(buf, len, "%s", num(f->v[0], m, sizeof(m)));
	else
		snprintf(buf, len, "%.20s (%.20s–%.20s, n=%d)", num(median(f), m, sizeof(m)),
			 num(vmin(f), lo, sizeof(lo)), num(vmax(f), hi, sizeof(hi)), f->n);
	return buf;
}

static int have(const char *key)
{
	struct fig *f = fig(key, 0);

	return f && f->n;
}

enum target { NONE, LE, GE };

struct row {
	const char *workload, *what, *a, *b, *anchor;
	enum target kind;
	double target;
	int needs_handover;
};

static FILE *json;
static int njson_rows;

static void row(const struct row *r)
{
	char ca[160], cb[160], rat[32] = "–", tgt[48] = "", met[32] = "";
	int ok = have(r->a) && have(r->b), na_ho = r->needs_handover && !handover_seen;
	double ratio = 0;

	if (ok) {
		ratio = median(fig(r->a, 0)) / median(fig(r->b, 0));
		snprintf(rat, sizeof(rat), "%.2f", ratio);
	}
	if (r->kind != NONE) {
		snprintf(tgt, sizeof(tgt), "%s %.2f", r->kind == LE ? "≤" : "≥", r->target);
		if (na_ho)
			snprintf(met, sizeof(met), "n/a");
		else if (ok)
			snprintf(met, sizeof(met), "%s",
				 (r->kind == LE ? ratio <= r->target : ratio >= r->target) ?
				 "yes" : "**no**");
		else
			snprintf(met, sizeof(met), "n/a");
	}
	cell(r->a, ca, sizeof(ca));
	if (na_ho && have(r->a))
		snprintf(ca, sizeof(ca), "n/a (handover not available)");
	if (na_ho && ok)
		snprintf(rat, sizeof(rat), "–");
	printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r->workload, r->what,
	       ca, cell(r->b, cb, sizeof(cb)), r->anchor, rat, tgt, met);
	if (json) {
		fprintf(json, "%s\n    {\"workload\": \"%s\", \"case\": \"%s\", "
			"\"fdbox\": \"%s\", \"anchor\": \"%s\", \"anchor_name\": \"%s\", ",
			njson_rows++ ? "," : "", r->workload, r->what, r->a, r->b, r->anchor);
		if (ok && !na_ho)
			fprintf(json, "\"ratio\": %.4f, ", ratio);
		else
			fprintf(json, "\"ratio\": null, ");
		if (r->kind != NONE)
			fprintf(json, "\"target\": \"%s %.2f\", \"met\": %s}",
				r->kind == LE ? "<=" : ">=", r->target,
				!strcmp(met, "yes") ? "true" : !strcmp(met, "n/a") ? "null" : "false");
		else
			fprintf(json, "\"target\": null, \"met\": null}");
	}
}

static void json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
}

static void json_figures(void)
{
	int i, j;

	fprintf(json, "  \"figures\": {");
	for (i = 0; i < nfigs; i++) {
		struct fig *f = &figs[i];

		fprintf(json, "%s\n    \"%s\": {", i ? "," : "", f->key);
		if (f->n)
			fprintf(json, "\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, ",
				median(f), vmin(f), vmax(f));
		fprintf(json, "\"n\": %d, \"samples\": [", f->n);
		for (j = 0; j < f->n; j++)
			fprintf(json, "%s%.6g", j ? ", " : "", f->v[j]);
		fprintf(json, "]");
		if (f->nna) {
			fprintf(json, ", \"na\": \"");
			json_escape(json, f->na);
			fprintf(json, "\"");
		}
		fprintf(json, "}");
	}
	fprintf(json, "\n  },\n");
}

static const char *sizes[] = { "256M", "1024M", "4096M", "1M" };
static const char *counts[] = { "1", "10", "100", "1000", "10000" };

static void tables(void)
{
	char a[96], b[96], what[96];
	unsigned int i;

	printf("| workload | case | FDBox | anchor | anchor is | ratio FDBox/anchor | target | met |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		static const char *m[] = { "cold_ms", "warm_ms" };

		for (int j = 0; j < 2; j++) {
			struct row r = { "1 seal", what, a, b, "LUO PRESERVE_FD", j ? NONE : LE, 1.0, 1 };

			snprintf(a, sizeof(a), "seal/fdbox/%s/%s", sizes[i], m[j]);
			snprintf(b, sizeof(b), "seal/luo/%s/%s", sizes[i], m[j]);
			if (!fig(a, 0) && !fig(b, 0))
				continue;
			snprintf(what, sizeof(what), "%s, %s (ms)", sizes[i], j ? "warm (again, pinned)" : "cold");
			row(&r);
		}
	}
	for (i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		static const char *m[] = { "get_ms", "touch_ms" };

		for (int j = 0; j < 2; j++) {
			struct row r = { "2 restore", what, a, b,
					 j ? "LUO, same" : "LUO RETRIEVE_SESSION+RETRIEVE_FD",
					 j ? NONE : LE, 1.5, 1 };

			snprintf(a, sizeof(a), "restore/fdbox/%s/%s", sizes[i], m[j]);
			snprintf(b, sizeof(b), "restore/luo/%s/%s", sizes[i], m[j]);
			if (!fig(a, 0) && !fig(b, 0))
				continue;
			snprintf(what, sizeof(what), "%s, %s (ms)", sizes[i],
				 j ? "first touch of every page" : "UNSEAL+GET until data readable");
			if (strcmp(sizes[i], "1024M"))
				r.kind = NONE;
			row(&r);
		}
	}
	{
		/*
		 * Restore paths (issue: zero-copy restore). "@patched" figures
		 * come from a second VM boot, of the kernel with the FDBox
		 * helpers; each is compared with LUO measured in that boot.
		 */
		static const struct {
			const char *w, *what, *a, *b, *anchor;
			enum target kind;
			double target;
		} rp[] = {
			{ "2 restore", "1024M, zero-copy path, kernel with the FDBox helpers: UNSEAL+GET (ms)",
			  "restore/fdbox@patched/1024M/get_ms", "restore/luo@patched/1024M/get_ms",
			  "LUO, same boot", LE, 1.1 },
			{ "2 restore", "1024M, zero-copy path: first touch of every page (ms)",
			  "restore/fdbox@patched/1024M/touch_ms", "restore/luo@patched/1024M/touch_ms",
			  "LUO, same boot", NONE, 0 },
			{ "2 restore", "1024M, module-only path on the same kernel (restore_path=module-only): UNSEAL+GET (ms)",
			  "restore/fdbox-module@patched/1024M/get_ms", "restore/luo@patched/1024M/get_ms",
			  "LUO, same boot", LE, 2.5 },
			{ "2 restore", "1024M of 2 MiB folios, zero-copy path: UNSEAL+GET (ms)",
			  "restore/fdbox-thp@patched/1024M/get_ms", "restore/fdbox@patched/1024M/get_ms",
			  "FDBox zero-copy, 4 KiB folios", LE, 0.1 },
			{ "2 restore", "1024M of 2 MiB folios, module-only path, stock kernel (copied): UNSEAL+GET (ms)",
			  "restore/fdbox-thp/1024M/get_ms", "restore/fdbox/1024M/get_ms",
			  "FDBox module-only, 4 KiB folios", NONE, 0 },
		};
		for (i = 0; i < sizeof(rp) / sizeof(*rp); i++) {
			struct row r = { rp[i].w, rp[i].what, rp[i].a, rp[i].b,
					 rp[i].anchor, rp[i].kind, rp[i].target, 1 };

			if (!fig(rp[i].a, 0) && !fig(rp[i].b, 0))
				continue;
			row(&r);
		}
	}
	{
		static const struct { const char *m, *what; } bm[] = {
			{ "init_ms", "reboot() → new kernel starts /init (ms)" },
			{ "first_ms", "reboot() → first benchmark program (ms)" },
			{ "preamble_ms", "/init start → first program: mounts, fdbox.ko load (ms)" },
			{ "host_ms", "host-stamped serial lines, cross-check (ms)" },
		};
		for (i = 0; i < sizeof(bm) / sizeof(*bm); i++) {
			struct row r = { "3 blackout", what, a, b, "nothing held",
					 i ? NONE : LE, 1.05, 1 };
			struct row l = r;
			char la[96];

			snprintf(a, sizeof(a), "blackout/fdbox/%s", bm[i].m);
			snprintf(b, sizeof(b), "blackout/none/%s", bm[i].m);
			if (!fig(a, 0) && !fig(b, 0))
				continue;
			snprintf(what, sizeof(what), "FDBox holds the chain memfd: %s", bm[i].what);
			row(&r);
			snprintf(la, sizeof(la), "blackout/luo/%s", bm[i].m);
			l.what = "LUO holds it instead (same)";
			l.a = la;
			l.kind = NONE;
			l.needs_handover = 0;
			row(&l);
		}
	}
	for (i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
		static const struct { const char *fa, *la, *what; } fm[] = {
			{ "putseal_us", "preserve_us", "PUT+SEAL vs PRESERVE_FD (µs per fd)" },
			{ "restore_us", "restore_us", "restore, UNSEAL+GET vs RETRIEVE (µs per fd)" },
		};
		for (int j = 0; j < 2; j++) {
			struct row r = { "4 many fds", what, a, b, "LUO, one session", NONE, 0, 1 };

			snprintf(a, sizeof(a), "fds/fdbox/%s/%s", counts[i], fm[j].fa);
			snprintf(b, sizeof(b), "fds/luo/%s/%s", counts[i], fm[j].la);
			if (!fig(a, 0) && !fig(b, 0))
				continue;
			snprintf(what, sizeof(what), "%s fds: %s", counts[i], fm[j].what);
			row(&r);
		}
	}
	{
		struct row r = { "5 hold", "PUT+GET round trips per second", "hold/fdbox/rt_per_s",
				 "hold/s6/rt_per_s", "s6-fdholderd, its socket protocol", GE, 20, 0 };
		struct row c = { "5 hold", "same, s6 through its CLI (process per op; reference)",
				 "hold/fdbox/rt_per_s", "hold/s6-cli/rt_per_s",
				 "s6-fdholder-store/retrieve", NONE, 0, 0 };

		if (fig(r.a, 0) || fig(r.b, 0)) {
			row(&r);
			row(&c);
		}
	}
}

/* Linearity of per-fd costs: cost per fd at the largest count / at 100. */
static void linearity(void)
{
	static const struct { const char *k, *name; int fdbox; } ser[] = {
		{ "fds/fdbox/%s/putseal_us", "FDBox PUT+SEAL", 1 },
		{ "fds/fdbox/%s/put_us", "FDBox PUT alone", 0 },
		{ "fds/fdbox/%s/seal_us", "FDBox SEAL alone", 1 },
		{ "fds/fdbox/%s/restore_us", "FDBox UNSEAL+GET", 1 },
		{ "fds/luo/%s/preserve_us", "LUO PRESERVE_FD", 0 },
		{ "fds/luo/%s/restore_us", "LUO RETRIEVE", 0 },
	};
	char lo[96], hi[96], a1[32], a2[32];
	const char *top = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
		snprintf(hi, sizeof(hi), ser[4].k, counts[i]);
		if (atoi(counts[i]) > 100 && fig(hi, 0))
			top = counts[i];
	}
	snprintf(lo, sizeof(lo), ser[4].k, "100");
	if (!top || !fig(lo, 0))
		return;
	printf("\nPer-fd cost growth from 100 to %s fds (target: linear total cost, "
	       "taken as cost per fd at %s within 2x of that at 100):\n\n", top, top);
	printf("| series | µs/fd at 100 | µs/fd at %s | growth | linear |\n|---|---|---|---|---|\n", top);
	for (i = 0; i < sizeof(ser) / sizeof(*ser); i++) {
		int na = ser[i].fdbox && !handover_seen;
		struct fig *a, *b;
		double g;

		snprintf(lo, sizeof(lo), ser[i].k, "100");
		snprintf(hi, sizeof(hi), ser[i].k, top);
		a = fig(lo, 0);
		b = fig(hi, 0);
		if (!a || !b || !a->n || !b->n) {
			struct fig *f = b && b->nna ? b : a;

			printf("| %s | %s | %s | – | n/a%s%.100s%s |\n", ser[i].name,
			       a && a->n ? num(median(a), a1, sizeof(a1)) : "n/a",
			       b && b->n ? num(median(b), a2, sizeof(a2)) : "n/a",
			       f && f->nna ? " (" : "", f && f->nna ? f->na : "", "");
			continue;
		}
		g = median(b) / median(a);
		printf("| %s | %s | %s | %.2f | %s |\n", ser[i].name, num(median(a), a1, sizeof(a1)),
		       num(median(b), a2, sizeof(a2)), g,
		       na ? "n/a (handover not available)" : g <= 2.0 ? "yes" : "**no**");
		if (json)
			fprintf(json, "%s\n    {\"series\": \"%s\", \"per_fd_us_at_100\": %.6g, "
				"\"per_fd_us_at_%s\": %.6g, \"growth\": %.4f, \"linear\": %s}",
				i ? "," : "", ser[i].name, median(a), top, median(b), g,
				na ? "null" : g <= 2.0 ? "true" : "false");
	}
}

/* ---- smoke: one TAP line per workload ------------------------------------ */

static int tap(const char *log)
{
	static const struct { const char *prog, *prefix, *name; } w[] = {
		{ "seal", "seal/", "seal (1): one memfd, FDBox SEAL vs LUO PRESERVE_FD" },
		{ "chain", "restore/", "restore (2): memfd after kexec, FDBox vs LUO" },
		{ "clock", "blackout/", "blackout (3): TSC across kexec" },
		{ "fds", "fds/", "many fds (4): seal and restore per fd" },
		{ "hold", "hold/", "hold (5): PUT+GET vs s6-fdholder" },
	};
	char line[4096], ok[64], bad[64], fdbox[64], na[256];
	unsigned int i;
	int failed = 0;

	for (i = 0; i < sizeof(w) / sizeof(*w); i++) {
		int nok = 0, nbad = 0, nfig = 0, nfdbox = 0, nna = 0;
		FILE *in = fopen(log, "r");

		snprintf(ok, sizeof(ok), "ok - bench: %s", w[i].prog);
		snprintf(bad, sizeof(bad), "not ok - bench: %s", w[i].prog);
		/* FDBox's figures: KEY is WORKLOAD/fdbox[@TAG]/... */
		snprintf(fdbox, sizeof(fdbox), "bench: %sfdbox", w[i].prefix);
		na[0] = 0;
		while (in && fgets(line, sizeof(line), in)) {
			char *p = strchr(line, ']'), *v;

			p = p ? p + 2 : line;
			p[strcspn(p, "\r\n")] = 0;
			nok += !strncmp(p, ok, strlen(ok));
			nbad += !strncmp(p, bad, strlen(bad));
			if (!strncmp(p, "bench: ", 7) && !strncmp(p + 7, w[i].prefix, strlen(w[i].prefix)))
				nfig++;
			if (!strncmp(p, fdbox, strlen(fdbox)) &&
			    (p[strlen(fdbox)] == '/' || p[strlen(fdbox)] == '@')) {
				v = strchr(p + 7, ' ');
				if (v && !strncmp(v + 1, "n/a", 3)) {
					if (!nna++)
						snprintf(na, sizeof(na), "%.200s", p + 7);
				} else if (v) {
					nfdbox++;
				}
			}
			if (strstr(p, "fdbox-harness: exit ") == p && strtol(p + 20, NULL, 10) &&
			    strstr(p, "bench-") && strstr(p, w[i].prog))
				nbad++;
		}
		if (in)
			fclose(in);
		if (nok && !nbad && nfig && nfdbox && !nna) {
			printf("ok %u - workload %s ran\n", i + 1, w[i].name);
		} else {
			printf("not ok %u - workload %s ran (%d ok, %d failed, %d figures, %d FDBox measurements, %d FDBox figures n/a)\n",
			       i + 1, w[i].name, nok, nbad, nfig, nfdbox, nna);
			if (na[0])
				printf("# first FDBox figure n/a: %s\n", na);
			failed = 1;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	const char *json_path = NULL, *log = NULL;
	int i, do_tap = 0;
	FILE *in;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json_path = argv[++i];
		else if (!strcmp(argv[i], "--tap"))
			do_tap = 1;
		else if (!strcmp(argv[i], "--partial"))
			partial = 1;
		else if (!strcmp(argv[i], "--meta") && i + 1 < argc && nmeta < MAXMETA)
			meta[nmeta++] = argv[++i];
		else
			log = argv[i];
	}
	if (!log) {
		fprintf(stderr, "usage: bench-report [--json FILE] [--tap] [--partial] [--meta K=V]... LOG\n");
		return 2;
	}
	if (do_tap)
		return tap(log);
	in = fopen(log, "r");
	if (!in) {
		perror(log);
		return 1;
	}
	parse(in);
	fclose(in);
	if (partial && !handover_seen && !handover_na) {
		printf("FDBox handover: not exercised by the workloads of this partial run; "
		       "FDBox figures are shown as measured.\n\n");
		handover_seen = 1;
	}
	if (json_path) {
		json = fopen(json_path, "w");
		if (!json) {
			perror(json_path);
			return 1;
		}
		fprintf(json, "{\n  \"meta\": {");
		for (i = 0; i < nmeta; i++) {
			char *eq = strchr(meta[i], '=');

			if (!eq)
				continue;
			fprintf(json, "%s\n    \"%.*s\": \"", i ? "," : "", (int)(eq - meta[i]), meta[i]);
			json_escape(json, eq + 1);
			fprintf(json, "\"");
		}
		fprintf(json, "\n  },\n  \"fdbox_handover_available\": %s,\n",
			handover_seen ? "true" : "false");
		json_figures();
		fprintf(json, "  \"comparisons\": [");
	}
	if (!handover_seen)
		printf("FDBox handover: **not available** in this run (no sealed box came back "
		       "after kexec%s); FDBox figures that need it are n/a.\n\n",
		       handover_na ? "" : ", or no kexec was made");
	tables();
	if (json)
		fprintf(json, "\n  ],\n  \"linearity\": [");
	linearity();
	if (json) {
		fprintf(json, "\n  ]\n}\n");
		fclose(json);
	}
	return 0;
}
