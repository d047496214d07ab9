#!/usr/bin/env bash
# Feed benchmark: 10 000 tickets in a real Redis (loaded through one real
# Alertmanager notification), then GET /feeds/tickets.rss end to end over
# loopback, against baselines measured in the same run: GET /healthz (the
# HTTP floor), GET /api/tickets (the same tickets as JSON) and a conditional
# GET answered 304. Prints medians; asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${KAIZEN_BIN:-$root/build/kaizen-gateway}"
[ -x "$bin" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 1; }
tmp=$(mktemp -d)
cleanup() { kill "${gw:-}" "${rd:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
rport=$(free_port); gport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly no >/dev/null &
rd=$!
KAIZEN_LISTEN=127.0.0.1:$gport KAIZEN_REDIS_URL=redis://127.0.0.1:$rport/0 \
KAIZEN_ALERTMANAGER_TOKEN=bench KAIZEN_DRY_RUN=1 KAIZEN_LOG_LEVEL=warn KAIZEN_MAX_BODY=64MiB \
KAIZEN_CHECK_EVERY=3600 KAIZEN_DIGEST_EVERY=86400 KAIZEN_TEMPLATES_DIR="$root/templates" \
    "$bin" 2>"$tmp/gw.log" &
gw=$!
N=${N:-10000} PORT=$gport python3 - <<'PY'
import http.client, json, os, statistics, time
port, n = int(os.environ["PORT"]), int(os.environ["N"])
def req(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, dict(r.getheaders()), data
for _ in range(100):
    try:
        if req("GET", "/readyz")[0] == 200: break
    except OSError: pass
    time.sleep(0.1)
alerts = [{"status": "firing", "fingerprint": "%08x" % i,
           "labels": {"alertname": "Alert%d" % i, "severity": ["critical", "warning", "info"][i % 3],
                      "service": "svc-%d" % (i % 40)},
           "annotations": {"summary": "Alert %d <on> svc & friends ☕" % i},
           "generatorURL": "http://prometheus.example/graph?g0.expr=up%%3D%%3D%d" % i,
           "startsAt": "2026-11-22T%02d:%02d:00Z" % (i // 60 % 24, i % 60)} for i in range(n)]
body = json.dumps({"version": "4", "status": "firing", "alerts": alerts}).encode()
t = time.perf_counter()
status, _, _ = req("POST", "/webhooks/alertmanager", body,
                   {"Content-Type": "application/json", "Authorization": "Bearer bench"})
load = time.perf_counter() - t
assert status == 202, status
def bench(path, headers=None, runs=21):
    times, size = [], 0
    for _ in range(runs):
        t = time.perf_counter(); status, h, data = req("GET", path, headers=headers)
        times.append((time.perf_counter() - t) * 1000); size = len(data)
    return statistics.median(times), min(times), status, size, h
feed = bench("/feeds/tickets.rss?state=all")
etag = feed[4]["ETag"]
rows = [("GET /healthz (HTTP floor)", bench("/healthz")),
        ("GET /api/tickets?state=all (JSON)", bench("/api/tickets?state=all")),
        ("GET /feeds/tickets.rss?state=all", feed),
        ("conditional GET -> 304", bench("/feeds/tickets.rss?state=all", {"If-None-Match": etag}))]
print("tickets: %d (loaded by one Alertmanager notification in %.2f s)" % (n, load))
print("%-36s %10s %10s %6s %10s" % ("request", "median ms", "min ms", "code", "bytes"))
for name, (med, mn, status, size, _) in rows:
    print("%-36s %10.2f %10.2f %6d %10d" % (name, med, mn, status, size))
print("feed / JSON API: %.2fx   feed / 304: %.0fx" % (feed[0] / rows[1][1][0], feed[0] / rows[3][1][0]))
PY
echo "--- pure RSS build (bench/feed_bench.sh) ---"
bash "$root/bench/feed_bench.sh" 2>/dev/null | tail -6 || true
