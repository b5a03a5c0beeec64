#!/usr/bin/env bash
# Self-test of numa-vm.sh (ctest numa.runner): the options the guest tests
# rely on, checked from inside real guests, and the exit codes 124/125.
#   runner-selftest.sh [path/to/numa-vm.sh]
set -u -o pipefail
nv=${1:-$(dirname "$0")/numa-vm.sh}
fails=0
ok()   { echo "ok     $*"; }
fail() { echo "FAIL   $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rashm-nv-selftest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
echo hello > "$tmp/data.txt"
printf '#!/bin/sh\necho "$@"\n' > "$tmp/extra-tool"; chmod +x "$tmp/extra-tool"

# 1. 2 nodes x 2 vCPUs, per-node huge pages, env, -f, -x, exit status, quoting
script='
set -e
n=/sys/devices/system/node
echo "cpus: $(cat $n/node0/cpulist) $(cat $n/node1/cpulist)"
echo "huge: $(cat $n/node0/hugepages/hugepages-2048kB/nr_hugepages) $(cat $n/node1/hugepages/hugepages-2048kB/nr_hugepages)"
echo "env: $RASHM_SELFTEST"
echo "data: $(cat /data/data.txt)"
echo "extra: $(extra-tool works)"
echo "arg: $0"
echo "balancing: $(cat /proc/sys/kernel/numa_balancing)"
exit 7'
out=$("$nv" -c 2 -H 4,2 -e "RASHM_SELFTEST=a b'c" -f "$tmp/data.txt" -x "$tmp/extra-tool" 2 /bin/busybox sh -c "$script" "x y'z" 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
[ $rc = 7 ] && ok "exit status of the program (7)" || fail "exit status $rc, expected 7"
grep -qx 'cpus: 0-1 2-3' <<< "$out" && ok "-c 2: two CPUs per node" || fail "-c 2"
grep -qx 'huge: 4 2' <<< "$out" && ok "-H 4,2: huge pages per node" || fail "-H 4,2"
grep -qx "env: a b'c" <<< "$out" && ok "-e NAME=VALUE" || fail "-e"
grep -qx 'data: hello' <<< "$out" && ok "-f file in /data" || fail "-f"
grep -qx 'extra: works' <<< "$out" && ok "-x executable in PATH" || fail "-x"
grep -qx "arg: x y'z" <<< "$out" && ok "argument quoting" || fail "argument quoting"
grep -qx 'balancing: 0' <<< "$out" && ok "automatic NUMA balancing off" || fail "numa_balancing"

# 2. memory-only node (-z) and CPU node without usable memory (-T)
script='
n=/sys/devices/system/node
for i in 0 1 2; do echo "node$i cpus=[$(cat $n/node$i/cpulist)] total_kb=$(awk "/MemTotal/ {print \$4}" $n/node$i/meminfo)"; done'
out=$("$nv" -z 1 -T 1 3 /bin/busybox sh -c "$script" 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
[ $rc = 0 ] || fail "-z/-T run exit $rc"
grep -q '^node2 cpus=\[\] total_kb=[1-9]' <<< "$out" && ok "-z 1: node 2 has memory, no CPUs" || fail "-z 1"
t1=$(sed -n 's/^node1 cpus=\[1\] total_kb=\([0-9]*\)$/\1/p' <<< "$out")
[ -n "$t1" ] && [ "$t1" -lt 4096 ] && ok "-T 1: node 1 has a CPU and ${t1} kB of memory" || fail "-T 1 (node1 total '$t1')"

# 3. timeout -> 124
"$nv" -t 2 2 /bin/busybox sleep 60 > "$tmp/log" 2>&1
rc=$?
[ $rc = 124 ] && ok "timeout gives 124" || { cat "$tmp/log"; fail "timeout gave $rc"; }

# 4. harness errors -> 125, without booting
"$nv" -k "$tmp/no-such-kernel" 2 /bin/busybox true > "$tmp/log" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'not readable' "$tmp/log" && ok "missing kernel gives 125" || { cat "$tmp/log"; fail "missing kernel gave $rc"; }
QEMU=/nonexistent/qemu "$nv" 2 /bin/busybox true > "$tmp/log" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'qemu-system-x86' "$tmp/log" && ok "missing qemu gives 125 and names the package" || { cat "$tmp/log"; fail "missing qemu gave $rc"; }

[ $fails = 0 ] && echo "runner self-test: all passed" || echo "runner self-test: $fails failed"
[ $fails = 0 ]
