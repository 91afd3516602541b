#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fdbox kexec, from stage 1 into stage 2. Prints TAP.
#
# Stage 1: the checks of the new kernel (--check: kho=on, its config, an
# fdbox.ko for it, what goes along; each missing piece refuses before
# anything is sealed, --force goes ahead); refusals change nothing
# (--check-only with an open box, a kernel that cannot be read or is no
# kernel, a missing box: boxes sealed by the command are unsealed again);
# --load-only seals the named box, loads the kernel and warns about open
# boxes left behind; --unload; with systemd as PID 1 the reboot is
# `systemctl kexec` (a stand-in here), and if that fails nothing changed.
# Then box 'kx', holding two memfds, is handed to the real thing: `fdbox
# kexec` seals it, loads the harness's kernel and initramfs with the next
# stage's command line and reboots.
#
# The harness's init would do the end of stage 1 itself (kernel log check,
# "stage 1 done", kexec into stage 2); since `fdbox kexec` replaces that
# kexec, this script does the same steps first, and therefore must be the
# last program of the stage (hence its name). If it is not, it leaves 'kx'
# sealed and the kernel loaded, and lets the harness kexec.
#
# Stage 2: 'kx' must come back restored, unseal, and hold the same bytes;
# a box that did not come back fails every check of it.

stage=${FDBOX_STAGE:-1}
stages=${FDBOX_STAGES:-1}
T=$(mktemp -d /tmp/cli-kexec.XXXXXX)
K=kx
. /lib/fdbox-tests/cli-tap.sh
state() { fdbox list "$K" 2> /dev/null | sed -n "s/^box $K state \([a-z]*\) .*/\1/p"; }

# The same bytes in every stage, made anew: nothing crosses the kexec but
# what the box holds.
seq 1 400000 > "$T/data"
printf 'kept across kexec\n' > "$T/small"
want=$(sha256sum < "$T/data" | cut -d' ' -f1)
KERNEL=/boot/bzImage INITRD=/sys/firmware/initrd
# What an installed system has: the config of its kernel, and fdbox.ko
# where dkms puts it (the harness keeps the module elsewhere).
ver=$(uname -r)
echo CONFIG_KEXEC_HANDOVER=y > "/boot/config-$ver"
mkdir -p "/lib/modules/$ver/updates/dkms"
ln -sf /lib/modules/fdbox.ko "/lib/modules/$ver/updates/dkms/fdbox.ko"
loaded() { cat /sys/kernel/kexec_loaded; }

if [ "$stage" = 1 ]; then
	plan 40
	fdbox delete "$K" 2> /dev/null
	fdbox delete kxopen 2> /dev/null
	fx create "$K"; expect 0 "" "create $K"
	fx put "$K" data --from-file "$T/data"; expect 0 "" "put $K/data"
	fx put "$K" small --from-file "$T/small"; expect 0 "" "put $K/small"

	# The checks.
	fx kexec --check --kernel "$KERNEL" --reuse-cmdline
	expect 0 "" "kexec --check of the harness's kernel passes"
	check "it names the kernel's version" out_has "ok: the new kernel is $ver"
	check "it finds kho=on" out_has "ok: kho=on is on the new kernel's command line"
	check "it finds KHO in the config" out_has "ok: /boot/config-$ver has CONFIG_KEXEC_HANDOVER=y"
	check "it finds fdbox.ko" out_has "ok: fdbox.ko for $ver is in /lib/modules/$ver"
	check "it says which box is open and stays behind" out_has "warning: box '$K' is open: its 2 fds will not be handed over"
	check "nothing was loaded" [ "$(loaded)" = 0 ]
	fx kexec --check --kernel "$KERNEL"
	expect 1 "fdbox: kexec: 1 check(s) failed" "kexec --check without kho=on fails"
	check "and says why" out_has "FAILED: the new kernel's command line has no kho=on"
	echo '# CONFIG_KEXEC_HANDOVER is not set' > "/boot/config-$ver"
	fx kexec --load-only --kernel "$KERNEL" --append kho=on "$K"
	expect 1 "fdbox: kexec: not rebooting: /boot/config-$ver has no CONFIG_KEXEC_HANDOVER=y" \
		"kexec into a kernel without KHO is refused"
	check "before anything is sealed" [ "$(state)" = open ]
	echo CONFIG_KEXEC_HANDOVER=y > "/boot/config-$ver"
	mkdir -p "$T/empty"
	env FDBOX_SYSROOT="$T/empty" fdbox kexec --load-only --kernel "$KERNEL" \
		--append kho=on "$K" > "$T/out" 2> "$T/err"
	rc=$?
	expect 1 "fdbox: kexec: not rebooting: no fdbox.ko for $ver in $T/empty/lib/modules/$ver" \
		"kexec into a kernel without fdbox.ko is refused"
	check "the box stays open, no kernel is loaded" [ "$(state)" = open -a "$(loaded)" = 0 ]
	env FDBOX_SYSROOT="$T/empty" fdbox kexec --force --load-only --kernel "$KERNEL" \
		--append kho=on > "$T/out" 2> "$T/err"
	rc=$?
	expect 0 "fdbox: kexec: warning: no fdbox.ko for $ver" "kexec --force goes ahead, with a warning"
	check "the kernel is loaded" [ "$(loaded)" = 1 ]
	fx kexec --unload; expect 0 "" "kexec --unload"
	check "no kernel is loaded any more" [ "$(loaded)" = 0 ]

	# With systemd as PID 1: 'systemctl kexec' (a stand-in that records it).
	mkdir -p "$T/sd/run/systemd/system" "$T/bin"
	ln -s /lib "$T/sd/lib"
	printf '#!/bin/sh\necho "$@" > %s/systemctl.args\nexit ${SYSTEMCTL_RC:-0}\n' "$T" > "$T/bin/systemctl"
	chmod +x "$T/bin/systemctl"
	env FDBOX_SYSROOT="$T/sd" PATH="$T/bin:$PATH" fdbox kexec --kernel "$KERNEL" \
		--reuse-cmdline "$K" > "$T/out" 2> "$T/err"
	rc=$?
	expect 0 "" "kexec with systemd hands the reboot to systemctl"
	check "it ran 'systemctl kexec'" [ "$(cat "$T/systemctl.args" 2> /dev/null)" = kexec ]
	check "the box is sealed and the kernel loaded for it" [ "$(state)" = sealed -a "$(loaded)" = 1 ]
	fdbox unseal "$K"; fdbox kexec --unload
	env FDBOX_SYSROOT="$T/sd" PATH="$T/bin:$PATH" SYSTEMCTL_RC=1 fdbox kexec \
		--kernel "$KERNEL" --reuse-cmdline "$K" > "$T/out" 2> "$T/err"
	rc=$?
	expect 1 "fdbox: kexec: 'systemctl kexec' failed (exit status 1); not rebooting" \
		"a failed 'systemctl kexec' is reported"
	check "and undone: the box open, no kernel loaded" [ "$(state)" = open -a "$(loaded)" = 0 ]

	fx kexec --check-only --load-only --kernel "$KERNEL" --append kho=on "$K"
	expect 1 "fdbox: kexec $K: box '$K' is not sealed; seal it first ('fdbox seal $K'), or leave out --check-only; not rebooting" \
		"kexec --check-only refuses an open box"
	check "the box stays open" [ "$(state)" = open ]
	fx kexec --load-only --kernel /nonexistent/bzImage --append kho=on "$K"
	expect 1 "fdbox: kexec: not rebooting: cannot read the kernel '/nonexistent/bzImage'" "kexec of a missing kernel file"
	check "the box stays open" [ "$(state)" = open ]
	fx kexec --load-only --kernel /etc/fdbox/plan --append kho=on "$K"
	expect 1 "fdbox: kexec: '/etc/fdbox/plan' is not a kernel image this kernel can boot" "kexec of a file that is no kernel"
	check "the box is unsealed again" [ "$(state)" = open ]
	check "no kernel is loaded" [ "$(cat /sys/kernel/kexec_loaded)" = 0 ]
	fx kexec --load-only --kernel "$KERNEL" --append kho=on "$K" nosuchbox
	expect 1 "fdbox: kexec nosuchbox: no box named 'nosuchbox'" "kexec naming a missing box"
	check "the box sealed before is unsealed again" [ "$(state)" = open ]

	fdbox create kxopen
	fx kexec --load-only --kernel "$KERNEL" --initrd "$INITRD" --reuse-cmdline \
		--append fdbox_cli_test=1 "$K"
	expect 0 "fdbox: kexec: warning: box 'kxopen' is open and will not be handed over" \
		"kexec --load-only seals, loads and warns about an open box left behind"
	check "the box is sealed" [ "$(state)" = sealed ]
	check "a kernel is loaded" [ "$(cat /sys/kernel/kexec_loaded)" = 1 ]
	fdbox delete kxopen
	fx kexec --check-only --load-only --kernel "$KERNEL" --initrd "$INITRD" \
		--append kho=on "$K"
	expect 0 "" "kexec --check-only accepts a sealed box"
	fx unseal "$K"; expect 0 "" "unseal $K: the real kexec seals it"

	last=$(grep -v '^#' /etc/fdbox/plan | grep . | tail -n 1)
	if [ "$last" != "$0" ] || [ "$stage" -ge "$stages" ]; then
		fx seal "$K"
		skip "fdbox kexec into stage 2" "not the last program of a multi-stage run; the harness kexecs"
		finish
		exit
	fi

	# What the harness's init does at the end of a stage, then the kexec.
	bad=$(dmesg | grep -E 'BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|kmemleak:.*new suspected|possible .*locking|sleeping function called' | head -n 20)
	if [ -z "$bad" ]; then pass "stage 1: kernel log clean before fdbox kexec"; else
		fail "stage 1: kernel log clean before fdbox kexec"
		echo "$bad" | sed 's/^/# /'
	fi
	next=""
	for arg in $(cat /proc/cmdline); do
		case "$arg" in fdbox_stage=*|fdbox_cli_kexec=*) ;; *) next="$next $arg" ;; esac
	done
	# The harness checks this run's results against its plan at the
	# "stage 1 done" line: no exit status comes back from a kexec.
	echo "fdbox-harness: stage 1 done"
	echo "fdbox-harness: kexec"
	fdbox kexec --kernel "$KERNEL" --initrd "$INITRD" \
		--append "${next# } fdbox_stage=2 fdbox_cli_kexec=1" "$K"
	echo "not ok $((n + 1)) - fdbox kexec returned, exit status $?"
	exit 1
fi

# ---- stage 2 and later ----
plan 12
if grep -qw fdbox_cli_kexec=1 /proc/cmdline; then
	pass "stage $stage was booted by fdbox kexec"
else
	skip "stage $stage was booted by fdbox kexec" "the harness kexec'd"
fi
if [ "$stage" != 2 ]; then
	skip_n 9 "box $K across fdbox kexec" "it crosses into stage 2 only"
else
	# Sealed in stage 1, by fdbox kexec or by this script: it must be
	# here. If it is not, the handover lost it, and every check fails.
	fx list "$K"
	[ "$rc" = 0 ] || echo "# fdbox list $K: $(cat "$T/err")"
	check "box $K came back restored" out_has "box $K state restored fds 2"
	check "its fds are pending" [ "$(grep -c ' pending$' "$T/out")" = 2 ]
	fx unseal "$K"; expect 0 "" "unseal $K restores its fds"
	fx list "$K"; check "$K is open with 2 fds" out_has "box $K state open fds 2"
	fx get "$K" data --to-file "$T/data.out"; expect 0 "" "get $K/data"
	check "data: the same bytes after kexec" [ "$(sha256sum < "$T/data.out" 2> /dev/null | cut -d' ' -f1)" = "$want" ]
	fx get "$K" small --to-file "$T/small.out"; expect 0 "" "get $K/small"
	check "small: the same bytes after kexec" cmp -s "$T/small" "$T/small.out"
	fx delete "$K"; expect 0 "" "delete $K"
fi

# --load-only works in this stage too (the kernel stays loaded, unused).
fx kexec --load-only --kernel "$KERNEL" --initrd "$INITRD" --reuse-cmdline
expect 0 "" "kexec --load-only without boxes"
check "a kernel is loaded" [ "$(cat /sys/kernel/kexec_loaded)" = 1 ]

rm -rf "$T"
finish
