#!/bin/sh
# env_table.sh RASHM README
# The README's table of RASHM_* variables must list exactly the variables of
# the table in src/common/env.c (as `rashm config` shows them), so neither
# can gain a variable the other lacks. The multi-node runner's variables
# (RASHM_NUMA_VM_*, shell only, docs/numa-vm.md) are not read by any library.
set -eu
rashm=$1 readme=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env -u RASHM_DEBUG "$rashm" config | sed -n 's/^  \(RASHM_[A-Z0-9_]*\)[=:].*/\1/p' | sort -u > "$tmp/table"
# first column of the README's table rows
grep '^| *`RASHM_' "$readme" | cut -d'|' -f2 | grep -o 'RASHM_[A-Z0-9_]*' | grep -v '^RASHM_NUMA_VM_' |
    sort -u > "$tmp/readme"
[ -s "$tmp/table" ] || { echo "rashm config listed nothing"; exit 1; }
if ! diff -u "$tmp/table" "$tmp/readme"; then
    echo "README.md's RASHM_* table and src/common/env.c differ (- table only, + README only)"
    exit 1
fi
echo "$(wc -l < "$tmp/table") variables, the same in both"
