#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The last program of a suite (hence the name): on a kernel with kmemleak,
# unload fdbox.ko when no box is left (so that memory only the module's data
# pointed to counts as unreferenced too), let kmemleak scan twice and fail
# on any suspected leak, with its backtrace. Loads the module again after.
# Without kmemleak (the normal kernel): SKIP.
kml=/sys/kernel/debug/kmemleak
echo "1..1"
if [ ! -w "$kml" ]; then
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
echo scan > "$kml"
echo scan > "$kml"
report=$(cat "$kml")
if [ -n "$unloaded" ] && ! insmod /lib/modules/fdbox.ko; then
	echo "# insmod of fdbox.ko after the scan failed"
fi
if [ -z "$report" ]; then
	echo "ok 1 - kmemleak finds no leak after the tests$unloaded"
else
	n=$(printf '%s\n' "$report" | grep -c '^unreferenced object')
	echo "not ok 1 - kmemleak finds $n suspected leaks after the tests$unloaded"
	printf '%s\n' "$report" | head -n 80 | sed 's/^/# /'
fi
