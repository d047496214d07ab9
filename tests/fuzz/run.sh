#!/usr/bin/env bash
# One fuzz target's CI run (ctest fuzz.<target>): replays every kept input of
# tests/fuzz/corpus/<target>/ (the named reproducers repro-* included; a
# repro-*.gz is unpacked first), then fuzzes for SECONDS from that corpus with
# tests/fuzz/dict/<target>.dict. New inputs go to a scratch directory, never
# into the repository (tests/fuzz/merge.sh adds them). A crash, leak, timeout
# or failed property fails the test and prints the reproducer, which is also
# kept in fuzz-artifacts/<target>/ under the current directory.
#
#   run.sh BINARY TARGET SECONDS MAX_LEN     (KAIZEN_FUZZ_SECONDS overrides SECONDS)
set -euo pipefail
bin=$1 target=$2 seconds=${KAIZEN_FUZZ_SECONDS:-$3} max_len=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus=$here/corpus/$target
dict=$here/dict/$target.dict
artifacts=$PWD/fuzz-artifacts/$target
work=$(mktemp -d "${TMPDIR:-/tmp}/kz-fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$artifacts"
mkdir -p "$artifacts" "$work/new" "$work/big"

# Any sanitizer report ends the run with a failing exit code.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
common=(-timeout=20 -rss_limit_mb=6144 -artifact_prefix="$artifacts/")

# Prints what failed and its reproducers: $2 (a kept one), or what libFuzzer wrote.
report() {
    echo "FAIL: fuzz.$target: $1" >&2
    for f in ${2:-} "$artifacts"/*; do
        [ -f "$f" ] || continue
        case $f in
        *.gz) echo "--- reproducer $f; replay: gzip -dc $f > x && $bin x" >&2; continue ;;
        esac
        echo "--- reproducer $f ($(stat -c %s "$f") bytes); replay: $bin $f" >&2
        if [ "$(stat -c %s "$f")" -le 4096 ]; then
            echo "--- base64:" >&2
            base64 "$f" >&2
        fi
    done
    exit 1
}

# 1. The named reproducers too large to mutate (gzip'd): each replayed once.
for gz in "$corpus"/repro-*.gz; do
    [ -f "$gz" ] || continue
    plain=$work/big/$(basename "$gz" .gz)
    gzip -dc "$gz" > "$plain"
    echo "=== replaying $(basename "$gz") ($(stat -c %s "$plain") bytes)"
    "$bin" "${common[@]}" "$plain" < /dev/null ||
        report "the kept reproducer $(basename "$gz") fails again" "$gz"
    rm -f "$plain"
done

# 2. Fuzz from the kept corpus (libFuzzer first runs every input of it once).
[ -f "$dict" ] || { echo "FAIL: no dictionary $dict" >&2; exit 1; }
echo "=== fuzzing $target for ${seconds}s from $corpus"
"$bin" "${common[@]}" -max_len="$max_len" -max_total_time="$seconds" -dict="$dict" \
    -print_final_stats=1 "$work/new" "$corpus" < /dev/null || report "see the report above"
echo "PASS: fuzz.$target: ${seconds}s, $(find "$corpus" -type f | wc -l) kept inputs," \
     "$(find "$work/new" -type f | wc -l) new ones not kept (tests/fuzz/merge.sh keeps them)"
