#!/bin/sh
# CTest fixture: reserve 2 MiB huge pages for the tests that need them, and
# give them back afterwards.
#   hugepages.sh reserve N   raise vm.nr_hugepages by N (remembers the old value)
#   hugepages.sh release     restore the old value and check it really went back
# The old value is kept in $RASHM_HUGEPAGES_STATE (default /tmp/rashm-hugepages.$UID).
set -eu
state=${RASHM_HUGEPAGES_STATE:-/tmp/rashm-hugepages.$(id -u)}
knob=/proc/sys/vm/nr_hugepages
case ${1:-} in
reserve)
    want=${2:?number of pages}
    old=$(cat "$knob")
    echo "$old" > "$state"
    echo $((old + want)) > "$knob" 2>/dev/null || { echo "cannot write $knob (need root)"; exit 1; }
    got=$(cat "$knob")
    echo "nr_hugepages: $old -> $got (asked for +$want)"
    [ "$got" -ge $((old + want)) ] || { echo "only $got huge pages could be reserved"; echo "$old" > "$knob"; exit 1; }
    ;;
release)
    [ -f "$state" ] || { echo "no reservation recorded"; exit 0; }
    old=$(cat "$state")
    echo "$old" > "$knob"
    rm -f "$state"
    total=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)
    surplus=$(awk '/^HugePages_Surp:/ {print $2}' /proc/meminfo)
    echo "nr_hugepages back to $old (HugePages_Total=$total, surplus=$surplus)"
    if [ "$total" -ne "$old" ]; then
        echo "huge pages are still in use: a test left a huge-page segment behind"
        exit 1
    fi
    ;;
*) echo "usage: $0 reserve N | release" >&2; exit 2 ;;
esac
