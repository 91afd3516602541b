#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel-side lint as TAP: checkpatch --strict on every module source, the
# UAPI header and every patch of kernel/patches/, and from-scratch W=1
# builds of the module (normal, and FDBOX_DEBUG=y with the test-only knob)
# that must not print a single warning.
# Usage: lint.sh KDIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: lint.sh KDIR"
kdir=$1
n=0 bad=0
# Module builds hold the cached tree's lock shared (see kernel.sh).
klock() {
	if [ -f "$kdir.lock" ]; then flock -s "$kdir.lock" "$@"; else "$@"; fi
}
tap() { # tap STATUS DESCRIPTION [DETAILS]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"; bad=1
		[ -z "${3-}" ] || printf '%s\n' "$3" | head -n 30 | sed 's/^/# /'
	fi
}

cd "$FDBOX_TOP"
files=$(ls kernel/*.c kernel/*.h include/uapi/linux/fdbox.h 2>/dev/null | grep -v '\.mod\.c$')
if [ -z "$files" ]; then
	echo "1..0 # SKIP no kernel sources yet"
	exit 0
fi
# The plan first: one checkpatch per source and per patch, two builds.
patches=$(ls kernel/patches/[0-9]*.patch 2>/dev/null | grep -v '/0000-')
planned=$(( $(printf '%s\n' $files $patches | grep -c .) + $([ -f kernel/Kbuild ] && echo 2 || echo 0) ))
echo "1..$planned"
for f in $files; do
	out=$("$kdir/source/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--show-types -f "$f" 2>&1)
	tap $? "checkpatch --strict $f" "$out"
done
# The kernel patch series (the cover letter is not a patch), checked from
# inside the kernel tree it applies to (this repository's git tree would
# confuse checkpatch).
for f in $patches; do
	out=$(cd "$kdir/source" && ./scripts/checkpatch.pl --strict --quiet \
		--show-types "$FDBOX_TOP/$f" 2>&1)
	tap $? "checkpatch --strict $f" "$out"
done

# Build a copy of the sources so that every file compiles (and warns) again
# without disturbing the objects of the working tree.
if [ -f kernel/Kbuild ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdbox-lint.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/kernel" "$tmp/include"
	cp kernel/Kbuild kernel/Makefile $(printf "%s\n" $files | grep "^kernel/") "$tmp/kernel/"
	cp -r include/uapi "$tmp/include/"
	for debug in "" y; do
		klock make -C "$kdir" M="$tmp/kernel" clean >/dev/null 2>&1
		out=$(klock make -C "$kdir" M="$tmp/kernel" W=1 FDBOX_DEBUG=$debug modules 2>&1)
		rc=$?
		warn=$(printf '%s\n' "$out" | grep -E 'warning:|error:')
		[ $rc -eq 0 ] && [ -z "$warn" ]
		tap $? "module builds with W=1${debug:+ FDBOX_DEBUG=y} without warnings" "${warn:-$out}"
	done
fi
[ "$n" = "$planned" ] || { echo "# $n results, $planned planned"; bad=1; }
exit $bad
