#!/usr/bin/env bash
# The demo of README command (a), called by `./dev.sh demo`:
#   demo/run.sh BUILD_DIR
# 1. the AIX demo (the seed's ra_shmgetv example) on this machine;
# 2. the same program inside a 4-node QEMU guest (tests/numa/numa-vm.sh;
#    the guest kernel is downloaded once into the cache if needed);
# 3. the VEO demo (bin/rashm-demo-veo) when it is built.
# Exit status non-zero if any part fails. No segment is left behind (checked).
set -u -o pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "demo/run.sh: build directory '${1:-build}' not found" >&2; exit 2; }
bin=$build/bin
rc=0
heading() { printf '\n========== %s ==========\n' "$*"; }
segs() { awk 'NR > 1 {print $2}' /proc/sysvipc/shm 2>/dev/null | sort -n; }
before=$(segs)

heading "AIX: ra_shmgetv example on this machine ($(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l) NUMA node(s))"
if [ -x "$bin/rashm-demo-aix" ]; then
  "$bin/rashm-demo-aix" || { echo "demo/run.sh: the AIX demo failed on this machine" >&2; rc=1; }
else
  echo "demo/run.sh: $bin/rashm-demo-aix is not built" >&2; rc=1
fi

heading "AIX: the same program inside a 4-node QEMU guest (4 x 512 MiB, 1 CPU per node)"
if [ -x "$bin/rashm-demo-aix" ]; then
  # Say what is happening when the kernel has to be downloaded first.
  "$src/tests/numa/fetch-kernel.sh" >/dev/null || { echo "demo/run.sh: no guest kernel (see above)" >&2; rc=1; }
  extra=()
  [ -x "$bin/rashm" ] && extra=(-x "$bin/rashm")
  start=$(date +%s)
  if "$src/tests/numa/numa-vm.sh" -t 300 "${extra[@]+"${extra[@]}"}" 4 "$bin/rashm-demo-aix"; then
    echo "(guest run: $(( $(date +%s) - start )) s, boot included)"
  else
    echo "demo/run.sh: the AIX demo failed in the 4-node guest" >&2; rc=1
  fi
else
  rc=1
fi

if [ -x "$bin/rashm-demo-veo" ]; then
  heading "VEO: VH-VE SHM on the software Vector Engine"
  (cd "$build" && "$bin/rashm-demo-veo") || { echo "demo/run.sh: the VEO demo failed" >&2; rc=1; }
fi

left=$(comm -13 <(echo "$before") <(segs))
if [ -n "$left" ]; then
  echo "demo/run.sh: System V segments left behind: $left" >&2; rc=1
fi
heading "demo $([ $rc = 0 ] && echo passed || echo FAILED)"
exit $rc
