#!/usr/bin/env bash
# Checks deploy/grafana/kaizen-gateway.json with tests/deploy/check_dashboard.py
# (python3, standard library only):
#  1. the checker's own PromQL tokeniser and exposition reader self-test;
#  2. the dashboard is valid dashboard JSON (panels, targets, datasource
#     variable) and every metric in every expr is exported by the gateway:
#     names and types from the `# TYPE` lines of the built binary's own
#     /metrics ($KAIZEN_BIN, started here without a Redis: the registry
#     declares every family from start-up); the required MTTR, MTTR
#     quantile and p95 queries are present verbatim, every required metric
#     has a panel, and every panel filters on $job and $namespace;
#  3. negative checks: a wrong metric name, a _bucket series of a family
#     that is not a histogram, a hard-coded datasource, a panel that ignores
#     $namespace and broken JSON must each make the checker fail, as must a
#     scrape that lacks a family the dashboard uses.
# What the queries answer is checked against a real Prometheus:
# tests/integration/test_prometheus_live.py.
set -euo pipefail

src="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export KAIZEN_SOURCE_DIR="$src"
dash="$src/deploy/grafana/kaizen-gateway.json"
checker="$src/tests/deploy/check_dashboard.py"
command -v python3 >/dev/null || { echo "FAIL: python3 not found" >&2; exit 1; }

# shellcheck source=tests/deploy/lib.sh
. "$src/tests/deploy/lib.sh"

echo "== checker self-test"
python3 "$checker" --self-test

# shellcheck disable=SC2016 # $__range is Grafana's, not the shell's
sel='job=~"$job",namespace=~"$namespace"'
probes='route!~"/metrics|/healthz|/readyz|/-/healthy|/-/ready"'
required=(
  --require-expr "sum by (component) (max without (instance, pod) (rate(kaizen_ticket_seconds_sum{$sel}[\$__range]))) / sum by (component) (max without (instance, pod) (rate(kaizen_ticket_seconds_count{$sel}[\$__range])))"
  --require-expr "histogram_quantile(0.9, sum by (component, le) (max without (instance, pod) (rate(kaizen_ticket_seconds_bucket{$sel}[\$__range]))))"
  --require-expr "histogram_quantile(0.95, sum by (le) (rate(kaizen_http_request_duration_seconds_bucket{$sel,$probes}[5m])))"
)
for m in kaizen_ticket_seconds kaizen_ticket_ack_seconds kaizen_ticket_sla_total \
         kaizen_ticket_reopened_total kaizen_tickets_open kaizen_tickets_sla_breached \
         canary_deployment_start_time canary_deployment_budget_seconds kaizen_canary_pages_total \
         kaizen_webhooks_total kaizen_outbox_pending kaizen_outbox_dead kaizen_notifications_total \
         kaizen_http_request_duration_seconds kaizen_redis_up; do
  required+=(--require-metric "$m")
done

bin="${KAIZEN_BIN:-$src/build/kaizen-gateway}"
[[ -x "$bin" ]] || fail "no gateway binary at $bin (set KAIZEN_BIN)"

echo "== the gateway's own /metrics ($bin)"
# No Redis listens on the URL's port: /metrics is served from the registry.
KAIZEN_LISTEN=127.0.0.1:0 KAIZEN_REDIS_URL="unix://$tmp/no-redis.sock" \
  KAIZEN_TEMPLATES_DIR="$src/templates" KAIZEN_LOG_LEVEL=info \
  "$bin" 2>"$tmp/gateway.log" &
pids+=($!)
port=""
for _ in $(seq 300); do
  port=$(sed -n 's/.*"msg":"listening".*"port":"\([0-9]*\)".*/\1/p' "$tmp/gateway.log")
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$tmp/gateway.log"; fail "the gateway did not start listening"; }
curl -sS --fail "http://127.0.0.1:$port/metrics" >"$tmp/metrics.txt" || fail "GET /metrics failed"
grep -c '^# TYPE ' "$tmp/metrics.txt" | sed 's/^/   families declared: /'

# The capture is served by a stub, so that the negative check below can
# take one family away from it.
cat >"$tmp/stub.py" <<'PY'
import http.server, os, sys
body_file, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(body_file, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
PY
python3 "$tmp/stub.py" "$tmp/metrics.txt" "$tmp/stub.port" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/stub.port" ]] && break; sleep 0.1; done
[[ -s "$tmp/stub.port" ]] || fail "stub /metrics did not start"
export KAIZEN_METRICS_URL="http://127.0.0.1:$(cat "$tmp/stub.port")/metrics"

echo "== dashboard ${dash#"$src"/} (metric source: the gateway's /metrics)"
python3 "$checker" "${required[@]}" "$dash" >"$tmp/out" || { cat "$tmp/out"; fail "checker rejected the dashboard"; }
cat "$tmp/out"
grep -q "exported metric names from: live scrape of $KAIZEN_METRICS_URL" "$tmp/out" || fail "the live scrape was not used"

# expect_reject <description> <reason> <file> [checker args...]: the checker
# must fail, and its stderr must mention <reason>.
expect_reject() {
  local what="$1" reason="$2" file="$3"
  shift 3
  if python3 "$checker" "$@" "$file" >"$tmp/out" 2>"$tmp/err"; then
    cat "$tmp/out" "$tmp/err"
    fail "checker accepted $what"
  fi
  grep -q -- "$reason" "$tmp/err" || { cat "$tmp/err"; fail "checker rejected $what but did not say '$reason'"; }
  echo "   ok  rejected $what: $(grep -m1 -- "$reason" "$tmp/err")"
}

echo "== negative checks (the checker must fail)"
mutate() { # mutate <out> <python expression over the text s>
  python3 - "$dash" "$1" "$2" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
out = eval(sys.argv[3], {"s": s})
assert out != s, "mutation changed nothing"
open(sys.argv[2], "w", encoding="utf-8").write(out)
PY
}
mutate "$tmp/wrong-name.json" 's.replace("(kaizen_outbox_dead{", "(kaizen_outbox_deadletters{", 1)'
expect_reject "a misspelt metric name" "kaizen_outbox_deadletters" "$tmp/wrong-name.json"
grep -q '^# TYPE kaizen_outbox_dead gauge$' "$tmp/metrics.txt" || fail "kaizen_outbox_dead is not a gauge in the scrape"
mutate "$tmp/gauge-bucket.json" 's.replace("(kaizen_outbox_dead{", "(kaizen_outbox_dead_bucket{", 1)'
expect_reject "a _bucket series of a gauge" "kaizen_outbox_dead_bucket" "$tmp/gauge-bucket.json"
mutate "$tmp/no-namespace.json" 's.replace("kaizen_tickets_sla_breached{job=~\\\"$job\\\",namespace=~\\\"$namespace\\\"}", "kaizen_tickets_sla_breached{job=~\\\"$job\\\"}", 1)'
expect_reject "a panel that ignores \$namespace" 'kaizen_tickets_sla_breached does not filter on $namespace' "$tmp/no-namespace.json"
# shellcheck disable=SC2016 # a literal ${DS_PROMETHEUS}
mutate "$tmp/bad-ds.json" 's.replace("\"uid\": \"${DS_PROMETHEUS}\"", "\"uid\": \"P1809F7CD0C75ACF3\"", 1)'
expect_reject "a hard-coded datasource uid" "datasource" "$tmp/bad-ds.json"
head -c 2000 "$dash" >"$tmp/truncated.json"
expect_reject "truncated JSON" "not valid JSON" "$tmp/truncated.json"
# shellcheck disable=SC2016 # a literal $__range
mutate "$tmp/missing-mttr.json" 's.replace("rate(kaizen_ticket_seconds_count{", "rate(kaizen_ticket_seconds_sum{", 1)'
expect_reject "a dashboard without the MTTR query" "required expr" "$tmp/missing-mttr.json" "${required[@]}"

grep -v '^# TYPE kaizen_outbox_dead \|^# HELP kaizen_outbox_dead \|^kaizen_outbox_dead ' "$tmp/metrics.txt" >"$tmp/metrics.new"
mv "$tmp/metrics.new" "$tmp/metrics.txt"
expect_reject "a dashboard metric the scrape lacks" "kaizen_outbox_dead" "$dash"

echo "PASS: grafana dashboard"
