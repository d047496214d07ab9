-- wrk done() hook for bench/webhooks.sh: one machine-readable line per run.
-- Latencies in microseconds; errors = socket errors + timeouts; status = HTTP >= 400.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d rps=%.1f p50_us=%d p99_us=%d errors=%d status=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
