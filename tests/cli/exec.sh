#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fdbox exec in the VM: the command gets every fd of the box as fds 3..,
# without close-on-exec, with LISTEN_FDS, LISTEN_PID (its own pid) and
# LISTEN_FDNAMES; the fds leave the box, or stay with --keep; fds fdbox was
# given by socket activation stay first; a command that cannot run gets the
# fds put back, exit status 127 (not found) or 126 (cannot run); put --fd
# hands descriptors back (a service restart). Runs in every stage; needs
# no handover. Prints TAP.

stage=${FDBOX_STAGE:-1}
T=$(mktemp -d /tmp/cli-exec.XXXXXX)
B=exec$stage B2=moved$stage E=empty$stage
. /lib/fdbox-tests/cli-tap.sh
# val KEY: the value of KEY=... in $T/out
val() { sed -n "s/^$1=//p" "$T/out" | head -n 1; }
plan 46

for b in "$B" "$B2" "$E"; do fdbox delete "$b" 2> /dev/null; done
printf 'alpha\n' > "$T/a"
printf 'bravo\n' > "$T/b"
head -c 1048576 /dev/urandom > "$T/c"
csum=$(sha256sum < "$T/c" | cut -d' ' -f1)

fdbox create "$B" && fdbox put "$B" a --from-file "$T/a" &&
	fdbox put "$B" b --from-file "$T/b" && fdbox put "$B" c --from-file "$T/c"
check "set up box $B with fds a, b, c" [ $? = 0 ]

# What the command sees.
cat > "$T/child.sh" <<'EOT'
echo "pid=$$"
echo "listen_pid=$LISTEN_PID"
echo "listen_fds=$LISTEN_FDS"
echo "listen_fdnames=$LISTEN_FDNAMES"
for fd in 3 4 5 6; do
	[ -e /proc/$$/fd/$fd ] && echo "fd$fd=$(readlink /proc/$$/fd/$fd)"
done
echo "a=$(cat <&3)"
echo "b=$(cat <&4)"
echo "c=$(sha256sum <&5 | cut -d' ' -f1)"
echo "boxnodes=$(ls -l /proc/$$/fd 2>/dev/null | grep -c /dev/fdbox)"
EOT
fx exec "$B" -- /bin/sh "$T/child.sh"; expect 0 "" "exec $B -- COMMAND: runs COMMAND"
check "LISTEN_PID is the pid of COMMAND" [ -n "$(val pid)" -a "$(val listen_pid)" = "$(val pid)" ]
check "LISTEN_FDS=3" [ "$(val listen_fds)" = 3 ]
check "LISTEN_FDNAMES=a:b:c" [ "$(val listen_fdnames)" = a:b:c ]
check "fd 3 is open in COMMAND (not close-on-exec), a memfd" sh -c "grep -q '^fd3=/memfd:' '$T/out'"
check "fd 4 is open, a memfd" sh -c "grep -q '^fd4=/memfd:' '$T/out'"
check "fd 5 is open, a memfd" sh -c "grep -q '^fd5=/memfd:' '$T/out'"
check "fd 6 is not open" [ -z "$(val fd6)" ]
check "fd 3 holds a's contents, from offset 0" [ "$(val a)" = alpha ]
check "fd 4 holds b's contents" [ "$(val b)" = bravo ]
check "fd 5 holds c's 1 MiB" [ "$(val c)" = "$csum" ]
check "the box node is not passed on" [ "$(val boxnodes)" = 0 ]
fx list "$B"; check "the fds left the box" out_has "box $B state open fds 0 bytes 0"

# A service restart: the command puts its fds back with put --fd.
fdbox put "$B" a --from-file "$T/a" && fdbox put "$B" b --from-file "$T/b" &&
	fdbox put "$B" c --from-file "$T/c"
fx exec "$B" sh -c "fdbox put $B a --fd 3 && fdbox put $B b --fd 4 && fdbox put $B c --fd 5"
expect 0 "" "exec without --: COMMAND puts its fds back with put --fd"
fx list "$B"; check "all three are back, in order" \
	[ "$(awk '$1 == "fd" { printf "%s ", $2 }' "$T/out")" = "a b c " ]
fx get "$B" c --to-file "$T/c.out"; expect 0 "" "get c after the round trip"
check "c is intact" cmp -s "$T/c" "$T/c.out"
fdbox put "$B" c --from-file "$T/c"

# put --fd into another box, from the command.
fdbox create "$B2"
fx exec "$B" -- sh -c "fdbox put $B2 x --fd 4 && fdbox put $B2 y --fd 3 && fdbox put $B2 z --fd 5"
expect 0 "" "COMMAND moves its fds into box $B2 with put --fd"
fx get "$B2" x --to-file "$T/x"; expect 0 "" "get $B2/x"
check "x is b's contents" [ "$(cat "$T/x")" = bravo ]
fx list "$B2"; check "$B2 holds x, y, z" [ "$(awk '$1 == "fd" { printf "%s ", $2 }' "$T/out")" = "y z " ]
fx list "$B"; check "$B is empty" out_has "box $B state open fds 0"

# An empty box: nothing passed, the variables still set.
fdbox create "$E"
fx exec "$E" -- sh -c 'echo "n=$LISTEN_FDS names=[$LISTEN_FDNAMES] pid=$LISTEN_PID self=$$"'
expect 0 "" "exec of an empty box"
check "LISTEN_FDS=0, LISTEN_FDNAMES empty" out_has "n=0 names=[]"
check "LISTEN_PID still its own pid" sh -c "grep -q 'pid=\([0-9]*\) self=\1\$' '$T/out'"

# The command's exit status is fdbox's.
fx exec "$E" -- sh -c 'exit 7'; check "the exit status of COMMAND comes through" [ "$rc" = 7 ]

# A command that cannot run: the fds go back.
fdbox put "$B" a --from-file "$T/a" && fdbox put "$B" b --from-file "$T/b"
fx exec "$B" -- /nonexistent/command arg
expect 127 "fdbox: exec $B: command '/nonexistent/command' not found; the fds were put back into the box" \
	"exec of a missing command fails (127) and says the fds were put back"
fx list "$B"; check "the fds are back in the box, in order" \
	[ "$(awk '$1 == "fd" { printf "%s ", $2 }' "$T/out")" = "a b " ]
chmod 0644 "$T/a"
fx exec "$B" -- "$T/a"
expect 126 "no permission to run '$T/a'" "exec of a non-executable file fails (126)"
fx list "$B"; check "and the fds are back" out_has "box $B state open fds 2"

# --keep: the command gets descriptors, the box keeps its fds.
fx exec "$B" --keep -- sh -c 'echo "a=$(cat <&3) n=$LISTEN_FDS"'
expect 0 "" "exec --keep runs COMMAND"
check "COMMAND reads fd 3 with --keep" out_has "a=alpha n=2"
fx list "$B"; check "with --keep the fds stay in the box" out_has "box $B state open fds 2"
fx exec "$B" --keep -- /nonexistent/command
expect 127 "not found; the fds stay in the box" "exec --keep of a missing command"
fx list "$B"; check "and the fds are still in the box" out_has "box $B state open fds 2"

# fds fdbox got by socket activation itself stay 3.., the box's follow.
fx exec "$B" -- true
fdbox put "$B" a --from-file "$T/a"
sh -c 'exec 3< "$1"; LISTEN_FDS=1 LISTEN_PID=$$ LISTEN_FDNAMES=sock exec fdbox exec "$2" -- sh -c '"'"'echo "n=$LISTEN_FDS names=$LISTEN_FDNAMES three=$(cat <&3) four=$(cat <&4)"'"'"'' \
	sh "$T/b" "$B" > "$T/out" 2> "$T/err"
rc=$?
expect 0 "" "exec with inherited LISTEN_FDS runs COMMAND"
check "LISTEN_FDS and LISTEN_FDNAMES count the inherited fd first" out_has "n=2 names=sock:a"
check "fd 3 is still the inherited one, fd 4 the box's" out_has "three=bravo four=alpha"
# Another process's LISTEN_PID: not fdbox's fds, so not kept.
env LISTEN_FDS=1 LISTEN_PID=1 LISTEN_FDNAMES=sock fdbox exec "$E" -- \
	sh -c 'echo "n=$LISTEN_FDS names=[$LISTEN_FDNAMES]"' > "$T/out" 2> "$T/err"
check "LISTEN_* of another pid are replaced" out_has "n=0 names=[]"
fdbox put "$B" a --from-file "$T/a" && fdbox put "$B" b --from-file "$T/b"

# Wrong state, missing box, bad fds.
fdbox seal "$B"
fx exec "$B" -- true; expect 1 "fdbox: exec $B: box '$B' is sealed; unseal it first" "exec of a sealed box"
fx list "$B"; check "the sealed box keeps its fds" out_has "box $B state sealed fds 2"
fdbox unseal "$B"
fx exec nosuchbox -- true; expect 1 "no box named 'nosuchbox'" "exec of a missing box"
fx put "$B" notmemfd --fd 0 < /etc/fdbox/plan
expect 1 "fdbox: put $B/notmemfd: FDBox cannot hold this kind of file; memfds (memfd_create(2)) and eventfds" "put --fd of a regular file"
fx put "$B" closed --fd 9
expect 1 "fdbox: put $B/closed: file descriptor 9 is not open" "put --fd of a closed descriptor"
fx exec "$B" -- sh -c "fdbox put $B b --fd 4 && fdbox put $B b --fd 3"
expect 1 "fdbox: put $B/b: box '$B' already holds an fd named 'b'" "put --fd of a taken name fails"

for b in "$B" "$B2" "$E"; do fdbox delete "$b"; done
rm -rf "$T"
finish
