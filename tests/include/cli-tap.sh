# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the shell tests of the fdbox command (sourced; the
# harness puts this file at /lib/fdbox-tests/cli-tap.sh in the guest).
# The test sets T to a scratch directory before using fx/expect/check.

n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
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
