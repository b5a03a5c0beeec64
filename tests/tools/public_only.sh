#!/bin/sh
# public_only.sh CC SOURCE_DIR DIR...
# The clients of the core (the AIX face, the rashm command) compile with the
# public headers (include/) and src/common's only, plus their own directory:
# each of their files is compiled on its own with exactly that include path,
# so a file that reaches for a header of src/core (or any other layer) fails
# here even if a CMakeLists.txt gains the directory again (docs/HACKING.md,
# "Layers").
set -eu
cc=$1 src=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0 n=0
for d in "$@"; do
    for f in "$src/$d"/*.c; do
        n=$((n + 1))
        # the definitions the targets pass on the command line
        if ! "$cc" -std=gnu11 -fsyntax-only -I"$src/include" -I"$src/src/common" -I"$src/$d" \
                -DRASHM_VERSION_STRING='"0"' "$f" 2> "$tmp/err"; then
            echo "$d/$(basename "$f"): does not compile with include/ and src/common only:"
            sed 's/^/    /' "$tmp/err" | head -20
            rc=1
        fi
    done
done
[ $rc = 0 ] && echo "$n files of $*: include/ and src/common only"
exit $rc
