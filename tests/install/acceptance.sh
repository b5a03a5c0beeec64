#!/bin/bash
# Issue 11's acceptance test for an installed copy:
#   acceptance.sh BUILD_DIR SOURCE_DIR [sanitize] [man]
# Installs BUILD_DIR into two prefixes; in each, runs the README's "Using it"
# shell block as it stands (pkg-config builds of an AIX program, a VEO program
# with pkg-config and with -lveo, its VE library; runs them; runs the
# installed rashm) and builds and runs the README's CMake project
# (find_package(rashm CONFIG)). Never LD_LIBRARY_PATH. Then: the first prefix
# removed, the second still works (nothing points across); the second moved
# elsewhere, its rashm and pkg-config still work (relocatable); man pages
# render (with "man"); `uninstall` removes every installed file.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) san=${3:-} man=${4:-}
tmp=$(mktemp -d /tmp/rashm-accept.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
unset LD_LIBRARY_PATH RASHM_VE_HELPER RASHM_VE_RUNTIME_LIB PKG_CONFIG_PATH
fail() { echo "FAIL: $*"; exit 1; }

# the README's blocks, as they are: the sh block and the cmake block that
# follow the "test:" markers of the "Using it" section
readme_block() { # N-th marked block
    awk -v want="$1" '/<!-- test: tests\/install\/acceptance.sh/ { n++; grab = (n == want); next }
        grab && /^```/ { if (inside) exit; inside = 1; next }
        grab && inside { print }' "$src/README.md"
}
readme_block 1 > "$tmp/using.sh"
readme_block 2 > "$tmp/CMakeLists.txt"
grep -q 'pkg-config --cflags --libs rashm)' "$tmp/using.sh" || fail "README's shell block not found"
grep -q 'find_package(rashm' "$tmp/CMakeLists.txt" || fail "README's CMake block not found"

# a sanitized librashm needs the sanitizer runtime first in the program
cflags=""; export cflags
case $san in sanitize|ON) cflags="-fsanitize=address,undefined";; esac

install_to() { # PREFIX
    flock "$build/.install.lock" cmake --install "$build" --prefix "$1" > "$tmp/install.log" 2>&1 || {
        cat "$tmp/install.log"; fail "cmake --install --prefix $1"; }
}

use_copy() { # PREFIX WORKDIR
    local prefix=$1 w=$2
    mkdir -p "$w"
    cp "$src/tests/host/aix_prog/seed_example.c" "$w/aix_prog.c"
    cp "$src/tests/veo/install/hello.c" "$w/veo_prog.c"
    cp "$src/tests/veo/install/libvehello.c" "$w/ve.c"
    cp "$tmp/CMakeLists.txt" "$w/CMakeLists.txt"
    echo "== README block against $prefix"
    (cd "$w" && export prefix && cc() { command cc $cflags "$@"; } && export -f cc &&
        bash -euxo pipefail "$tmp/using.sh") > "$w/using.log" 2>&1 || {
        cat "$w/using.log"; fail "the README's commands against $prefix"; }
    grep -q "hello returned 42" "$w/using.log" || { cat "$w/using.log"; fail "VEO program output"; }
    grep -q "system detail levels" "$w/using.log" || { cat "$w/using.log"; fail "installed rashm topo output"; }
    for p in aix_prog veo_prog veo_prog2; do
        l=$(ldd "$w/$p" | grep -E 'librashm(-veo)?\.so') || fail "$p: no librashm in ldd's list"
        if grep -v "=> $prefix/" <<< "$l" > /dev/null; then echo "$l"; fail "$p is not linked with $prefix's libraries"; fi
    done
    echo "== README CMake project against $prefix"
    (cd "$w" && CFLAGS="$cflags" cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" &&
        cmake --build build && ./build/aix_prog && ./build/veo_prog "$w/build/libvekernel.so") > "$w/cmake.log" 2>&1 || {
        cat "$w/cmake.log"; fail "the README's CMake project against $prefix"; }
    grep -q "hello returned 42" "$w/cmake.log" || { cat "$w/cmake.log"; fail "CMake-built VEO program output"; }
    # the helper that ran is the installed one
    [ -x "$prefix/libexec/rashm/rashm-ve" ] || fail "rashm-ve not in $prefix/libexec/rashm"
    [ ! -e "$prefix/bin/rashm-ve" ] || fail "rashm-ve installed on PATH ($prefix/bin)"
}

A=$tmp/prefix-a B=$tmp/prefix-b
install_to "$A"
install_to "$B"
use_copy "$A" "$tmp/work-a"
use_copy "$B" "$tmp/work-b"

echo "== $A removed: $B's programs still run"
rm -rf "$A"
(cd "$tmp/work-b" && ./aix_prog > /dev/null && ./veo_prog ./libvekernel.so > /dev/null &&
    ./build/veo_prog "$PWD/build/libvekernel.so" > /dev/null && "$B/bin/rashm" topo > /dev/null) ||
    fail "programs built against $B depend on $A"

echo "== $B moved: its rashm, helper and pkg-config still work"
C=$tmp/moved/prefix-c
mkdir -p "$tmp/moved" && mv "$B" "$C"
"$C/bin/rashm" topo > /dev/null || fail "rashm does not run after the prefix moved"
mkdir -p "$tmp/work-c"
(cd "$tmp/work-c" && export PKG_CONFIG_PATH=$C/lib/pkgconfig &&
    command cc $cflags -o hello "$src/tests/veo/install/hello.c" $(pkg-config --cflags --libs rashm-veo) &&
    command cc -shared -fPIC -o libvehello.so "$src/tests/veo/install/libvehello.c" $(pkg-config --cflags --libs rashm-ve) &&
    ./hello ./libvehello.so | grep -q "hello returned 42") || fail "pkg-config build from the moved prefix"

if [ "$man" = man ]; then
    echo "== man pages"
    for page in "rashm" "7 rashm" "rashm-ve" "3 ra_shmgetv" "3 veo_shmat" "3 rashm_create"; do
        # shellcheck disable=SC2086
        out=$(MANPATH=$C/share/man MANWIDTH=80 man -P cat $page 2> "$tmp/man.err") || {
            cat "$tmp/man.err"; fail "man $page does not render"; }
        [ "$(printf '%s\n' "$out" | wc -l)" -gt 10 ] || fail "man $page is nearly empty"
        ! grep -q "warning" "$tmp/man.err" || { cat "$tmp/man.err"; fail "man $page: troff warnings"; }
    done
fi

echo "== uninstall removes every installed file"
U=$tmp/prefix-u
(
    flock 9
    cmake --install "$build" --prefix "$U" > /dev/null
    find "$U" ! -type d | sort > "$tmp/installed"
    grep -q libveo.so "$tmp/installed" || fail "libveo.so not installed"
    cmake --build "$build" --target uninstall > "$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log"; fail "uninstall"; }
) 9> "$build/.install.lock"
left=$(find "$U" ! -type d)
[ -z "$left" ] || fail "uninstall left: $left"
[ ! -e "$U/include/rashm" ] && [ ! -e "$U/libexec/rashm" ] && [ ! -e "$U/lib/cmake/rashm" ] ||
    fail "uninstall left rashm's own directories"
echo "PASS: two prefixes, README commands, CMake package, relocation, uninstall"
