#!/usr/bin/env bash
# Checks deploy/grafana/kaizen-gateway.json with tests/deploy/check_dashboard.py
# (python3, standard library only):
#  1. the checker's own PromQL tokeniser and SPEC.md parser self-test;
#  2. the dashboard is valid dashboard JSON (panels, targets, datasource
#     variable) and every metric in every expr is exported: names from a live
#     scrape of $KAIZEN_METRICS_URL when set, else from the "Metrics" section
#     of ../shared/SPEC.md beside the checkout; the required MTTR and p95
#     queries are present verbatim and every required metric has a panel;
#  3. negative checks: a wrong metric name, a _bucket of a summary, a
#     hard-coded datasource and broken JSON must each make the checker fail;
#  4. the live-scrape path against a stub /metrics on loopback (accepts a
#     complete exposition, rejects one that lacks a family the dashboard uses).
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
required=(
  --require-expr 'sum by (component)(rate(kaizen_ticket_seconds_sum[$__range])) / sum by (component)(rate(kaizen_ticket_seconds_count[$__range]))'
  --require-expr 'histogram_quantile(0.95, sum by (le)(rate(kaizen_http_request_duration_seconds_bucket[5m])))'
)
for m in kaizen_ticket_seconds kaizen_tickets_open kaizen_tickets_sla_breached \
         canary_deployment_start_time kaizen_canary_pages_total kaizen_webhooks_total \
         kaizen_outbox_pending kaizen_outbox_dead kaizen_notifications_total \
         kaizen_http_request_duration_seconds kaizen_redis_up; do
  required+=(--require-metric "$m")
done

echo "== dashboard ${dash#"$src"/} (metric source: ${KAIZEN_METRICS_URL:-SPEC.md})"
python3 "$checker" "${required[@]}" "$dash"

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
mutate "$tmp/wrong-name.json" 's.replace("max(kaizen_outbox_dead)", "max(kaizen_outbox_deadletters)", 1)'
expect_reject "a misspelt metric name" "kaizen_outbox_deadletters" "$tmp/wrong-name.json"
mutate "$tmp/summary-bucket.json" 's.replace("rate(kaizen_ticket_seconds_sum[", "rate(kaizen_ticket_seconds_bucket[", 1)'
expect_reject "a _bucket series of a summary" "kaizen_ticket_seconds_bucket" "$tmp/summary-bucket.json"
# shellcheck disable=SC2016 # a literal ${DS_PROMETHEUS}
mutate "$tmp/bad-ds.json" 's.replace("\"uid\": \"${DS_PROMETHEUS}\"", "\"uid\": \"P1809F7CD0C75ACF3\"", 1)'
expect_reject "a hard-coded datasource uid" "datasource" "$tmp/bad-ds.json"
head -c 2000 "$dash" >"$tmp/truncated.json"
expect_reject "truncated JSON" "not valid JSON" "$tmp/truncated.json"
# shellcheck disable=SC2016 # a literal $__range
mutate "$tmp/missing-mttr.json" 's.replace("/ sum by (component)(rate(kaizen_ticket_seconds_count[$__range]))", "/ 1", 1)'
expect_reject "a dashboard without the MTTR query" "required expr" "$tmp/missing-mttr.json" "${required[@]}"

echo "== live-scrape path against a stub /metrics (loopback)"
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
cat >"$tmp/metrics.txt" <<'PROM'
# HELP kaizen_webhooks_total Webhooks received.
# TYPE kaizen_webhooks_total counter
kaizen_webhooks_total{source="github",event="issues",result="accepted"} 3
# TYPE kaizen_ticket_seconds summary
kaizen_ticket_seconds_sum{component="api",severity="high"} 7200
kaizen_ticket_seconds_count{component="api",severity="high"} 2
# TYPE kaizen_tickets_open gauge
kaizen_tickets_open{component="api",severity="high"} 1
# TYPE kaizen_tickets_sla_breached gauge
kaizen_tickets_sla_breached{component="api"} 0
# TYPE canary_deployment_start_time gauge
# TYPE kaizen_canary_pages_total counter
kaizen_canary_pages_total 0
# TYPE kaizen_notifications_total counter
kaizen_notifications_total{sink="slack",result="sent"} 4
# TYPE kaizen_outbox_pending gauge
kaizen_outbox_pending 0
# TYPE kaizen_outbox_dead gauge
kaizen_outbox_dead 0
# TYPE kaizen_http_request_duration_seconds histogram
kaizen_http_request_duration_seconds_bucket{route="/metrics",code="200",le="0.5"} 1
kaizen_http_request_duration_seconds_bucket{route="/metrics",code="200",le="+Inf"} 1
kaizen_http_request_duration_seconds_sum{route="/metrics",code="200"} 0.001
kaizen_http_request_duration_seconds_count{route="/metrics",code="200"} 1
# TYPE kaizen_redis_up gauge
kaizen_redis_up 1
# TYPE kaizen_build_info gauge
kaizen_build_info{version="0.0.0"} 1
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.2e+07
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.7e+09
PROM
python3 "$tmp/stub.py" "$tmp/metrics.txt" "$tmp/stub.port" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/stub.port" ]] && break; sleep 0.1; done
[[ -s "$tmp/stub.port" ]] || fail "stub /metrics did not start"
stub="http://127.0.0.1:$(cat "$tmp/stub.port")/metrics"
KAIZEN_METRICS_URL="$stub" python3 "$checker" "${required[@]}" "$dash" >"$tmp/out" \
  || { cat "$tmp/out"; fail "checker rejected the dashboard against a complete stub scrape"; }
grep -q "exported metric names from: live scrape of $stub" "$tmp/out" || { cat "$tmp/out"; fail "live scrape was not used"; }
echo "   ok  accepted against a complete stub scrape"
grep -v '^# TYPE kaizen_outbox_dead \|^kaizen_outbox_dead ' "$tmp/metrics.txt" >"$tmp/metrics.new"
mv "$tmp/metrics.new" "$tmp/metrics.txt"
expect_reject "a dashboard metric the scrape lacks" "kaizen_outbox_dead" "$dash" --metrics-url "$stub"

echo "PASS: grafana dashboard"
