#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fdbox in the VM, success paths: create, put --from-file, list (text,
# JSON, sysfs agrees), seal, unseal, get --to-file (contents, holes,
# overwriting), a 300 MiB transfer, delete. Runs in every stage; needs no
# handover. Prints TAP.

stage=${FDBOX_STAGE:-1}
T=$(mktemp -d /tmp/cli-basic.XXXXXX)
B=basic$stage
. /lib/fdbox-tests/cli-tap.sh
plan 63

fdbox delete "$B" 2> /dev/null
head -c 1048576 /dev/urandom > "$T/one"
printf 'hello fdbox\n' > "$T/small"
: > "$T/empty"

fx help; expect 0 "" "fdbox help"
check "help lists the commands" out_has "put BOX NAME --from-file PATH"
fx --version; expect 0 "" "fdbox --version"

fx create "$B"; expect 0 "" "create $B: silent success"
check "/dev/fdbox/$B is a character device" [ -c "/dev/fdbox/$B" ]
check "/dev/fdbox/$B is mode 600" [ "$(stat -c %a "/dev/fdbox/$B")" = 600 ]
fx list "$B"; expect 0 "" "list $B"
check "an empty open box" out_has "box $B state open fds 0 bytes 0"
check "list BOX has no unclaimed-bytes line" [ "$(grep -c unclaimed "$T/out")" = 0 ]

fx put "$B" one --from-file "$T/one"; expect 0 "" "put $B/one --from-file (1 MiB)"
fx put "$B" small --from-file "$T/small"; expect 0 "" "put $B/small --from-file (12 bytes)"
fx put "$B" empty --from-file "$T/empty"; expect 0 "" "put $B/empty --from-file (empty file)"
fx list "$B"
check "list: 3 fds, bytes are the sum" out_has "box $B state open fds 3 bytes 1048588"
check "list: one, a memfd of 1 MiB" out_has "	fd one type memfd size 1048576"
check "list: small" out_has "	fd small type memfd size 12"
check "list: empty" out_has "	fd empty type memfd size 0"
check "list: fds in the order they were put" \
	[ "$(awk '$1 == "fd" { printf "%s ", $2 }' "$T/out")" = "one small empty " ]
check "sysfs state is open" [ "$(cat /sys/class/fdbox/$B/state)" = open ]
check "sysfs nr_fds is 3" [ "$(cat /sys/class/fdbox/$B/nr_fds)" = 3 ]
check "sysfs bytes is 1048588" [ "$(cat /sys/class/fdbox/$B/bytes)" = 1048588 ]

fx list; expect 0 "" "list (every box)"
check "list shows $B" out_has "box $B state open fds 3 bytes 1048588"
check "list ends with unclaimed-bytes N" sh -c "tail -n 1 '$T/out' | grep -qE '^unclaimed-bytes [0-9]+\$'"
check "list names the restore path the module uses" \
	sh -c "tail -n 2 '$T/out' | head -n 1 | grep -qx \"restore-path \$(cat /sys/module/fdbox/parameters/restore_path)\""
fx list --json; expect 0 "" "list --json"
check "JSON: the box and its first fd" out_has "{\"name\":\"$B\",\"state\":\"open\",\"nr_fds\":3,\"bytes\":1048588,\"fds\":[{\"name\":\"one\",\"type\":\"memfd\",\"size\":1048576,\"pending\":false}"
check "JSON: restore_path" sh -c "grep -qE '\"restore_path\":\"(zero-copy|module-only)\",\"unclaimed_bytes\"' '$T/out'"
check "JSON: unclaimed_bytes" sh -c "grep -qE '\"unclaimed_bytes\":[0-9]+}\$' '$T/out'"
check "JSON: one line" [ "$(wc -l < "$T/out")" = 1 ]
fx list "$B" -j; expect 0 "" "list $B -j"
check "JSON of one box, with its schema version" sh -c "grep -q '^{\"schema\":1,\"boxes\":\\[{\"name\":\"$B\",' '$T/out'"

fx seal "$B"; expect 0 "" "seal $B"
fx list "$B"; check "list: sealed" out_has "box $B state sealed fds 3"
check "sysfs state is sealed" [ "$(cat /sys/class/fdbox/$B/state)" = sealed ]
fx unseal "$B"; expect 0 "" "unseal $B"
fx list "$B"; check "list: open again, fds kept" out_has "box $B state open fds 3 bytes 1048588"

fx get "$B" one --to-file "$T/one.out"; expect 0 "" "get $B/one --to-file"
check "the file has the bytes put" same "$T/one" "$T/one.out"
fx get "$B" small --to-file "$T/small.out"; expect 0 "" "get $B/small --to-file"
check "small file's contents" [ "$(cat "$T/small.out")" = "hello fdbox" ]
fx get "$B" empty --to-file "$T/empty.out"; expect 0 "" "get $B/empty --to-file"
check "empty file is empty and exists" [ -f "$T/empty.out" -a ! -s "$T/empty.out" ]
fx list "$B"; check "the box is empty after get" out_has "box $B state open fds 0 bytes 0"

# get over an existing larger file replaces it
fx put "$B" small --from-file "$T/small"
fx get "$B" small --to-file "$T/one.out"; expect 0 "" "get over an existing larger file"
check "it was replaced exactly" same "$T/small" "$T/one.out"

# holes stay holes
truncate -s 64M "$T/sparse"
printf 'data in the middle' | dd of="$T/sparse" bs=1 seek=1048576 conv=notrunc 2> /dev/null
fx put "$B" sparse --from-file "$T/sparse"; expect 0 "" "put a 64 MiB sparse file"
fx list "$B"; check "its size is 64 MiB" out_has "fd sparse type memfd size 67108864"
fx get "$B" sparse --to-file "$T/sparse.out"; expect 0 "" "get it back"
check "same bytes" same "$T/sparse" "$T/sparse.out"
check "the holes are kept (du < 1 MiB)" [ "$(du -k "$T/sparse.out" | cut -f1)" -lt 1024 ]
rm -f "$T/sparse" "$T/sparse.out"

# 260 MiB (over the 256 MiB of the progress bar): quiet when stderr is not
# a terminal; a progress bar on the console
if dd if=/dev/zero of="$T/big" bs=1M count=260 2> /dev/null &&
   printf 'not only zeros' | dd of="$T/big" bs=1 seek=272629000 conv=notrunc 2> /dev/null; then
	fx put "$B" big --from-file "$T/big"; expect 0 "" "put 260 MiB with stderr to a file: quiet"
	fx list "$B"; check "list: 260 MiB" out_has "fd big type memfd size 272629760"
	fdbox get "$B" big --to-file "$T/big.out" 2> /dev/console; rc=$?
	# the bar is cleared with \r, leaving the cursor on its line: end it
	echo
	check "get 260 MiB with a progress bar on the console" [ "$rc" = 0 ]
	# (busybox cmp is slow on this much data in an emulated VM)
	check "260 MiB came back intact" [ "$(md5sum < "$T/big")" = "$(md5sum < "$T/big.out")" ]
else
	fail "cannot make a 260 MiB file"
	skip_n 3 "260 MiB round trip" "no 260 MiB file"
fi
rm -f "$T/big" "$T/big.out"

# delete BOX NAME drops one fd; delete BOX drops the box and its fds
fx put "$B" one --from-file "$T/one"
fx put "$B" two --from-file "$T/one"
fx delete "$B" two; expect 0 "" "delete $B two drops one fd"
fx list "$B"; check "the other fd stays" [ "$(awk '$1 == "fd" { printf "%s ", $2 }' "$T/out")" = "one " ]
fx delete "$B" two; expect 1 "fdbox: delete $B/two: box '$B' holds no fd named 'two'" "delete of an fd that is not there"
fx delete "$B"; expect 0 "" "delete $B holding an fd"
check "/dev/fdbox/$B is gone" [ ! -e "/dev/fdbox/$B" ]
check "/sys/class/fdbox/$B is gone" [ ! -e "/sys/class/fdbox/$B" ]
fx list "$B"; expect 1 "no box named '$B'" "list $B after delete: no box"
fx create "$B"; expect 0 "" "the name can be used again"
fx delete "$B"; expect 0 "" "delete $B again"

rm -rf "$T"
finish
