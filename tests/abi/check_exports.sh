#!/bin/sh
# check_exports.sh LIBRARY SYMS MAP
# Fails when the dynamic symbols LIBRARY defines differ from the list SYMS
# kept in the repository, or when the version script MAP exports another
# list: a symbol enters the ABI only by being added to both, on purpose.
# Version nodes (type A, e.g. VERSION_1 of librashm-veo) are not symbols of the API.
set -eu
lib=$1 syms=$2 map=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk 'NF >= 3 && $2 != "A" { print $3 }' | sed 's/@.*//' | sort -u > "$tmp/built"
grep -v '^#' "$syms" | sed '/^$/d' | sort -u > "$tmp/want"
awk '/global:/ { g = 1; next } /local:/ { g = 0 } g && /;/ { gsub(/[ \t;]/, ""); if ($0 != "") print }' "$map" |
    sort -u > "$tmp/map"
rc=0
if ! diff -u "$tmp/want" "$tmp/built" > "$tmp/d1"; then
    echo "$lib: exported symbols differ from $syms (- listed only, + exported only):"
    cat "$tmp/d1"
    rc=1
fi
if ! diff -u "$tmp/want" "$tmp/map" > "$tmp/d2"; then
    echo "$map: global list differs from $syms:"
    cat "$tmp/d2"
    rc=1
fi
[ $rc = 0 ] && echo "$lib: $(wc -l < "$tmp/built") symbols, as listed"
exit $rc
