#!/usr/bin/env bash
# Runs the unit, integration and fault suites of the plain build as if it
# were another date and time, to find tests that depend on the calendar:
#
#   tests/calendar/at.sh                          # the edges below, in turn
#   tests/calendar/at.sh "2027-01-01 00:30:00"    # one instant (UTC)
#
# KAIZEN_CALENDAR_BUILD names the build directory (default: build; the
# sanitizer build cannot take a preloaded library) and KAIZEN_CALENDAR_TESTS
# a ctest -R regex (default: every unit, integration and fault suite).
#
# libfaketime moves the clocks of the tests and of the gateways they start
# by one offset (the harness passes LD_PRELOAD and FAKETIME to the gateway),
# so every "now" a test computes is the faked one and a sleep keeps its
# length. Redis and Valkey keep the real clock (libfaketime recurses inside
# their jemalloc): the gateway reads Redis's TIME only to space edits
# against itself. Go programs read the clock without libc: the suites of a
# real Prometheus are left out and the real Alertmanager's test skips.
#
# The edges: midnight UTC into a Monday (the day, the ISO week, the default
# report's week), midnight into a new year (ISO week 53 of 2026), 09:00
# UTC on a Monday (the default KAIZEN_REPORT_AT) and the spring change of
# America/New_York (2027-03-14 07:00 UTC). Each starts three minutes before
# its edge, so the suite runs across it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${KAIZEN_CALENDAR_BUILD:-$root/build}
tests=${KAIZEN_CALENDAR_TESTS:-'^(unit|integration|faults)\.'}
lib=$(find /usr/lib -name libfaketime.so.1 -path '*faketime*' 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
    echo "libfaketime is not installed (apt-get install faketime)" >&2
    exit 2
fi
[ -x "$build/kaizen-gateway" ] || { echo "no gateway built in $build" >&2; exit 2; }
if [ $# -eq 0 ]; then
    set -- "2026-12-13 23:57:00" "2026-12-31 23:57:00" "2027-01-04 08:57:00" "2027-03-14 06:57:00"
fi

# The engines' programs on the real clock, first on PATH.
shims=$(mktemp -d)
trap 'rm -rf "$shims"' EXIT
for engine in redis valkey; do
    for tool in server cli sentinel; do
        real=$(command -v "$engine-$tool" || true)
        [ -n "$real" ] || continue
        printf '#!/bin/sh\nunset LD_PRELOAD FAKETIME\nexec %s "$@"\n' "$real" >"$shims/$engine-$tool"
        chmod +x "$shims/$engine-$tool"
    done
done

status=0
summary=()
for instant in "$@"; do
    offset=$(($(date -u -d "$instant" +%s) - $(date +%s)))
    echo "=== at $instant UTC (clock moved by $offset s) ==="
    if (cd "$build" && PATH="$shims:$PATH" LD_PRELOAD=$lib FAKETIME="+$offset" \
        ctest --output-on-failure -j"$(nproc)" -R "$tests" -E 'prometheus_live|dashboard_live'); then
        summary+=("passed  $instant")
    else
        summary+=("FAILED  $instant")
        status=1
    fi
done
printf '=== %s\n' "${summary[@]}"
exit $status
