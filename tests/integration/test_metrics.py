"""/metrics of the real binary: what exists before anything happened, and
docs/metrics.md against it.

Counters of fixed label sets start at 0 at start-up, so that rate() and
increase() count the first event of each: every webhook source, event and
result a configured source can count, every route with each status code it
answers (an SLI's first 5xx included), every notification sink and result.
"""
import json
import os
import re
import unittest

import harness
from harness import SOURCE_DIR, Gateway, Redis, issue, samples

# What each route answers (handlers/*.c register them with gw_http_route_codes).
ROUTES = {
    "/healthz": {"200"}, "/readyz": {"200", "503"}, "/-/healthy": {"200"},
    "/-/ready": {"200", "503"}, "/-/reload": {"200", "401", "500"}, "/metrics": {"200", "500"},
    "/webhooks/github": {"200", "202", "400", "401", "413", "415", "500", "503"},
    "/webhooks/alertmanager": {"202", "400", "401", "413", "415", "500", "503"},
    "/webhooks/slack": {"200", "400", "401", "413", "415", "500", "503"},
    "/api/tickets": {"200", "400", "401", "500", "503"},
    "/api/outbox": {"200", "401", "500", "503"}, "/api/digest": {"202", "401", "500", "503"},
    "/api/canaries": {"200", "201", "400", "401", "409", "500", "503"},
    "/api/canaries/{id}": {"204", "401", "404", "500", "503"},
    "/feeds/tickets.rss": {"200", "304", "400", "500", "503"},
    "/feeds/digests.rss": {"200", "304", "500", "503"},
}
WEBHOOKS = {
    ("github", "issues"): {"accepted", "duplicate", "stale", "ignored", "unauthorized", "invalid",
                           "too_large", "error"},
    ("github", "ping"): {"pong", "unauthorized", "invalid", "too_large", "error"},
    ("github", "other"): {"ignored", "unauthorized", "invalid", "too_large", "error"},
    ("alertmanager", "notification"): {"unauthorized", "invalid", "too_large", "error"},
    ("alertmanager", "firing"): {"accepted", "stale", "ignored", "error"},
    ("slack", "block_actions"): {"acked", "duplicate", "unknown", "unauthorized", "invalid",
                                 "error"},
}


def series(text, name):
    """{label dict as a sorted tuple: value} of the samples of name."""
    return {labels: v for (n, labels), v in samples(text).items() if n == name}


class StartUp(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)

    def tearDown(self):
        self.redis.close()

    def scrape(self, **env):
        gw = Gateway(self.redis.url, **env)
        try:
            return gw.metrics()
        finally:
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-2000:])

    def test_fixed_label_counters_exist_at_zero(self):
        text = self.scrape(KAIZEN_ADMIN_TOKEN="admin", KAIZEN_ALERTMANAGER_TOKEN="am",
                           KAIZEN_SLACK_SIGNING_SECRET="slack")
        counts = {(dict(l)["route"], dict(l)["code"]): v
                  for l, v in series(text, "kaizen_http_request_duration_seconds_count").items()}
        for route, codes in ROUTES.items():
            for code in codes:
                self.assertIn((route, code), counts)
                # the harness's own probes and this scrape have been counted; nothing else
                if route not in ("/healthz", "/readyz", "/metrics"):
                    self.assertEqual(counts[(route, code)], 0, (route, code))
        buckets = series(text, "kaizen_http_request_duration_seconds_bucket")
        self.assertIn((("code", "503"), ("le", "0.5"), ("route", "/webhooks/github")), buckets)
        hooks = {(dict(l)["source"], dict(l)["event"], dict(l)["result"]): v
                 for l, v in series(text, "kaizen_webhooks_total").items()}
        for (source, event), results in WEBHOOKS.items():
            for result in results:
                self.assertEqual(hooks.get((source, event, result)), 0, (source, event, result))
        notes = series(text, "kaizen_notifications_total")
        self.assertEqual(len(notes), 6)
        self.assertEqual(set(notes.values()), {0})
        for name in ("kaizen_canary_pages_total", "kaizen_alertmanager_truncated_alerts_total",
                     "kaizen_outbox_dead", "kaizen_outbox_pending"):
            self.assertEqual(series(text, name), {(): 0}, name)

    def test_unconfigured_sources_have_no_series_but_their_404(self):
        text = self.scrape(KAIZEN_GITHUB_SECRET=None)
        self.assertEqual(series(text, "kaizen_webhooks_total"), {})
        counts = {(dict(l)["route"], dict(l)["code"])
                  for l in series(text, "kaizen_http_request_duration_seconds_count")}
        for route in ("/webhooks/github", "/webhooks/alertmanager", "/webhooks/slack"):
            self.assertEqual({c for r, c in counts if r == route}, {"404"}, route)
        # without an admin token, /api/ refuses other clients with 403
        self.assertEqual({c for r, c in counts if r == "/api/tickets"},
                         {"200", "400", "403", "500", "503"})


def documented():
    """{family: (type, {label names})} from the table of docs/metrics.md."""
    with open(os.path.join(SOURCE_DIR, "docs", "metrics.md"), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for row in re.findall(r"^\| `([a-z_:]+)` \| (\w+) \|([^|]*)\|", text, re.M):
        name, kind, labels = row
        out[name] = (kind, set(re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", labels))))
    return out


class Documented(unittest.TestCase):
    """docs/metrics.md names every family a live gateway exports, with its type
    and labels, and nothing it does not export."""

    def test_docs_match_a_live_scrape(self):
        redis = Redis(appendonly=False)
        gw = Gateway(redis.url, KAIZEN_ALERTMANAGER_TOKEN="am", KAIZEN_SLACK_SIGNING_SECRET="s")
        try:
            # a breached ticket (critical, opened a day ago) and a canary, so that the
            # families read from Redis have samples
            self.assertEqual(gw.github("issues", issue(labels=["component:checkout",
                                                               "severity:critical"]))[0], 202)
            status, _ = gw.json("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                                body=json.dumps({"id": "c1", "service": "api",
                                                 "environment": "prod-canary"}).encode())
            self.assertEqual(status, 201)
            gw.wait_metric("kaizen_tickets_sla_breached", 1, component="checkout")
            gw.wait_metric("canary_deployment_budget_seconds", 7200, deployment="c1",
                           environment="prod-canary")
            text = gw.metrics()
        finally:
            rc, log = gw.close()
            redis.close()
            self.assertEqual(rc, 0, log[-2000:])
        types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
        docs = documented()
        self.assertGreater(len(docs), 20)
        self.assertEqual(set(docs) - set(types), set(), "documented but not exported")
        self.assertEqual(set(types) - set(docs), set(), "exported but not in docs/metrics.md")
        sampled = {}
        for (name, labels), _ in samples(text).items():
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
            sampled.setdefault(family, set()).update(k for k, _ in labels if k != "le")
        for name, (kind, labels) in docs.items():
            self.assertEqual(types[name], kind, name)
            if name in sampled:
                self.assertEqual(sampled[name], labels, name)
        # every family but the Redis error counter (no error here) had a sample
        self.assertEqual(set(types) - set(sampled), {"kaizen_redis_errors_total"})


if __name__ == "__main__":
    harness.main()
