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

This run uses the kernel's own Live Update Orchestrator (/dev/liveupdate),
the baseline FDBox is measured against; FDBox's own handover replaces it
here once it lands. Under TCG every figure is slow in absolute terms.

EOT
rc=0
"$FDBOX_TOP/tests/vm/run.sh" --kdir "$kdir" --name demo --stages 2 --mem 4G \
	--timeout 600 --add "$FDBOX_TOP/build/guest/demo-luo:/bin/demo-luo" \
	--run /bin/demo-luo || rc=$?

# "[  12.345] demo: step ms" lines and the host-side kexec timestamps
awk '
	{
		t = substr($0, 2, index($0, "]") - 2) * 1000
		sub(/^\[[ 0-9.]*\] /, "")
	}
	/^demo: (fill|hash|preserve|restore|verify) [0-9]/ { ms[$2] = $3 }
	/^demo: sha256/ { print "  " substr($0, 7) }
	/^fdbox-harness: kexec$/ { kx = t }
	/^fdbox-harness: stage 2 of/ { up = t }
	function row(what, v) { printf "  %-42s %8s\n", what, v }
	END {
		print ""
		row("step", "ms")
		row("fill 1 GiB (pseudo-random)", ms["fill"])
		row("SHA-256 before kexec", ms["hash"])
		row("preserve (LUO PRESERVE_FD)", ms["preserve"])
		if (kx && up) row("reboot(KEXEC) to new kernel userspace", up - kx)
		row("restore (LUO RETRIEVE_SESSION+RETRIEVE_FD)", ms["restore"])
		row("SHA-256 after kexec (verify)", ms["verify"])
	}' "$log"
exit $rc
