#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kmemleak check that ends a suite: the last program of the suite
# (hence the name); the other suites link to this file. Prints TAP, one
# result.
#
# On a kernel with kmemleak: unload fdbox.ko when no box is left (so that
# memory only the module's data pointed to counts as unreferenced too), let
# kmemleak scan twice and fail on any suspected leak, with its backtrace;
# load the module again after. A scan that cannot run, and a kmemleak that
# disabled itself (out of memory for its own objects, an internal error;
# "kmemleak: Kernel memory leak detector disabled" in the log), are
# failures: a detector that does not look finds nothing.
# Without kmemleak (the normal kernel): SKIP.

kml=/sys/kernel/debug/kmemleak
echo "1..1"
# kmemleak_disabled: its message when kmemleak turned itself off, else ""
kmemleak_disabled() { dmesg | grep -m 1 'leak detector disabled'; }

off=$(kmemleak_disabled)
if [ -n "$off" ]; then
	echo "not ok 1 - kmemleak is running: it disabled itself"
	echo "# $off"
	exit 1
fi
if [ ! -e "$kml" ]; then
	echo "ok 1 - kmemleak finds no leak # SKIP no kmemleak in this kernel"
	exit 0
fi
unloaded=""
if [ -d /sys/module/fdbox ]; then
	boxes=$(ls /sys/class/fdbox 2>/dev/null | wc -l)
	if [ "$boxes" -eq 0 ] && rmmod fdbox; then
		unloaded=" and module unload"
	else
		echo "# fdbox.ko stays loaded: $boxes boxes left"
	fi
fi
# Objects younger than 5 s are not reported, and an object is reported
# only once its contents stayed the same over two scans.
sleep 6
err=""
for i in 1 2; do
	echo scan 2> /tmp/kmemleak.err > "$kml" ||
		err="scan $i: echo scan > $kml failed: $(cat /tmp/kmemleak.err)"
	[ -z "$err" ] || break
done
report=$(cat "$kml" 2> /tmp/kmemleak.err) ||
	err="${err:-cat $kml failed: $(cat /tmp/kmemleak.err)}"
off=$(kmemleak_disabled)
if [ -n "$unloaded" ] && ! insmod /lib/modules/fdbox.ko; then
	echo "# insmod of fdbox.ko after the scan failed"
fi
if [ -n "$off" ] || [ -n "$err" ]; then
	echo "not ok 1 - kmemleak scans after the tests$unloaded"
	[ -z "$err" ] || echo "# $err"
	[ -z "$off" ] || echo "# $off"
	exit 1
fi
if [ -z "$report" ]; then
	echo "ok 1 - kmemleak finds no leak after the tests$unloaded"
else
	n=$(printf '%s\n' "$report" | grep -c '^unreferenced object')
	echo "not ok 1 - kmemleak finds $n suspected leaks after the tests$unloaded"
	printf '%s\n' "$report" | head -n 80 | sed 's/^/# /'
	exit 1
fi
