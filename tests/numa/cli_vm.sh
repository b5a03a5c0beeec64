#!/bin/sh
# cli_vm.sh NODES: the rashm command on a guest with NODES nodes (run by
# busybox sh inside the guest, rashm in PATH):
#   - topo --distances prints the kernel's distance rows, NODES x NODES;
#   - place --move spreads pages first touched on node 0 over the other
#     nodes (the kernel moves only pages outside the new node set);
#   - ls --nodes counts them per node, and its totals add up.
set -u
n=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

rashm topo --distances > /tmp/d || fail "topo --distances"
cat /tmp/d
i=0
for f in $(ls -d /sys/devices/system/node/node[0-9]* | sort -V); do
    node=${f##*node}
    want=$(cat "$f/distance")
    got=$(awk -v r="$node" 'NR > 2 && $1 == r { $1 = ""; print }' /tmp/d | sed 's/^ *//; s/  */ /g')
    [ "$got" = "$want" ] || fail "distance row of node $node: '$got', the kernel says '$want'"
    i=$((i + 1))
done
[ "$i" = "$n" ] || fail "$i nodes in sysfs, expected $n"
[ "$(awk 'NR > 2' /tmp/d | wc -l)" = "$n" ] || fail "topo --distances: not $n rows"

id=$(rashm create private 16M --range 0:0:first-touch:0 --populate) || fail "create"
rashm show "$id" | grep -q "node 0 .* 4096 pages (100.0%)" || { fail "populate: not all on node 0"; rashm show "$id"; }
rashm place "$id" --range 0:0:balanced:1-$((n - 1)) --move || fail "place --move"
rashm show "$id" > /tmp/s
cat /tmp/s
grep -q "policy balanced on nodes 1-$((n - 1))" /tmp/s || fail "show: not balanced over nodes 1-$((n - 1))"
grep -q "^  node 0 " /tmp/s && fail "after place --move pages are left on node 0"
total=0
for node in $(seq 1 $((n - 1))); do
    p=$(awk -v k="$node" '$1 == "node" && $2 == k { for (i = 1; i <= NF; i++) if ($i ~ /^page/) print $(i - 1) }' /tmp/s)
    [ "${p:-0}" -gt 0 ] || fail "after place --move node $node holds no page"
    total=$((total + ${p:-0}))
done
[ "$total" = 4096 ] || fail "after place --move $total pages resident, expected 4096"

rashm ls --nodes > /tmp/l
cat /tmp/l
row=$(awk -v id="$id" '$1 == id' /tmp/l)
tot=$(awk '$1 == "total"' /tmp/l)
[ "$(echo "$row" | awk '{ print $NF }')" = 16777216 ] || fail "ls --nodes: segment total '$row'"
[ "$(echo "$tot" | awk '{ print $NF }')" = 16777216 ] || fail "ls --nodes: total row '$tot'"
[ "$(echo "$tot" | awk '{ s = 0; for (i = 2; i < NF; i++) s += $i; print s }')" = 16777216 ] ||
    fail "ls --nodes: the per-node totals do not add up: '$tot'"
rashm rm "$id" || fail "rm"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "cli_vm: all checks passed"
