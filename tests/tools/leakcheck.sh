#!/bin/sh
# CTest fixture around the whole test run: no System V segment and no software
# VE helper process (rashm-ve) may outlive the tests.
#   leakcheck.sh begin   record what exists now
#   leakcheck.sh end     fail if anything new is left
set -eu
state=${RASHM_LEAKCHECK_STATE:-/tmp/rashm-leakcheck.$(id -u)}
segs() { awk 'NR > 1 {print $2}' /proc/sysvipc/shm | sort -n; }
helpers() { for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = rashm-ve ] && echo "${p#/proc/}"; done | sort -n; }
case ${1:-} in
begin)
    segs > "$state.shm"; helpers > "$state.ve"
    echo "leakcheck: $(wc -l < "$state.shm") segment(s), $(wc -l < "$state.ve") helper(s) before the run"
    ;;
end)
    [ -f "$state.shm" ] || { echo "leakcheck: no 'begin' recorded"; exit 1; }
    # A helper that lost its VH process needs a moment to notice and exit;
    # look a few times before calling anything a leak.
    for try in 1 2 3 4 5; do
        new_segs=$(segs | comm -13 "$state.shm" -)
        new_ve=$(helpers | comm -13 "$state.ve" -)
        [ -z "$new_segs$new_ve" ] && break
        sleep 1
    done
    rm -f "$state.shm" "$state.ve"
    rc=0
    [ -z "$new_segs" ] || { echo "leakcheck: segments left behind (shmid $(echo $new_segs)):"; head -n 1 /proc/sysvipc/shm; awk -v ids=" $(echo $new_segs) " 'NR > 1 && index(ids, " " $2 " ")' /proc/sysvipc/shm; rc=1; }
    [ -z "$new_ve" ] || { echo "leakcheck: rashm-ve helpers still running: $new_ve"; rc=1; }
    [ $rc = 0 ] && echo "leakcheck: nothing left behind"
    exit $rc
    ;;
*) echo "usage: $0 begin | end" >&2; exit 2 ;;
esac
