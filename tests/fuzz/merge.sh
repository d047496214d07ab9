#!/usr/bin/env bash
# The only way inputs enter a kept corpus (tests/fuzz/corpus/<target>/):
# libFuzzer's -merge=1 adds, of the inputs in DIR... (new findings, seeds, a
# long run's corpus), only those that cover something the corpus does not,
# smallest first. With MINIMISE=1 the whole corpus is minimised too: the
# smallest set that covers what the corpus and DIR... cover replaces it.
# Named reproducers (repro-*) are kept either way. Needs the fuzz build
# (docs/fuzzing.md).
#
#   tests/fuzz/merge.sh TARGET DIR...        (BUILD=build-fuzz by default)
set -euo pipefail
target=${1:?usage: merge.sh TARGET DIR...}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD:-$root/build-fuzz}/tests/fuzz/fuzz_$target
corpus=$here/corpus/$target
max_len=$(sed -n "s/^set(max_len_$target \([0-9]*\))/\1/p" "$here/CMakeLists.txt")
[ -x "$bin" ] || { echo "no $bin: build with -DKAIZEN_FUZZ=ON first (docs/fuzzing.md)" >&2; exit 1; }
[ -n "$max_len" ] || { echo "no max_len_$target in $here/CMakeLists.txt" >&2; exit 1; }
mkdir -p "$corpus"
work=$(mktemp -d "${TMPDIR:-/tmp}/kz-merge-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/out" "$work/old"
# The gzip'd reproducers are not mutated: they stay out of the merge.
find "$corpus" -maxdepth 1 -type f ! -name 'repro-*.gz' -exec cp {} "$work/old/" \;
before=$(find "$corpus" -type f | wc -l)
if [ "${MINIMISE:-0}" = 1 ]; then
    "$bin" -merge=1 -max_len="$max_len" -timeout=20 -rss_limit_mb=6144 \
        "$work/out" "$work/old" "$@" < /dev/null
    find "$corpus" -maxdepth 1 -type f ! -name 'repro-*' -delete
else
    "$bin" -merge=1 -max_len="$max_len" -timeout=20 -rss_limit_mb=6144 \
        "$work/old" "$@" < /dev/null
    # What the merge added: the files of old/ the corpus does not have.
    for f in "$work/old"/*; do
        [ -e "$corpus/$(basename "$f")" ] || mv "$f" "$work/out/"
    done
fi
# Named reproducers stay under their names (and not twice under a hash name).
for r in "$corpus"/repro-*; do
    [ -f "$r" ] || continue
    rm -f "$work/out/$(sha1sum "$r" | cut -c1-40)"
done
cp "$work/out"/* "$corpus"/ 2>/dev/null || true
echo "$target: $before -> $(find "$corpus" -type f | wc -l) inputs," \
     "$(du -sb "$corpus" | cut -f1) bytes"
