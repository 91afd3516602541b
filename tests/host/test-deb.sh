#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian packages: dpkg-buildpackage -us -uc -b builds fdbox,
# libfdbox0, libfdbox-dev and fdbox-dkms from a copy of the sources; each
# holds what it should and nothing of another; unpacked into a scratch
# root the command runs with the packaged library and a program builds
# against the packaged pkg-config file; fdbox-dkms depends on dkms and
# registers the module with it; lintian reports no error. Prints TAP.
# Installed as build/host-tests/test-deb.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdbox-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

. "$top/tests/host/tap.sh"
PLAN=16
echo "1..$PLAN"
for tool in dpkg-buildpackage dh dh_dkms lintian; do
	if ! command -v "$tool" > /dev/null; then
		i=0
		while [ "$i" -lt "$PLAN" ]; do
			i=$((i + 1)); echo "ok $i - Debian packages # SKIP no $tool (make check installs it)"
		done
		exit 0
	fi
done

version=$(sed -n 's/^FDBOX_VERSION := //p' "$top/lib/lib.mk")
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
src=$tmp/fdbox-$version
mkdir -p "$src"
# The sources as the checkout has them (not its build products).
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -cf -) | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi

t "dpkg-buildpackage -us -uc -b builds the packages" \
	sh -c "cd '$src' && dpkg-buildpackage -us -uc -b"
for p in "fdbox_${version}_$arch" "libfdbox0_${version}_$arch" \
	 "libfdbox-dev_${version}_$arch" "fdbox-dkms_${version}_all"; do
	t "built $p.deb" test -f "$tmp/$p.deb"
done
list() { dpkg-deb -c "$tmp/$1.deb" | awk '{ print $6 }' | sed 's|^\./||' |
	grep -v '/$' | grep -v '^$' | grep -v '^usr/share/doc/' | sort; }
list "fdbox_${version}_$arch" > "$tmp/fdbox.list"
list "libfdbox0_${version}_$arch" > "$tmp/lib.list"
list "libfdbox-dev_${version}_$arch" > "$tmp/dev.list"
list "fdbox-dkms_${version}_all" > "$tmp/dkms.list"
printf '%s\n' usr/bin/fdbox usr/lib/udev/rules.d/60-fdbox.rules \
	usr/share/man/man1/fdbox.1.gz usr/share/man/man4/fdbox.4.gz > "$tmp/want"
t "fdbox: the command, its manual pages, the udev rule" diff "$tmp/want" "$tmp/fdbox.list"
printf '%s\n' "usr/lib/$multiarch/libfdbox.so.0" "usr/lib/$multiarch/libfdbox.so.$version" \
	> "$tmp/want"
t "libfdbox0: the shared library and its soname link only" diff "$tmp/want" "$tmp/lib.list"
printf '%s\n' usr/include/fdbox.h usr/include/fdbox/linux/fdbox.h \
	"usr/lib/$multiarch/libfdbox.a" "usr/lib/$multiarch/libfdbox.so" \
	"usr/lib/$multiarch/pkgconfig/fdbox.pc" usr/share/man/man3/libfdbox.3.gz |
	sort > "$tmp/want"
t "libfdbox-dev: headers (none in include/linux), static library, .so, fdbox.pc, libfdbox(3)" \
	diff "$tmp/want" "$tmp/dev.list"
t "fdbox-dkms: the module source and dkms.conf under /usr/src/fdbox-$version" \
	sh -c "grep -qx 'usr/src/fdbox-$version/dkms.conf' '$tmp/dkms.list' &&
	       grep -qx 'usr/src/fdbox-$version/kernel/main.c' '$tmp/dkms.list' &&
	       grep -qx 'usr/src/fdbox-$version/include/uapi/linux/fdbox.h' '$tmp/dkms.list' &&
	       ! grep -v '^usr/src/fdbox-$version/\|^usr/lib/modules-load.d/fdbox.conf$' '$tmp/dkms.list'"
t "fdbox-dkms: loads the module at boot (modules-load.d)" \
	grep -qx usr/lib/modules-load.d/fdbox.conf "$tmp/dkms.list"
t "fdbox-dkms: no debug-only source (the hostile-handover knob)" \
	sh -c "! grep -q 'kernel/debug.c' '$tmp/dkms.list'"
t "fdbox-dkms depends on dkms and registers the module in postinst" \
	sh -c "dpkg-deb -f '$tmp/fdbox-dkms_${version}_all.deb' Depends | grep -q dkms &&
	       dpkg-deb --ctrl-tarfile '$tmp/fdbox-dkms_${version}_all.deb' | tar -xO ./postinst | grep -q 'DKMS_NAME=fdbox'"
t "fdbox depends on libfdbox0" \
	sh -c "dpkg-deb -f '$tmp/fdbox_${version}_$arch.deb' Depends | grep -q 'libfdbox0'"

root=$tmp/root
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$root"; done
t "the packaged fdbox runs with the packaged library" \
	env LD_LIBRARY_PATH="$root/usr/lib/$multiarch" "$root/usr/bin/fdbox" --version
cat > "$tmp/prog.c" <<'EOT'
#include <fdbox.h>
int main(void) { return fdbox_box_name_check("vm1"); }
EOT
pc() { PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/usr/lib/$multiarch/pkgconfig" \
	pkg-config "$@" fdbox; }
t "a program builds against the packaged fdbox.pc and runs" \
	sh -c "cc -Wall -Werror $(pc --cflags) -o '$tmp/prog' '$tmp/prog.c' $(pc --libs) &&
	       LD_LIBRARY_PATH='$root/usr/lib/$multiarch' '$tmp/prog'"
t "lintian: no error or warning" \
	lintian --fail-on error,warning "$tmp/fdbox_${version}_${arch}.changes"

[ "$n" = "$PLAN" ] || { echo "# $n results, $PLAN planned"; exit 1; }
[ "$failed" = 0 ]
