#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source (7.3 preferred) and build a KHO-enabled kernel
# into the cache, keyed by source version, config fragments and variant.
#
# Usage: kernel.sh [normal|debug|patched|debug-patched]
#   normal   the test kernel (config/kho.config)
#   debug    the same plus config/debug.config (KASAN, lockdep, ...)
#   patched  the normal configuration built from a copy of the source with
#            kernel/patches/ applied (the FDBox helper, shmem_insert_folios);
#            same kernel release string as normal, so one fdbox.ko built
#            against the normal tree loads on both. Its cache key includes
#            the patches' contents: editing a patch builds a new kernel.
#   debug-patched  the debug configuration with kernel/patches/ applied
#            (the helper under KASAN, DEBUG_VM, lockdep).
# Prints the build directory (KDIR, an O= tree) on stdout as its last line.
# Environment: FDBOX_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/fdbox),
#              FDBOX_KSRC_PREFERRED (default linux-source-7.3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

VARIANT=${1:-normal}
PREFERRED=${FDBOX_KSRC_PREFERRED:-linux-source-7.3}
CONFDIR="$FDBOX_TOP/tests/vm/config"
case "$VARIANT" in
normal|patched) FRAGMENTS=("$CONFDIR/kho.config") ;;
debug|debug-patched) FRAGMENTS=("$CONFDIR/kho.config" "$CONFDIR/debug.config") ;;
*) die "unknown kernel variant '$VARIANT' (use normal, debug, patched or debug-patched)" ;;
esac
PATCHDIR="$FDBOX_TOP/kernel/patches"

mkdir -p "$FDBOX_CACHE" || die "cannot create cache directory $FDBOX_CACHE"

# The machine's Debian mirror: the first deb822 or one-line source serving a
# main suite (not -security). Read at run time, never written down.
mirror_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk '
			/^[ \t]*$/ { if (u != "" && s ~ /(bookworm|trixie|sid)( |$)/ && u !~ /security/) { print u; exit } u = ""; s = ""; next }
			/^URIs:/ { u = $2 }
			/^Suites:/ { $1 = ""; s = $0 " " }
			END { if (u != "" && s ~ /(bookworm|trixie|sid)( |$)/ && u !~ /security/) print u }' "$f")
		[ -n "$uri" ] && { echo "${uri%% *}"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
}

# Unpacked sources live in $FDBOX_CACHE/src/<package>_<version>/linux-source-*
# with a .fdbox-unpacked stamp; a directory without the stamp is broken.
# Patched copies (<package>_<version>-patched-<hash>) are never sources.
find_unpacked() {
	local d
	for d in $(ls -d "$FDBOX_CACHE"/src/"$1"_* 2>/dev/null | sort -V -r); do
		case "$d" in *-patched-*) continue ;; esac
		[ -f "$d/.fdbox-unpacked" ] && { echo "$d"; return; }
	done
}

fetch_source() {
	local apt="$FDBOX_CACHE/apt" uri pkg ver deb dest
	uri=$(mirror_uri)
	[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"
	mkdir -p "$apt/lists/partial" "$apt/archives/partial"
	cat > "$apt/sources.sources" <<-EOT
	Types: deb
	URIs: $uri
	Suites: trixie-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOT
	local opts=(-o Dir::Etc::sourcelist="$apt/sources.sources"
		-o Dir::Etc::sourceparts=/nonexistent
		-o Dir::State::Lists="$apt/lists"
		-o Dir::Cache::archives="$apt/archives"
		-o APT::Sandbox::User=root -q)
	say "updating package lists for trixie-backports from the machine's mirror"
	apt-get "${opts[@]}" update >/dev/null ||
		die "apt-get update of trixie-backports failed: is the Debian mirror ($uri) reachable?"
	pkg=$PREFERRED
	if ! apt-cache "${opts[@]}" show "$pkg" >/dev/null 2>&1; then
		pkg=$(apt-cache "${opts[@]}" pkgnames linux-source-7. |
			awk -F. '$2 >= 3' | sort -V | tail -n 1)
		[ -n "$pkg" ] || die "trixie-backports offers neither $PREFERRED nor any linux-source-7.N (N >= 3)"
		say "$PREFERRED is not offered any more; using $pkg instead"
	fi
	ver=$(apt-cache "${opts[@]}" show "$pkg" | awk '/^Version:/ { print $2; exit }')
	say "downloading $pkg $ver (about 170 MB)"
	(cd "$apt/archives" && apt-get "${opts[@]}" download "$pkg" >/dev/null) ||
		die "downloading $pkg failed"
	deb=$(ls "$apt/archives/${pkg}_"*.deb | head -n 1)
	dest="$FDBOX_CACHE/src/${pkg}_${ver}"
	rm -rf "$dest" && mkdir -p "$dest/deb"
	say "unpacking $deb"
	dpkg-deb -x "$deb" "$dest/deb" || die "dpkg-deb could not unpack $deb"
	tar -C "$dest" -xf "$dest"/deb/usr/src/linux-source-*.tar.* ||
		die "could not unpack the kernel tarball from $deb"
	rm -rf "$dest/deb" "$deb"
	touch "$dest/.fdbox-unpacked"
	echo "$dest"
}

srcroot=$(find_unpacked "$PREFERRED")
[ -n "$srcroot" ] || srcroot=$(find_unpacked 'linux-source-7.*')
[ -n "$srcroot" ] || srcroot=$(fetch_source)
SRC=$(ls -d "$srcroot"/linux-source-* | head -n 1)
[ -f "$SRC/Makefile" ] || die "kernel source in $srcroot is incomplete; remove it and retry"
srcver=${srcroot##*/}

# patched_source: print the path of a copy of $SRC with kernel/patches/
# applied, making it if needed. The copy is $FDBOX_CACHE/src/<srcver>-
# patched-<hash of the patches>/linux-source-*: hard links to the pristine
# tree, except for the files the patches touch, whose links are broken
# before patching so that the pristine tree never changes. A copy without
# its .fdbox-patched stamp is unfinished: it is removed and made again.
patched_source() {
	local dir="$FDBOX_CACHE/src/${srcver}-patched-$1" base=${SRC##*/}
	local files f p sums
	if [ -f "$dir/.fdbox-patched" ] && [ -f "$dir/$base/Makefile" ]; then
		echo "$dir/$base"
		return
	fi
	say "applying kernel/patches/ to a copy of $srcver in $dir"
	rm -rf "$dir" && mkdir -p "$dir" || die "cannot create $dir"
	cp -al "$SRC" "$dir/" || die "cannot make a hard-link copy of $SRC in $dir"
	# Every file a patch names, old or new side, minus /dev/null.
	files=$(sed -n -e 's,^--- a/\([^\t]*\).*,\1,p' -e 's,^+++ b/\([^\t]*\).*,\1,p' \
		"${PATCHES[@]}" | sort -u)
	[ -n "$files" ] || die "kernel/patches/ names no files to patch"
	sums=$(cd "$SRC" && for f in $files; do [ ! -f "$f" ] || sha256sum "$f"; done)
	for f in $files; do
		[ -f "$dir/$base/$f" ] || continue
		cp -p "$dir/$base/$f" "$dir/$base/$f.fdbox-unlink" &&
		mv -f "$dir/$base/$f.fdbox-unlink" "$dir/$base/$f" ||
			die "cannot break the hard link of $f in $dir"
		[ "$(stat -c %h "$dir/$base/$f")" = 1 ] ||
			die "$dir/$base/$f is still hard-linked; not patching"
	done
	for p in "${PATCHES[@]}"; do
		patch -d "$dir/$base" -p1 --no-backup-if-mismatch -s -f -i "$p" >&2 ||
			die "${p##*/} does not apply to $srcver (left in $dir)"
	done
	[ -z "$sums" ] || (cd "$SRC" && printf '%s\n' "$sums" | sha256sum -c --quiet) >&2 ||
		die "the pristine tree $SRC changed while patching: remove $srcroot and retry"
	printf '%s\n' "${PATCHES[@]##*/}" > "$dir/.fdbox-patched"
	echo "$dir/$base"
}

patchkey=""
if [ "${VARIANT%patched}" != "$VARIANT" ]; then
	# Every NNNN-*.patch in order, except the cover letter (0000-*).
	PATCHES=()
	for p in "$PATCHDIR"/[0-9][0-9][0-9][0-9]-*.patch; do
		case "${p##*/}" in 0000-*) continue ;; esac
		[ -f "$p" ] && PATCHES+=("$p")
	done
	[ ${#PATCHES[@]} -gt 0 ] || die "no patches in $PATCHDIR"
	patchkey=$(cat "${PATCHES[@]}" | sha256sum | cut -c1-12)
	mkdir -p "$FDBOX_CACHE/src"
	exec 9> "$FDBOX_CACHE/src/.patched.lock"
	flock 9
	SRC=$(patched_source "$patchkey") || exit 1
	exec 9>&-
fi

key=$( (echo "$srcver $VARIANT${patchkey:+ $patchkey}"; cat "${FRAGMENTS[@]}") | sha256sum | cut -c1-12)
OUT="$FDBOX_CACHE/build/${srcver}-${VARIANT}-${key}"
# run.sh reads the variant to add its boot arguments (config/<variant>.cmdline)
mkdir -p "$OUT" && echo "$VARIANT" > "$OUT/.fdbox-variant"
# One build of a tree at a time, and none while another run builds modules
# against it (the Makefile holds $OUT.lock shared for that): several
# checkouts share this cache.
exec 8> "$OUT.lock"
flock 8
# A hit is a tree that can still build external modules, not only a stamp;
# anything missing is made again (make is incremental).
if [ -f "$OUT/.fdbox-built" ] && [ -f "$OUT/arch/x86/boot/bzImage" ] &&
   [ -f "$OUT/Module.symvers" ] && [ -f "$OUT/include/generated/autoconf.h" ] &&
   [ -f "$OUT/include/config/auto.conf" ] && [ -x "$OUT/scripts/mod/modpost" ] &&
   [ -d "$OUT/usr-headers/include/linux" ]; then
	say "cache hit: $OUT"
	echo "$OUT"
	exit 0
fi
[ ! -f "$OUT/.fdbox-built" ] || say "cache entry $OUT cannot build modules any more: building it again"
rm -f "$OUT/.fdbox-built"

say "building $VARIANT kernel from $srcver into $OUT (cold build: several minutes)"
t0=$(now_ms)
# An unfinished build in the same keyed directory is resumed: make is
# incremental and the key pins source and configuration.
mkdir -p "$OUT"
log="$OUT/build.log"
jobs=$(( $(nproc) + 1 ))
kmake() { make -C "$SRC" O="$OUT" -j"$jobs" "$@" >>"$log" 2>&1; }
{
	kmake tinyconfig &&
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "${FRAGMENTS[@]}" &&
	kmake olddefconfig
} >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "kernel configuration failed (log: $log)"; }

# Every option the fragments ask for must survive olddefconfig.
lost=$(cat "${FRAGMENTS[@]}" | grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)' |
	while IFS= read -r want; do grep -qxF "$want" "$OUT/.config" || echo "  $want"; done)
[ -z "$lost" ] || die "config options dropped by olddefconfig (missing dependencies?):
$lost"

kmake bzImage modules_prepare || { tail -n 30 "$log" >&2; die "kernel build failed (log: $log)"; }
kmake modules || { tail -n 30 "$log" >&2; die "'make modules' failed (log: $log)"; }
kmake headers_install INSTALL_HDR_PATH="$OUT/usr-headers" ||
	{ tail -n 30 "$log" >&2; die "headers_install failed (log: $log)"; }
touch "$OUT/.fdbox-built"
t1=$(now_ms)
say "kernel built in $(( (t1 - t0) / 1000 )) s: $OUT"
echo "$OUT"
