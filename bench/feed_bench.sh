#!/usr/bin/env bash
# Builds (when needed) and runs bench/feed_bench.c against build/libgwcore.a.
# usage: bench/feed_bench.sh [runs]     BUILD_DIR=... to use another build tree
# Prints timings only; nothing is asserted. Use an optimised, unsanitised
# build tree (the default build/ is RelWithDebInfo) for meaningful figures.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bin=$build/feed_bench

if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$root" -B "$build" >/dev/null
fi
make -C "$build" --no-print-directory -s gwcore >/dev/null
if [[ ! -x $bin || $root/bench/feed_bench.c -nt $bin || $build/libgwcore.a -nt $bin ]]; then
    # shellcheck disable=SC2046  # pkg-config output is a list of flags
    cc -std=c11 -O2 -Wall -Wextra -Wshadow -Wformat=2 -Werror \
        -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root" \
        "$root/bench/feed_bench.c" "$build/libgwcore.a" \
        $(pkg-config --libs libevent hiredis jansson libcrypto libcurl) -lm \
        -o "$bin"
fi
exec "$bin" "$@"
