#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make mutants: prove that the suites catch real bugs.
#
# Each tests/mutants/NN-*.patch is one small, realistic bug in kernel/, lib/
# or tools/. Its first lines say what it breaks ("Mutant: ...") and which
# suites must catch it ("Suites: ...": NAME, NAME@patched, NAME@debug, or
# host for lint and the host-side unit tests). Each is applied in turn to a
# scratch copy of this checkout (its working tree as it is, with its build
# directory), built, and those suites run on it with tests/vm/check.sh: a
# failing run kills the mutant; one that passes is a bug no test catches.
#
# Usage: run.sh [MUTANT...]   (file names or their NN prefixes; default all)
# Needs build/kdir-normal, and build/kdir-patched or build/kdir-debug for
# mutants whose suites run there (make mutants prepares all three). Writes
# each run's output to build/mutants/NAME.log and its VM console logs to
# build/mutants/NAME/. The last line is
# "mutants: N killed, N survived"; the status is 0 only if every mutant
# applied, built and was killed.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

top=$FDBOX_TOP
kdir=$(cat "$top/build/kdir-normal" 2>/dev/null) ||
	die "build/kdir-normal is missing (make mutants prepares it)"
pkdir=$(cat "$top/build/kdir-patched" 2>/dev/null || true)
dkdir=$(cat "$top/build/kdir-debug" 2>/dev/null || true)
logs="$top/build/mutants"
mkdir -p "$logs"

mutants=()
if [ $# -eq 0 ]; then
	mutants=("$top"/tests/mutants/[0-9]*.patch)
else
	for m in "$@"; do
		m=${m##*/} m=${m%.patch}
		f=$(ls "$top"/tests/mutants/"$m"*.patch 2>/dev/null | head -n 1)
		[ -n "$f" ] || die "no mutant '$m' in tests/mutants"
		mutants+=("$f")
	done
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/fdbox-mutants.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# copy DIR: the checkout's files (tracked or new, not ignored) and its build
# directory, times kept, so that make rebuilds only what a mutant touches.
copy() {
	mkdir -p "$1"
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -C "$1" -xf -
	cp -a "$top/build" "$1/"
	rm -rf "$1/build/logs" "$1/build/mutants"
}

killed=0 survived=0 broken=0 n=0 survivors=()
t0=$(now_ms)
echo "1..${#mutants[@]}"
for m in "${mutants[@]}"; do
	n=$((n + 1))
	name=$(basename "$m" .patch)
	what=$(sed -n 's/^Mutant: //p' "$m" | head -n 1)
	suites=$(sed -n 's/^Suites: //p' "$m" | head -n 1)
	log="$logs/$name.log"
	if [ -z "$what" ] || [ -z "$suites" ]; then
		echo "not ok $n - $name: no 'Mutant:' or 'Suites:' line"
		broken=$((broken + 1)); continue
	fi
	dir="$scratch/$name"
	copy "$dir"
	if ! patch -d "$dir" -p1 -s -f --no-backup-if-mismatch < "$m" > "$log" 2>&1; then
		echo "not ok $n - $name: does not apply any more (see $log)"
		broken=$((broken + 1)); rm -rf "$dir"; continue
	fi
	targets=(module module-debug userspace)
	if ! { make -C "$dir" --no-print-directory KDIR="$kdir" "${targets[@]}" &&
	       { [[ " $suites " != *@debug* ]] || [ -z "$dkdir" ] ||
		 make -C "$dir" --no-print-directory KDIR="$dkdir" modules-on-debug; }
	     } >> "$log" 2>&1; then
		echo "not ok $n - $name: does not build (see $log)"
		broken=$((broken + 1)); rm -rf "$dir"; continue
	fi
	ts=$(now_ms)
	# shellcheck disable=SC2086 # the suites are words
	if (cd "$dir" && FDBOX_CHECK_HOST=0 FDBOX_PATCHED_KDIR="$pkdir" \
		FDBOX_DEBUG_KDIR="$dkdir" tests/vm/check.sh "$kdir" $suites) >> "$log" 2>&1; then
		echo "not ok $n - $name survived: $what ($suites; see $log)"
		survived=$((survived + 1)) survivors+=("$name")
	else
		first=$(grep -m 1 -E '^(\[[ 0-9.]*\] )?not ok' "$log" | sed 's/^\[[ 0-9.]*\] //' | cut -c1-150)
		echo "ok $n - $name killed in $(( ($(now_ms) - ts) / 1000 )) s: $what; $first"
		killed=$((killed + 1))
	fi
	# The VM console logs of the run, next to its output.
	rm -rf "${log%.log}"
	[ ! -d "$dir/build/logs" ] || cp -r "$dir/build/logs" "${log%.log}"
	rm -rf "$dir"
done
echo "# $(( ($(now_ms) - t0) / 1000 )) s in all"
[ ${#survivors[@]} -eq 0 ] || echo "# survivors: ${survivors[*]}"
[ "$broken" = 0 ] || echo "# $broken mutant(s) did not apply or build: fix them"
echo "mutants: $killed killed, $survived survived"
[ "$survived" = 0 ] && [ "$broken" = 0 ]
