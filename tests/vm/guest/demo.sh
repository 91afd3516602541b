#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo, in the guest: a 1 GiB memfd survives a kexec in an FDBox box.
# Stage 1 fills it, hashes it and seals it in box "demo"; the harness then
# kexecs; stage 2 unseals the box and hashes the memfd again.
# "demo: <step> <ms>" lines become the timing table (tests/vm/demo.sh).

ms() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}0"; }
fail() { echo "not ok - demo: $*"; exit 1; }

if [ "$1" = hash-and-put ]; then
	t=$(ms)
	sha256sum /proc/self/fd/3 | cut -d' ' -f1 > /tmp/sha256
	echo "demo: hash $(( $(ms) - t ))"
	exec fdbox put demo guest-ram --fd 3
fi

if [ "$FDBOX_STAGE" = 1 ]; then
	fdbox create demo || fail "fdbox create"
	# memfd-fill makes the memfd and runs this script again with it as fd 3
	memfd-fill 1024 guest-ram /bin/demo.sh hash-and-put 2>&1 |
		sed 's/^fill:/demo: fill/'
	[ -s /tmp/sha256 ] || fail "fill, hash and put the memfd"
	fdbox put demo sha256 --from-file /tmp/sha256 || fail "put sha256"
	echo "demo: sha256 before $(cat /tmp/sha256)"
	t=$(ms)
	fdbox seal demo || fail "fdbox seal"
	echo "demo: seal $(( $(ms) - t ))"
	fdbox list demo
	echo "ok - demo stage 1: box 'demo' sealed with a 1 GiB memfd"
	exit 0
fi

fdbox list demo
t=$(ms)
fdbox unseal demo || fail "fdbox unseal"
echo "demo: unseal $(( $(ms) - t ))"
fdbox get demo sha256 --to-file /tmp/sha256 || fail "get sha256"
before=$(cat /tmp/sha256)
# fdbox exec gives the command every fd of the box, from 3 on, in the
# order of LISTEN_FDNAMES (guest-ram:sha256 here)
t=$(ms)
after=$(fdbox exec demo -- sh -c 'sha256sum /proc/self/fd/3' | cut -d' ' -f1)
echo "demo: verify $(( $(ms) - t ))"
echo "demo: sha256 after  $after"
fdbox delete demo
if [ -n "$after" ] && [ "$before" = "$after" ]; then
	echo "ok - demo stage 2: the 1 GiB memfd came back bit for bit (SHA-256 matches)"
else
	echo "not ok - demo stage 2: SHA-256 differs (before $before, after $after)"
fi
