#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# FDBox benchmarks: FDBox vs LUO (and vs s6-fdholder for hold mode) on the
# same work, in ONE VM run joined by kexecs (see docs/performance.md).
#
# Usage: bench/run.sh [--smoke] KDIR
#   KDIR     kernel build tree (make bench passes build/kdir-normal's)
#   --smoke  every workload at a tiny size, a few stages; prints TAP
#            ("ok N - workload X ran") and exits non-zero if one broke
# Environment: FDBOX_ACCEL=tcg|kvm (tests/vm/run.sh), BENCH_MEM (guest
# memory, default 8G; 1G for --smoke), BENCH_REPS (repetitions, default 5),
# BENCH_MODULE (the fdbox.ko to load, default kernel/fdbox.ko; BENCH_MODULE_DESC
# says where it came from in the JSON). To iterate on one workload (not for
# the figures in docs/performance.md, which come from a full run):
#   BENCH_WORKLOADS  which workloads run, a subset of "seal restore blackout
#                    fds hold" (default: all); fewer workloads, fewer stages
#                    (seal alone: one stage, no kexec)
#   BENCH_SEAL_MIB   memfd sizes of workload 1 (default "256 1024 4096";
#                    4096 and up get half the repetitions)
#   BENCH_FDS        fd counts of workload 4 (default "1 100 1000 10000")
# e.g. BENCH_WORKLOADS="seal fds" BENCH_REPS=3 BENCH_SEAL_MIB=1024 make bench
# Such a partial run writes build/bench/partial.json and
# build/logs/bench-partial.log and leaves bench/results/latest.json alone.
# Needs: make bench-build (build/bench/), kernel/fdbox.ko, build/guest/.
# Writes: bench/results/latest.json (full run), build/logs/bench*.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
[ $# -eq 1 ] || die "usage: bench/run.sh [--smoke] KDIR"
kdir=$1
bin="$top/build/bench"
module=${BENCH_MODULE:-$top/kernel/fdbox.ko}
for p in seal chain fds clock hold hold.sh report; do
	[ -x "$bin/bench-$p" ] || die "$bin/bench-$p missing (run make bench)"
done
[ -f "$module" ] || die "$module missing (run make bench)"

# --- s6-fdholder for the hold-mode comparison -------------------------
s6_bins="s6-fdholder-daemon s6-ipcserver-socketbinder s6-fdholderd s6-fdholder-store s6-fdholder-retrieve"
if ! command -v s6-fdholderd >/dev/null; then
	say "installing s6 (s6-fdholder) with apt-get"
	apt-get install -y s6 >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && apt-get install -y s6 >/dev/null 2>&1; } ||
		die "apt-get install s6 failed"
fi
adds=()
declare -A libs=()
for b in $s6_bins; do
	path=$(command -v "$b") || die "$b not found after installing s6"
	adds+=(--add "$path:/user/$b")
	while read -r lib; do
		[ -n "$lib" ] && libs[$lib]=1
	done < <(ldd "$path" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}')
done
for lib in "${!libs[@]}"; do
	adds+=(--add "$(realpath "$lib"):/user/${lib##*/}")
done
for p in seal chain fds clock hold; do
	adds+=(--add "$bin/bench-$p:/bin/bench-$p")
done
adds+=(--add "$bin/bench-hold.sh:/bin/bench-hold.sh")

# --- the plan ----------------------------------------------------------
# Every stage runs the same commands; each program looks at FDBOX_STAGE.
# SCHED has one letter per stage, what is held across the kexec that ends
# it: F the 1 GiB memfd in FDBox, L the same in LUO, H one of 2 MiB folios
# in FDBox, S many small fds in both, N nothing (the clock page, in LUO,
# crosses every kexec). With FDBOX_PATCHED_KDIR (make bench sets it), a
# second VM boot, of the kernel with the FDBox helpers, measures restore
# alone: F zero-copy, M the module-only path on the same kernel, H, L.
reps=${BENCH_REPS:-5}
workloads=" ${BENCH_WORKLOADS:-seal restore blackout fds hold} "
workloads=${workloads//,/ }
for w in $workloads; do
	case "$w" in
	seal|restore|blackout|fds|hold) ;;
	*) die "BENCH_WORKLOADS: unknown workload '$w' (seal restore blackout fds hold)" ;;
	esac
done
want() { [[ "$workloads" == *" $1 "* ]]; }
if [ "$smoke" = 1 ]; then
	name=bench-smoke mem=${BENCH_MEM:-1G} timeout=300
	seal="bench-seal 1 ${BENCH_SEAL_MIB:-1}"
	hold="bench-hold.sh 1 0.2"
	counts=${BENCH_FDS:-1 10} chain_mib=1 sched=FLSN
else
	name=bench mem=${BENCH_MEM:-8G} timeout=5400
	if [ "$workloads" != " seal restore blackout fds hold " ] ||
	   [ -n "${BENCH_SEAL_MIB:-}${BENCH_FDS:-}" ]; then
		name=bench-partial
	fi
	small="" big=""
	for mib in ${BENCH_SEAL_MIB:-256 1024 4096}; do
		[[ "$mib" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SEAL_MIB: '$mib' is not a size in MiB"
		if [ "$mib" -ge 4096 ]; then big+=" $mib"; else small+=" $mib"; fi
	done
	seal=""
	[ -z "$small" ] || seal="bench-seal $reps$small"
	[ -z "$big" ] || seal+="${seal:+ && }bench-seal $(( (reps + 1) / 2 ))$big"
	hold="bench-hold.sh $reps 2"
	counts=${BENCH_FDS:-1 100 1000 10000} chain_mib=1024 sched=""
	# F/L: the 1 GiB memfd (restore, blackout), S: many fds, N: nothing
	# held (blackout's baseline); stages nothing selected needs are left out
	letters=""
	if want restore || want blackout; then letters+=FL; fi
	# H: the same size in 2 MiB folios (the large-folio case)
	if want restore; then letters+=H; fi
	if want fds; then letters+=S; fi
	if want blackout; then letters+=N; fi
	for ((r = 0; r < reps; r++)); do
		l=$letters
		if ((r % 2)) && [[ "$l" == FL* ]]; then l=LF${l#FL}; fi
		sched+=$l
	done
fi
runs=(--run "bench-clock read")
if want seal && [ -n "$seal" ]; then
	runs+=(--run "if [ \"\$FDBOX_STAGE\" = 1 ]; then $seal; fi")
fi
if want fds; then runs+=(--run "bench-fds $sched $counts"); fi
if want restore || want blackout; then
	runs+=(--run "bench-chain $sched $chain_mib")
fi
if want blackout; then runs+=(--run "bench-clock arm $sched"); fi
# hold mode last: after it, the next kernel's boot was seen to stall for
# 10-30 s (docs/performance.md, open problems); no kexec follows it
if want hold; then
	runs+=(--run "if [ \"\$FDBOX_STAGE\" = \"\$FDBOX_STAGES\" ]; then $hold; fi")
fi
stages=$(( ${#sched} + 1 ))

log="$top/build/logs/$name.log"
uptime_before=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
"$top/tests/vm/run.sh" --kdir "$kdir" --name "$name" --stages "$stages" \
	--mem "$mem" --timeout "$timeout" --module "$module" "${adds[@]}" \
	"${runs[@]}" >&2 || rc=$?
[ -f "$log" ] || die "no console log at $log"

if [ "$smoke" = 1 ]; then
	echo "1..6"
	trc=0
	"$bin/bench-report" --tap "$log" || trc=1
	[ "$rc" = 0 ] && echo "ok 6 - the VM run finished cleanly" ||
		echo "not ok 6 - the VM run finished cleanly (see $log)"
	[ "$rc" = 0 ] && [ "$trc" = 0 ]
	exit
fi

# --- second boot: the kernel with the FDBox helpers (restore paths) ----
pkdir=${FDBOX_PATCHED_KDIR:-}
plog="" psched=""
if [ -n "$pkdir" ] && want restore && [ "$smoke" = 0 ]; then
	psched=""
	for ((r = 0; r < reps; r++)); do
		if ((r % 2)); then psched+=LFHM; else psched+=FLMH; fi
	done
	pname=$name-patched
	plog="$top/build/logs/$pname.log"
	say "second VM boot: the patched kernel ($(basename "$pkdir")), restore paths"
	"$top/tests/vm/run.sh" --kdir "$pkdir" --name "$pname" --stages $(( ${#psched} + 1 )) \
		--mem "$mem" --timeout "$timeout" --module "$module" \
		--add "$bin/bench-chain:/bin/bench-chain" \
		--run "BENCH_TAG=@patched bench-chain $psched $chain_mib" >&2 || rc=$?
	[ -f "$plog" ] || die "no console log at $plog"
	cat "$plog" >> "$log"
fi

accel=${FDBOX_ACCEL:-tcg}
json=bench/results/latest.json partial=()
[ "$name" = bench ] || json=build/bench/partial.json partial=(--partial)
mkdir -p "$top/${json%/*}"
meta=(--meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	--meta "commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
	--meta "accelerator=${accel^^}" --meta "guest_memory=$mem" --meta "guest_cpus=2"
	--meta "host_cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	--meta "host_cpus=$(nproc)" --meta "host_memory_kib=$(awk '/MemTotal/{print $2}' /proc/meminfo)"
	--meta "host_load_before=$uptime_before" --meta "host_load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
	--meta "kernel=$(basename "$kdir")" --meta "module=${BENCH_MODULE_DESC:-${module#"$top"/}}"
	--meta "repetitions=$reps" --meta "schedule=$sched"
	--meta "workloads=$(echo $workloads)"
	--meta "patched_kernel=${pkdir:+$(basename "$pkdir") (second VM boot, schedule $psched)}"
	--meta "vm_exit=$rc")
echo
echo "## FDBox benchmarks: ${accel^^}, guest -m $mem -smp 2, $reps repetitions, one VM run of $stages stages"
echo
[ -z "$plog" ] || echo "Rows marked \"kernel with the FDBox helpers\" and \"same kernel\" come from a second VM boot of that kernel (kernel/patches/ applied), each compared with LUO in that boot."
[ -z "$plog" ] || echo
echo "Host: $(nproc) CPUs, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $uptime_before before / $(cut -d' ' -f1-3 /proc/loadavg) after."
echo "Figures: median (min–max, n) of the repetitions; ratio = FDBox median / anchor median."
echo
"$bin/bench-report" --json "$top/$json" "${partial[@]}" "${meta[@]}" "$log"
echo
echo "JSON: $json; console log: ${log#"$top"/}"
[ "$rc" = 0 ] || say "the VM run reported failures (exit $rc); see $log"
exit "$rc"
