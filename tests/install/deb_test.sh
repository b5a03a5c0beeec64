#!/bin/bash
# Debian packages (issue 11): builds them from debian/ with dpkg-buildpackage
# in a copy of the tree, runs lintian (no error allowed), installs them,
# builds and runs a seed AIX program and a VEO program against the installed
# packages (pkg-config and find_package), runs `rashm topo`, purges them and
# checks that nothing is left behind (file lists of /usr, /etc, /opt and
# /var/lib before and after; every path of `dpkg -L` gone).
#   deb_test.sh [SOURCE_DIR]      (root; run by ./dev.sh test)
set -euo pipefail
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
[ "$(id -u)" = 0 ] || { echo "deb_test: needs root (dpkg -i)"; exit 77; }
pkgs="librashm0 librashm-veo0 librashm-ve0 librashm-dev rashm-tools rashm-ve"
tmp=$(mktemp -d /tmp/rashm-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
for p in $pkgs; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "installed"; then
        fail "$p is installed already: purge it first (this test installs and purges)"
    fi
done

echo "== dpkg-buildpackage (tests off: nocheck, RASHM_BUILD_TESTS=OFF)"
t0=$(date +%s)
mkdir "$tmp/rashm"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./.cache --exclude='./obj-*' \
    --exclude=./debian/.debhelper --exclude='./debian/tmp' -cf - . | tar -C "$tmp/rashm" -xf -
(cd "$tmp/rashm" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
    > "$tmp/build.log" 2>&1 || { tail -60 "$tmp/build.log"; fail "dpkg-buildpackage"; }
echo "   built in $(( $(date +%s) - t0 )) s: $(cd "$tmp" && ls ./*.deb | tr '\n' ' ')"
grep -q "dh_missing: warning" "$tmp/build.log" && { grep "dh_missing" "$tmp/build.log"; fail "installed files in no package"; }

echo "== lintian"
changes=$(ls "$tmp"/*.changes)
lintian --fail-on error --display-info "$changes" > "$tmp/lintian.log" 2>&1 || {
    cat "$tmp/lintian.log"; fail "lintian reports errors"; }
{ grep -v "root privileges" "$tmp/lintian.log" || true; } | sed "s/^/   /" | head -40

snapshot() {
    find /usr /etc /opt /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/systemd/deb-systemd-helper-enabled \
        -o -path /var/lib/ucf \) -prune -o -print 2>/dev/null | sort
}
# dpkg and apt share one lock with ./dev.sh's package installs of other clones
exec 9> /run/rashm-dev-deps.lock
flock 9
snapshot > "$tmp/before"

echo "== install"
cleanup_pkgs() { dpkg --purge $pkgs > /dev/null 2>&1 || true; }
trap 'cleanup_pkgs; rm -rf "$tmp"' EXIT INT TERM
debs=""
for p in $pkgs; do debs="$debs $(ls "$tmp/${p}"_*.deb)"; done
dpkg -i $debs > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "dpkg -i"; }
for p in $pkgs; do dpkg -L "$p"; done | sort -u > "$tmp/listed"
[ -x /usr/libexec/rashm/rashm-ve ] || fail "rashm-ve not in /usr/libexec/rashm"
[ -e "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libveo.so" ] || fail "libveo.so not installed"
flock -u 9

echo "== use the installed packages"
w=$tmp/work
mkdir -p "$w"
cp "$src/tests/host/aix_prog/seed_example.c" "$w/aix_prog.c"
cp "$src/tests/veo/install/hello.c" "$w/veo_prog.c"
cp "$src/tests/veo/install/libvehello.c" "$w/ve.c"
(
    cd "$w"
    unset LD_LIBRARY_PATH PKG_CONFIG_PATH RASHM_VE_HELPER RASHM_VE_RUNTIME_LIB
    set -x
    cc -o aix_prog aix_prog.c $(pkg-config --cflags --libs rashm)
    cc -o veo_prog veo_prog.c $(pkg-config --cflags --libs rashm-veo)
    cc -o veo_prog2 veo_prog.c -I/usr/include/rashm -lveo
    cc -shared -fPIC -o libvekernel.so ve.c $(pkg-config --cflags --libs rashm-ve)
    ./aix_prog
    ./veo_prog ./libvekernel.so
    ./veo_prog2 ./libvekernel.so
    rashm topo
    rashm --version
    # (minimal container images tell dpkg to drop /usr/share/man)
    if ! grep -rqs "^path-exclude.*/usr/share/man" /etc/dpkg/dpkg.cfg.d/; then
        for page in "3 ra_shmgetv" "3 veo_shmat" "rashm" "7 rashm"; do
            n=$(MANWIDTH=80 man -P cat $page | wc -l)
            [ "$n" -gt 10 ]
        done
    fi
    mkdir cm && cp aix_prog.c veo_prog.c ve.c cm/
    awk '/<!-- test: tests\/install\/acceptance.sh builds/ { g = 1; next }
         g && /^```/ { if (i) exit; i = 1; next } g && i { print }' "$src/README.md" > cm/CMakeLists.txt
    cmake -S cm -B cm/build > /dev/null
    cmake --build cm/build > /dev/null
    ./cm/build/aix_prog > /dev/null
    ./cm/build/veo_prog "$PWD/cm/build/libvekernel.so"
) > "$tmp/use.log" 2>&1 || { cat "$tmp/use.log"; fail "using the installed packages"; }
grep -q "hello returned 42" "$tmp/use.log" || { cat "$tmp/use.log"; fail "VEO program output"; }
grep -q "system detail levels" "$tmp/use.log" || { cat "$tmp/use.log"; fail "rashm topo output"; }
for p in aix_prog veo_prog; do
    l=$(ldd "$w/$p")   # (not piped into grep -q: pipefail would see ldd's SIGPIPE)
    grep -Eq "librashm[-a-z]*\.so\.0 => (/usr)?/lib/" <<< "$l" || { echo "$l"; fail "$p not linked with the packaged library"; }
done

echo "== purge"
flock 9
dpkg --purge $pkgs > "$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "dpkg --purge"; }
trap 'rm -rf "$tmp"' EXIT INT TERM
snapshot > "$tmp/after"
flock -u 9
while read -r f; do
    [ "$f" = /. ] && continue
    [ -e "$f" ] || [ -L "$f" ] || continue
    [ -d "$f" ] && grep -qx "$f" "$tmp/before" && continue   # shared directories (/usr, /usr/share/man/man3, ...)
    fail "left after purge: $f"
done < "$tmp/listed"
# only what other work on this shared machine did in the meantime may differ,
# and nothing of ours
if ! diff "$tmp/before" "$tmp/after" > "$tmp/diff"; then
    grep -i rashm "$tmp/diff" && fail "purge left rashm files behind (above)"
fi
echo "PASS: packages built, lintian clean of errors, installed, used, purged without a trace"
