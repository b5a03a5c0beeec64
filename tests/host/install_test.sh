#!/bin/sh
# Builds an AIX-style program against an INSTALLED copy of rashm, the way a
# user would:  cc prog.c $(pkg-config --cflags --libs rashm)
#   install_test.sh BUILD_DIR PROGRAM.c [sanitize]
# (INSTALL_TEST_CFLAGS: more compiler flags, e.g. -Wall -Werror;
#  RASHM_INSTALL_TEST_VM="numa-vm.sh options NODES": run it in a QEMU guest)
# Installs BUILD_DIR into a temporary prefix, compiles PROGRAM.c with only
# what pkg-config says, runs it (no LD_LIBRARY_PATH: the .pc file gives the
# program a RUNPATH to the installed libdir), and removes the prefix.
set -eu
build=$1
src=$2
sanitize=${3:-}
tmp=$(mktemp -d /tmp/rashm-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

prefix=$tmp/prefix
# (under the build folder's install lock: every install rewrites its
# install_manifest.txt, which tests/install/acceptance.sh reads)
flock "$build/.install.lock" cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }

pcdir=$(dirname "$(find "$prefix" -name rashm.pc | head -n 1)")
[ -f "$pcdir/rashm.pc" ] || { echo "FAIL: rashm.pc was not installed"; exit 1; }
[ -f "$prefix/include/rashm/sys/rset.h" ] || { echo "FAIL: <sys/rset.h> was not installed under include/rashm"; exit 1; }
# the registry's root-owned top directory comes from systemd-tmpfiles
grep -q '^d /dev/shm/rashm-registry 1777 root root' "$prefix/lib/tmpfiles.d/rashm.conf" 2>/dev/null || {
    echo "FAIL: lib/tmpfiles.d/rashm.conf (registry top directory) was not installed"; exit 1; }

# The .pc files compute the prefix from their own location (${pcfiledir}):
# the flags must point into the temporary prefix, never into the source or
# build tree or the configure-time prefix.
export PKG_CONFIG_PATH=$pcdir
unset LD_LIBRARY_PATH
pc="pkg-config"
$pc --exists rashm || { echo "FAIL: pkg-config does not find rashm"; exit 1; }
cflags=$($pc --cflags rashm)
libs=$($pc --libs rashm)
echo "pkg-config --cflags --libs rashm: $cflags $libs"
case "$cflags $libs" in
*"$prefix"*) ;;
*) echo "FAIL: pkg-config flags do not point into the installed prefix"; exit 1 ;;
esac

extra=${INSTALL_TEST_CFLAGS:-}
[ "$sanitize" = sanitize ] && extra="$extra -fsanitize=address,undefined"
# shellcheck disable=SC2086
cc $extra -o "$tmp/prog" "$src" $cflags $libs || { echo "FAIL: the program does not compile against the installed copy"; exit 1; }

libdir=$($pc --variable=libdir rashm)
# the program must run on the installed library, not on the build tree's
ldd "$tmp/prog" | grep -q "librashm.so.* => $prefix/" || {
    ldd "$tmp/prog"; echo "FAIL: not linked with the installed librashm"; exit 1; }
if [ -n "${RASHM_INSTALL_TEST_VM:-}" ]; then
    # in a QEMU guest: RASHM_INSTALL_TEST_VM holds numa-vm.sh options and the
    # node count; the guest gets the program and its libraries at the same
    # paths, found through the RUNPATH that pkg-config's flags gave it
    # shellcheck disable=SC2086
    "$(dirname "$0")/../numa/numa-vm.sh" $RASHM_INSTALL_TEST_VM "$tmp/prog"
    echo "PASS: built $(basename "$src") against $prefix and ran it in a guest ($RASHM_INSTALL_TEST_VM)"
    exit 0
fi
"$tmp/prog"
echo "PASS: built and ran $(basename "$src") against $prefix"
