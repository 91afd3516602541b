#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every test suite in its own VM and print the total.
#
# Usage: check.sh KDIR [SUITE...]
# A suite is a directory tests/<suite>/ with a suite.conf (shell variables
# STAGES, MEM, TIMEOUT, optional APPEND); its programs were built by make
# into build/tests/<suite>/. Without SUITE arguments every suite runs.
# The last line printed is "N passed, N failed[, N skipped]".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: check.sh KDIR [SUITE...]"
kdir=$1; shift
if [ $# -gt 0 ]; then
	suites=("$@")
else
	suites=()
	for conf in "$FDBOX_TOP"/tests/*/suite.conf; do
		d=${conf%/suite.conf}; suites+=("${d##*/}")
	done
fi
module="$FDBOX_TOP/kernel/fdbox.ko"
modarg=(); [ -f "$module" ] && modarg=(--module "$module")

t0=$(now_ms)
passed=0 failed=0 skipped=0
for s in "${suites[@]}"; do
	conf="$FDBOX_TOP/tests/$s/suite.conf"
	if [ ! -f "$conf" ]; then
		echo "not ok - suite '$s' does not exist (no $conf)"
		failed=$((failed + 1)); continue
	fi
	STAGES=1 MEM=2G TIMEOUT=600 APPEND=""
	. "$conf"
	res="$FDBOX_TOP/build/logs/$s.result"
	rm -f "$res"
	"$FDBOX_TOP/tests/vm/run.sh" --kdir "$kdir" --name "$s" --stages "$STAGES" \
		--mem "$MEM" --timeout "$TIMEOUT" --append "$APPEND" "${modarg[@]}" \
		--suite "$FDBOX_TOP/build/tests/$s" --result "$res" || true
	if [ -f "$res" ]; then
		read -r p f k < "$res"
	else
		p=0 f=1 k=0
		echo "not ok - suite $s: the VM run did not produce results"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
done
if [ $((passed + failed)) -eq 0 ]; then
	echo "not ok - no test reported any result"
	failed=1
fi
t=$(( $(now_ms) - t0 ))
echo "== all suites: $(( t / 1000 )) s"
line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
