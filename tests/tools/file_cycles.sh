#!/bin/sh
# file_cycles.sh DIR...
# Fails when the object files of one library (every *.o under each DIR,
# taken together) depend on each other in a cycle. "A depends on B": A.o
# has an undefined symbol that B.o defines (a call or a data reference),
# read from nm, so it sees what the compiler saw, whatever the headers say.
# Prints each file left in a cycle with the files it needs among them.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/syms"
for d in "$@"; do
    find "$d" -name '*.o' | sort
done > "$tmp/objs"
[ -s "$tmp/objs" ] || { echo "file_cycles: no object files under $*" >&2; exit 2; }
while read -r o; do
    f=$(basename "$o" .o)
    f=${f%.c}
    # "D name" for a definition, "U name" for a reference
    nm "$o" | awk -v f="$f" '$1 == "U" { print f, "U", $2; next }
                             NF == 3 && $2 ~ /^[TDBRVWGS]$/ { print f, "D", $3 }' >> "$tmp/syms"
done < "$tmp/objs"
awk '
    $2 == "D" { def[$3] = $1; next }
    $2 == "U" { ref[++n] = $1 " " $3 }
    END {
        for (i = 1; i <= n; i++) {
            split(ref[i], r, " ")
            if ((r[2] in def) && def[r[2]] != r[1]) {
                e = r[1] SUBSEP def[r[2]]
                if (!(e in edge)) { edge[e] = r[2]; out[r[1]]++ }
            }
            files[r[1]] = 1
        }
        for (s in def) files[def[s]] = 1
        # Reachability (a library has tens of files: the closure is cheap);
        # a file is on a cycle when it reaches itself.
        for (e in edge) reach[e] = 1
        for (k in files) for (a in files) if ((a, k) in reach) for (b in files) if ((k, b) in reach) reach[a, b] = 1
        bad = 0
        for (f in files) if ((f, f) in reach) {
            bad = 1
            line = f ".c needs"
            for (g in files) if (g != f && ((f, g) in edge) && ((g, f) in reach)) line = line " " g ".c (" edge[f, g] ")"
            print "cycle: " line
        }
        exit bad
    }' "$tmp/syms"
