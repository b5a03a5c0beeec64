#!/bin/bash
# run-aveo-tests.sh AVEO_SOURCE_TREE [WORKDIR]
#
# Builds the programs of NEC's AVEO test/ directory (github.com/SX-Aurora/aveo)
# unchanged against an INSTALLED rashm and runs them the way AVEO's
# test/Makefile and run_tests.sh do, then prints a table
# program -> built / passed / failed, with the reason.
#
# Not run in CI (it needs a copy of AVEO's sources). rashm is installed from
# $RASHM_BUILD (default: <repo>/build, configured and built when missing)
# into $WORKDIR/prefix with `cmake --install`; VH programs are built with
# `pkg-config rashm-veo` (plus -lveo, as AVEO's Makefile links), the VE
# libraries (libve*.c) for x86 as shared libraries with `pkg-config rashm-ve`
# and -fopenmp, as AVEO compiles them.
#
# Left out, as the task defines: programs that need VE hardware tools
# (*_ftrace: the ftrace tool; none in AVEO's list needs VE assembly).
set -u
aveo=${1:?usage: run-aveo-tests.sh AVEO_SOURCE_TREE [WORKDIR]}
aveo=$(realpath "$aveo")
work=$(realpath -m "${2:-${TMPDIR:-/tmp}/rashm-aveo-tests}")
here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
build=${RASHM_BUILD:-$repo/build}
export RASHM_VE_NODES=${RASHM_VE_NODES:-2} # test_nprocs uses VE nodes 0 and 1
timeout_s=${AVEO_TEST_TIMEOUT:-120}
[ -f "$aveo/test/Makefile" ] || { echo "no AVEO test/Makefile under $aveo" >&2; exit 2; }

mkdir -p "$work"
prefix=$work/prefix
log=$work/logs
rm -rf "$work/bin" "$log"
mkdir -p "$work/bin" "$log"
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
fi
cmake --build "$build" -j"$(nproc)" >"$log/rashm-build.log" 2>&1 || { echo "rashm build failed: $log/rashm-build.log" >&2; exit 2; }
cmake --install "$build" --prefix "$prefix" >"$log/rashm-install.log" 2>&1 || { echo "install failed" >&2; exit 2; }
pcdir=$(dirname "$(find "$prefix" -name rashm-veo.pc | head -1)")
export PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=$(pkg-config --define-prefix --variable=libdir rashm-veo)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH=$prefix/bin:$PATH
VH_CFLAGS=$(pkg-config --define-prefix --cflags rashm-veo)
VH_LIBS="$(pkg-config --define-prefix --libs rashm-veo) -lveo"
VE_CFLAGS=$(pkg-config --define-prefix --cflags rashm-ve)
VE_LIBS=$(pkg-config --define-prefix --libs rashm-ve)
# AVEO's VE code calls veo_get_hmem_addr without declaring it. The VE
# compiler returns the whole 64-bit register of an implicitly declared
# function; x86 truncates it to an int, which loses the VE address. The
# declarations of <veo_ve.h> are given to every VE source (-include).
VE_FORCE="-include veo_ve.h"
# how AVEO's scan scripts run the benchmarks (one point of each scan)
call_latency_args=1000

# the lists of AVEO's test/Makefile (TESTS, VELIBS)
tests=$(sed -n '/^TESTS *=/,/)$/p' "$aveo/test/Makefile" | tr -d '\\' | sed 's/.*(BB)\/,//; s/)$//; s/^TESTS *=//')
velibs=$(sed -n '/^VELIBS *=/,/)$/p' "$aveo/test/Makefile" | tr -d '\\' | sed 's/.*(BB)\/,//; s/)$//; s/^VELIBS *=//')

declare -A result reason
cd "$work/bin" || exit 2
for lib in $velibs; do
    src=$aveo/test/${lib%.so}.c
    name=${lib%.so}
    if [ "${name%_ftrace}" != "$name" ]; then
        result[$lib]=skipped; reason[$lib]="needs the VE ftrace tool"; continue
    fi
    if cc -O2 -fPIC -shared -fopenmp $VE_CFLAGS $VE_FORCE -o "$lib" "$src" $VE_LIBS \
        >"$log/$lib.build" 2>&1; then
        result[$lib]=built
    else
        result[$lib]="build failed"; reason[$lib]=$(grep -m1 -E 'error|undefined' "$log/$lib.build")
    fi
done

# How AVEO runs a program: arguments from its Makefile/run_tests.sh (none),
# the scan_*.sh scripts for the benchmarks (short runs here).
args_of() {
    case $1 in
    bandwidth|bandwidth_async|bandwidth_stackargs) echo "1048576 10" ;;
    call_latency) echo "$call_latency_args" ;;
    *) echo "" ;;
    esac
}

for t in $tests; do
    if [ "${t%_ftrace}" != "$t" ]; then
        result[$t]=skipped; reason[$t]="needs the VE ftrace tool"; continue
    fi
    src=$aveo/test/$t.c
    comp=cc
    [ -f "$src" ] || { src=$aveo/test/$t.cpp; comp=c++; }
    if ! $comp -O2 -fpic $VH_CFLAGS -o "$t" "$src" $VH_LIBS -lpthread >"$log/$t.build" 2>&1; then
        result[$t]="build failed"; reason[$t]=$(grep -m1 -E 'error|undefined' "$log/$t.build"); continue
    fi
    case $t in
    test_omp_static)
        # AVEO links veorun_testomp with mk_veorun_static; ours is rashm-mk-veorun-static
        if command -v rashm-mk-veorun-static >/dev/null; then
            rashm-mk-veorun-static veorun_testomp -fopenmp $VE_FORCE "$aveo/test/libvetestomp.c" >"$log/veorun_testomp.build" 2>&1
        fi ;;
    latency|call_latency|bandwidth*) ;;
    esac
    a=$(args_of "$t")
    if timeout "$timeout_s" "./$t" $a >"$log/$t.out" 2>&1; then
        result[$t]=passed
    else
        rc=$?
        result[$t]=failed
        if [ $rc = 124 ]; then reason[$t]="timed out after ${timeout_s}s"
        else reason[$t]="exit $rc: $(grep -v '^\s*$' "$log/$t.out" | tail -1 | cut -c1-120)"; fi
    fi
done

printf '%-40s %-14s %s\n' program result reason
n_built=0 n_pass=0 n_total=0
for x in $velibs $tests; do
    printf '%-40s %-14s %s\n' "$x" "${result[$x]}" "${reason[$x]:-}"
done
for t in $tests; do
    n_total=$((n_total + 1))
    case ${result[$t]} in passed) n_pass=$((n_pass + 1)); n_built=$((n_built + 1)) ;;
    failed) n_built=$((n_built + 1)) ;; esac
done
echo "programs: $n_total, built: $n_built, passed: $n_pass (logs: $log)"
