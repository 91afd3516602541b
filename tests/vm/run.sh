#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the FDBox test kernel in QEMU, run commands in one or more stages
# joined by real kexecs, and count the TAP results they print.
#
# Usage: run.sh --kdir KDIR [options]
#   --kdir DIR        kernel build tree from kernel.sh (bzImage, gen_init_cpio)
#   --name NAME       name of this run in messages and log files (default: vm)
#   --stages N        run the plan N times, kexec'ing between stages (default 1)
#   --run CMD         shell command to run in the guest in every stage, in
#                     order given; it sees FDBOX_STAGE and FDBOX_STAGES
#   --suite DIR       add every executable of DIR as /tests/<name>/<file> and
#                     run each of them (sorted) in every stage
#   --add SRC[:DEST]  copy a host file into the guest (default /user/<name>;
#                     missing directories of DEST are made)
#   --module KO       put KO at /lib/modules/fdbox.ko; init loads it each stage
#   --noload-stages "N ..."  stages in which init does not load the module
#   --mem SIZE        guest memory (default 2G)
#   --smp N           guest CPUs (default 2)
#   --timeout SEC     hard limit for the whole run (default 600)
#   --append ARGS     extra kernel command line arguments
#   --logdir DIR      where the console log goes (default build/logs)
#   --result FILE     write "passed failed skipped checks_passed" to FILE
#                     (the first three count tests, the last the harness's
#                     own per-stage checks; a failed check counts as failed)
#                     and the skipped tests, "PROGRAM: TEST" a line, to
#                     FILE.skips
#   --verbose         echo the whole console, not only results and markers
# Environment: FDBOX_ACCEL=tcg (default) or kvm; FDBOX_KVM_CPU (default
# host,-arch-capabilities) is the CPU model used with KVM; FDBOX_STALL
# (default 600): seconds without a line on the console after which the VM
# is taken as hung, stopped and the run failed, whatever --timeout allows.
# Exit status: 0 when nothing failed, 1 otherwise, 2 on usage errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The whole script is one function, read completely before it runs, so that
# editing this file cannot break a run in progress.
main() {

usage() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

kdir="" name=vm stages=1 mem=2G smp=2 timeout=600 append="" module="" noload=""
logdir="$FDBOX_TOP/build/logs" result="" verbose=0
runs=() adds=() suites=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) kdir=$2; shift ;;
	--name) name=$2; shift ;;
	--stages) stages=$2; shift ;;
	--run) runs+=("$2"); shift ;;
	--suite) suites+=("$2"); shift ;;
	--add) adds+=("$2"); shift ;;
	--module) module=$2; shift ;;
	--noload-stages) noload=$2; shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--append) append=$2; shift ;;
	--logdir) logdir=$2; shift ;;
	--result) result=$2; shift ;;
	--verbose) verbose=1 ;;
	-h|--help) usage ;;
	*) say "unknown option '$1'"; usage ;;
	esac
	shift
done
[ -n "$kdir" ] || { say "--kdir is required"; usage; }
[[ "$stages" =~ ^[1-9][0-9]*$ ]] || die "--stages needs a positive number, not '$stages'"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout needs seconds, not '$timeout'"
bzimage="$kdir/arch/x86/boot/bzImage"
cpiogen="$kdir/usr/gen_init_cpio"
[ -f "$bzimage" ] || die "no kernel at $bzimage (run tests/vm/kernel.sh)"
[ -x "$cpiogen" ] || die "no $cpiogen in the kernel tree (broken cache? remove $kdir)"
[ -x "$FDBOX_TOP/build/guest/kexec-next" ] || die "build/guest/kexec-next missing (run make)"
[ -z "$module" ] || [ -f "$module" ] || die "module $module does not exist"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed (tests/vm/deps.sh)"
busybox=$(command -v busybox) || die "busybox not installed (busybox-static)"

work=$(mktemp -d "${TMPDIR:-/tmp}/fdbox-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$logdir"
log="$logdir/$name.log"

# --- initramfs ---------------------------------------------------------
list="$work/initramfs.list"
plan="$work/plan"
: > "$plan"
echo "$stages" > "$work/stages"
echo "$noload" > "$work/noload"
{
	for d in /dev /proc /sys /tmp /bin /sbin /usr /usr/bin /usr/sbin /boot \
		 /etc /etc/fdbox /lib /lib/modules /tests /user /root; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /bin/busybox $busybox 0755 0 0"
	"$busybox" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] || echo "slink /$applet /bin/busybox 0777 0 0"
	done
	echo "file /init $FDBOX_TOP/tests/vm/guest/init 0755 0 0"
	echo "file /bin/kexec-next $FDBOX_TOP/build/guest/kexec-next 0755 0 0"
	echo "file /boot/bzImage $bzimage 0644 0 0"
	echo "file /etc/fdbox/plan $plan 0644 0 0"
	echo "file /etc/fdbox/stages $work/stages 0644 0 0"
	echo "file /etc/fdbox/noload $work/noload 0644 0 0"
	echo "file /etc/fdbox/known-issues.awk $FDBOX_TOP/tests/vm/known-issues.awk 0644 0 0"
	[ -z "$module" ] || echo "file /lib/modules/fdbox.ko $(realpath "$module") 0644 0 0"
	for s in "${suites[@]}"; do
		[ -d "$s" ] || die "suite directory $s does not exist"
		sname=${s%/}; sname=${sname##*/}
		echo "dir /tests/$sname 0755 0 0"
		for f in $(ls "$s" | sort); do
			[ -f "$s/$f" ] && [ -x "$s/$f" ] || continue
			echo "file /tests/$sname/$f $(realpath "$s/$f") 0755 0 0"
			echo "/tests/$sname/$f" >> "$plan"
		done
	done
	declare -A made=([/]=1 [/bin]=1 [/lib]=1 [/user]=1 [/tests]=1 [/etc]=1)
	for a in "${adds[@]}"; do
		src=${a%%:*} dest=${a#*:}
		[ "$dest" != "$a" ] || dest=/user/${src##*/}
		[ -e "$src" ] || die "--add: $src does not exist"
		# directories on the way that the initramfs does not have yet
		d=${dest%/*} dirs=()
		while [ -n "$d" ] && [ -z "${made[$d]-}" ]; do
			dirs=("$d" "${dirs[@]}") made[$d]=1 d=${d%/*}
		done
		for d in "${dirs[@]}"; do echo "dir $d 0755 0 0"; done
		mode=0644; [ -x "$src" ] && mode=0755
		echo "file $dest $(realpath "$src") $mode 0 0"
	done
} > "$list"
for r in "${runs[@]}"; do echo "$r" >> "$plan"; done
[ -s "$plan" ] || say "warning: nothing to run (no --run or --suite)"
"$cpiogen" "$list" > "$work/initramfs.cpio" || die "gen_init_cpio failed on $list"

# --- QEMU --------------------------------------------------------------
accel=${FDBOX_ACCEL:-tcg}
case "$accel" in
tcg) qaccel=(-accel tcg,thread=multi -cpu max) ;;
kvm) [ -w /dev/kvm ] || die "FDBOX_ACCEL=kvm but /dev/kvm is not usable"
     qaccel=(-accel kvm -cpu "${FDBOX_KVM_CPU:-host,-arch-capabilities}") ;;
*) die "FDBOX_ACCEL must be tcg or kvm, not '$accel'" ;;
esac
variant=$(cat "$kdir/.fdbox-variant" 2>/dev/null || echo normal)
vargs=""
# A patched kernel boots like the unpatched one of its configuration.
vconf="$FDBOX_TOP/tests/vm/config/${variant%-patched}.cmdline"
if [ -f "$vconf" ]; then
	vargs=$(grep -v '^#' "$vconf" | tr '\n' ' ')
fi
# log_buf_len: the tiny configuration's 128 KiB log would let a long fuzz
# or fault run overwrite an early splat before the stage's log check.
cmdline="console=ttyS0 kho=on liveupdate=on retain_initrd panic=-1 loglevel=5 log_buf_len=8M $vargs $append"
echo "== $name: ${accel^^}, $variant kernel, $stages stage(s), -m $mem -smp $smp, timeout ${timeout}s"

# The console goes to a file of this run's own (two runs of the same name
# must not write into one file); it becomes $log when the VM is down, and
# the results are read from it, not from $log, which another run may replace.
clog="$log.$$.tmp"
rm -f "$clog"
t0=$(now_ms)
# If this script is stopped, take QEMU down with it (timeout forwards it).
trap 'pkill -TERM -P $$; exit 130' INT TERM
stall=${FDBOX_STALL:-600}
set +e
timeout -k 5 "$timeout" qemu-system-x86_64 "${qaccel[@]}" -m "$mem" -smp "$smp" \
	-nodefaults -display none -no-reboot -serial stdio \
	-pidfile "$work/qemu.pid" \
	-kernel "$bzimage" -initrd "$work/initramfs.cpio" -append "$cmdline" \
	< /dev/null 2>&1 |
while :; do
	# A guest that says nothing for $stall seconds is hung (a kexec that
	# never reaches the next kernel's init, say): stop it now rather than
	# at the end of --timeout, which may be most of an hour.
	IFS= read -r -t "$stall" line
	rc=$?
	if [ "$rc" -gt 128 ]; then
		t=$(( $(now_ms) - t0 ))
		printf '[%4d.%03d] fdbox-harness: the VM printed nothing for %ss: stopped as hung\n' \
			$((t / 1000)) $((t % 1000)) "$stall" | tee -a "$clog"
		kill -TERM "$(cat "$work/qemu.pid" 2>/dev/null)" 2>/dev/null
		stall=30
		continue
	fi
	[ "$rc" = 0 ] || [ -n "$line" ] || break
	line=${line%$'\r'}
	t=$(( $(now_ms) - t0 ))
	stamp=$(printf '[%4d.%03d]' $((t / 1000)) $((t % 1000)))
	printf '%s %s\n' "$stamp" "$line" >> "$clog"
	if [ "$verbose" = 1 ]; then
		printf '%s %s\n' "$stamp" "$line"
	else
		case "$line" in
		ok\ *|not\ ok*|fdbox-harness:*|'# '*|*'Kernel panic'*|*'BUG:'*|*'WARNING:'*)
			printf '%s %s\n' "$stamp" "$line" ;;
		esac
	fi
done
qrc=${PIPESTATUS[0]}
set -e
touch "$clog"
cp "$clog" "$log.$$" && mv -f "$log.$$" "$log"
elapsed=$(( $(now_ms) - t0 ))

# --- results -----------------------------------------------------------
# Tests are the TAP lines of the programs run (a suite's program that
# prints none fails); the harness's own lines
# ("ok - stage N: ...", from the guest's init) are checks, counted apart.
# Besides the in-guest scan of each stage's log, the whole console is
# scanned here: it also holds what the kernel printed after that scan (the
# reboot notifiers, the kexec). Skipped tests go to $skips.
skips="$work/skips"
# Reports of known kernel issues (tests/vm/known-issues.awk) are named, not
# failed; the saved log keeps them whole.
awk -f "$FDBOX_TOP/tests/vm/known-issues.awk" "$clog" > "$clog.known"
grep -o '\] known kernel issue: .*' "$clog.known" | sed 's/^\] //' | sort |
	uniq -c | sed "s/^ *\([0-9]*\) /# $name: \1 x /" >&2 || true
read -r passed failed skipped checks < <(awk -v stages="$stages" -v qrc="$qrc" \
	-v timeout="$timeout" -v name="$name" -v skips="$skips" '
	function problem(msg) { failed++; printf "not ok - %s: %s\n", name, msg > "/dev/stderr" }
	function finish(how) {
		if (plan >= 0 && seen != plan) problem(sprintf("%s reported %d results, %d planned", cmd, seen, plan))
		else if (!seen && how != "kexec" && cmd ~ /^\/tests\//)
			problem(sprintf("%s reported no result", cmd))
	}
	BEGIN { printf "" > skips }
	{ sub(/^\[[ 0-9.]*\] /, "") }
	/^fdbox-harness: run / { cmd = substr($0, 20); inrun = 1; bad = 0; plan = -1; seen = 0; next }
	/^fdbox-harness: exit / {
		rc = $3
		if (rc != 0 && !bad) problem(sprintf("%s exited with status %d", cmd, rc))
		else finish("exit")
		inrun = 0; next
	}
	# A program that kexecs itself (tests/cli/zz-kexec.sh) ends its stage
	# without an exit line: its results are checked against its plan here.
	/^fdbox-harness: stage [0-9]+ done/ {
		if (inrun) finish("kexec")
		inrun = 0; done++
	}
	/^1\.\.[0-9]+/ { if (inrun) plan = substr($0, 4) + 0 }
	/^(not )?ok - stage [0-9]+: / {
		if ($1 == "ok") checks++; else problem(substr($0, 8))
		next
	}
	/^ok / || $0 == "ok" || /^not ok/ {
		seen++
		if ($0 ~ /# [Ss][Kk][Ii][Pp]/) {
			skipped++
			t = $0
			sub(/^(not )?ok [0-9]* *(- )?/, "", t)
			sub(/ *# [Ss][Kk][Ii][Pp].*/, "", t)
			split(cmd, w, " "); n = split(w[1], p, "/")
			print p[n] ": " t > skips
		} else if ($1 == "ok") {
			passed++
		} else {
			failed++; bad = 1
		}
	}
	/Kernel panic/ && !panic { panic = 1; problem("kernel panic") }
	# A kernel message (its printk time first) that starts a splat.
	/^\[ *[0-9]+\.[0-9]+\] / && /BUG:|kernel BUG at|WARNING:|Oops|UBSAN:|list_(add|del) corruption|possible .*locking|sleeping function called|non-static key|inconsistent lock state|lock held when returning/ {
		problem("the console shows: " $0)
	}
	/^fdbox-harness: the VM printed nothing for / { problem("VM hung: " substr($0, 15)) }
	END {
		if (qrc == 124 || qrc == 137) problem(sprintf("VM timed out after %ds", timeout))
		if (done < stages) problem(sprintf("only %d of %d stages finished", done, stages))
		printf "%d %d %d %d\n", passed, failed, skipped, checks
	}' "$clog.known")

if [ "$failed" -gt 0 ] && { [ "$qrc" = 124 ] || [ "$qrc" = 137 ] || grep -q 'Kernel panic\|stopped as hung' "$clog" ||
	[ "$(grep -c 'fdbox-harness: stage [0-9]* done' "$clog")" -lt "$stages" ]; }; then
	echo "-- last console lines of $name (full log: $log):" >&2
	tail -n 25 "$clog" >&2
fi
rm -f "$clog" "$clog.known"
summary="$passed passed, $failed failed"
[ "$skipped" = 0 ] || summary="$summary, $skipped skipped"
echo "== $name: $summary; $checks stage checks ok ($(( elapsed / 1000 )).$(( elapsed % 1000 / 100 )) s, log: $log)"
if [ -n "$result" ]; then
	cp "$skips" "$result.skips"
	echo "$passed $failed $skipped $checks" > "$result"
fi
[ "$failed" -eq 0 ]
}

# exit: bash reads a script as it runs it; never read past this line.
main "$@"; exit
