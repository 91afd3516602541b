#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: a 1 GiB memfd survives a real kexec; print a timing table.
# Usage: demo.sh KDIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: demo.sh KDIR"
kdir=$1
log="$FDBOX_TOP/build/logs/demo.log"

cat <<'EOT'
FDBox demo: a 1 GiB memfd survives a kexec.

In a QEMU guest: put a 1 GiB memfd of random data in box "demo", seal the
box, kexec into a new kernel, unseal the box and check the memfd's SHA-256.
Every step uses the fdbox command (tests/vm/guest/demo.sh shows how). Under
TCG every figure is slow in absolute terms; make bench compares FDBox with
the kernel's own Live Update Orchestrator in the same run.

EOT
rc=0
module="$FDBOX_TOP/kernel/fdbox.ko"
cli="$FDBOX_TOP/build/guest-bin/fdbox"
[ -f "$module" ] || die "$module not built (run make)"
[ -x "$cli" ] || die "$cli not built (run make)"
"$FDBOX_TOP/tests/vm/run.sh" --kdir "$kdir" --name demo --stages 2 --mem 4G \
	--timeout 600 --module "$module" --add "$cli:/bin/fdbox" \
	--add "$FDBOX_TOP/build/guest/memfd-fill:/bin/memfd-fill" \
	--add "$FDBOX_TOP/tests/vm/guest/demo.sh:/bin/demo.sh" \
	--run /bin/demo.sh --verbose | grep -vE '^\[[ 0-9.]*\] ( |\[ *[0-9]+\.[0-9]+\] )' || rc=$?

# "[  12.345] demo: step ms" lines and the host-side kexec timestamps
awk '
	{
		t = substr($0, 2, index($0, "]") - 2) * 1000
		sub(/^\[[ 0-9.]*\] /, "")
	}
	/^demo: (fill|hash|seal|unseal|verify) [0-9]/ { ms[$2] = $3 }
	/^demo: sha256/ { print "  " substr($0, 7) }
	/^fdbox-harness: kexec$/ { kx = t }
	/^fdbox-harness: module loaded/ && kx { ml = t }
	function row(what, v) { printf "  %-44s %8s\n", what, v }
	END {
		print ""
		row("step", "ms")
		row("fill 1 GiB memfd (pseudo-random)", ms["fill"])
		row("SHA-256 before kexec", ms["hash"])
		row("fdbox seal (pin + preserve 1 GiB)", ms["seal"])
		if (kx && ml) row("reboot(KEXEC) to fdbox.ko loaded", ml - kx)
		row("fdbox unseal (restore 1 GiB memfd)", ms["unseal"])
		row("SHA-256 after kexec (verify)", ms["verify"])
	}' "$log"
exit $rc
