#!/bin/bash
# Every ```c block of a Markdown page is a whole program: compile it with
# -Wall -Werror against the build's librashm and run it.
#   doc_examples.sh PAGE.md INCLUDE_DIR LIB_DIR [extra cflags]
set -euo pipefail
page=$1 inc=$2 lib=$3 extra=${4:-}
tmp=$(mktemp -d /tmp/rashm-docex.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
awk -v dir="$tmp" '/^```c$/ { n++; f = sprintf("%s/ex%02d.c", dir, n); inside = 1; next }
                   inside && /^```/ { inside = 0; close(f); next }
                   inside { print > f }' "$page"
count=$(ls "$tmp"/ex*.c 2>/dev/null | wc -l)
[ "$count" -gt 0 ] || { echo "FAIL: no c block in $page"; exit 1; }
for c in "$tmp"/ex*.c; do
    echo "== $(basename "$c") ($(grep -m1 -o 'rashm_[a-z_]*(' "$c" | head -1)...)"
    # shellcheck disable=SC2086
    cc -std=gnu11 -Wall -Wextra -Werror $extra -I"$inc" -o "${c%.c}" "$c" -L"$lib" -Wl,-rpath,"$lib" -lrashm ||
        { echo "FAIL: $(basename "$c") of $page does not compile"; exit 1; }
    "${c%.c}" || { echo "FAIL: $(basename "$c") of $page exits $?"; exit 1; }
done
echo "PASS: $count examples of $(basename "$page") compile and run"
