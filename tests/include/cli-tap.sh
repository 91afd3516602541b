# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the shell tests of the fdbox command (sourced; the
# harness puts this file at /lib/fdbox-tests/cli-tap.sh in the guest).
# The test sets T to a scratch directory before using fx/expect/check.
#
# A script declares its results first, `plan N` (TAP's "1..N" up front),
# and ends with `finish`. A part that cannot run here still accounts for
# its results (skip_n), so the count does not depend on the path taken;
# a script that stops early or runs a different number of checks than it
# declared fails (the harness compares, and finish exits non-zero).

n=0 failed=0 planned=""
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# plan N: this script prints N results
plan() { planned=$1; echo "1..$1"; }
# skip_n COUNT DESC REASON: the COUNT results of a part that cannot run here
skip_n() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_i=$((_i + 1)); skip "$2 ($_i of $1)" "$3"
	done
}
# finish: the exit status of the script: every declared result came, and
# none failed
finish() {
	if [ "$n" != "$planned" ]; then
		echo "# $n results, but the plan said ${planned:-nothing}"
		return 1
	fi
	[ "$failed" = 0 ]
}
# fx ARGS...: run fdbox, exit status in $rc, output in $T/out and $T/err
fx() { fdbox "$@" > "$T/out" 2> "$T/err"; rc=$?; }
# expect RC TEXT DESC: the last fx exited with RC; stderr has TEXT, or is
# empty when TEXT is ""; an error (RC 1) is one line
expect() {
	good=0
	if [ "$rc" = "$1" ]; then
		if [ -z "$2" ]; then [ -s "$T/err" ] || good=1
		else grep -qF -- "$2" "$T/err" && good=1; fi
	fi
	if [ "$good" = 1 ] && [ "$1" = 1 ] && [ "$(wc -l < "$T/err")" != 1 ]; then
		good=0
	fi
	if [ "$good" = 1 ]; then pass "$3"; else
		fail "$3"
		echo "#   exit status $rc (want $1); stderr:"
		sed 's/^/#   /' "$T/err"
	fi
}
# check DESC CMD...: CMD succeeds
check() {
	d=$1; shift
	if "$@"; then pass "$d"; else fail "$d"; sed 's/^/#   out: /' "$T/out" | head -n 8; fi
}
out_has() { grep -qF -- "$1" "$T/out"; }
same() { cmp -s "$1" "$2"; }
