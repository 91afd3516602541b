#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make install DESTDIR=...` puts every part of FDBox's userspace in place,
# and a program builds against the installed pkg-config file (shared and
# static), in C and C++. Prints TAP. Installed as build/host-tests/test-install.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdbox-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Not a sub-make of whatever runs this test.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
CC=${CC:-cc}

. "$top/tests/host/tap.sh"

d=$tmp/dest
p=$d/usr/local
version=$(sed -n 's/^FDBOX_VERSION := //p' "$top/lib/lib.mk")

t "make install DESTDIR=... succeeds" make -C "$top" --no-print-directory install DESTDIR="$d"
for f in bin/fdbox lib/libfdbox.so.$version lib/libfdbox.so.0 lib/libfdbox.so \
	 lib/libfdbox.a include/fdbox.h include/fdbox/linux/fdbox.h \
	 lib/pkgconfig/fdbox.pc share/man/man1/fdbox.1 share/man/man4/fdbox.4 \
	 share/man/man3/libfdbox.3 lib/modules-load.d/fdbox.conf \
	 lib/udev/rules.d/60-fdbox.rules src/fdbox-$version/dkms.conf \
	 src/fdbox-$version/kernel/Kbuild src/fdbox-$version/kernel/Makefile \
	 src/fdbox-$version/kernel/main.c src/fdbox-$version/kernel/fdbox.h \
	 src/fdbox-$version/include/uapi/linux/fdbox.h; do
	t "installed \$PREFIX/$f" test -e "$p/$f"
done
t "nothing installed where the distribution's kernel headers are (include/linux)" \
	test ! -e "$p/include/linux"
t "libfdbox.so.0 links to libfdbox.so.$version" \
	test "$(readlink "$p/lib/libfdbox.so.0")" = "libfdbox.so.$version"
t "fdbox is executable" test -x "$p/bin/fdbox"
t "DKMS: PACKAGE_VERSION is $version" grep -qx "PACKAGE_VERSION=\"$version\"" "$p/src/fdbox-$version/dkms.conf"
t "DKMS: builds with make -C kernel KDIR=/lib/modules/\${kernelver}/build" \
	grep -qF 'MAKE[0]="make -C kernel KDIR=/lib/modules/${kernelver}/build"' "$p/src/fdbox-$version/dkms.conf"
t "DKMS: only for kernels with KHO" grep -qx 'BUILD_EXCLUSIVE_CONFIG="CONFIG_KEXEC_HANDOVER"' "$p/src/fdbox-$version/dkms.conf"
t "DKMS: no build products in the source tree" \
	sh -c "! ls '$p/src/fdbox-$version/kernel' | grep -E '\.(o|ko|mod|mod\.c|cmd)\$'"
t "udev rule: the control node 0600 root" grep -q 'KERNEL=="fdbox".*OWNER="root".*MODE="0600"' "$p/lib/udev/rules.d/60-fdbox.rules"
t "udev rule: box nodes keep the owner, group and mode the kernel gives them" \
	sh -c "! grep -v '^#' '$p/lib/udev/rules.d/60-fdbox.rules' | grep -q 'SUBSYSTEM==\"fdbox\"'"
t "the installed fdbox runs with the installed library" \
	env LD_LIBRARY_PATH="$p/lib" "$p/bin/fdbox" --version
t "no RUNPATH or RPATH in the installed fdbox" \
	sh -c "! readelf -d '$p/bin/fdbox' | grep -q 'RUNPATH\|RPATH'"
t "no RUNPATH or RPATH in the installed library" \
	sh -c "! readelf -d '$p/lib/libfdbox.so.$version' | grep -q 'RUNPATH\|RPATH'"
t "NEEDED libfdbox.so.0" sh -c "readelf -d '$p/bin/fdbox' | grep -q 'NEEDED.*libfdbox.so.0'"
t "SONAME libfdbox.so.0" sh -c "readelf -d '$p/lib/libfdbox.so' | grep -q 'SONAME.*libfdbox.so.0\]'"

# Only fdbox_* symbols are exported, and every function of the header is.
nm -D --defined-only "$p/lib/libfdbox.so" | awk '$2 ~ /^[TDBRW]$/ { sub(/@.*/, "", $3); print $3 }' |
	sort > "$tmp/exported"
grep -v '^[ /]\*' "$p/include/fdbox.h" | grep -oE '(^|[ *])fdbox_[a-z0-9_]+\(' |
	tr -d ' *(' | sort -u > "$tmp/declared"
t "every exported symbol starts with fdbox_" sh -c "! grep -v '^fdbox_' '$tmp/exported'"
t "exported symbols are exactly the header's functions ($(wc -l < "$tmp/declared"))" \
	diff "$tmp/declared" "$tmp/exported"

# Build a program against the installed pkg-config file.
cat > "$tmp/prog.c" <<'EOT'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fdbox.h>

int main(void)
{
	struct fdbox_snapshot *snap;
	int fd = fdbox_control_open();

	if (fdbox_box_name_check("vm1") || fdbox_box_name_check("fdbox") != -EINVAL)
		return 1;
	if (strcmp(fdbox_state_name(FDBOX_STATE_SEALED), "sealed"))
		return 1;
	if (sizeof(((struct fdbox_put_fd *)0)->name) != FDBOX_NAME_LEN)
		return 1;
	printf("control %s\n", fd >= 0 ? "open" : strerror(-fd));
	if (fd >= 0 && fdbox_snapshot_take(fd, &snap) == 0) {
		printf("%u boxes\n", snap->nr_boxes);
		fdbox_snapshot_free(snap);
	}
	return 0;
}
EOT
if command -v pkg-config > /dev/null; then
	export PKG_CONFIG_PATH="$p/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d"
	export PKG_CONFIG_LIBDIR="$p/lib/pkgconfig"
	t "pkg-config knows fdbox $version" test "$(pkg-config --modversion fdbox)" = "$version"
	cflags=$(pkg-config --cflags fdbox) libs=$(pkg-config --libs fdbox)
	t "pkg-config --libs: -lfdbox from the installed libdir" \
		sh -c "echo '$libs' | grep -q -- '-L$p/lib' && echo '$libs' | grep -q -- '-lfdbox'"
	t "a C program builds against the installed fdbox.pc" \
		$CC -std=c11 -Wall -Werror $cflags -o "$tmp/prog" "$tmp/prog.c" $libs
	t "it runs with the installed libfdbox.so.0" env LD_LIBRARY_PATH="$p/lib" "$tmp/prog"
	t "it is linked to libfdbox.so.0" sh -c "readelf -d '$tmp/prog' | grep -q 'NEEDED.*libfdbox.so.0'"
	t "a C program links libfdbox.a statically" \
		$CC -std=c11 -Wall -Werror $cflags -o "$tmp/prog-static" "$tmp/prog.c" \
		-L"$p/lib" -Wl,-Bstatic -lfdbox -Wl,-Bdynamic
	t "the static one runs without the shared library" "$tmp/prog-static"
	if command -v g++ > /dev/null; then
		printf '#include <fdbox.h>\nint main() { return fdbox_name_check("x"); }\n' > "$tmp/prog.cc"
		t "a C++ program builds against <fdbox.h>" \
			g++ -Wall -Werror $cflags -o "$tmp/prog-cc" "$tmp/prog.cc" $libs
		t "and runs" env LD_LIBRARY_PATH="$p/lib" "$tmp/prog-cc"
	else
		skip "a C++ program builds against <fdbox.h>" "no g++"
	fi
	unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
else
	skip "build against the installed fdbox.pc" "pkg-config is not installed"
fi

# Without pkg-config: -I of the include directory alone finds the UAPI
# header under fdbox/.
t "a C program builds with -I\$PREFIX/include alone" \
	${CC:-cc} -std=c11 -Wall -Werror -I"$p/include" -c -o "$tmp/prog-noconf.o" "$tmp/prog.c"

# The builder's CFLAGS, CPPFLAGS and LDFLAGS reach the binaries (the
# hardening flags of dpkg-buildflags): a build of its own, elsewhere.
t "make with CFLAGS, CPPFLAGS and LDFLAGS of the builder" \
	make -C "$top" --no-print-directory BUILD="$tmp/flags" \
	CFLAGS="-O2 -g -fstack-protector-all" CPPFLAGS="-D_FORTIFY_SOURCE=2" \
	LDFLAGS="-Wl,-z,now" "$tmp/flags/tools/fdbox" "$tmp/flags/lib/libfdbox.so.$version"
t "CFLAGS reach fdbox (stack protector)" \
	sh -c "nm -D '$tmp/flags/tools/fdbox' | grep -q __stack_chk_fail"
t "CPPFLAGS reach fdbox (fortified calls)" \
	sh -c "nm -D '$tmp/flags/tools/fdbox' | grep -q '__[a-z]*_chk'"
t "LDFLAGS reach fdbox and the library (BIND_NOW)" \
	sh -c "readelf -d '$tmp/flags/tools/fdbox' | grep -q 'NOW' && readelf -d '$tmp/flags/lib/libfdbox.so.$version' | grep -q 'NOW'"

# Other directories are honoured.
d2=$tmp/dest2
t "make install PREFIX=/opt/fdbox DESTDIR=..." \
	make -C "$top" --no-print-directory install DESTDIR="$d2" PREFIX=/opt/fdbox
t "fdbox.pc of PREFIX=/opt/fdbox" grep -qx 'prefix=/opt/fdbox' "$d2/opt/fdbox/lib/pkgconfig/fdbox.pc"
t "make uninstall removes it all but directories" \
	sh -c "make -C '$top' --no-print-directory uninstall DESTDIR='$d2' PREFIX=/opt/fdbox && test -z \"\$(find '$d2' ! -type d)\""

# The man pages format without warnings.
if command -v groff > /dev/null; then
	for m in 1 4; do
		t "fdbox.$m formats without warnings" \
			sh -c "LC_ALL=C groff -man -Tutf8 -ww -z '$top/docs/fdbox.$m' 2>&1 | (! grep .)"
	done
else
	skip "man pages format" "groff is not installed"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
