#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tests/vm/known-issues.awk names exactly the kernel reports of
# docs/known-issues.md and passes every other line through unchanged, so
# that any other report still fails a stage's log check. Run with the host's
# awk and with busybox awk (what the guest runs). Prints TAP. Installed as
# build/host-tests/test-known-issues.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
filter=$top/tests/vm/known-issues.awk
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdbox-known.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

. "$top/tests/host/tap.sh"

# report [HEADER] [IRQ FRAME] [TASK FRAME] [TASK FRAME]: a KASAN report as
# the console shows it, the harness's time stamp first (empty: as known).
report() {
	cat <<EOF
[   9.100] [    0.871000] ==================================================================
[   9.100] [    0.871001] ${1:-BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x1bd/0x270}
[   9.100] [    0.871002] Write of size 4 at addr 1fffffff80001a5c by task swapper/0/0
[   9.100] [    0.871003] CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Not tainted 7.3.4 #1
[   9.100] [    0.871004] Call Trace:
[   9.100] [    0.871005]  <IRQ>
[   9.100] [    0.871006]  kasan_report+0xb9/0xf0
[   9.100] [    0.871007]  do_raw_spin_lock+0x1bd/0x270
[   9.100] [    0.871008]  ${2:-handle_edge_irq+0x3c/0x8f0}
[   9.100] [    0.871009]  __common_interrupt+0x91/0x170
[   9.100] [    0.871010]  common_interrupt+0x7f/0xa0
[   9.100] [    0.871011]  </IRQ>
[   9.100] [    0.871012]  <TASK>
[   9.100] [    0.871013]  ${3:-identify_cpu+0x5a1/0x1a70}
[   9.100] [    0.871014]  ${4:-arch_cpu_finalize_init+0x1d/0x2b0}
[   9.100] [    0.871015]  start_kernel+0x4d8/0x6b0
[   9.100] [    0.871016]  </TASK>
[   9.100] [    0.871017] ==================================================================
EOF
}

# around LINES...: ordinary console lines before and after stdin
around() {
	echo "[   9.000] [    0.800000] early line"
	cat
	echo "[   9.200] [    0.900000] late line"
}

# The filter under each awk, in the sh -c of each check.
run='run_filter() { $FILTER_AWK -f "$FILTER"; };'
export FILTER="$filter"

for awk in awk "busybox awk"; do
	if ! $awk 'BEGIN { exit 0 }' 2> /dev/null; then
		n=$((n + 1)); echo "ok $n - $awk # SKIP not installed"
		continue
	fi
	export FILTER_AWK="$awk"

	report | around > "$tmp/known"
	t "$awk: the known report becomes one line naming it" sh -c "$run"'
		out=$(run_filter < "$1")
		echo "$out"
		[ "$(echo "$out" | grep -c "known kernel issue: early-irq-kasan (docs/known-issues.md)")" = 1 ] &&
		! echo "$out" | grep -q "BUG:\|KASAN\|do_raw_spin_lock" &&
		echo "$out" | grep -q "early line" && echo "$out" | grep -q "late line"
	' sh "$tmp/known"

	# Anything else passes through byte for byte: another report, in
	# another function, from another interrupt flow, or not during boot.
	i=0
	for variant in \
		"BUG: KASAN: slab-use-after-free in do_raw_spin_lock+0x1/0x2|||" \
		"BUG: KASAN: wild-memory-access in _raw_spin_lock+0x1/0x2|||" \
		"|handle_level_irq+0x1/0x2||" \
		"||do_one_initcall+0x1/0x2|kernel_init+0x1/0x2"; do
		i=$((i + 1))
		h=${variant%%|*} rest=${variant#*|}
		f1=${rest%%|*} rest=${rest#*|}
		f2=${rest%%|*} f3=${rest#*|}
		report "$h" "$f1" "$f2" "$f3" | around > "$tmp/other$i"
		t "$awk: another report ($i) passes through unchanged" sh -c "$run"'
			run_filter < "$1" | cmp - "$1"' sh "$tmp/other$i"
	done
	report | head -n 12 | around > "$tmp/cut"
	t "$awk: a report cut short passes through unchanged" sh -c "$run"'
		run_filter < "$1" | cmp - "$1"' sh "$tmp/cut"
	# Without the harness's time stamp, as dmesg prints it in the guest.
	report | sed 's/^\[ *[0-9.]*\] //' > "$tmp/dmesg"
	t "$awk: recognised in dmesg output too" sh -c "$run"'
		run_filter < "$1" | grep -q "^\[    0.871001\] known kernel issue: early-irq-kasan"' \
		sh "$tmp/dmesg"
done

echo "1..$n"
[ "$failed" -eq 0 ]
