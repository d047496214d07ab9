"""The Grafana dashboard against a LIVE /metrics of the real gateway.

tests/deploy/test_grafana_dashboard.sh checks deploy/grafana/kaizen-gateway.json
against the gateway's /metrics TYPE lines; this test runs the same checker
(tests/deploy/check_dashboard.py) against the real binary with every feature
on (GitHub, Alertmanager, Slack, PagerDuty), after driving one event of each
kind, so every family a panel queries must not only be declared but have
samples (--require-samples). A dashboard with a bogus metric must fail.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness
from harness import DAY, GO_ZERO_TIME, HOUR, NOW, Gateway, Redis, at, issue, now, rfc3339, wait_for

CHECKER = os.path.join(harness.SOURCE_DIR, "tests", "deploy", "check_dashboard.py")
DASHBOARD = os.path.join(harness.SOURCE_DIR, "deploy", "grafana", "kaizen-gateway.json")
AM_TOKEN = "am-token"


def check(dashboard, url, *args):
    """Runs the checker with KAIZEN_METRICS_URL=url; returns (rc, stdout, stderr)."""
    env = dict(os.environ, KAIZEN_METRICS_URL=url)
    p = subprocess.run([sys.executable, CHECKER, *args, dashboard], env=env,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class DashboardLive(unittest.TestCase):
    # test_1 must see the gateway before any event: unittest runs tests in name order
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(appendonly=False)
        cls.gw = Gateway(cls.redis.url,
                         KAIZEN_ALERTMANAGER_TOKEN=AM_TOKEN,
                         # nothing listens on port 9: deliveries fail and retry, which is fine here
                         KAIZEN_SLACK_WEBHOOK_URL="http://127.0.0.1:9/x",
                         KAIZEN_PAGER_ROUTING_KEY="routing-key",
                         KAIZEN_DRY_RUN="0",
                         KAIZEN_LOG_LEVEL="info")
        cls.url = "http://127.0.0.1:%d/metrics" % cls.gw.port
        cls.tmp = tempfile.mkdtemp(prefix="kz-dash-")

    @classmethod
    def tearDownClass(cls):
        rc, log = cls.gw.close()
        cls.redis.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, "gateway exited with %r\n%s" % (rc, log[-4000:])

    def drive_every_feature(self):
        """One event of each kind, so that every dashboard family has samples."""
        gw = self.gw
        # a GitHub ticket opened long ago (past its SLA) and one opened then closed (MTTR)
        self.assertEqual(gw.github("issues", issue(number=1, labels=["severity:high", "component:checkout"],
                                                   created=rfc3339(NOW - 10 * DAY),
                                                   updated=rfc3339(NOW - 10 * DAY)))[0], 202)
        self.assertEqual(gw.github("issues", issue(number=2, labels=["component:search"]))[0], 202)
        self.assertEqual(gw.github("issues", issue(action="closed", number=2, labels=["component:search"],
                                                   state="closed", updated=at(HOUR),
                                                   closed=at(HOUR)))[0], 202)
        # an Alertmanager alert
        body = json.dumps({
            "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing",
            "receiver": "kaizen-gateway", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager.example",
            "alerts": [{"status": "firing", "fingerprint": "0123456789abcdef",
                        "labels": {"alertname": "HighLatency", "severity": "warning", "service": "api"},
                        "annotations": {"summary": "p95 over 500 ms"}, "generatorURL": "http://prom/graph",
                        "startsAt": now(), "endsAt": GO_ZERO_TIME}]}).encode()
        status, _, _ = gw.request("POST", "/webhooks/alertmanager", body=body,
                                  headers={"Content-Type": "application/json",
                                           "Authorization": "Bearer " + AM_TOKEN})
        self.assertEqual(status, 202)
        # a canary (admin API; loopback is allowed without KAIZEN_ADMIN_TOKEN)
        status, _, _ = gw.request("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                                  body=json.dumps({"id": "dash-canary", "service": "api",
                                                   "environment": "prod-canary"}).encode())
        self.assertIn(status, (200, 201))
        # ticket and canary gauges are read from Redis on a timer (every 5 s)
        for name in ("kaizen_tickets_open{", "kaizen_tickets_sla_breached{", "canary_deployment_start_time{",
                     "kaizen_ticket_seconds_count{"):
            wait_for(lambda: any(line.startswith(name) for line in gw.metrics().splitlines()),
                     timeout=30, what="a sample of " + name.rstrip("{"))

    def test_1_fresh_gateway_declares_every_family(self):
        """Before any event: every family has its TYPE line (names check passes),
        but --require-samples names the families that have no data yet."""
        rc, out, err = check(DASHBOARD, self.url)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("exported metric names from: live scrape of " + self.url, out)
        rc, out, err = check(DASHBOARD, self.url, "--require-samples")
        self.assertEqual(rc, 1, out + err)
        # counters of fixed label sets exist from start-up; ticket series from a first ticket
        self.assertNotIn("'kaizen_webhooks_total' has a TYPE line but no sample", err)
        self.assertRegex(err, r"'kaizen_tickets_open' has a TYPE line but no sample in the scrape; "
                              r"used by panel \d+ ")

    def test_2_dashboard_against_live_metrics(self):
        self.drive_every_feature()
        rc, out, err = check(DASHBOARD, self.url, "--require-samples")
        sys.stdout.write(out)
        self.assertEqual(rc, 0, "dashboard metrics missing from the live scrape:\n" + err)
        self.assertIn("exported metric names from: live scrape of " + self.url, out)
        self.assertIn("PASS:", out)
        self.assertNotIn("note:", out)

    def test_3_bogus_metric_is_rejected(self):
        with open(DASHBOARD, encoding="utf-8") as f:
            text = f.read()
        bogus = text.replace("(kaizen_outbox_dead{", "(kaizen_outbox_bogus_total{", 1)
        self.assertNotEqual(bogus, text, "the dashboard no longer has (kaizen_outbox_dead{")
        path = os.path.join(self.tmp, "bogus.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(bogus)
        rc, out, err = check(path, self.url)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("exported metric names from: live scrape of " + self.url, out)
        self.assertIn("metric 'kaizen_outbox_bogus_total' is not exported (live scrape of %s)" % self.url, err)


if __name__ == "__main__":
    harness.main()
