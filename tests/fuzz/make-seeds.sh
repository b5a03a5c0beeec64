#!/bin/sh
# Regenerates the seed inputs that come from a live segment: the genuine
# registry entries rashm writes for a 16 KiB 4 KiB-page segment and a 2 MiB
# huge-page one, in the input formats of fuzz_registry_entry and
# fuzz_reg_check. Run as root after a change of the entry format:
#   tests/fuzz/make-seeds.sh build-fuzz
# The other corpora (fuzz_aix_face, fuzz_cli_parsers) are hand-made files
# in tests/fuzz/corpus/; regression inputs (regress-*) are kept as found.
set -eu
build=${1:?usage: $0 BUILD_DIR}
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty"
FUZZ_REGISTRY_SEEDS="$tmp" "$build/bin/fuzz_registry_entry" -runs=0 "$tmp/empty" >/dev/null 2>&1
for k in 4k huge; do
    cp "$tmp/genuine-$k" "$src/corpus/fuzz_registry_entry/genuine-$k"
    cp "$tmp/check-genuine-$k" "$src/corpus/fuzz_reg_check/genuine-$k"
done
echo "seeds written to $src/corpus/{fuzz_registry_entry,fuzz_reg_check}/"
