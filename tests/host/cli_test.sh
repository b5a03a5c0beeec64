#!/bin/sh
# The rashm command end to end:
#   cli_test.sh RASHM JSON_FLAT [AIX_MAKE [SHM_HOLD]]
# topo/create/show/ls/rm round trip (4 KiB and huge pages), --json output
# that a strict parser accepts and whose values are checked, exit code 2 and
# a clear message for each kind of bad input, 1 for runtime failures, and the
# progress bar when a large populate runs on a terminal.
set -u
RASHM=$1
JF=$2
AIXMAKE=${3:-}
HOLD=${4:-}
COMPLETION=$(dirname "$0")/../../tools/rashm/rashm.bash-completion
tmp=$(mktemp -d /tmp/rashm-cli.XXXXXX)
fails=0
ids_made=""
cleanup() {
    for id in $ids_made; do "$RASHM" rm "$id" >/dev/null 2>&1; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run EXPECTED_RC ARGS...: runs rashm, keeps stdout in $tmp/out, stderr in $tmp/err
run() {
    want=$1; shift
    "$RASHM" "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        fail "rashm $* -> exit $rc, expected $want"
        sed 's/^/    stdout: /' "$tmp/out" | head -5
        sed 's/^/    stderr: /' "$tmp/err" | head -5
        return 1
    fi
    return 0
}
# err_has TEXT: the last command's stderr says TEXT
err_has() { grep -qF -- "$1" "$tmp/err" || { fail "stderr lacks '$1':"; sed 's/^/    /' "$tmp/err" | head -5; }; }
out_has() { grep -qF -- "$1" "$tmp/out" || { fail "stdout lacks '$1':"; sed 's/^/    /' "$tmp/out" | head -20; }; }
# json: validate the last stdout, flatten into $tmp/flat
json() { "$JF" < "$tmp/out" > "$tmp/flat" 2> "$tmp/jerr" || { fail "invalid JSON from rashm $*:"; cat "$tmp/jerr"; }; }
flat_has() { grep -qxF -- "$1" "$tmp/flat" || { fail "JSON lacks $1"; grep -F "${1%%=*}" "$tmp/flat" | head -5 | sed 's/^/    has: /'; }; }
flat_get() { grep -F -- "$1=" "$tmp/flat" | head -n 1 | sed 's/^[^=]*=//'; }

# the checker itself rejects what it must
printf '{"a":[1,]}' | "$JF" >/dev/null 2>&1 && fail "json_flat accepts a trailing comma"
printf '{"a":1} x' | "$JF" >/dev/null 2>&1 && fail "json_flat accepts trailing text"

pg=$(getconf PAGESIZE)
key=$(printf '0x52%06x' $(( $$ & 0xffffff )))

# ---- help and usage errors (exit 2) ------------------------------------------
run 0 help && out_has "commands:"
run 0 --help && out_has "create KEY SIZE"
run 0 help create && out_has "--range OFFSET:LENGTH:POLICY:NODES"
run 0 create --help && out_has "first-touch | balanced | preferred | default"
run 2 && err_has "usage: rashm COMMAND"
run 2 frobnicate && err_has "unknown command 'frobnicate'"
run 2 help frobnicate && err_has "no command 'frobnicate'"
run 2 topo extra && err_has "unexpected argument 'extra'"
run 2 ls --bogus && err_has "invalid option '--bogus'"
run 2 create && err_has "KEY and SIZE are required"
run 2 create "$key" && err_has "KEY and SIZE are required"
run 2 create "$key" 1M extra && err_has "unexpected argument 'extra'"
run 2 create "$key" 10X && err_has "unknown suffix"
run 2 create "$key" -- -5 && err_has "is not a size"
run 2 create "$key" -5 && err_has "invalid option"
run 2 create "$key" 0 && err_has "at least one byte"
run 2 create nokey 1M && err_has "is not a key"
run 2 create "$key" 1M --mode 999 && err_has "octal permission"
run 2 create "$key" 1M --range 0:4K:bogus:0 && err_has "policy: 'bogus' is not one of first-touch, balanced, preferred, default"
run 2 create "$key" 1M --range 0:4K:balanced && err_has "must be OFFSET:LENGTH:POLICY:NODES"
run 2 create "$key" 1M --range 0::balanced:0 && err_has "range length"
run 2 create "$key" 1M --range 100:4K:balanced:0 && err_has "multiples of the page size"
run 2 create "$key" 1M --range 0:100:balanced:0 && err_has "multiples of the page size"
run 2 create "$key" 1M --range 0:2M:balanced:0 && err_has "runs past the end of the segment"
run 2 create "$key" 1M --range 1M:0:balanced:0 && err_has "runs past the end of the segment"
run 2 create "$key" 1M --range 0:4K:balanced:3-1 && err_has "runs backwards"
run 2 create "$key" 1M --range 0:4K:balanced:x && err_has "is not a node list"
run 2 create "$key" 1M --range 0:4K:balanced:1000 && err_has "there is no NUMA node 1000"
run 2 create "$key" 1M --range 0:4K:balanced:srad:999 && err_has "there is no SRAD 999"
run 2 create "$key" 3M --huge && err_has "multiple of the huge page size"
RASHM_ENHANCED_AFFINITY=0 "$RASHM" create "$key" 1M --range 0:0:balanced:srad:0 > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] || fail "srad: with enhanced affinity off: exit status"
err_has "SRAD ids are switched off (RASHM_ENHANCED_AFFINITY=0)"
run 2 create "$key" 4M --huge --range 4K:2M:balanced:0 && err_has "multiples of the page size"
run 2 show && err_has "give its shmid"
run 2 show abc && err_has "'abc' is not a shmid"
run 2 show 1 2 && err_has "one shmid at a time"
run 2 show 1 --width 0 && err_has "--width"
run 2 rm && err_has "give at least one shmid"
run 2 rm -k && err_has "which key?"
run 2 rm x1 && err_has "'x1' is not a shmid"
run 2 rm -k private && err_has "IPC_PRIVATE segments have no key"
# nothing was created by any of that
grep -qi "$(printf '%08x' $(( key )))" /proc/sysvipc/shm 2>/dev/null && fail "a usage error created a segment"

# ---- runtime errors (exit 1) ---------------------------------------------------
run 1 show 2147483000 && err_has "no segment with shmid 2147483000"
run 1 rm 2147483000 && err_has "no segment with shmid 2147483000"
run 1 rm -k 0x7eadbee1 && err_has "no segment has this key"

# ---- topo ------------------------------------------------------------------------
nnodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
run 0 topo && { out_has "system detail levels:"; out_has "SRADs"; out_has "memory-only nodes:"; out_has "RASHM_DEFAULT_POLICY="; out_has "partition (this process)"; }
run 0 topo --json && json topo --json && {
    flat_has ".nodes=$nnodes"
    flat_has ".sdls[0].kind=\"machine\""
    flat_has ".sdls[0].rads=1"
    flat_has ".numa_nodes[0].node=0"
    flat_has ".numa_nodes[0].sradid=0"
    # free memory and huge pages are the kernel's figures for node 0; other
    # work on the machine may resize the pool at any time, so the figure is
    # compared from a run during which the pool did not move
    hpf=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
    # Test runs borrow huge pages by delta under this lock (tests/tools/testns.c),
    # so while we hold it the pool stays put; without it, retry until a run
    # saw the same pool before and after.
    hplock=/run/rashm-tests/hugepages.lock
    hprun() { cat "$hpf" > "$tmp/hp0"; "$RASHM" topo --json > "$tmp/hpjson" 2>/dev/null; cat "$hpf" > "$tmp/hp1"; }
    for try in 1 2 3 4 5 6 7 8 9 10; do
        if [ -f "$hplock" ] && command -v flock >/dev/null 2>&1; then
            flock "$hplock" sh -c 'cat "$1" > "$4/hp0"; "$2" topo --json > "$3" 2>/dev/null; cat "$1" > "$4/hp1"' \
                sh "$hpf" "$RASHM" "$tmp/hpjson" "$tmp"
        else
            hprun
        fi
        cmp -s "$tmp/hp0" "$tmp/hp1" && break
        sleep 0.2
    done
    hp0=$(cat "$tmp/hp0")
    "$JF" < "$tmp/hpjson" | grep -qxF ".numa_nodes[0].huge_total=$hp0" ||
        fail "topo --json: node 0 huge_total is not the kernel's $hp0"
    mf=$(flat_get ".numa_nodes[0].mem_free")
    [ -n "$mf" ] && [ "$mf" -gt 0 ] || fail "topo --json: no free memory for node 0"
    grep -q '^\.config\[[0-9]*\]\.name="RASHM_DEFAULT_POLICY"$' "$tmp/flat" || fail "topo --json: RASHM_DEFAULT_POLICY missing"
    grep -q '^\.config\[[0-9]*\]\.name="RASHM_ENHANCED_AFFINITY"$' "$tmp/flat" || fail "topo --json: RASHM_ENHANCED_AFFINITY missing"
}
run 0 --json topo && json --json topo
# the environment shows through
RASHM_DEFAULT_POLICY=first-touch "$RASHM" topo > "$tmp/out" 2>&1
grep -q "RASHM_DEFAULT_POLICY=first-touch.*(from the environment)" "$tmp/out" || fail "topo does not show RASHM_DEFAULT_POLICY from the environment"

# ---- create / show / ls / rm: 4 KiB pages ---------------------------------------
if run 0 create "$key" 1M --range 0:512K:balanced:all --range 512K:0:first-touch:srad:0 --populate --mode 640; then
    id=$(cat "$tmp/out")
    ids_made="$ids_made $id"
    case "$id" in ''|*[!0-9]*) fail "create printed '$id', not a shmid" ;; esac
    awk -v id="$id" 'NR>1 && $2==id {f=1} END {exit !f}' /proc/sysvipc/shm || fail "shmid $id is not in /proc/sysvipc/shm"
    run 0 show "$id" && {
        out_has "shmid $id: 1 MiB in 4 KiB pages, 256 of 256 pages resident"
        out_has "range 0: offset 0, length 512 KiB, 128 pages"
        out_has "policy balanced on nodes 0"
        out_has "range 1: offset 512 KiB, length 512 KiB, 128 pages"
        out_has "policy first-touch on SRAD 0"
        out_has "node 0   [########################################] 128 pages (100.0%)"
    }
    run 0 show "$id" --width 10 && out_has "[##########] 128 pages"
    run 0 show "$id" --json && json show && {
        flat_has ".shmid=$id"
        flat_has ".size=1048576"
        flat_has ".page_size=$pg"
        flat_has ".hugetlb=false"
        flat_has ".registered=true"
        flat_has ".ranges[0].offset=0"
        flat_has ".ranges[0].length=524288"
        flat_has ".ranges[0].policy=\"balanced\""
        flat_has ".ranges[0].nodes[0]=0"
        flat_has ".ranges[0].pages=128"
        flat_has ".ranges[0].resident=128"
        flat_has ".ranges[0].node_pages[0].node=0"
        flat_has ".ranges[0].node_pages[0].pages=128"
        flat_has ".ranges[1].offset=524288"
        flat_has ".ranges[1].policy=\"first-touch\""
        flat_has ".ranges[1].origin=\"srad\""
        flat_has ".ranges[1].srad=0"
        flat_has ".ranges[1].resident=128"
        # the 4 KiB policy is read back from the kernel: interleave for the
        # balanced range, a preferred kind for first touch
        flat_has ".ranges[0].mode=\"interleave\""
        flat_has ".ranges[0].mode_from_kernel=true"
        m=$(flat_get ".ranges[1].mode")
        case "$m" in '"preferred-many"'|'"preferred"'|'"local"') ;; *) fail "first-touch range in force as $m" ;; esac
    }
    run 0 ls --wide && {
        grep -E "^$key +$id +[a-z0-9]+ +640 +1048576 +0 " "$tmp/out" >/dev/null || { fail "ls line for $id:"; grep -w "$id" "$tmp/out"; }
        grep -w "$id" "$tmp/out" | grep -qF "balanced@0,first-touch@srad0; n0:100%" || { fail "ls summary for $id:"; grep -w "$id" "$tmp/out"; }
    }
    run 0 ls --json && json ls && {
        n=$(grep -n "^\.\[[0-9]*\]\.shmid=$id$" "$tmp/flat" | sed 's/.*\.\[\([0-9]*\)\].*/\1/')
        if [ -z "$n" ]; then fail "ls --json lacks shmid $id"; else
            flat_has ".[$n].key=\"$key\""
            flat_has ".[$n].perms=\"640\""
            flat_has ".[$n].bytes=1048576"
            flat_has ".[$n].placed=true"
            flat_has ".[$n].page_size=$pg"
            flat_has ".[$n].ranges[1].policy=\"first-touch\""
            flat_has ".[$n].resident_per_node[0].pages=256"
        fi
    }
    run 0 --json ls && json --json ls
    # the same key again: without --excl the same id and a note, with it an error
    run 0 create "$key" 1M --range 0:0:first-touch:0 && { out_has "$id"; err_has "already exists"; }
    run 0 show "$id" --json && json show && flat_has ".ranges[0].policy=\"balanced\""
    run 1 create "$key" 1M --excl && err_has "already exists (--excl)"
    run 1 create "$key" 2M && err_has "already exists with a smaller size (1048576 bytes, shmid $id)"
    # removed by key; afterwards gone for show, ls and rm
    run 0 rm -k "$key"
    ids_made=""
    awk -v id="$id" 'NR>1 && $2==id {f=1} END {exit !f}' /proc/sysvipc/shm && fail "rm -k left shmid $id"
    run 1 show "$id" && err_has "no segment with shmid $id"
    run 0 ls && grep -qw -- "$id" "$tmp/out" && fail "ls still lists $id"
fi

# an unplaced segment (plain shmget through the default range) and rm by id,
# several at once; a segment not made by rashm shows as one range
if run 0 create private 64K; then
    a=$(cat "$tmp/out"); ids_made="$ids_made $a"
    run 0 create private 64K --range 0:0:default:all && { b=$(cat "$tmp/out"); ids_made="$ids_made $b"; }
    run 0 show "$a" --json && json show && flat_has ".ranges[0].resident=0"
    run 0 show "$b" && out_has "policy default"
    run 0 rm "$a" "$b" && ids_made=""
    run 1 rm "$a" && err_has "no segment with shmid $a"
fi

# ---- "preferred" (RASHM_POLICY_PREFERRED): what show prints is accepted back ----
if run 0 create private 64K --range 0:0:preferred:0 --populate; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    run 0 show "$id" && out_has "policy preferred on nodes 0"
    run 0 show "$id" --json && json show && {
        flat_has ".ranges[0].policy=\"preferred\""
        flat_has ".ranges[0].mode=\"preferred\""
    }
    run 0 place "$id" --range 0:32K:preferred:all && run 0 show "$id" --json && json show &&
        flat_has ".ranges[0].policy=\"preferred\""
    run 0 rm "$id" && ids_made=""
fi

# ---- sizes and keys are decimal unless 0x: "0100K" is 100 KiB, not octal 64 KiB ----
for sz in 0100K:102400 08K:8192 0x10000:65536 0X2000:8192; do
    if run 0 create private "${sz%%:*}"; then
        id=$(cat "$tmp/out"); ids_made="$ids_made $id"
        run 0 show "$id" --json && json show && flat_has ".size=${sz#*:}"
        run 0 rm "$id" && ids_made=""
    fi
done
# a key with a leading zero is decimal too (010 is key 10, not 8)
dkey=0$(( (($$ & 0xffff) + 1000000) ))
if run 0 create "$dkey" 64K --excl; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    awk -v id="$id" -v k="${dkey#0}" 'NR>1 && $2==id && $1==k {f=1} END {exit !f}' /proc/sysvipc/shm ||
        fail "key $dkey was not read as decimal ${dkey#0}"
    run 0 rm "$id" && ids_made=""
fi

# ---- a segment placed by an AIX program (ra_shmgetv, R_RSET + R_SRADID) -------
if [ -n "$AIXMAKE" ]; then
    if id=$("$AIXMAKE") && [ -n "$id" ]; then
        ids_made="$ids_made $id"
        run 0 show "$id" && {
            out_has "range 0: offset 0, length 32 KiB, 8 pages"
            out_has "policy balanced on rset cpus "
            out_has "policy first-touch on SRAD 0 (node 0)"
        }
        run 0 show "$id" --json && json show && {
            flat_has ".ranges[0].origin=\"rset\""
            flat_has ".ranges[0].cpus[0]=0"
            flat_has ".ranges[1].origin=\"srad\""
            flat_has ".ranges[1].srad=0"
        }
        run 0 ls --wide && { grep -w "$id" "$tmp/out" | grep -qF "balanced@0,first-touch@srad0" || fail "ls summary of the AIX segment"; }
        run 0 rm "$id" && ids_made=""
    else
        fail "aix_make could not place a segment"
    fi
fi

# ---- an unprivileged user and root's 0600 segment ---------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && run 0 create private 64K --range 0:0:balanced:all; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$RASHM" "$@"; }
    asnobody show "$id" > "$tmp/out" 2> "$tmp/err"
    [ $? = 1 ] || fail "show as nobody: exit status"
    err_has "shmid $id: Permission denied"
    asnobody rm "$id" > "$tmp/out" 2> "$tmp/err"
    [ $? = 1 ] || fail "rm as nobody: exit status"
    err_has "only its owner, its creator or root may remove it"
    asnobody ls > "$tmp/out" 2> "$tmp/err" || fail "ls as nobody failed"
    run 0 rm "$id" && ids_made=""
    # readable but not writable: the library cannot read residency (mincore
    # would lie), and the command says "unknown" rather than 0
    if run 0 create private 64K --mode 644 --populate; then
        id=$(cat "$tmp/out"); ids_made="$ids_made $id"
        asnobody show "$id" > "$tmp/out" 2> "$tmp/err" || fail "show as nobody of a 0644 segment failed"
        out_has "16 pages; resident pages unknown to this user"
        grep -q "node 0 *\[" "$tmp/out" && fail "bars drawn without residency"
        asnobody show "$id" --json > "$tmp/out" 2> "$tmp/err" && json show && {
            flat_has ".counts_valid=false"
            flat_has ".ranges[0].resident=null"
        }
        asnobody ls --wide > "$tmp/out" 2> "$tmp/err" && { grep -w "$id" "$tmp/out" | grep -q "residency unknown" || fail "ls as nobody: residency"; }
        run 0 show "$id" --json && json show && { flat_has ".counts_valid=true"; flat_has ".ranges[0].resident=16"; }
        run 0 rm "$id" && ids_made=""
    fi
fi

# ---- huge pages: --huge --pin ---------------------------------------------------
hfree=$(cat /sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if [ "$hfree" -ge 4 ]; then
    if run 0 create private 4M --huge --pin --range 0:2M:balanced:0 --range 2M:2M:first-touch:srad:0; then
        id=$(cat "$tmp/out"); ids_made="$ids_made $id"
        run 0 show "$id" && out_has "4 MiB in 2 MiB pages (hugetlb), 2 of 2 pages resident"
        run 0 show "$id" --json && json show && {
            flat_has ".page_size=2097152"
            flat_has ".hugetlb=true"
            flat_has ".ranges[0].resident=1"
            flat_has ".ranges[1].resident=1"
            flat_has ".ranges[1].policy=\"first-touch\""
        }
        run 0 ls --json && json ls
        run 0 rm "$id" && ids_made=""
    fi
else
    echo "note: fewer than 4 free huge pages; huge-page CLI case skipped"
fi

# ---- --pin on 4 KiB: locked ------------------------------------------------------
if run 0 create private 256K --pin; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    run 0 ls --json && json ls && {
        n=$(grep -n "^\.\[[0-9]*\]\.shmid=$id$" "$tmp/flat" | sed 's/.*\.\[\([0-9]*\)\].*/\1/')
        flat_has ".[$n].locked=true"
        flat_has ".[$n].rss=262144"
    }
    run 0 ls && grep -w "$id" "$tmp/out" | grep -q " locked " || fail "ls does not say locked"
    run 0 rm "$id" && ids_made=""
fi

# ---- a signal during create: the new segment does not outlive the command ----------
"$RASHM" create private 1G --populate > "$tmp/out" 2> "$tmp/err" &
pid=$!
# signal it once its segment exists (the command blocks termination signals
# from just before shmget); a fixed sleep can land before that on a loaded
# machine, where the default action kills it silently
for try in $(seq 200); do
    awk -v p="$pid" 'NR>1 && $5==p {f=1} END {exit !f}' /proc/sysvipc/shm && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$pid" 2>/dev/null
{ wait "$pid"; rc=$?; } 2>/dev/null      # (the shell's own "Terminated" note)
if [ "$rc" = 143 ]; then
    err_has "interrupted: the new segment (shmid"
    awk -v p="$pid" 'NR>1 && $5==p {f=1} END {exit !f}' /proc/sysvipc/shm && fail "the interrupted create left its segment"
elif [ "$rc" = 0 ]; then
    echo "note: the populate finished before SIGTERM arrived"
    "$RASHM" rm "$(cat "$tmp/out")"
else
    fail "create interrupted by SIGTERM: exit $rc"
fi

# ---- progress bar on a terminal ------------------------------------------------
if command -v script >/dev/null 2>&1; then
    script -qec "$RASHM create private 512M --populate" "$tmp/typescript" > "$tmp/tty" 2>&1
    id=$(tr -d '\r' < "$tmp/tty" | grep -E '^[0-9]+$' | tail -n 1)
    [ -n "$id" ] && ids_made="$ids_made $id"
    tr '\r' '\n' < "$tmp/tty" | grep -q "populating \[#*\] 100%" || { fail "no progress bar on a terminal:"; tr '\r' '\n' < "$tmp/tty" | tail -3; }
    [ -n "$id" ] && { "$RASHM" rm "$id" || fail "rm $id"; ids_made=""; }
    # and none when stderr is not a terminal
    run 0 create private 512M --populate && { id=$(cat "$tmp/out"); grep -q populating "$tmp/err" && fail "progress bar drawn on a pipe"; "$RASHM" rm "$id"; }
else
    echo "note: no 'script' command; progress bar not checked"
fi

# ---- mistakes get one line with a suggestion, not the usage ----------------------
oneline() { [ "$(wc -l < "$tmp/err")" = 1 ] || { fail "more than one line on stderr:"; sed 's/^/    /' "$tmp/err" | head -5; }; }
run 2 lst && { err_has "unknown command 'lst'; did you mean 'ls'?"; oneline; }
run 2 crate private 1M && { err_has "did you mean 'create'?"; oneline; }
run 2 create "$key" 1M --popluate && { err_has "invalid option '--popluate'; did you mean '--populate'?"; oneline; }
run 2 show 1 --jsn && { err_has "did you mean '--json'?"; oneline; }
run 2 ls --sort sizee && { err_has "--sort: no column 'sizee'; did you mean 'size'?"; oneline; }
run 2 ls -o shmid,plcement && { err_has "no column 'plcement'; did you mean 'placement'?"; oneline; }
run 2 show 1 --width && { err_has "option '--width' needs a value"; oneline; }
run 2 --verison && { err_has "did you mean '--version'?"; oneline; }
run 0 --version && grep -qE '^rashm [0-9]+\.[0-9]+' "$tmp/out" || fail "--version: $(cat "$tmp/out")"

# ---- text output fits 80 columns ---------------------------------------------------
wide() { awk 'length > 80 {print "    " FILENAME ": " $0; bad=1} END {exit !bad}' "$tmp/out" && fail "rashm $* prints lines over 80 columns"; }
for c in help "help topo" "help limits" "help create" "help place" "help show" "help ls" "help rm" "help config" \
         topo "topo --distances" limits config ls "ls -h" "ls --nodes"; do
    # shellcheck disable=SC2086
    run 0 $c && wide $c
done

# ---- topo --distances: the kernel's matrix ---------------------------------------
d00=$(awk '{print $1}' /sys/devices/system/node/node0/distance)
run 0 topo --distances && { out_has "node distances:"; grep -qE "^ +0 +$d00( |$)" "$tmp/out" || fail "topo --distances: node 0 row lacks $d00"; }
run 0 topo --distances --json && json topo --distances && {
    flat_has ".distances.nodes[0]=0"
    flat_has ".distances.matrix[0][0]=$d00"
    [ "$(grep -c '^\.distances\.matrix\[0\]\[' "$tmp/flat")" = "$nnodes" ] || fail "topo --distances: row 0 is not $nnodes wide"
}

# ---- limits: the kernel's figures, this user's rights ------------------------------
run 0 limits && { out_has "kernel.shmmax"; out_has "kernel.shmmni"; out_has "vm.hugetlb_shm_group"; out_has "RLIMIT_MEMLOCK"; out_has "partition"; }
run 0 limits --json && json limits && {
    flat_has ".sysv.shmmni=$(cat /proc/sys/kernel/shmmni)"
    flat_has ".sysv.shmmax=$(cat /proc/sys/kernel/shmmax)"
    flat_has ".user.hugetlb_shm_group=$(cat /proc/sys/vm/hugetlb_shm_group)"
    flat_has ".user.cap_ipc_lock=true"
    if hp=$(ls -d /sys/kernel/mm/hugepages/hugepages-*kB 2>/dev/null | sed 's/.*-\([0-9]*\)kB/\1/' | sort -n | head -1) &&
       [ -n "$hp" ]; then
        flat_has ".huge_pages[0].page_size=$((hp * 1024))"
        flat_has ".huge_pages[0].nodes[0].node=0"
    fi
    grep -q '^\.partition\.nodes\[0\]=' "$tmp/flat" || fail "limits --json: no partition"
}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$RASHM" limits --json > "$tmp/out" 2> "$tmp/err" || fail "limits as nobody"
    json limits && { flat_has ".user.cap_ipc_lock=false"; flat_has ".user.uid=65534"; }
fi

# ---- ls: human sizes, columns, sort, dest, per-node totals --------------------------
if run 0 create private 1M --range 0:0:balanced:all --populate; then
    a=$(cat "$tmp/out"); ids_made="$ids_made $a"
    run 0 create private 192K && { b=$(cat "$tmp/out"); ids_made="$ids_made $b"; }
    run 0 show "$a" && wide show
    run 0 ls -h -o shmid,size,pgsz && grep -qE "^ *$a +1 MiB +4 KiB$" "$tmp/out" || { fail "ls -h -o: line of $a"; grep -w "$a" "$tmp/out"; }
    run 0 ls -o shmid,size && grep -qE "^ *$a +1048576$" "$tmp/out" || fail "ls -o shmid,size: bytes of $a"
    run 0 ls -o size,shmid && head -1 "$tmp/out" | grep -qE '^ *size +shmid$' || fail "ls -o: header order"
    run 0 ls -o shmid --sort -size && {
        pa=$(grep -nw "$a" "$tmp/out" | cut -d: -f1); pb=$(grep -nw "$b" "$tmp/out" | cut -d: -f1)
        [ -n "$pa" ] && [ -n "$pb" ] && [ "$pa" -lt "$pb" ] || fail "ls --sort -size: $a (1M) not before $b (192K)"
    }
    run 0 ls -o shmid --sort size && {
        pa=$(grep -nw "$a" "$tmp/out" | cut -d: -f1); pb=$(grep -nw "$b" "$tmp/out" | cut -d: -f1)
        [ "$pb" -lt "$pa" ] || fail "ls --sort size: $b (192K) not before $a (1M)"
    }
    # resident bytes per node and segment, the total per node
    run 0 ls --nodes && { grep -qE "^$a +0x00000000 +1048576 " "$tmp/out" || { fail "ls --nodes: row of $a"; cat "$tmp/out"; }; out_has "total"; }
    run 0 ls --nodes --json && json ls --nodes && {
        n=$(grep "^\.segments\[[0-9]*\]\.shmid=$a$" "$tmp/flat" | sed 's/^\.segments\[\([0-9]*\)\].*/\1/')
        flat_has ".segments[$n].node_bytes[0].bytes=1048576"
        t=$(flat_get ".totals[0].bytes"); [ "${t:-0}" -ge 1048576 ] || fail "ls --nodes: node 0 total $t"
    }
    # removed while attached: 'dest' until the last detach
    if [ -n "$HOLD" ]; then
        "$HOLD" "$a" & hold=$!
        for try in $(seq 100); do
            awk -v id="$a" 'NR>1 && $2==id && $7>0 {f=1} END {exit !f}' /proc/sysvipc/shm && break; sleep 0.05
        done
        run 0 rm "$a"
        run 0 ls -o shmid,nattch,status && grep -qE "^ *$a +1 +dest$" "$tmp/out" || { fail "ls: removed but attached $a is not 'dest'"; cat "$tmp/out"; }
        run 0 ls --json && json ls && {
            n=$(grep -n "^\.\[[0-9]*\]\.shmid=$a$" "$tmp/flat" | sed 's/.*\.\[\([0-9]*\)\].*/\1/')
            flat_has ".[$n].dest=true"
        }
        kill "$hold"; wait "$hold" 2>/dev/null
        for try in $(seq 100); do awk -v id="$a" 'NR>1 && $2==id {f=1} END {exit !f}' /proc/sysvipc/shm || break; sleep 0.05; done
        run 0 ls && grep -qw "$a" "$tmp/out" && fail "ls: $a still listed after the last detach"
    else
        run 0 rm "$a"
    fi
    run 0 rm "$b"; ids_made=""
fi

# ---- place: an existing segment ------------------------------------------------------
run 2 place && err_has "give its shmid"
run 2 place 1 && err_has "give the placement with --range"
run 2 place 1 --reset --move && err_has "--reset takes no --range or --move"
run 1 place 2147483000 --range 0:0:balanced:0 && err_has "no segment with shmid 2147483000"
if run 0 create private 1M --mode 644 --range 0:0:balanced:all; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    run 2 place "$id" --range 0:2M:balanced:0 && err_has "runs past the end of the segment"
    run 0 place "$id" --range 0:512K:first-touch:srad:0 --range 512K:0:balanced:0 --move
    run 0 show "$id" --json && json show && {
        flat_has ".registered=true"
        flat_has ".ranges[0].policy=\"first-touch\""
        flat_has ".ranges[0].origin=\"srad\""
        flat_has ".ranges[0].length=524288"
        flat_has ".ranges[1].policy=\"balanced\""
    }
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$RASHM" place "$id" --range 0:0:balanced:0 > "$tmp/out" 2> "$tmp/err"
        [ $? = 1 ] || fail "place as nobody: exit status"
        err_has "only its owner, its creator or root may place it"
    fi
    run 0 place "$id" --reset
    run 0 show "$id" --json && json show && flat_has ".registered=false"
    run 0 rm "$id" && ids_made=""
fi
# a segment some other program made (no registry entry) gets one
if [ -n "$HOLD" ] && run 0 create private 64K; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    run 0 place "$id" --range 0:0:balanced:0
    run 0 show "$id" && out_has "policy balanced on nodes 0"
    run 0 rm "$id" && ids_made=""
fi

# ---- --huge=SIZE -------------------------------------------------------------------
run 2 create private 4M --huge=3M && err_has "'3M' is not a page size"
run 2 create private 4M --huge=0 && err_has "'0' is not a page size"
run 2 create private 4M --huge=2Q && err_has "unknown suffix"
run 2 ls --json=yes && { err_has "option '--json' takes no value"; oneline; }
if [ ! -d /sys/kernel/mm/hugepages/hugepages-1048576kB ]; then
    run 1 create private 1G --huge=1G && err_has "this kernel has no 1 GiB huge pages"
elif [ "$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages)" -ge 1 ]; then
    if run 0 create private 1G --huge=1G --populate; then
        id=$(cat "$tmp/out"); ids_made="$ids_made $id"
        run 0 show "$id" && out_has "1 GiB in 1 GiB pages (hugetlb), 1 of 1 pages resident"
        run 0 rm "$id" && ids_made=""
    fi
else
    echo "note: no free 1 GiB huge page; --huge=1G not created"
fi
if [ "$hfree" -ge 2 ] && run 0 create private 4M --huge=2M --populate; then
    id=$(cat "$tmp/out"); ids_made="$ids_made $id"
    run 0 show "$id" && out_has "4 MiB in 2 MiB pages (hugetlb), 2 of 2 pages resident"
    run 0 ls -h -o shmid,pgsz && grep -qE "^ *$id +2 MiB$" "$tmp/out" || fail "ls: page size of the 2M segment"
    run 0 rm "$id" && ids_made=""
fi

# ---- errors that name the setting at fault, as an ordinary user ----------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    # huge pages: refused by vm.hugetlb_shm_group (nobody is not in it), not
    # by the partition
    g=$(cat /proc/sys/vm/hugetlb_shm_group)
    if [ "$g" != 65534 ]; then
        # (RLIMIT_MEMLOCK 0: older kernels let a memlock allowance stand in
        # for the group)
        sh -c 'ulimit -l 0 && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' sh \
            "$RASHM" create private 2M --huge > "$tmp/out" 2> "$tmp/err"
        [ $? = 1 ] || fail "create --huge as nobody: exit status"
        err_has "vm.hugetlb_shm_group"
        err_has "(gid $g"
        grep -q partition "$tmp/err" && fail "create --huge as nobody blames the partition: $(cat "$tmp/err")"
    fi
    # --pin beyond RLIMIT_MEMLOCK: the limit is named, not "out of memory"
    sh -c 'ulimit -l 1024 && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' sh \
        "$RASHM" create private 4M --pin > "$tmp/out" 2> "$tmp/err"
    [ $? = 1 ] || fail "create --pin over RLIMIT_MEMLOCK as nobody: exit status"
    err_has "RLIMIT_MEMLOCK of this user is 1 MiB"
    err_has "cannot lock 4 MiB (--pin)"
    grep -q "out of memory" "$tmp/err" && fail "--pin over RLIMIT_MEMLOCK says out of memory: $(cat "$tmp/err")"
    # within the limit it works
    if sh -c 'ulimit -l 1024 && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' sh \
        "$RASHM" create private 512K --pin > "$tmp/out" 2> "$tmp/err"; then
        "$RASHM" rm "$(cat "$tmp/out")" || fail "rm of nobody's pinned segment"
    else
        fail "create --pin within RLIMIT_MEMLOCK as nobody: $(cat "$tmp/err")"
    fi
    # nothing of nobody's is left
    awk 'NR>1 && $8==65534 {f=1} END {exit !f}' /proc/sysvipc/shm && fail "a failed create as nobody left a segment"
fi

# ---- bash completion ----------------------------------------------------------------
if command -v bash >/dev/null 2>&1 && [ -f "$COMPLETION" ]; then
    bash -n "$COMPLETION" || fail "the bash completion does not parse"
    comp() { bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rashm; echo "${COMPREPLY[*]}"' sh "$COMPLETION" "$@"; }
    [ "$(comp rashm cr)" = create ] || fail "completion of 'rashm cr': $(comp rashm cr)"
    [ "$(comp rashm create private 1M --pop)" = --populate ] || fail "completion of --pop"
    [ "$(comp rashm topo --dis)" = --distances ] || fail "completion of topo --dis"
    case " $(comp rashm ls -o '') " in *" placement "*) ;; *) fail "completion of ls -o";; esac
else
    echo "note: no bash; completion not checked"
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "cli: all checks passed"
