# SPDX-License-Identifier: GPL-2.0
# Filter a kernel log (dmesg, or the serial console with or without the
# harness's own time stamps): print it unchanged, except the reports of
# kernel issues known not to come from FDBox (docs/known-issues.md), which
# are replaced by one line "known kernel issue: NAME (docs/known-issues.md)".
# Only the exact report is recognised; anything else passes through and
# still fails the log checks. Runs under busybox awk in the guest.
#
# Known issue "early-irq-kasan": a KASAN wild-memory-access report in
# do_raw_spin_lock, from an edge interrupt (handle_edge_irq <-
# common_interrupt) taken while the boot CPU is still being identified
# (identify_cpu / arch_cpu_finalize_init), before any module is loaded.

function flush(known,    i) {
	if (known)
		print prefix "known kernel issue: early-irq-kasan (docs/known-issues.md)"
	else
		for (i = 1; i <= n; i++)
			print buf[i]
	n = 0
	inreport = 0
}

{
	# The message without the harness's and the kernel's time stamps.
	msg = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
}

!inreport && msg ~ /^BUG: KASAN: wild-memory-access in do_raw_spin_lock/ {
	inreport = 1
	n = 0
	edge = 0
	common = 0
	early = 0
	prefix = substr($0, 1, length($0) - length(msg))
}

inreport {
	buf[++n] = $0
	if (msg ~ /handle_edge_irq/)
		edge = 1
	if (msg ~ /common_interrupt/)
		common = 1
	if (msg ~ /identify_cpu|arch_cpu_finalize_init/)
		early = 1
	# The closing rule of the report, or a report far too long to be it.
	if (n > 1 && msg ~ /^=+$/)
		flush(edge && common && early)
	else if (n > 300)
		flush(0)
	next
}

{ print }

END {
	if (inreport)
		flush(0)
}
