#!/usr/bin/env bash
# Scale benchmark: the gateway on an empty store and on a million tickets,
# in the same run (bench/scale.py says what it measures). Prints figures,
# asserts nothing. ~10 min with the defaults on a 2-core machine.
#   cmake -S . -B build && make -C build -j2 kaizen-gateway
#   bench/scale.sh                         # 1 000 000 tickets
#   BENCH_TICKETS=100000 bench/scale.sh    # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
# shellcheck disable=SC2086
kaizen_install $KAIZEN_BENCH_PKGS
[ -x "${KAIZEN_BIN:-build/kaizen-gateway}" ] || { echo "scale.sh: build the gateway first (make -C build kaizen-gateway)" >&2; exit 1; }
exec python3 bench/scale.py "$@"
