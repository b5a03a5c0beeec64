#!/bin/sh
# The two entry points of the README, for a fresh Debian 12 machine (as root):
#   ./dev.sh demo   install what is missing, build, run the demo
#   ./dev.sh test   install what is missing, build with warnings as errors, run
#                   every test (host, multi-node QEMU guests, software VE), build
#                   the Debian packages and install, use and purge them, then
#                   build with ASan+UBSan and run the tests again, then
#                   fuzz each libFuzzer target for RASHM_FUZZ_SECONDS (60)
# Other verbs: deps, build, bench.
set -eu
cd "$(dirname "$0")"
jobs=$(nproc 2>/dev/null || echo 2)

# Two clones running ./dev.sh at once would fight over apt's locks (apt-get
# fails at once when another apt-get holds them): root checks and installs
# under one lock of ours.
deps() {
    if [ "$(id -u)" = 0 ]; then
        ( flock 9 && deps_unlocked ) 9> /run/rashm-dev-deps.lock
    else
        deps_unlocked
    fi
}

deps_unlocked() {
    pkgs="build-essential cmake pkg-config libhwloc-dev libnuma-dev libffi-dev
          qemu-system-x86 busybox-static cpio binutils xz-utils zstd ca-certificates
          clang libclang-rt-14-dev
          scdoc man-db dpkg-dev debhelper lintian"
    # libFuzzer: libclang_rt.fuzzer is in libclang-rt-14-dev; scdoc: the man
    # pages; man-db: the test that renders them; dpkg-dev, debhelper,
    # lintian: the Debian packages (tests/install/deb_test.sh)
    missing=""
    for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "== installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $missing
    fi
}

build() { # build DIR [cmake args...]
    dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j "$jobs"
}

case ${1:-} in
deps) deps ;;
build) deps; build build -DRASHM_WERROR=ON ;;
demo)
    deps
    build build
    ./demo/run.sh build
    ;;
test)
    deps
    build build -DRASHM_WERROR=ON
    # The QEMU guests run under TCG emulation on whatever cores the machine
    # has; a guest that hangs for reasons of the emulator gets one more try.
    # Everything else runs once.
    (cd build && ctest --output-on-failure -j "$jobs" -LE numa_vm)
    (cd build && ctest --output-on-failure -j "$jobs" -L numa_vm --repeat until-pass:2)
    echo "== Debian packages: build, lintian, install, use, purge"
    tests/install/deb_test.sh .
    echo "== sanitizer build (ASan + UBSan)"
    build build-asan -DRASHM_WERROR=ON -DRASHM_SANITIZE=ON -DRASHM_NUMA_VM_TESTS=OFF
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs")
    echo "== fuzzing (libFuzzer + ASan + UBSan, ${RASHM_FUZZ_SECONDS:-60} s per target)"
    build build-fuzz -DCMAKE_C_COMPILER=clang -DRASHM_WERROR=ON -DRASHM_FUZZ=ON
    (cd build-fuzz && ctest --output-on-failure -L fuzz)
    tests/fuzz/run.sh build-fuzz
    ;;
bench)
    deps
    build build
    for b in build/bin/bench-*; do "$b"; done
    ;;
*) echo "usage: $0 demo | test | build | bench | deps" >&2; exit 2 ;;
esac
