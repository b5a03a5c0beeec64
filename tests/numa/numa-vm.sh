#!/usr/bin/env bash
# numa-vm.sh - run a program on an emulated multi-node NUMA machine: a
# throw-away QEMU guest (TCG, or KVM where /dev/kvm is usable) with NODES
# NUMA nodes boots a busybox initramfs, runs PROGRAM as root as its only
# program, streams its stdout+stderr and exits with its exit status.
# No disk image, no network, no kernel modules.
#
#   numa-vm.sh [options] NODES PROGRAM [ARGS...]
#   numa-vm.sh -C
#
# Options:
#   -c N      vCPUs per node that has CPUs (default 1); each such node is a socket
#   -z K      the last K nodes are memory-only (no CPUs), like CXL/HBM tiers
#   -T K      the last K nodes that have CPUs get only 2 MiB of memory: CPU
#             nodes with (almost) no usable memory (the guest kernel keeps
#             about 1 MiB free there), to see placement fall back
#   -m MB     guest RAM per node in MiB (default 512)
#   -H SPEC   2 MiB huge pages at boot. N: kernel 'hugepages=N' (spread over
#             the nodes by the kernel); N0,N1,...: exactly Ni pages on node i,
#             set through sysfs before PROGRAM starts (a node that cannot get
#             its count is a harness error, exit 125)
#   -t SEC    wall-clock timeout for the whole run (default 600)
#   -k FILE   guest kernel (bzImage or PVH vmlinux). Default: $RASHM_NUMA_VM_KERNEL,
#             else the kernel tests/numa/fetch-kernel.sh caches (it downloads
#             Debian's image once if the cache is empty), else /boot/vmlinuz-*
#   -B        use the bookworm-backports kernel (fetch-kernel.sh -b: 6.12, which
#             has MPOL_WEIGHTED_INTERLEAVE) instead of the release's
#   -a STR    extra kernel command line (the defaults include
#             numa_balancing=disable; '-a numa_balancing=enable' undoes it)
#   -f FILE   copy FILE into the guest as /data/<basename> (repeatable);
#             PROGRAM starts in /data
#   -x FILE   copy the executable FILE into the guest's PATH (/test/<basename>)
#             with the shared libraries ldd finds for it (repeatable): a CLI,
#             a second test program
#   -e K=V    environment variable for PROGRAM (repeatable)
#   -g V      mount a cgroup hierarchy with the cpuset controller before
#             PROGRAM starts: v1 (tmpfs on /sys/fs/cgroup, cgroup -o cpuset on
#             /sys/fs/cgroup/cpuset) or v2 (cgroup2 on /sys/fs/cgroup); the
#             default is none (the guest has no cgroup fs)
#   -A MODE   accelerator: auto (default: kvm if /dev/kvm is usable), tcg, kvm
#   -C        check only: tools present, guest kernel found (fetched into the
#             cache if needed) and prepared; print what would be used; no boot
#   -v        print the guest console (kernel log) to stderr at the end
#   -s        print timing/memory statistics to stderr at the end
#   -h        this help
#
# Dynamically linked programs work: the interpreter and every library ldd
# lists (librashm, libhwloc, libc ...) are copied into the guest at the same
# absolute paths, so build-tree RUNPATHs resolve as on the host.
#
# Environment: QEMU (default qemu-system-x86_64), QEMU_CPU (default 'max' for
#   TCG, 'host' for KVM), BUSYBOX (a static busybox; default /bin/busybox),
#   RASHM_NUMA_VM_KERNEL (guest kernel), RASHM_NUMA_VM_CACHE (kernel and
#   vmlinux cache; default ${XDG_CACHE_HOME:-~/.cache}/rashm-numa-vm),
#   RASHM_NUMA_VM_PVH=0 (boot the bzImage instead of the cached vmlinux),
#   RASHM_NUMA_VM_KEEP=1 (keep the work directory for debugging).
#
# Exit status: PROGRAM's exit status (killed by a signal: 128+N); 124 timeout;
# 125 harness error (missing qemu/kernel/busybox/cpio, bad arguments, huge
# pages not available, guest crashed or panicked before PROGRAM reported a
# status).
#
# Needs (Debian): qemu-system-x86 busybox-static cpio; binutils (readelf) and
# xz-utils/zstd for the fast PVH boot and for dynamically linked programs.
set -u -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "$prog: error: $*" >&2; exit 125; }
usage() { sed -n '2,/^set -u/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -u/d' >&2; exit "${1:-125}"; }

cpn=1 memonly=0 tiny=0 mem=512 huge=0 tmo=600 kernel=${RASHM_NUMA_VM_KERNEL:-} extra="" accel=auto verbose=0 stats=0 check=0 backports=0
files=() exes=() envs=()
while getopts ":c:z:T:m:H:t:k:Ba:f:x:e:g:A:vsCh" o; do
  case $o in
    c) cpn=$OPTARG ;; z) memonly=$OPTARG ;; T) tiny=$OPTARG ;; m) mem=$OPTARG ;; H) huge=$OPTARG ;;
    t) tmo=$OPTARG ;; k) kernel=$OPTARG ;; a) extra=$OPTARG ;; f) files+=("$OPTARG") ;;
    x) exes+=("$OPTARG") ;; e) envs+=("$OPTARG") ;; g) cgroup=$OPTARG ;;
    A) accel=$OPTARG ;; B) backports=1 ;; C) check=1 ;; v) verbose=1 ;; s) stats=1 ;; h) usage 0 ;;
    :) die "option -$OPTARG needs an argument (see -h)" ;;
    *) die "unknown option -$OPTARG (see -h)" ;;
  esac
done
shift $((OPTIND - 1))
case ${cgroup:=none} in
  none) cgmount="" ;;
  v1) cgmount="mount -t tmpfs cgroup_root /sys/fs/cgroup && mkdir -p /sys/fs/cgroup/cpuset && mount -t cgroup -o cpuset cpuset /sys/fs/cgroup/cpuset" ;;
  v2) cgmount="mount -t cgroup2 cgroup2 /sys/fs/cgroup" ;;
  *) die "-g takes v1 or v2 (got '$cgroup')" ;;
esac
if [ "$check" = 1 ]; then set -- 1 /bin/true; fi
[ $# -ge 2 ] || { echo "usage: $prog [options] NODES PROGRAM [ARGS...]   (-h for help)" >&2; exit 125; }
nodes=$1 bin=$2; shift 2

isnum() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in nodes cpn memonly tiny mem tmo; do isnum "${!v}" || die "$v must be a non-negative integer (got '${!v}')"; done
[ "$nodes" -ge 1 ] && [ "$nodes" -le 64 ] || die "NODES must be 1..64"
[ "$memonly" -lt "$nodes" ] || die "-z must leave at least one node with CPUs"
[ $((memonly + tiny)) -lt "$nodes" ] || die "-z and -T must leave at least one node with CPUs and memory"
[ "$cpn" -ge 1 ] || die "-c must be >= 1"
[ "$mem" -ge 64 ] || die "-m: at least 64 MiB per node"
[ "$tmo" -ge 1 ] || die "-t must be >= 1"
huge_total=0 huge_pernode=""
if isnum "$huge"; then
  huge_total=$huge
elif [[ $huge =~ ^[0-9]+(,[0-9]+)*$ ]]; then
  huge_pernode=${huge//,/ }
  n_h=$(wc -w <<< "$huge_pernode")
  [ "$n_h" -eq "$nodes" ] || die "-H $huge: give one count per node ($nodes nodes)"
  for h in $huge_pernode; do [ $((h * 2)) -lt "$mem" ] || die "-H $huge: $h huge pages do not fit in ${mem} MiB per node"; done
else
  die "-H takes N or N0,N1,... (got '$huge')"
fi
for e in "${envs[@]+"${envs[@]}"}"; do [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "-e takes NAME=VALUE (got '$e')"; done

# ---- tools -----------------------------------------------------------------
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null 2>&1 || die "'$QEMU' not found. Install it: apt-get install qemu-system-x86  (or set QEMU=/path/to/qemu-system-x86_64)"
command -v cpio >/dev/null 2>&1 || die "'cpio' not found. Install it: apt-get install cpio"
command -v timeout >/dev/null 2>&1 || die "'timeout' (coreutils) not found"
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "busybox not found at $BUSYBOX. Install it: apt-get install busybox-static  (or set BUSYBOX=)"
if command -v readelf >/dev/null 2>&1; then
  readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'INTERP' && die "$BUSYBOX is dynamically linked; a static busybox is needed (apt-get install busybox-static)"
fi

cache=${RASHM_NUMA_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/rashm-numa-vm}
if [ -z "$kernel" ]; then
  # fetch-kernel.sh reuses its cache and only downloads when it is empty.
  fk_opts=(-q)
  [ "$backports" = 1 ] && fk_opts+=(-b)
  if [ -x "$here/fetch-kernel.sh" ]; then
    kernel=$(RASHM_NUMA_VM_CACHE=$cache "$here/fetch-kernel.sh" "${fk_opts[@]}") || kernel=""
  fi
  [ "$backports" = 1 ] && [ -z "$kernel" ] && die "-B: the bookworm-backports kernel could not be fetched (see the message above)"
  [ -n "$kernel" ] || kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
  [ -n "$kernel" ] || die "no guest kernel: tests/numa/fetch-kernel.sh could not download one (it needs apt and a Debian mirror) and /boot has none. Pass one with -k or RASHM_NUMA_VM_KERNEL, or: apt-get install linux-image-amd64"
fi
[ -r "$kernel" ] || die "kernel image '$kernel' not readable (Ubuntu ships /boot/vmlinuz-* mode 0600: run as root, or copy it and chmod +r)"

# Fast boot: under TCG, decompressing a bzImage costs about 3 s. Kernels with a
# PVH entry note (CONFIG_PVH=y: Debian's) can be booted as the uncompressed
# ELF vmlinux, which QEMU loads directly. Extract it once into the cache.
has_pvh_note() { command -v readelf >/dev/null 2>&1 && readelf -n "$1" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)\|PHYS32_ENTRY'; }
extract_vmlinux() { # $1 bzImage -> $2 ELF vmlinux with a PVH note
  local img=$1 out=$2 spec pat tool pos tmp="$2.tmp.$$"
  for spec in '\xfd7zXZ\x00|xz -dcq --single-stream' '\x28\xb5\x2f\xfd|zstd -dcq' '\x1f\x8b\x08|gzip -dcq'; do
    pat=${spec%%|*}; tool=${spec#*|}
    command -v "${tool%% *}" >/dev/null 2>&1 || continue
    for pos in $(LC_ALL=C grep -obUaP "$pat" "$img" 2>/dev/null | cut -d: -f1 | head -n 4); do
      tail -c +$((pos + 1)) "$img" | $tool > "$tmp" 2>/dev/null
      if [ "$(head -c 4 "$tmp" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && has_pvh_note "$tmp"; then
        mv -f "$tmp" "$out"; return 0
      fi
    done
  done
  rm -f "$tmp"; return 1
}
boot_kernel=$kernel
if [ "${RASHM_NUMA_VM_PVH:-1}" != 0 ]; then
  if [ "$(head -c 4 "$kernel" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
    has_pvh_note "$kernel" || die "'$kernel' is an ELF vmlinux without a PVH note; pass a bzImage instead"
  else
    ck="$cache/vmlinux/$(basename "$kernel")-$(stat -c %s-%Y "$kernel" 2>/dev/null)"
    if [ -s "$ck" ] || { mkdir -p "$cache/vmlinux" 2>/dev/null && extract_vmlinux "$kernel" "$ck"; }; then
      boot_kernel=$ck
    fi
  fi
fi

if [ "$check" = 1 ]; then
  echo "$prog: qemu: $(command -v "$QEMU") ($("$QEMU" --version | head -n 1))"
  echo "$prog: busybox: $BUSYBOX; cpio: $(command -v cpio)"
  echo "$prog: kernel: $kernel"
  if [ "$boot_kernel" != "$kernel" ]; then echo "$prog: boots: $boot_kernel (PVH, fast)"
  else echo "$prog: boots: $kernel (bzImage; install binutils and xz-utils/zstd for the faster PVH boot)"; fi
  exit 0
fi
[ -f "$bin" ] || die "program '$bin' not found"
[ -x "$bin" ] || die "program '$bin' is not executable"
for f in "${files[@]+"${files[@]}"}"; do [ -r "$f" ] || die "file '$f' (-f) not readable"; done
for f in "${exes[@]+"${exes[@]}"}"; do [ -f "$f" ] && [ -x "$f" ] || die "'$f' (-x) is not an executable file"; done

case $accel in
  auto) if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm; else accel=tcg; fi ;;
  kvm) [ -r /dev/kvm ] && [ -w /dev/kvm ] || die "-A kvm requested but /dev/kvm is missing or not accessible" ;;
  tcg) ;;
  *) die "-A must be auto, tcg or kvm" ;;
esac
if [ "$accel" = kvm ]; then accel_opt=(-accel kvm); cpu=${QEMU_CPU:-host}
else accel_opt=(-accel tcg,thread=multi,tb-size=256); cpu=${QEMU_CPU:-max}; fi

# ---- work dir / initramfs --------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/rashm-numa-vm.XXXXXX") || die "mktemp failed"
qpid=""
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  if [ "${RASHM_NUMA_VM_KEEP:-0}" = 1 ]; then echo "$prog: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,data,test,etc} || die "cannot create $root"
cp "$BUSYBOX" "$root/bin/busybox" || die "cannot copy $BUSYBOX"
ln -s busybox "$root/bin/sh"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

# The name inside the guest keeps the basename: busybox-style programs pick
# their behaviour from argv[0], and messages stay readable.
guest_name() { local b; b=$(basename "$1"); [[ $b =~ ^[A-Za-z0-9._+-]+$ ]] || b=prog; echo "$b"; }
# Copy an executable's interpreter and libraries at their absolute paths.
copy_libs() {
  local exe=$1 lib
  command -v readelf >/dev/null 2>&1 || die "readelf missing (apt-get install binutils): needed to tell whether '$exe' is dynamic"
  readelf -l "$exe" 2>/dev/null | grep -q INTERP || return 0
  command -v ldd >/dev/null 2>&1 || die "'$exe' is dynamically linked and ldd is missing"
  ldd "$exe" > "$work/ldd.txt" 2>&1 || die "ldd '$exe' failed: $(cat "$work/ldd.txt")"
  grep -q 'not found' "$work/ldd.txt" && die "'$exe' needs libraries ldd cannot find: $(grep 'not found' "$work/ldd.txt" | tr -s ' \t' ' ')"
  while read -r lib; do
    [ -e "$lib" ] || continue
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || die "cannot copy $lib"
  done < <(grep -o '/[^ ]*' "$work/ldd.txt" | sort -u)
}
bname=$(guest_name "$bin")
cp "$bin" "$root/test/$bname" && chmod 755 "$root/test/$bname" || die "cannot copy $bin"
copy_libs "$bin"
for f in "${exes[@]+"${exes[@]}"}"; do
  cp "$f" "$root/test/$(guest_name "$f")" && chmod 755 "$root/test/$(guest_name "$f")" || die "cannot copy $f"
  copy_libs "$f"
done
for f in "${files[@]+"${files[@]}"}"; do cp "$f" "$root/data/" || die "cannot copy $f"; done

# Program arguments and environment, shell-quoted for the guest's sh.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
args=""
for a in "$@"; do args+=" $(q "$a")"; done
envq=""
for e in "${envs[@]+"${envs[@]}"}"; do envq+=" $(q "$e")"; done

# Per-node huge pages: set and checked in the guest before the program runs.
hugeset=""
if [ -n "$huge_pernode" ]; then
  i=0
  for h in $huge_pernode; do
    hugeset+="f=/sys/devices/system/node/node$i/hugepages/hugepages-2048kB/nr_hugepages; echo $h > \$f; [ \"\$(cat \$f)\" = $h ] || hugefail=\"\$hugefail node$i:\$(cat \$f)/$h\""$'\n'
    i=$((i + 1))
  done
fi

cat > "$root/init" <<EOF
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/test:/bin:/sbin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# No tmpfs over /tmp: the initramfs root is already writable memory, and a
# build tree under /tmp (whose libraries were copied to the same paths) would
# be hidden by it.
chmod 1777 /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/shm /dev/hugepages
mount -t tmpfs tmpfs /dev/shm
mount -t hugetlbfs none /dev/hugepages 2>/dev/null
$cgmount
stty -F /dev/ttyS1 raw -echo 2>/dev/null
hugefail=""
$hugeset
if [ -n "\$hugefail" ]; then
  echo "NUMA_VM_HUGEFAIL\$hugefail" > /dev/ttyS0
  poweroff -f
fi
echo "NUMA_VM_START uptime=\$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
cd /data
env$envq /test/$bname$args < /dev/null > /dev/ttyS1 2>&1
rc=\$?
echo "NUMA_VM_RC=\$rc uptime=\$(cut -d' ' -f1 /proc/uptime) memfree_kb=\$(grep MemFree /proc/meminfo | tr -s ' ' | cut -d' ' -f2)" > /dev/ttyS0
sync
poweroff -f
EOF
chmod 755 "$root/init"
( cd "$root" && find . | cpio -o -H newc --quiet ) > "$work/initrd.cpio" || die "building the initramfs failed"

# ---- QEMU command ----------------------------------------------------------
numa=()
cpu_i=0
total_mem=0
for ((n = 0; n < nodes; n++)); do
  size=$mem
  [ "$n" -ge $((nodes - memonly - tiny)) ] && [ "$n" -lt $((nodes - memonly)) ] && size=2
  total_mem=$((total_mem + size))
  numa+=(-object "memory-backend-ram,id=m$n,size=${size}M")
  if [ "$n" -lt $((nodes - memonly)) ]; then
    numa+=(-numa "node,nodeid=$n,cpus=$cpu_i-$((cpu_i + cpn - 1)),memdev=m$n")
    cpu_i=$((cpu_i + cpn))
  else
    numa+=(-numa "node,nodeid=$n,memdev=m$n")
  fi
done
ncpu=$cpu_i
# numa_balancing=disable: Debian turns automatic NUMA balancing on when there
# is more than one node, and it would migrate pages behind the tests' back.
# no_timer_check: under TCG on a loaded host the kernel's check that the
# timer interrupt arrives through the IO-APIC can time out and panic the boot
# ("IO-APIC + timer doesn't work"); the check is pointless in a VM.
cmdline="console=ttyS0 rdinit=/init panic=-1 loglevel=4 mitigations=off nokaslr tsc=reliable no_timer_check numa_balancing=disable"
[ "$huge_total" -gt 0 ] && cmdline+=" hugepages=$huge_total"
[ -n "$extra" ] && cmdline+=" $extra"

: > "$work/out.log"
: > "$work/console.log"
# Every node with CPUs is its own socket: with one socket spanning nodes the
# guest kernel WARNs that LLC siblings sit on different nodes.
qemu_cmd=("$QEMU" -machine q35 "${accel_opt[@]}" -cpu "$cpu" -smp "$ncpu,sockets=$((nodes - memonly)),cores=$cpn,threads=1" -m "${total_mem}M"
  "${numa[@]}" -kernel "$boot_kernel" -initrd "$work/initrd.cpio" -append "$cmdline"
  -nodefaults -display none -no-reboot -monitor none
  -serial "file:$work/console.log" -serial "file:$work/out.log")

t_start=$(date +%s.%N)
timecmd=()
[ "$stats" = 1 ] && [ -x /usr/bin/time ] && timecmd=(/usr/bin/time -f '%M %e' -o "$work/time.txt")
timeout -k 5 "$tmo" "${timecmd[@]+"${timecmd[@]}"}" "${qemu_cmd[@]}" < /dev/null > "$work/qemu.log" 2>&1 &
qpid=$!
# Stream the program's output while it runs.
tail -n +1 -s 0.2 -f --pid="$qpid" "$work/out.log" 2>/dev/null &
tpid=$!
wpid=""
if [ "$stats" = 1 ]; then   # host-side time at which the program started
  ( while kill -0 "$qpid" 2>/dev/null; do
      if grep -aq NUMA_VM_START "$work/console.log"; then date +%s.%N > "$work/start_host.txt"; break; fi
      sleep 0.05
    done ) &
  wpid=$!
fi
# The guest powers itself off once the program has reported its status. If
# the emulated power-off hangs (seen once under TCG on a loaded 2-core host),
# the status is already known: stop the guest after a grace period instead of
# waiting for the timeout.
( while kill -0 "$qpid" 2>/dev/null; do
    if grep -aq 'NUMA_VM_RC=' "$work/console.log"; then
      for _ in $(seq 100); do kill -0 "$qpid" 2>/dev/null || exit 0; sleep 0.1; done
      echo "$prog: note: the guest reported its status but did not power off within 10 s; stopping it" >&2
      kill -TERM "$qpid" 2>/dev/null
      exit 0
    fi
    sleep 0.2
  done ) &
rcpid=$!
wait "$qpid"; qrc=$?
qpid=""
wait "$rcpid" 2>/dev/null
wait "$tpid" 2>/dev/null
[ -n "$wpid" ] && wait "$wpid" 2>/dev/null
t_end=$(date +%s.%N)

rcline=$(grep -a -o 'NUMA_VM_RC=[0-9]* uptime=[0-9.]* memfree_kb=[0-9]*' "$work/console.log" | tail -n 1)
startline=$(grep -a -o 'NUMA_VM_START uptime=[0-9.]*' "$work/console.log" | tail -n 1)

if [ "$verbose" = 1 ]; then
  echo "----- guest console -----" >&2
  tr -d '\r' < "$work/console.log" >&2
  echo "----- end of guest console -----" >&2
fi
if [ "$stats" = 1 ]; then
  {
    echo "----- numa-vm stats -----"
    echo "accel=$accel cpu=$cpu nodes=$nodes (memory-only $memonly, tiny $tiny) vcpus=$ncpu ram=${total_mem}MiB kernel=$kernel (booted: $boot_kernel)"
    awk -v s="$t_start" -v e="$t_end" 'BEGIN{printf "host wall time total: %.2f s\n", e-s}'
    [ -s "$work/start_host.txt" ] && awk -v s="$t_start" -v e="$(cat "$work/start_host.txt")" 'BEGIN{printf "host wall time from qemu launch to program start: %.2f s\n", e-s}'
    [ -n "$startline" ] && echo "guest uptime at program start: ${startline#*=} s"
    [ -n "$rcline" ] && { u=${rcline#*uptime=}; echo "guest uptime at program end: ${u%% *} s; guest MemFree at end: ${rcline##*memfree_kb=} kB"; }
    [ -s "$work/time.txt" ] && awk 'NR==1{printf "qemu max RSS: %.1f MiB, qemu wall: %s s\n", $1/1024, $2}' "$work/time.txt"
  } >&2
fi

if grep -aqE 'WARNING:|BUG:|Oops|Call Trace' "$work/console.log"; then
  echo "$prog: note: the guest kernel logged a WARNING/BUG/Oops (-v shows the console):" >&2
  grep -aE 'WARNING:|BUG:|Oops' "$work/console.log" | head -n 5 | tr -d '\r' >&2
fi
if [ -n "$rcline" ]; then
  rc=${rcline#NUMA_VM_RC=}; rc=${rc%% *}
  exit "$rc"
fi
hf=$(grep -a -o 'NUMA_VM_HUGEFAIL.*' "$work/console.log" | head -n 1 | tr -d '\r')
[ -n "$hf" ] && die "huge pages not available in the guest (node:got/wanted):${hf#NUMA_VM_HUGEFAIL} - raise -m"
# No status line: find out why.
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
  echo "$prog: error: timeout after ${tmo}s (the guest did not finish). Last console lines:" >&2
  tail -n 15 "$work/console.log" | tr -d '\r' >&2
  exit 124
fi
echo "$prog: error: the guest ended without reporting a status (qemu exit $qrc)." >&2
grep -aq 'Kernel panic' "$work/console.log" && echo "$prog: the guest kernel panicked" >&2
echo "--- last console lines ---" >&2; tail -n 25 "$work/console.log" | tr -d '\r' >&2
[ -s "$work/qemu.log" ] && { echo "--- qemu stderr ---" >&2; tail -n 20 "$work/qemu.log" >&2; }
exit 125
