#!/usr/bin/env bash
# Real-payload benchmark: the gateway against two evhttp ceilings and a Node
# peer on GitHub's own example deliveries, same run, same pinning
# (bench/github.py says what it measures). Prints figures, asserts nothing.
# ~6 min with the defaults on a 2-core machine.
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo && make -C build-rel kaizen-gateway
#   KAIZEN_BIN=build-rel/kaizen-gateway bench/github.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
export KAIZEN_NEED_NODE=1
# shellcheck disable=SC2086
kaizen_install $KAIZEN_BENCH_PKGS $KAIZEN_BUILD_PKGS
[ -x "${KAIZEN_BIN:-build/kaizen-gateway}" ] || { echo "github.sh: build the gateway first (make -C build kaizen-gateway)" >&2; exit 1; }
# The Node peer's packages, exactly as locked (bench/node_peer/package-lock.json).
[ -d bench/node_peer/node_modules ] || (cd bench/node_peer && npm ci --no-audit --no-fund --silent)
exec python3 bench/github.py "$@"
