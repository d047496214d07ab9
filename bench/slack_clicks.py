#!/usr/bin/env python3
"""Acknowledge-click latency (bench/slack_clicks.sh runs it): signed Slack
block_actions clicks at POST /webhooks/slack of three replicas sharing one
Redis, each click delivered to every replica and retried 3 times by
"Slack" (12 requests at once, a new connection each, as Slack makes them),
half on canaries and half on open tickets (from the 11.6 KB issues.opened
example). Baseline in the same run: the same bursts of GET /healthz on the
same replicas, the gateway's cheapest answer. Prints p50/p90/p99/max of
both and their ratio, and how many clicks were applied (exactly one
"acked" per click is expected); asserts nothing.
"""
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payloads  # noqa: E402
from benchlib import SECRET, Gateway, free_port, start_redis  # noqa: E402

CLICKS = int(os.environ.get("BENCH_CLICKS", "200"))
REPLICAS = 3
RETRIES = 3
SIGNING_SECRET = "bench-signing-secret"


def click_body(value):
    payload = {"type": "block_actions", "user": {"id": "U1", "username": "oncall"},
               "actions": [{"type": "button", "action_id": "kz_ack", "block_id": "kz_ack",
                            "value": value, "action_ts": "%.6f" % time.time()}],
               "channel": {"id": "C0SRE"}, "container": {"type": "message"}}
    return ("payload=" + urllib.parse.quote(json.dumps(payload), safe="")).encode()


def signed_headers(body, retry):
    ts = str(int(time.time()))
    sig = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body,
                   hashlib.sha256).hexdigest()
    h = {"Content-Type": "application/x-www-form-urlencoded",
         "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + sig}
    if retry:
        h["X-Slack-Retry-Num"] = str(retry)
    return h


def timed(port, method, path, body=None, headers=None):
    """One request on a new connection: (status, body, seconds)."""
    t = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    resp = c.getresponse()
    data = resp.read()
    c.close()
    return resp.status, data, time.perf_counter() - t


def percentiles(xs):
    xs = sorted(xs)
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    return {"p50": 1000 * statistics.median(xs), "p90": 1000 * pick(0.90),
            "p99": 1000 * pick(0.99), "max": 1000 * xs[-1]}


def main():
    tmp = tempfile.mkdtemp(prefix="kz-clicks-")
    redis_port = free_port()
    redis = start_redis(tmp, redis_port)
    gws = []
    try:
        for _ in range(REPLICAS):
            gws.append(Gateway(redis_port, tmp, KAIZEN_SLACK_SIGNING_SECRET=SIGNING_SECRET,
                               KAIZEN_SLACK_BOT_TOKEN="xoxb-bench", KAIZEN_SLACK_CHANNEL="C0SRE",
                               KAIZEN_SLACK_API_URL="http://127.0.0.1:9/api"))
        half = CLICKS // 2
        now = time.time()
        targets = []
        for i in range(half):
            body = json.dumps({"id": "bench-%d" % i, "service": "checkout",
                               "environment": "prod"}).encode()
            status, _, _ = timed(gws[0].port, "POST", "/api/canaries", body,
                                 {"Content-Type": "application/json"})
            assert status == 201, status
            targets.append("canary:bench-%d" % i)
        for n in range(1, CLICKS - half + 1):
            body = json.dumps(payloads.issue(n, now)).encode()
            status, _, _ = timed(gws[0].port, "POST", "/webhooks/github", body, {
                "Content-Type": "application/json", "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": "bench-%d" % n,
                "X-Hub-Signature-256": payloads.signed(SECRET, body)})
            assert status == 202, status
            targets.append("ticket:gh:Codertocat/Hello-World#%d" % n)

        burst = [(gw.port, retry) for gw in gws for retry in range(RETRIES + 1)]
        clicks, health, words = [], [], {}
        with concurrent.futures.ThreadPoolExecutor(len(burst)) as pool:
            for value in targets:
                body = click_body(value)
                futures = [pool.submit(timed, port, "POST", "/webhooks/slack", body,
                                       signed_headers(body, retry)) for port, retry in burst]
                for f in futures:
                    status, data, secs = f.result()
                    word = json.loads(data).get("status", "error %d" % status)
                    words[word] = words.get(word, 0) + 1
                    clicks.append(secs)
                futures = [pool.submit(timed, port, "GET", "/healthz") for port, _ in burst]
                health += [f.result()[2] for f in futures]
        c, h = percentiles(clicks), percentiles(health)
        print("slack clicks: %d clicks x %d requests (3 replicas x (1 + %d retries)), one "
              "Redis, loopback, new connection each" % (len(targets), len(burst), RETRIES))
        print("  answers: %s" % ", ".join("%s %d" % kv for kv in sorted(words.items())))
        print("  %-16s %8s %8s %8s %8s" % ("ms", "p50", "p90", "p99", "max"))
        for name, p in (("click", c), ("GET /healthz", h)):
            print("  %-16s %8.2f %8.2f %8.2f %8.2f" % (name, p["p50"], p["p90"], p["p99"], p["max"]))
        print("  click / healthz: p50 x%.2f, p99 x%.2f" % (c["p50"] / h["p50"], c["p99"] / h["p99"]))
        tickets = gws[0].request("GET", "/api/tickets?state=open&limit=1000")[1]
        acked = sum(1 for t in json.loads(tickets)["tickets"] if t["acked_by"])
        print("  tickets acknowledged: %d of %d" % (acked, CLICKS - half))
    finally:
        for gw in gws:
            gw.stop()
        redis.terminate()
        redis.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
