#!/bin/sh
# Other work on the same machine, for checking that test runs isolate
# themselves (docs/security.md, "Test isolation"): until killed, in the
# host's namespaces, over and over:
#   - creates and removes System V segments (4 KiB, and 2 MiB huge pages on
#     a pool it raised by 48 pages and lowers again, by delta under the lock
#     the test wrapper uses),
#   - runs a VEO program, so rashm-ve helpers come and go. The VEO demo
#     takes 32 free huge pages (it raises the pool itself only when fewer
#     are free, and then writes the old value back: outside the protocol),
#     so the borrow of 48 covers it and the 4 of the rashm segment.
#   neighbour.sh BUILD_DIR
set -u
B=${1:?build dir}
knob=/proc/sys/vm/nr_hugepages
lock=/run/rashm-tests/hugepages.lock
mkdir -p /run/rashm-tests && chmod 700 /run/rashm-tests
delta() { flock "$lock" sh -c "n=\$(cat $knob); echo \$((n + $1 < 0 ? 0 : n + $1)) > $knob"; }
ids="" h="" raised=0 vp=""
# killed (TERM/INT): leave nothing behind either
stop() {
    [ -n "$vp" ] && wait "$vp"
    [ -n "$h" ] && "$B/bin/rashm" rm "$h" >/dev/null 2>&1
    for id in $ids; do ipcrm -m "$id" 2>/dev/null; done
    [ $raised = 1 ] && delta -48
    echo "neighbour: stopped after $i rounds"
    exit 0
}
trap stop TERM INT
i=0
while :; do
    i=$((i + 1))
    for n in 1 2 3; do ids="$ids $(ipcmk -M 65536 | awk '{print $NF}')"; done
    delta 48; raised=1
    h=$("$B/bin/rashm" create private 8M --huge --populate 2>/dev/null)
    "$B/bin/rashm-demo-veo" >/dev/null 2>&1 &
    vp=$!
    sleep 0.3
    wait "$vp"; vp=""
    [ -n "$h" ] && "$B/bin/rashm" rm "$h" >/dev/null; h=""
    delta -48; raised=0
    for id in $ids; do ipcrm -m "$id"; done; ids=""
    [ $((i % 20)) = 0 ] && echo "neighbour: $i rounds, nr_hugepages $(cat $knob)"
done
