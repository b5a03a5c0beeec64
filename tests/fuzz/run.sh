#!/bin/sh
# Fuzzes every target of a RASHM_FUZZ=ON build folder for a bounded time,
# one after the other, and fails on the first crash, hang or leak.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET]   (default: $RASHM_FUZZ_SECONDS or 60)
# The corpora in tests/fuzz/corpus/ are only read: new inputs go to
# BUILD_DIR/fuzz-work/<target>/corpus, crashing inputs and logs next to it.
# To keep a crashing input as a regression, copy it into
# tests/fuzz/corpus/<target>/ as regress-<what-it-does>.
set -eu
build=${1:?usage: $0 BUILD_DIR [SECONDS]}
secs=${2:-${RASHM_FUZZ_SECONDS:-60}}
src=$(cd "$(dirname "$0")" && pwd)
work=$build/fuzz-work
status=0
for t in fuzz_registry_entry fuzz_reg_check fuzz_aix_face fuzz_cli_parsers; do
    case $t in
    fuzz_registry_entry|fuzz_reg_check) opts="-max_len=8192" ;;   # entries of up to ~9 ranges
    fuzz_aix_face) opts="-max_len=512" ;;
    fuzz_cli_parsers) opts="-max_len=600 -dict=$src/cli_parsers.dict" ;;
    esac
    rm -rf "$work/$t"
    mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
    # -error_exitcode: libFuzzer's default (77) means "skipped" to ctest and
    # to this script's callers
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/bin/$t" -max_total_time="$secs" -timeout=25 -rss_limit_mb=4096 \
        -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
        -artifact_prefix="$work/$t/artifacts/" $opts \
        "$work/$t/corpus" "$src/corpus/$t" >"$work/$t/log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/log")
        echo "== $t: ${secs} s, ${runs:-?} inputs, ${rate:-?}/s, no failure"
    else
        rc=$?
        if [ "$rc" = 77 ]; then
            echo "== $t: skipped (needs root)"
            continue
        fi
        status=1
        echo "== $t: FAILED (exit $rc); log: $work/$t/log; inputs:" $(ls "$work/$t/artifacts")
        tail -n 80 "$work/$t/log"
    fi
done
exit $status
