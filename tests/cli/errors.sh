#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fdbox in the VM, bad input: usage errors (exit 2), every wrong box state,
# missing boxes, fds and files, unreadable and unwritable files, a full
# file system on get --to-file (the fd goes back into the box), permissions
# of the nodes as a user, and the module not loaded. Every failure exits 1
# with one line "fdbox: OPERATION BOX[/NAME]: ..." and changes nothing.
# Runs in every stage; needs no handover. Prints TAP.

stage=${FDBOX_STAGE:-1}
T=$(mktemp -d /tmp/cli-errors.XXXXXX)
B=err$stage
. /lib/fdbox-tests/cli-tap.sh
# state: "STATE fds N" of box $B from list
state() { fdbox list "$B" | sed -n "s/^box $B state \([a-z]*\) fds \([0-9]*\) .*/\1 fds \2/p"; }
plan 69

fdbox delete "$B" 2> /dev/null
printf 'some bytes\n' > "$T/f"
head -c 1048576 /dev/urandom > "$T/big"

# ---- usage errors: exit 2, message and usage ----
fx; expect 2 "no command given" "no command: exit 2"
fx frob; expect 2 "fdbox: unknown command 'frob'" "unknown command: exit 2"
fx put "$B" x; expect 2 "fdbox: put: missing --from-file PATH or --fd N" "put without a source: exit 2"
check "the usage follows the error" grep -q "^usage: fdbox put BOX NAME --from-file PATH" "$T/err"
fx put "$B" x --from-file "$T/f" --fd 3; expect 2 "give --from-file or --fd, not both" "put with both sources: exit 2"
fx get "$B" x; expect 2 "missing --to-file PATH" "get without --to-file: exit 2"
fx create; expect 2 "fdbox: create: missing BOX" "create without BOX: exit 2"
fx create 'bad/name'; expect 2 "box name 'bad/name' contains a character other than" "create with a bad name: exit 2"
fx create fdbox; expect 2 "box name 'fdbox' is reserved" "create fdbox: exit 2"
fx put "$B" .. --fd 3; expect 2 "fd name '..' may not be '.' or '..'" "put with fd name '..': exit 2"
fx list a b; expect 2 "unexpected argument 'b'" "list with two boxes: exit 2"
fx exec "$B"; expect 2 "missing COMMAND" "exec without COMMAND: exit 2"
fx kexec "$B"; expect 2 "missing --kernel PATH" "kexec without --kernel: exit 2"
fx seal "$B" --force; expect 2 "unknown option '--force'" "unknown option: exit 2"
fx put "$B" x --fd three; expect 2 "--fd needs a file descriptor number, not 'three'" "put --fd three: exit 2"

# ---- missing boxes ----
for cmd in seal unseal delete; do
	fx $cmd "$B"; expect 1 "fdbox: $cmd $B: no box named '$B'" "$cmd of a missing box"
done
fx put "$B" x --from-file "$T/f"; expect 1 "fdbox: put $B/x: no box named '$B'; create it with 'fdbox create $B'" "put into a missing box"
fx get "$B" x --to-file "$T/x"; expect 1 "fdbox: get $B/x: no box named '$B'" "get from a missing box"
check "get from a missing box creates no file" [ ! -e "$T/x" ]
fx list "$B"; expect 1 "fdbox: list $B: no box named '$B'" "list of a missing box"

# ---- the box exists ----
fdbox create "$B"
fx create "$B"; expect 1 "fdbox: create $B: a box named '$B' exists already" "create an existing box"
fx put "$B" f --from-file "$T/f"; expect 0 "" "put $B/f"
fx put "$B" f --from-file "$T/f"; expect 1 "fdbox: put $B/f: box '$B' already holds an fd named 'f'; choose another name" "put a taken name"
check "still one fd" [ "$(state)" = "open fds 1" ]
fx get "$B" nosuch --to-file "$T/x"; expect 1 "fdbox: get $B/nosuch: box '$B' holds no fd named 'nosuch' (see 'fdbox list $B')" "get a missing fd"
check "a failed get creates no file" [ ! -e "$T/x" ]
fx unseal "$B"; expect 1 "fdbox: unseal $B: box '$B' is not sealed" "unseal an open box"

# ---- missing and unreadable files ----
fx put "$B" g --from-file /nonexistent/file; expect 1 "fdbox: put $B/g: file '/nonexistent/file' does not exist; nothing was put" "put from a missing file"
fx put "$B" g --from-file /; expect 1 "fdbox: put $B/g: '/' is a directory, not a file; nothing was put" "put from a directory"
wo=$(ls /sys/bus/*/drivers_probe 2> /dev/null | head -n 1)
if [ -n "$wo" ]; then
	fx put "$B" g --from-file "$wo"; expect 1 "fdbox: put $B/g: no permission to read '$wo'" "put from a write-only file (even for root)"
else
	skip "put from a write-only file" "no drivers_probe in sysfs"
fi
check "nothing was put by the failures" [ "$(state)" = "open fds 1" ]

# ---- wrong state: sealed ----
fx seal "$B"; expect 0 "" "seal $B"
fx seal "$B"; expect 1 "fdbox: seal $B: box '$B' is sealed already" "seal a sealed box"
fx put "$B" g --from-file "$T/f"; expect 1 "fdbox: put $B/g: box '$B' is sealed; unseal it first" "put into a sealed box"
fx put "$B" g --from-file "$T/big"; expect 1 "box '$B' is sealed; unseal it first" "put of a 1 MiB file into a sealed box"
fx get "$B" f --to-file "$T/x"; expect 1 "fdbox: get $B/f: box '$B' is sealed; unseal it first" "get from a sealed box"
fx delete "$B"; expect 1 "fdbox: delete $B: box '$B' is sealed; unseal it first" "delete a sealed box"
fx list "$B"; check "the sealed box is unchanged" out_has "box $B state sealed fds 1 bytes 11"
fx unseal "$B"; expect 0 "" "unseal $B"

# ---- get --to-file that cannot be written: the fd goes back ----
mkdir -p /mnt/small
if mount -t tmpfs -o size=64k tmpfs /mnt/small; then
	fx put "$B" big --from-file "$T/big"; expect 0 "" "put 1 MiB as $B/big"
	fx get "$B" big --to-file /mnt/small/big
	expect 1 "fdbox: get $B/big: no space left on the file system of '/mnt/small/big'; the fd was put back into box '$B' as 'big'" \
		"get --to-file on a full 64k tmpfs fails and says the fd was put back"
	fx list "$B"; check "the fd is still in the box, 1 MiB" out_has "	fd big type memfd size 1048576"
	check "the partial file was removed" [ ! -e /mnt/small/big ]
	fx get "$B" big --to-file "$T/big.out"; expect 0 "" "get it to a file system with room"
	check "its contents are intact" cmp -s "$T/big" "$T/big.out"
	rm -f "$T/big.out"
	fdbox put "$B" big --from-file "$T/big"
	: > /mnt/small/existing
	mount -o remount,ro /mnt/small
	fx get "$B" big --to-file /mnt/small/existing
	expect 1 "fdbox: get $B/big: '/mnt/small/existing' is on a read-only file system; the fd was put back into box '$B' as 'big'" \
		"get --to-file on a read-only file system puts the fd back"
	umount /mnt/small
	fx list "$B"; check "the fd is still in the box" out_has "	fd big type memfd size 1048576"
else
	skip_n 8 "get --to-file on a full tmpfs" "cannot mount tmpfs"
fi
fx get "$B" big --to-file /nonexistent/dir/file
expect 1 "fdbox: get $B/big: cannot create '/nonexistent/dir/file': its directory does not exist; the fd was put back into box '$B' as 'big'" \
	"get --to-file into a missing directory puts the fd back"
fx get "$B" big --to-file /; expect 1 "'/' is a directory, not a file; the fd was put back" "get --to-file onto a directory puts the fd back"
check "the fd is still in the box" [ "$(state)" = "open fds 2" ]

# A signal while the fd is out of the box: it goes back.
mkfifo "$T/fifo"
fdbox get "$B" big --to-file "$T/fifo" > "$T/out" 2> "$T/err" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"; rc=$?
expect 1 "fdbox: get $B/big: interrupted before '$T/fifo' was written; the fd was put back into box '$B' as 'big'" \
	"SIGTERM while get waits to write: the fd goes back"
check "the fd is still in the box after SIGTERM" [ "$(state)" = "open fds 2" ]

# ---- permissions: a user, and a box delegated to that user ----
grep -q '^nobody:' /etc/passwd 2> /dev/null || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
grep -q '^nogroup:' /etc/group 2> /dev/null || echo 'nogroup:x:65534:' >> /etc/group
as_nobody() { su -s /bin/sh -c "$*" nobody > "$T/out" 2> "$T/err"; rc=$?; }
if su -s /bin/sh -c 'test "$(id -u)" = 65534' nobody 2> /dev/null; then
	as_nobody fdbox list "$B"; expect 1 "fdbox: list $B: no permission on /dev/fdbox/$B (box nodes are root-only unless chowned to a user)" "a user cannot list a root box"
	as_nobody fdbox create "u$B"; expect 1 "fdbox: create u$B: no permission on /dev/fdbox/fdbox" "a user cannot create a box"
	as_nobody fdbox list; expect 1 "fdbox: list: no permission on /dev/fdbox/fdbox" "a user cannot list every box"
	as_nobody fdbox seal "$B"; expect 1 "no permission on /dev/fdbox/$B" "a user cannot seal a root box"
	chown 65534:65534 "/dev/fdbox/$B"
	printf 'secret\n' > "$T/secret"; chmod 600 "$T/secret"; chmod 755 "$T"
	as_nobody fdbox list "$B"; expect 0 "" "a user lists a box chowned to them"
	as_nobody fdbox put "$B" s --from-file "$T/secret"; expect 1 "fdbox: put $B/s: no permission to read '$T/secret'" "a user cannot put a file they cannot read"
	as_nobody fdbox put "$B" u --from-file "$T/f"; expect 0 "" "a user puts into a box delegated to them"
	as_nobody fdbox get "$B" u --to-file "$T/secret"; expect 1 "no permission to write '$T/secret'; the fd was put back into box '$B' as 'u'" "get onto a file the user cannot write puts the fd back"
	check "and the fd is back" [ "$(state)" = "open fds 3" ]
	chown 0:0 "/dev/fdbox/$B"
else
	skip_n 9 "permissions as a user" "su does not work here"
fi

fx delete "$B"; expect 0 "" "delete $B"

# ---- the module not loaded: only when no box is left ----
if [ -n "$(ls /sys/class/fdbox 2> /dev/null)" ]; then
	skip_n 5 "messages without the module" "boxes exist: $(ls /sys/class/fdbox | tr '\n' ' ')"
elif rmmod fdbox 2> "$T/err"; then
	fx list; expect 1 "fdbox: list: FDBox is not available: /dev/fdbox/fdbox does not exist; load the module first (modprobe fdbox)" "list without the module"
	fx create "$B"; expect 1 "fdbox: create $B: FDBox is not available" "create without the module"
	fx seal "$B"; expect 1 "fdbox: seal $B: FDBox is not available" "seal without the module (not 'no box')"
	fx put "$B" f --from-file "$T/f"; expect 1 "fdbox: put $B/f: FDBox is not available" "put without the module"
	insmod /lib/modules/fdbox.ko
	check "the module is back" [ -c /dev/fdbox/fdbox ]
else
	skip_n 5 "messages without the module" "rmmod: $(cat "$T/err")"
fi

umount /mnt/small 2> /dev/null
rm -rf "$T"
finish
