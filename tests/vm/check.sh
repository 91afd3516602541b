#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every test suite in its own VM and print the total.
#
# Usage: check.sh KDIR [SUITE...]   (SUITE "bench": the benchmark smoke run;
# "host": lint and the host-side unit tests, which run first anyway unless
# FDBOX_CHECK_HOST=0)
# A suite is a directory tests/<suite>/ with a suite.conf (shell variables
# STAGES, MEM, TIMEOUT, optional APPEND, MODULE=debug, NOLOAD_STAGES); its
# programs were built by make into build/tests/<suite>/. SUITE
# "NAME@patched" runs tests/NAME on the patched kernel (kernel.sh patched) whose build tree FDBOX_PATCHED_KDIR
# names, with the same fdbox.ko; its log and result are build/logs/
# NAME@patched.*. Likewise "NAME@debug" runs tests/NAME on the debug kernel
# (kernel.sh debug) whose build tree FDBOX_DEBUG_KDIR names, loading the
# copies of fdbox.ko built against it (make modules-on-debug:
# build/kmod-on-debug*/kernel/fdbox.ko). Without SUITE arguments every suite
# runs on KDIR, then handover, restore, luo and hostile @patched (those of
# them that exist; not when KDIR is itself the patched kernel), then each suite
# of FDBOX_DEBUG_SUITES as NAME@debug (when FDBOX_DEBUG_KDIR is set), and
# the benchmarks' smoke run. The last line printed is "N passed, N failed[,
# N skipped]": tests, not the harness's per-stage checks (module load,
# kernel log), which are counted apart and fail the run when they fail.
# A SKIP is a result, not a pass: a suite.conf lists the skips expected on
# each kernel (SKIPS_normal, SKIPS_patched, SKIPS_debug: one shell glob of
# "PROGRAM: TEST" a line); any other skip fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: check.sh KDIR [SUITE...]"
kdir=$1; shift
smoke=0
# The host side (lint, then the unit tests) runs first, unless
# FDBOX_CHECK_HOST=0; SUITE "host" asks for it by name.
host=${FDBOX_CHECK_HOST:-1}
if [ $# -gt 0 ]; then
	suites=()
	for s in "$@"; do
		case "$s" in
		bench) smoke=1 ;;
		host) host=1 ;;
		*) suites+=("$s") ;;
		esac
	done
else
	smoke=1
	suites=()
	for conf in "$FDBOX_TOP"/tests/*/suite.conf; do
		d=${conf%/suite.conf}; suites+=("${d##*/}")
	done
	# The restore paths differ between the stock and the patched kernel:
	# prove the handover on both; LUO's memfd restore changes with the
	# patches too, and only the patched kernel lets the module check
	# handed-over addresses before claiming them (hostile) and hand
	# eventfds over (eventfd).
	if [ "$(cat "$kdir/.fdbox-variant" 2>/dev/null)" != patched ]; then
		for s in handover restore luo hostile eventfd; do
			if [ -f "$FDBOX_TOP/tests/$s/suite.conf" ]; then
				suites+=("$s@patched")
			fi
		done
	fi
	# The debug kernel (KASAN, lockdep, kmemleak, fault injection) finds
	# what the others cannot see; the fault suite only runs there.
	if [ -n "${FDBOX_DEBUG_KDIR:-}" ]; then
		for s in ${FDBOX_DEBUG_SUITES:-}; do suites+=("$s@debug"); done
	fi
fi
module="$FDBOX_TOP/kernel/fdbox.ko"
modarg=(); [ -f "$module" ] && modarg=(--module "$module")
addarg=()
# Shell helpers of the tests, sourced from /lib/fdbox-tests in the guest.
for lib in "$FDBOX_TOP"/tests/include/*.sh; do
	[ -f "$lib" ] && addarg+=(--add "$lib:/lib/fdbox-tests/${lib##*/}")
done
# Static tools built for the guest (build/guest-bin/*) go to its /bin.
for tool in "$FDBOX_TOP"/build/guest-bin/*; do
	[ -x "$tool" ] && addarg+=(--add "$tool:/bin/${tool##*/}")
done

t0=$(now_ms)
passed=0 failed=0 skipped=0 checks=0

# unexpected_skips SUITE KDIR < SKIPS: a SKIP is a result, not a pass. Each
# skipped test ("PROGRAM: TEST" a line) must match one of the shell globs
# (one a line) of SKIPS_<variant> in the suite.conf just read, for the
# variant of the kernel it ran on (normal, patched, debug); the status is
# the number of those that do not.
unexpected_skips() {
	local variant globs line g n=0 ok
	variant=$(cat "$2/.fdbox-variant" 2>/dev/null || echo normal)
	variant=${variant//-/_}
	globs="SKIPS_$variant"
	globs=${!globs-}
	while IFS= read -r line; do
		ok=0
		while IFS= read -r g; do
			[ -n "$g" ] || continue
			# shellcheck disable=SC2053 # a glob, on purpose
			if [[ $line == $g ]]; then ok=1; break; fi
		done <<< "$globs"
		[ "$ok" = 1 ] && continue
		echo "not ok - suite $1: '$line' skipped on the $variant kernel, which is not an expected skip (SKIPS_$variant in tests/${1%@*}/suite.conf)"
		n=$((n + 1))
	done
	return "$n"
}

# count_tap NAME CMD...: run a host-side TAP program, add up its results.
count_tap() {
	local name=$1 out rc p f k
	shift
	echo "== host: $name"
	out=$("$@" 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out" | grep -E '^(not )?ok |^# ' || true
	k=$(printf '%s\n' "$out" | grep -ciE '^ok .*# skip' || true)
	p=$(printf '%s\n' "$out" | grep -cE '^ok ' || true)
	f=$(printf '%s\n' "$out" | grep -cE '^not ok ' || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		printf '%s\n' "$out" | tail -n 10
		f=1
	fi
	plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' | head -n 1)
	if [ -n "$plan" ] && [ $((p + f)) -ne "$plan" ]; then
		echo "not ok - $name reported $((p + f)) results, $plan planned"
		f=$((f + 1))
	fi
	passed=$((passed + p - k)) failed=$((failed + f)) skipped=$((skipped + k))
}

# Host side first: lint of the kernel code, then the unit tests (each
# program in build/host-tests prints TAP).
if [ "$host" = 1 ]; then
	count_tap lint "$FDBOX_TOP/tests/vm/lint.sh" "$kdir"
	for t in "$FDBOX_TOP"/build/host-tests/*; do
		[ -x "$t" ] && count_tap "${t##*/}" "$t"
	done
fi

for s in ${suites[@]+"${suites[@]}"}; do
	base=${s%@*} skdir=$kdir kvar="" kmod=("${modarg[@]}")
	knob=$FDBOX_TOP/build/kmod-debug/kernel/fdbox.ko
	case "$s" in
	*@patched) kvar=PATCHED skdir=${FDBOX_PATCHED_KDIR-} ;;
	*@debug)
		kvar=DEBUG skdir=${FDBOX_DEBUG_KDIR-}
		kmod=(--module "$FDBOX_TOP/build/kmod-on-debug/kernel/fdbox.ko")
		knob=$FDBOX_TOP/build/kmod-on-debug-knob/kernel/fdbox.ko
		if [ ! -f "${kmod[1]}" ]; then
			echo "not ok - suite $s: ${kmod[1]} is not built (make modules-on-debug KDIR=<debug tree>)"
			failed=$((failed + 1)); continue
		fi ;;
	*@*)
		echo "not ok - suite $s: unknown kernel '${s#*@}' (patched or debug)"
		failed=$((failed + 1)); continue ;;
	esac
	if [ -n "$kvar" ]; then
		if [ -z "$skdir" ]; then
			echo "not ok - suite $s: FDBOX_${kvar}_KDIR is not set (the build tree of 'tests/vm/kernel.sh ${kvar,,}')"
			failed=$((failed + 1)); continue
		fi
		if [ ! -f "$skdir/arch/x86/boot/bzImage" ]; then
			echo "not ok - suite $s: FDBOX_${kvar}_KDIR=$skdir holds no built kernel"
			failed=$((failed + 1)); continue
		fi
	fi
	conf="$FDBOX_TOP/tests/$base/suite.conf"
	if [ ! -f "$conf" ]; then
		echo "not ok - suite '$base' does not exist (no $conf)"
		failed=$((failed + 1)); continue
	fi
	STAGES=1 MEM=2G TIMEOUT=600 APPEND="" MODULE="" NOLOAD_STAGES=""
	SKIPS_normal="" SKIPS_patched="" SKIPS_debug=""
	. "$conf"
	# MODULE=debug in suite.conf: load the FDBOX_DEBUG=y build of the
	# module (make module-debug) instead of kernel/fdbox.ko.
	smod=()
	if [ "$MODULE" = debug ]; then
		smod=(--module "$knob")
		if [ ! -f "$knob" ]; then
			echo "not ok - suite $s: MODULE=debug, but $knob is not built (make module-debug)"
			failed=$((failed + 1)); continue
		fi
	fi
	# Test-only modules (tests/kmod/) built for this suite's kernel.
	tmods=()
	tdir=$FDBOX_TOP/build/kmod-test
	[ "$kvar" = DEBUG ] && tdir=$FDBOX_TOP/build/kmod-on-debug-test
	for ko in "$tdir"/*.ko; do
		[ -f "$ko" ] && tmods+=(--add "$ko:/lib/fdbox-tests/${ko##*/}")
	done
	res="$FDBOX_TOP/build/logs/$s.result"
	slog="$FDBOX_TOP/build/logs/$s.log"
	for attempt in 1 2; do
		rm -f "$res" "$res.skips"
		"$FDBOX_TOP/tests/vm/run.sh" --kdir "$skdir" --name "$s" --stages "$STAGES" \
			--mem "$MEM" --timeout "$TIMEOUT" --append "$APPEND" "${kmod[@]}" "${addarg[@]}" \
			${tmods[@]+"${tmods[@]}"} \
			--noload-stages "$NOLOAD_STAGES" \
			"${smod[@]}" --suite "$FDBOX_TOP/build/tests/$base" --result "$res" || true
		# A VM that went silent (docs/known-issues.md, "kexec-hang") gets
		# one more run, never two; its log is kept apart.
		[ "$attempt" = 1 ] && grep -q 'stopped as hung' "$slog" 2> /dev/null || break
		mv -f "$slog" "${slog%.log}.hung.log"
		echo "# $s: the VM hung (known kernel issue: kexec-hang, docs/known-issues.md); running the suite once more, first log in ${slog%.log}.hung.log"
	done
	if [ -f "$res" ]; then
		read -r p f k c < "$res"
		unexpected_skips "$s" "$skdir" < "$res.skips" || f=$((f + $?))
	else
		p=0 f=1 k=0 c=0
		echo "not ok - suite $s: the VM run did not produce results"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
	checks=$((checks + c))
done
# The benchmarks' smoke run: every workload at tiny size, in one VM run.
if [ "$smoke" = 1 ]; then
	count_tap bench-smoke "$FDBOX_TOP/bench/run.sh" --smoke "$kdir"
fi

if [ $((passed + failed)) -eq 0 ]; then
	echo "not ok - no test reported any result"
	failed=1
fi
t=$(( $(now_ms) - t0 ))
echo "== all suites: $(( t / 1000 )) s; besides the tests, $checks per-stage checks of the harness (module load, kernel log) passed"

line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
