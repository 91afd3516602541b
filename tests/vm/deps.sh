#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs, only those missing.
# Usage: deps.sh [--check]   (--check: report what is missing, install nothing)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# package:command-or-file proving it is installed
NEEDED="
flex:/usr/bin/flex
bison:/usr/bin/bison
bc:/usr/bin/bc
libelf-dev:/usr/include/libelf.h
libssl-dev:/usr/include/openssl/ssl.h
cpio:/usr/bin/cpio
build-essential:/usr/bin/gcc
make:/usr/bin/make
dwarves:/usr/bin/pahole
python3:/usr/bin/python3
perl:/usr/bin/perl
xz-utils:/usr/bin/xz
lz4:/usr/bin/lz4
qemu-system-x86:/usr/bin/qemu-system-x86_64
busybox-static:/bin/busybox
debian-archive-keyring:/usr/share/keyrings/debian-archive-keyring.gpg
ca-certificates:/etc/ssl/certs
rsync:/usr/bin/rsync
procps:/usr/bin/pkill
s6:/usr/bin/s6-fdholderd
dpkg-dev:/usr/bin/dpkg-buildpackage
debhelper:/usr/bin/dh
dh-dkms:/usr/bin/dh_dkms
lintian:/usr/bin/lintian
pkg-config:/usr/bin/pkg-config
"

missing=()
for entry in $NEEDED; do
	pkg=${entry%%:*} path=${entry#*:}
	[ -e "$path" ] || missing+=("$pkg")
done
# busybox (dynamic) also provides /bin/busybox; the harness needs the static one
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	case " ${missing[*]-} " in *" busybox-static "*) ;; *) missing+=(busybox-static) ;; esac
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1-}" = --check ]; then
	say "missing packages: ${missing[*]}"
	exit 1
fi
[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root or install them"
say "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || die "apt-get update failed: is the Debian mirror reachable?"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install ${missing[*]} failed"
