#!/bin/sh
# sets_one_home.sh SOURCE_DIR
# Node and CPU sets (rashm_nodeset_t, rashm_cpuset_t) are operated on only
# through the calls of src/core/sets.c (include/rashm.h): a loop over a
# set's bits[] words or a popcount elsewhere is set algebra written out
# again, the duplication this check keeps out (docs/HACKING.md, "Node and
# CPU sets"). Handing the words to the kernel (mbind, set_mempolicy) takes
# `.bits` without an index and is not matched.
set -eu
src=$1
hits=$(cd "$src" && grep -rnE '(\.|->)bits\[|__builtin_popcount' --include='*.c' --include='*.h' src tools \
           | grep -v '^src/core/sets\.c:' || true)
if [ -n "$hits" ]; then
    echo "set algebra outside src/core/sets.c (use the rashm_nodeset_*/rashm_cpuset_* calls):"
    echo "$hits" | sed 's/^/    /'
    exit 1
fi
echo "node and CPU set words are touched only in src/core/sets.c"
