#!/bin/sh
# rashm-testns itself: each kind of leftover makes a passing test fail, a
# clean test's exit status (0, 77, 3) comes through, the test is in a
# namespace of its own, and borrowed huge pages exist while it runs.
#   testns_selftest.sh RASHM-TESTNS RASHM-CLI
set -u
T=$1
RASHM=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect RC DESCRIPTION WRAPPER-ARGS...
expect() {
    want=$1; what=$2; shift 2
    out=$("$T" "$@" 2>&1); rc=$?
    [ "$rc" = "$want" ] || { fail "$what: exit $rc, expected $want"; printf '%s\n' "$out" | sed 's/^/    /'; }
    printf '%s\n' "$out" > /tmp/testns-selftest.$$
}
has() { grep -qF -- "$1" /tmp/testns-selftest.$$ || { fail "output lacks '$1'"; sed 's/^/    /' /tmp/testns-selftest.$$; }; }

expect 0 "clean test" -- true
expect 77 "skipped test" -- sh -c 'exit 77'
expect 3 "failing test" -- sh -c 'exit 3'
# a segment left behind (made by the rashm command, so with a registry entry)
expect 1 "leaked segment" -- "$RASHM" create private 64K
has "LEAK: System V segment"
has "LEAK: registry file /dev/shm/rashm-registry/"
# a stale registry file alone
expect 1 "leftover registry file" -- sh -c 'mkdir -p "$RASHM_REGISTRY_DIR/0" && : > "$RASHM_REGISTRY_DIR/0/seg.7"'
has "registry file /dev/shm/rashm-registry/0/seg.7"
# a process that stays in the namespace
expect 1 "leftover process" -w 1 -- sh -c 'sleep 60 >/dev/null 2>&1 &'
has "still running in the test's IPC namespace"
# a leak also fails a skipped test
expect 1 "skipped test that leaks" -- sh -c '"$0" create private 64K >/dev/null; exit 77' "$RASHM"

# isolation: a segment made outside is not visible inside, and the inside
# namespace starts empty with its own registry
outside=$("$RASHM" create private 64K) || fail "cannot create a segment outside"
expect 0 "empty namespace" -- sh -c '[ "$(wc -l < /proc/sysvipc/shm)" = 1 ] && [ "$RASHM_REGISTRY_DIR" = /dev/shm/rashm-registry ] && [ -d "$RASHM_REGISTRY_DIR" ] && [ -z "$(ls -A "$RASHM_REGISTRY_DIR")" ]'
[ -n "$outside" ] && "$RASHM" rm "$outside" >/dev/null

# huge pages: the borrow exists while the test runs (others may hold more)
expect 0 "huge pages borrowed" -H 3 -- sh -c '[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 3 ]'
# several borrowers at once, each sees its own pages in the pool
pids=""
for i in 1 2 3 4; do
    "$T" -H 2 -- sh -c 'n=$(cat /proc/sys/vm/nr_hugepages); [ "$n" -ge 2 ] && sleep 1' & pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "concurrent borrower $p failed"; done
# every borrow was given back or is still held by a live borrower
for rec in /run/rashm-tests/hugepages.d/*; do
    [ -e "$rec" ] || continue
    pid=${rec##*/}; pid=${pid%%.*}
    [ -d "/proc/$pid" ] || fail "borrow record $rec of a dead process"
done

rm -f /tmp/testns-selftest.$$
[ $fails = 0 ] && echo "rashm-testns self-test: ok"
[ $fails = 0 ]
