#!/bin/sh
# cli_vm.sh NODES [1g]: the rashm command on a guest with NODES nodes (run
# by busybox sh inside the guest, rashm in PATH):
#   - topo --distances prints the kernel's distance rows, NODES x NODES;
#   - place --move spreads pages first touched on node 0 over the other
#     nodes (the kernel moves only pages outside the new node set);
#   - ls --nodes counts them per node, and its totals add up;
#   - with "1g" (a guest with enough memory on its last node): a segment of
#     1 GiB pages, --huge=1G, placed on that node.
set -u
n=$1
big=${2:-}
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
others=1-$((n - 1)); [ "$n" = 2 ] && others=1
grep -q "policy balanced on nodes $others\$" /tmp/s || fail "show: not balanced over nodes $others"
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

if [ "$big" = 1g ]; then
    last=$((n - 1))
    hp=/sys/devices/system/node/node$last/hugepages/hugepages-1048576kB/nr_hugepages
    echo 1 > "$hp"
    if [ "$(cat "$hp")" = 1 ]; then
        id=$(rashm create private 1G --huge=1G --range 0:0:balanced:$last --populate) || fail "create --huge=1G"
        rashm show "$id" > /tmp/s
        cat /tmp/s
        grep -q "1 GiB in 1 GiB pages (hugetlb), 1 of 1 pages resident" /tmp/s || fail "show of the 1 GiB segment"
        grep -q "node $last .* 1 page (100.0%)" /tmp/s || fail "the 1 GiB page is not on node $last"
        rashm ls -h -o shmid,pgsz | grep -qE "^ *$id +1 GiB$" || fail "ls: page size of the 1 GiB segment"
        rashm limits --json | grep -q '"page_size": 1073741824' || fail "limits: no 1 GiB size"
        # one page too few: the message names the pool to raise
        rashm create private 2G --huge=1G 2> /tmp/e && fail "2 GiB of 1 GiB pages with one page"
        grep -q "not enough free 1 GiB huge pages (2 needed, 0 free" /tmp/e || fail "2G --huge=1G: $(cat /tmp/e)"
        rashm rm "$id" || fail "rm"
        echo 0 > "$hp"
    else
        fail "the guest could not get a 1 GiB page on node $last"
    fi
fi

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "cli_vm: all checks passed"
