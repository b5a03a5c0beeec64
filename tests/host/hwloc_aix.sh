#!/bin/sh
# hwloc's AIX backend, unchanged, on rashm's AIX face:
#   hwloc_aix.sh BUILD_DIR DRIVER.c [sanitize]
# 1. installs BUILD_DIR into a temporary prefix (as install_test.sh does);
# 2. fetches Debian's hwloc source with apt-get source, using a private apt
#    configuration that carries the deb-src entry (nothing under /etc/apt is
#    touched); skipped (77) only when the source cannot be fetched;
# 3. configures and builds hwloc for Linux (static library, cached per
#    version under ~/.cache/rashm-hwloc);
# 4. builds the AIX flavour of the same build: hwloc/topology-aix.c and
#    hwloc/bind.c compiled for AIX (HWLOC_AIX_SYS instead of HWLOC_LINUX_SYS
#    in a copy of the generated config headers) against the INSTALLED rashm
#    headers with -Werror=implicit-function-declaration, components.c with a
#    component list that has the aix component instead of linux; every
#    other object is the Linux build's;
# 5. links DRIVER.c twice: with the Linux library, and with the AIX one plus
#    only -lrashm; runs both and compares what they print (NUMA nodes with
#    CPUs, PUs, cores, binding results, page counts per node).
set -eu
build=$(cd "$1" && pwd)
driver=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
san=""
[ "${3:-}" = sanitize ] && san="-fsanitize=address,undefined"
tmp=$(mktemp -d /tmp/rashm-hwloc-aix.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
jobs=$(nproc 2>/dev/null || echo 2)

# ---- 1. the installed rashm ----------------------------------------------
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
pcdir=$(dirname "$(find "$prefix" -name rashm.pc | head -n 1)")
export PKG_CONFIG_PATH=$pcdir
rcflags=$(pkg-config --define-prefix --cflags rashm)
rlibdir=$(pkg-config --define-prefix --variable=libdir rashm)
case "$rcflags" in *"$prefix"*) ;; *) echo "FAIL: rashm cflags not in the prefix: $rcflags"; exit 1 ;; esac

# ---- 2. hwloc's source from Debian ----------------------------------------
cache=${XDG_CACHE_HOME:-$HOME/.cache}/rashm-hwloc
mkdir -p "$cache"
apt=$cache/apt
mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial"
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-bookworm}")
cat > "$apt/parts/rashm-deb-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
APTO="-o Dir::Etc::SourceParts=$apt/parts -o Dir::Etc::SourceList=/dev/null \
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o APT::Sandbox::User=root"
src=$(ls -d "$cache"/hwloc-[0-9]*/ 2>/dev/null | grep -v build | head -n 1 || true)
if [ -z "$src" ]; then
    # shellcheck disable=SC2086
    if ! (cd "$cache" && apt-get $APTO update -qq > "$tmp/apt.log" 2>&1 &&
          apt-get $APTO source --download-only hwloc >> "$tmp/apt.log" 2>&1); then
        cat "$tmp/apt.log"
        echo "SKIP: hwloc's source could not be fetched from Debian (apt-get source hwloc failed, see above)"
        exit 77
    fi
    orig=$(ls "$cache"/hwloc_*.orig.tar.* | head -n 1)
    (cd "$cache" && tar xf "$orig")
    src=$(ls -d "$cache"/hwloc-[0-9]*/ | grep -v build | head -n 1)
fi
src=${src%/}
ver=$(basename "$src")
[ -f "$src/hwloc/topology-aix.c" ] || { echo "FAIL: $src has no hwloc/topology-aix.c"; exit 1; }
echo "hwloc source: $src"

# ---- 3. the Linux build -----------------------------------------------------
hb=$cache/build-$ver
if [ ! -f "$hb/hwloc/.libs/libhwloc.a" ]; then
    rm -rf "$hb"; mkdir -p "$hb"
    (cd "$hb" && "$src/configure" --enable-static --disable-shared --disable-cairo --disable-cpuid \
        --disable-libxml2 --disable-io --disable-plugin-dlopen --disable-libudev --disable-readme \
        --disable-picky --disable-dependency-tracking > configure.log 2>&1 &&
     make -C hwloc -j"$jobs" libhwloc.la > make.log 2>&1) || {
        tail -n 30 "$hb/configure.log" "$hb/make.log" 2>/dev/null; echo "FAIL: building hwloc for Linux"; exit 1; }
fi
grep -q '^#define HWLOC_LINUX_SYS 1' "$hb/include/private/autogen/config.h" || {
    echo "FAIL: the hwloc build is not configured for Linux"; exit 1; }

# ---- 4. the AIX flavour -------------------------------------------------------
ov=$tmp/aixcfg
mkdir -p "$ov/private/autogen" "$ov/hwloc/autogen" "$tmp/aixcomp" "$tmp/obj"
for h in private/autogen/config.h hwloc/autogen/config.h; do
    sed -e 's/^#define HWLOC_LINUX_SYS 1$/#define HWLOC_AIX_SYS 1/' "$hb/include/$h" > "$ov/$h"
done
sed -e 's/&hwloc_linux_component,/\&hwloc_aix_component,/' "$hb/hwloc/static-components.h" > "$tmp/aixcomp/static-components.h"
grep -q hwloc_aix_component "$tmp/aixcomp/static-components.h" || { echo "FAIL: no component list to edit"; exit 1; }
inc="-I$ov -I$hb/include -I$src/include -I$hb/hwloc"
aixflags="-O1 -g -Werror=implicit-function-declaration -Wno-deprecated-declarations"
# shellcheck disable=SC2086
cc $aixflags $inc $rcflags -c "$src/hwloc/topology-aix.c" -o "$tmp/obj/topology-aix.o" 2> "$tmp/aix.err" || {
    cat "$tmp/aix.err"; echo "FAIL: hwloc/topology-aix.c does not compile against the installed rashm headers"; exit 1; }
cat "$tmp/aix.err"
# shellcheck disable=SC2086
cc $aixflags $inc $rcflags -c "$src/hwloc/bind.c" -o "$tmp/obj/bind.o" || {
    echo "FAIL: hwloc/bind.c does not compile for AIX"; exit 1; }
# shellcheck disable=SC2086
cc $aixflags -I"$tmp/aixcomp" $inc -c "$src/hwloc/components.c" -o "$tmp/obj/components.o" || {
    echo "FAIL: hwloc/components.c with the aix component"; exit 1; }
cp "$hb/hwloc/.libs/libhwloc.a" "$tmp/libhwloc-aix.a"
ar d "$tmp/libhwloc-aix.a" bind.o components.o topology-linux.o
ar r "$tmp/libhwloc-aix.a" "$tmp/obj/topology-aix.o" "$tmp/obj/bind.o" "$tmp/obj/components.o" 2>/dev/null

# ---- 5. the drivers ------------------------------------------------------------
dinc="-I$hb/include -I$src/include"
# shellcheck disable=SC2086
cc $san -O1 -g -Wall -Werror $dinc -DFLAVOUR='"linux"' "$driver" "$hb/hwloc/.libs/libhwloc.a" -lm -lpthread \
    -o "$tmp/drv-linux" || { echo "FAIL: driver (Linux flavour)"; exit 1; }
# shellcheck disable=SC2086
cc $san -O1 -g -Wall -Werror $dinc -DFLAVOUR='"aix"' "$driver" "$tmp/libhwloc-aix.a" -L"$rlibdir" -Wl,-rpath,"$rlibdir" -lrashm -lm -lpthread \
    -o "$tmp/drv-aix" || { echo "FAIL: driver (AIX flavour) does not link with only -lrashm"; exit 1; }
LD_LIBRARY_PATH=$rlibdir ldd "$tmp/drv-aix" | grep -q "librashm.so.* => $prefix/" || {
    echo "FAIL: the AIX driver does not use the installed librashm"; exit 1; }

# The comparison, here or in a QEMU guest (the same script, busybox there).
# The client's own hwloc variables must change neither flavour's view.
cat > "$tmp/compare.sh" <<'EOF'
#!/bin/sh
# compare.sh DIR_OF_DRIVERS OUTDIR
d=$1; o=$2
unset HWLOC_XMLFILE HWLOC_SYNTHETIC HWLOC_COMPONENTS HWLOC_FSROOT
"$d/drv-linux" > "$o/linux.out" 2>&1 || { cat "$o/linux.out"; echo "FAIL: the Linux flavour failed"; exit 1; }
"$d/drv-aix" > "$o/aix.out" 2>&1 || { cat "$o/aix.out"; echo "FAIL: the AIX flavour failed"; exit 1; }
echo "== Linux backend"; cat "$o/linux.out"
echo "== AIX backend (rashm)"; cat "$o/aix.out"
# memory-only nodes are no RAD with CPUs: hwloc's AIX backend skips RADs
# without CPUs (docs/aix.md), so they are compared apart
grep -v '^memonly' "$o/linux.out" | grep -v '^backend' > "$o/l"
grep -v '^memonly' "$o/aix.out" | grep -v '^backend' > "$o/a"
if ! diff "$o/l" "$o/a"; then
    echo "FAIL: the AIX backend on rashm differs from the Linux backend"
    exit 1
fi
grep -q '^backend AIX' "$o/aix.out" || { echo "FAIL: the AIX flavour did not run the AIX backend"; exit 1; }
echo "PASS: AIX backend on rashm = Linux backend ($(grep -c . "$o/l") lines compared)"
EOF
if [ -n "${RASHM_HWLOC_AIX_VM:-}" ]; then
    # RASHM_HWLOC_AIX_VM: numa-vm.sh options and the node count, e.g. "-c 2 4"
    here=$(cd "$(dirname "$0")/../numa" && pwd)
    # shellcheck disable=SC2086
    "$here/numa-vm.sh" -x "$tmp/drv-linux" -x "$tmp/drv-aix" -f "$tmp/compare.sh" $RASHM_HWLOC_AIX_VM \
        /bin/sh /data/compare.sh /test /tmp
    exit $?
fi
mkdir -p "$tmp/out"
sh "$tmp/compare.sh" "$tmp" "$tmp/out" || exit 1
echo "(hwloc $ver, on this machine)"
