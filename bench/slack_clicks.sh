#!/usr/bin/env bash
# Acknowledge-click latency: three replicas, each click sent to all of them
# and retried by "Slack", against GET /healthz bursts in the same run
# (bench/slack_clicks.py says what it measures). Prints figures, asserts
# nothing. ~1 min with the defaults.
#   cmake -S . -B build && make -C build kaizen-gateway && bench/slack_clicks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
# shellcheck disable=SC2086
kaizen_install $KAIZEN_BENCH_PKGS
[ -x "${KAIZEN_BIN:-build/kaizen-gateway}" ] || { echo "slack_clicks.sh: build the gateway first (make -C build kaizen-gateway)" >&2; exit 1; }
exec python3 bench/slack_clicks.py "$@"
