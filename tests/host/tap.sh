# SPDX-License-Identifier: GPL-2.0
# TAP helpers of the host-side shell tests (sourced, after the test sets
# tmp to its scratch directory): t DESCRIPTION COMMAND... prints one TAP
# line from COMMAND's exit status, with the tail of its output when it
# fails; skip DESCRIPTION REASON prints a skipped one. n counts the results,
# failed the failures.

n=0 failed=0
t() {
	desc=$1; shift
	n=$((n + 1))
	if "$@" > "$tmp/out" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$tmp/out" | tail -n 15
		failed=$((failed + 1))
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
