#!/bin/sh
# Builds an AIX-style program against an INSTALLED copy of rashm, the way a
# user would:  cc prog.c $(pkg-config --cflags --libs rashm)
#   install_test.sh BUILD_DIR PROGRAM.c [sanitize]
# Installs BUILD_DIR into a temporary prefix, compiles PROGRAM.c with only
# what pkg-config says, runs it, and removes the prefix.
set -eu
build=$1
src=$2
sanitize=${3:-}
tmp=$(mktemp -d /tmp/rashm-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }

pcdir=$(dirname "$(find "$prefix" -name rashm.pc | head -n 1)")
[ -f "$pcdir/rashm.pc" ] || { echo "FAIL: rashm.pc was not installed"; exit 1; }
[ -f "$prefix/include/rashm/sys/rset.h" ] || { echo "FAIL: <sys/rset.h> was not installed under include/rashm"; exit 1; }
# the registry's root-owned top directory comes from systemd-tmpfiles
grep -q '^d /dev/shm/rashm-registry 1777 root root' "$prefix/lib/tmpfiles.d/rashm.conf" 2>/dev/null || {
    echo "FAIL: lib/tmpfiles.d/rashm.conf (registry top directory) was not installed"; exit 1; }

# The .pc file carries the prefix given at configure time; the copy here was
# installed somewhere else, so let pkgconf derive the prefix from where the
# .pc file lies (what a relocated install needs). The flags must then point
# into the temporary prefix, never into the source or build tree.
export PKG_CONFIG_PATH=$pcdir
pc="pkg-config --define-prefix"
$pc --exists rashm || { echo "FAIL: pkg-config does not find rashm"; exit 1; }
cflags=$($pc --cflags rashm)
libs=$($pc --libs rashm)
echo "pkg-config --cflags --libs rashm: $cflags $libs"
case "$cflags $libs" in
*"$prefix"*) ;;
*) echo "FAIL: pkg-config flags do not point into the installed prefix"; exit 1 ;;
esac

extra=""
[ "$sanitize" = sanitize ] && extra="-fsanitize=address,undefined"
# shellcheck disable=SC2086
cc $extra -o "$tmp/prog" "$src" $cflags $libs || { echo "FAIL: the program does not compile against the installed copy"; exit 1; }

libdir=$($pc --variable=libdir rashm)
# the program must run on the installed library, not on the build tree's
LD_LIBRARY_PATH=$libdir ldd "$tmp/prog" | grep -q "librashm.so.* => $prefix/" || {
    LD_LIBRARY_PATH=$libdir ldd "$tmp/prog"; echo "FAIL: not linked with the installed librashm"; exit 1; }
LD_LIBRARY_PATH=$libdir "$tmp/prog"
echo "PASS: built and ran $(basename "$src") against $prefix"
