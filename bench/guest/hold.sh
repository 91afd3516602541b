#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench-hold.sh REPS SECONDS: in the guest, put the s6 files that
# bench/run.sh added under /user/ in place (dynamic binaries and their
# libraries, into directories the initramfs does not have), start
# s6-fdholder-daemon on a socket, run bench-hold against it, stop it.
[ $# -eq 2 ] || { echo "usage: bench-hold.sh REPS SECONDS" >&2; exit 2; }
sock=/tmp/s6-fdholder.sock
# Client and daemon share CPU 0: under TCG a wakeup across vCPUs costs
# milliseconds (an emulator artifact that would swamp s6's figure).
pin=""
command -v taskset >/dev/null && pin="taskset 1"
rules=/tmp/s6-fdholder.rules
if [ -x /user/s6-fdholderd ]; then
	mkdir -p /lib64 /lib/x86_64-linux-gnu
	for f in /user/*.so*; do
		case "${f##*/}" in
		ld-linux*) cp "$f" /lib64/ ;;
		*) cp "$f" /lib/x86_64-linux-gnu/ ;;
		esac
	done
	cp /user/s6-* /usr/bin/
	mkdir -p "$rules/uid/0/env"
	touch "$rules/uid/0/allow"
	echo '^' > "$rules/uid/0/env/S6_FDHOLDER_STORE_REGEX"
	echo '^' > "$rules/uid/0/env/S6_FDHOLDER_RETRIEVE_REGEX"
	# -D: bind without the lock file (the test kernel has no file locking)
	$pin s6-fdholder-daemon -D -i "$rules" "$sock" &
	daemon=$!
else
	echo "# bench: error: s6 is not in the initramfs (bench/run.sh adds it)"
fi
$pin bench-hold "$1" "$2" "$sock"
rc=$?
[ -z "$daemon" ] || kill "$daemon"
exit $rc
