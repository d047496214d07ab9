"""Alertmanager webhooks: a real Alertmanager sending to the real gateway,
plus hand-made notifications for idempotency, ordering and bad inputs."""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import (GO_ZERO_TIME, HOUR, MINUTE, Gateway, GatewayTest, Redis, at, free_port, main,
                     now, wait_for)

TOKEN = "am-bearer-token"
AM_BIN = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def alert(fingerprint, status="firing", starts=None, ends=None, **labels):
    """One alert; startsAt defaults to T0."""
    a = {"status": status, "fingerprint": fingerprint,
         "labels": dict({"alertname": "Alert" + fingerprint}, **labels),
         "annotations": {"summary": "summary of " + fingerprint},
         "generatorURL": "http://prometheus.example/graph?g0.expr=up",
         "startsAt": starts or at(), "endsAt": ends or GO_ZERO_TIME}
    return a


def notification(alerts, status=None, version="4", truncated=0):
    return {"version": version, "groupKey": "{}:{}", "truncatedAlerts": truncated,
            "status": status or alerts[0]["status"], "receiver": "kaizen",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager.example", "alerts": alerts}


def total(gw, name):
    """Sum of all samples of one metric name."""
    value = 0.0
    for line in gw.metrics().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            value += float(line.rsplit(" ", 1)[1])
    return value


class AlertmanagerTest(GatewayTest):
    """A gateway taking Alertmanager notifications by token or HMAC; no tests of its own."""

    gateway_env = {"KAIZEN_ALERTMANAGER_TOKEN": TOKEN, "KAIZEN_ALERTMANAGER_SECRET": "am-hmac",
                   "KAIZEN_MAX_BODY": "8MiB"}

    def post(self, payload, token=TOKEN, raw=None, headers=None, timeout=10):
        body = raw if raw is not None else json.dumps(payload).encode()
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        return self.gw.json("POST", "/webhooks/alertmanager", body=body, headers=h, timeout=timeout)


class Notifications(AlertmanagerTest):
    def test_firing_then_resolved_and_resends_change_nothing(self):
        firing = notification([alert("aa01", severity="critical", component="db"),
                               alert("aa02", severity="info", service="web")])
        self.assertEqual(self.post(firing), (202, {"status": "accepted"}))
        tickets = {t["id"]: t for t in self.gw.tickets()}
        self.assertEqual(set(tickets), {"am:aa01", "am:aa02"})
        t = tickets["am:aa01"]
        self.assertEqual((t["source"], t["title"], t["component"], t["severity"], t["state"]),
                         ("alertmanager", "summary of aa01", "db", "critical", "open"))
        self.assertEqual(t["url"], "http://prometheus.example/graph?g0.expr=up")
        self.assertEqual((t["created_at"], t["sla_deadline"]), (at(), at(4 * HOUR)))
        self.assertEqual(tickets["am:aa02"]["severity"], "low")
        # repeat_interval re-send and the HA peer's copy: nothing changes
        before = self.redis.snapshot()
        self.assertEqual(self.post(firing)[0], 202)
        self.assertEqual(self.post(firing)[0], 202)
        self.assertEqual(self.redis.snapshot(), before)

        db = dict(component="db", severity="critical")
        resolved = notification([alert("aa01", "resolved", ends=at(45 * MINUTE), severity="critical",
                                       component="db")])
        self.assertEqual(self.post(resolved)[0], 202)
        self.gw.wait_metric("kaizen_ticket_seconds_count", 1, **db)
        self.assertEqual(self.gw.metric("kaizen_ticket_seconds_sum", **db), 2700)
        self.assertEqual(self.gw.metric("kaizen_ticket_sla_total", outcome="met", **db), 1)
        after_resolve = self.redis.snapshot()
        self.assertEqual(self.post(resolved)[0], 202)       # re-sent resolved: no second observation
        self.assertEqual(self.post(firing)[1], {"status": "accepted"})  # aa02 is still applied...
        self.assertEqual(self.redis.snapshot(), after_resolve)  # ...but nothing changed
        self.assertEqual(self.gw.metric("kaizen_ticket_seconds_count", **db), 1)
        self.assertEqual(self.gw.metric("kaizen_ticket_reopened_total", **db), 0)
        [t] = self.gw.tickets("?state=resolved")
        self.assertEqual((t["id"], t["resolved_at"], t["reopened"]), ("am:aa01", at(45 * MINUTE), 0))

    def test_resolved_before_firing(self):
        resolved = notification([alert("bb01", "resolved", ends=at(HOUR), severity="warning")])
        firing = notification([alert("bb01", severity="warning")])
        self.assertEqual(self.post(resolved)[0], 202)
        self.assertEqual(self.post(firing), (202, {"status": "stale"}))
        [t] = self.gw.tickets("?state=all")
        self.assertEqual((t["state"], t["created_at"], t["resolved_at"]),
                         ("resolved", at(), at(HOUR)))
        # The alert fires again later: a new incident reopens it.
        again = notification([alert("bb01", starts=at(2 * HOUR), severity="warning")])
        self.assertEqual(self.post(again), (202, {"status": "accepted"}))
        [t] = self.gw.tickets()
        self.assertEqual((t["state"], t["created_at"], t["reopened"]), ("open", at(2 * HOUR), 1))
        self.assertEqual(t["sla_deadline"], at(2 * HOUR + 72 * HOUR))   # warning = medium: 72h

    def test_firing_again_after_its_end_reopens_and_is_counted_once(self):
        pair = dict(component="db", severity="high")
        firing = notification([alert("ab01", starts=at(), severity="error", component="db")])
        self.assertEqual(self.post(firing)[0], 202)
        self.gw.wait_metric("kaizen_ticket_reopened_total", 0, **pair)
        self.assertIn('kaizen_ticket_reopened_total{component="db",severity="high"} 0',
                      self.gw.metrics())
        self.assertEqual(self.post(notification([alert("ab01", "resolved", starts=at(),
                                                       ends=at(HOUR), severity="error",
                                                       component="db")]))[0], 202)
        # The same firing re-sent (startsAt before its endsAt) is stale: no reopen.
        self.assertEqual(self.post(firing), (202, {"status": "stale"}))
        again = notification([alert("ab01", starts=at(3 * HOUR), severity="error", component="db")])
        for _ in range(3):   # Alertmanager's repeat_interval and its HA peer: the same reopen
            self.assertEqual(self.post(again)[0], 202)
        [t] = self.gw.tickets()
        self.assertEqual((t["state"], t["reopened"]), ("open", 1))
        self.assertEqual(t["sla_deadline"], at(3 * HOUR + 24 * HOUR))   # high: 24h from the reopening
        self.gw.wait_metric("kaizen_ticket_reopened_total", 1, **pair)
        # Resolved 30h after the reopening: past its 24h, so breached; 30h is MTTR's sample.
        self.assertEqual(self.post(notification([alert("ab01", "resolved", starts=at(3 * HOUR),
                                                       ends=at(33 * HOUR), severity="error",
                                                       component="db")]))[0], 202)
        self.gw.wait_metric("kaizen_ticket_seconds_count", 2, **pair)
        self.assertEqual(self.gw.metric("kaizen_ticket_seconds_sum", **pair), HOUR + 30 * HOUR)
        self.assertEqual(self.gw.metric("kaizen_ticket_sla_total", outcome="met", **pair), 1)
        self.assertEqual(self.gw.metric("kaizen_ticket_sla_total", outcome="breached", **pair), 1)
        self.assertEqual(self.gw.metric("kaizen_ticket_seconds_bucket", le="86400", **pair), 1)
        self.assertEqual(self.gw.metric("kaizen_ticket_seconds_bucket", le="259200", **pair), 2)
        self.assertEqual(self.gw.metric("kaizen_ticket_reopened_total", **pair), 1)

    def test_hmac_signature_instead_of_token(self):
        body = json.dumps(notification([alert("cc01")])).encode()
        sig = "sha256=" + hmac.new(b"am-hmac", body, hashlib.sha256).hexdigest()
        self.assertEqual(self.post(None, token=None, raw=body,
                                   headers={"X-Kaizen-Signature-256": sig})[0], 202)
        self.assertEqual(self.post(None, token=None, raw=body + b" ",
                                   headers={"X-Kaizen-Signature-256": sig})[0], 401)

    def test_truncated_alerts_counted(self):
        before = self.gw.metric("kaizen_alertmanager_truncated_alerts_total")
        self.assertEqual(self.post(notification([alert("dd01")], truncated=7))[0], 202)
        self.assertEqual(self.gw.metric("kaizen_alertmanager_truncated_alerts_total"), before + 7)
        self.assertIn("truncated", self.gw.read_log())

    def test_bad_inputs_change_nothing(self):
        cases = [
            (401, dict(payload=notification([alert("ee01")]), token="wrong")),
            (401, dict(payload=notification([alert("ee01")]), token=None)),
            (400, dict(payload=notification([alert("ee01")], version="3"))),
            (400, dict(payload=None, raw=b"this is not json")),
            (400, dict(payload=notification([{"status": "firing", "startsAt": at()}]))),
            (400, dict(payload={"version": "4", "alerts": "many"})),
            (415, dict(payload=None, raw=b"{}", headers={"Content-Type": "text/plain"})),
        ]
        for want, kw in cases:
            status, body = self.post(kw.pop("payload"), **kw)
            self.assertEqual(status, want, body)
            self.assertIn("error", body)
            self.assertNotIn(TOKEN, json.dumps(body))
        self.assertIn("version", self.post(notification([alert("ee01")], version="3"))[1]["error"])
        self.assertEqual(self.redis.snapshot(), {})



class TenThousandAlerts(AlertmanagerTest):
    # With the default KAIZEN_REDIS_TIMEOUT: the alerts are written in scripts
    # of at most 250, each with its own deadline, so none comes near it.

    def test_ten_thousand_alerts(self):
        alerts = [alert("%05x" % i, severity="warning", component="c%d" % (i % 7)) for i in range(10000)]
        status, body = self.post(notification(alerts), timeout=180)
        self.assertIn(status, (202, 413))
        self.assertEqual(self.gw.request("GET", "/healthz")[0], 200)
        if status == 202:
            tickets, pages = self.gw.all_tickets()
            self.assertEqual(len({t["id"] for t in tickets}), 10000)   # each once, over 10 pages
            self.assertEqual(len(tickets), 10000)
            self.assertEqual(pages, 10)
            wait_for(lambda: total(self.gw, "kaizen_tickets_open") == 10000, timeout=60,
                     what="open gauge refresh")


class NotConfigured(GatewayTest):
    def test_404_without_token_or_secret(self):
        status, body = self.gw.json("POST", "/webhooks/alertmanager", body=b"{}",
                                    headers={"Content-Type": "application/json"})
        self.assertEqual(status, 404)
        self.assertIn("KAIZEN_ALERTMANAGER_TOKEN", body["error"])


class RedisDown(unittest.TestCase):
    def test_503_so_alertmanager_retries(self):
        redis = Redis(appendonly=False)
        gw = Gateway(redis.url, KAIZEN_ALERTMANAGER_TOKEN=TOKEN)
        try:
            redis.stop()
            wait_for(lambda: gw.request("GET", "/readyz")[0] == 503, what="readyz 503")
            status, body = gw.json("POST", "/webhooks/alertmanager",
                                   body=json.dumps(notification([alert("ff01")])).encode(),
                                   headers={"Content-Type": "application/json",
                                            "Authorization": "Bearer " + TOKEN})
            self.assertEqual(status, 503)   # never 429: Alertmanager retries 5xx only
        finally:
            rc, log = gw.close()
            redis.close()
        self.assertEqual(rc, 0, log[-2000:])


class TwoReplicas(unittest.TestCase):
    def test_resolution_observed_once_across_replicas(self):
        """An HA Alertmanager pair sends the same resolved notification to two replicas at once."""
        import threading
        redis = Redis(appendonly=False)
        gws = [Gateway(redis.url, KAIZEN_ALERTMANAGER_TOKEN=TOKEN) for _ in range(2)]
        try:
            def post(gw, payload):
                return gw.json("POST", "/webhooks/alertmanager", body=json.dumps(payload).encode(),
                               headers={"Content-Type": "application/json",
                                        "Authorization": "Bearer " + TOKEN})
            firing = notification([alert("ha%02d" % i, severity="critical", component="db")
                                   for i in range(20)])
            self.assertEqual(post(gws[0], firing)[0], 202)
            resolved = notification([alert("ha%02d" % i, "resolved", ends=at(10 * MINUTE),
                                           severity="critical", component="db") for i in range(20)])
            results = []
            threads = [threading.Thread(target=lambda g=g: results.append(post(g, resolved)))
                       for g in gws for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual([r[0] for r in results], [202] * 4)
            # counted once in Redis; every replica exports the same totals
            db = dict(component="db", severity="critical")
            for g in gws:
                g.wait_metric("kaizen_ticket_seconds_count", 20, **db)
                self.assertEqual(g.metric("kaizen_ticket_seconds_sum", **db), 20 * 600)
                self.assertEqual(g.metric("kaizen_ticket_sla_total", outcome="met", **db), 20)
                self.assertEqual(g.metric("kaizen_ticket_seconds_bucket", le="900", **db), 20)
        finally:
            for g in gws:
                rc, log = g.close()
                self.assertEqual(rc, 0, log[-2000:])
            redis.close()


@unittest.skipIf(AM_BIN is None, "prometheus-alertmanager is not installed")
@unittest.skipIf("FAKETIME" in os.environ, "Alertmanager keeps the real clock (tests/calendar/at.sh)")
class RealAlertmanager(unittest.TestCase):
    """Debian's prometheus-alertmanager delivering to the gateway."""

    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.gw = Gateway(self.redis.url, KAIZEN_ALERTMANAGER_TOKEN=TOKEN)
        self.dir = tempfile.mkdtemp(prefix="kz-am-")
        self.am_port = free_port()
        config = os.path.join(self.dir, "alertmanager.yml")
        with open(config, "w") as f:
            f.write("""route:
  receiver: kaizen
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: kaizen
    webhook_configs:
      - url: http://127.0.0.1:%d/webhooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: %s
""" % (self.gw.port, TOKEN))
        self.am_log = open(os.path.join(self.dir, "am.log"), "wb")
        self.am = subprocess.Popen([AM_BIN, "--config.file=" + config,
                                    "--storage.path=" + os.path.join(self.dir, "data"),
                                    "--web.listen-address=127.0.0.1:%d" % self.am_port,
                                    "--cluster.listen-address="],
                                   stdout=self.am_log, stderr=self.am_log)
        wait_for(lambda: urllib.request.urlopen(
            "http://127.0.0.1:%d/-/ready" % self.am_port, timeout=2).status == 200,
            timeout=30, what="alertmanager ready")

    def tearDown(self):
        self.am.terminate()
        self.am.wait(10)
        self.am_log.close()
        rc, log = self.gw.close()
        self.redis.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.assertEqual(rc, 0, log[-2000:])

    def post_alerts(self, alerts):
        req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % self.am_port,
                                     data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        self.assertEqual(urllib.request.urlopen(req, timeout=5).status, 200)

    def test_firing_and_resolved_notifications(self):
        specs = [("DiskAlmostFull", "critical", {"component": "storage"}),
                 ("HighLatency", "warning", {"service": "checkout"}),
                 ("TargetDown", "info", {"job": "node"})]
        alerts = [{"labels": dict({"alertname": name, "severity": sev}, **extra),
                   "annotations": {"summary": name + " is happening"},
                   "generatorURL": "http://prometheus.example/graph",
                   "startsAt": now(-600)} for name, sev, extra in specs]
        self.post_alerts(alerts)
        tickets = wait_for(lambda: len(self.gw.tickets()) == 3 and self.gw.tickets(), timeout=30,
                           what="three firing tickets")
        by_title = {t["title"]: t for t in tickets}
        self.assertEqual(by_title["DiskAlmostFull is happening"]["severity"], "critical")
        self.assertEqual(by_title["DiskAlmostFull is happening"]["component"], "storage")
        self.assertEqual(by_title["HighLatency is happening"]["component"], "checkout")
        self.assertEqual(by_title["TargetDown is happening"]["component"], "node")
        self.assertEqual(by_title["TargetDown is happening"]["severity"], "low")
        self.assertTrue(all(t["id"].startswith("am:") and t["state"] == "open" for t in tickets))
        count = total(self.gw, "kaizen_ticket_seconds_count")
        self.assertEqual(count, 0)

        for a in alerts:
            a["endsAt"] = now(-60)
        self.post_alerts(alerts)
        wait_for(lambda: len(self.gw.tickets("?state=resolved")) == 3, timeout=30, what="resolved")
        time.sleep(3)  # let any further group_interval sends arrive
        wait_for(lambda: total(self.gw, "kaizen_ticket_seconds_count") == 3, timeout=30,
                 what="three resolutions exported")
        time.sleep(6)  # a refresh later: still three
        self.assertEqual(total(self.gw, "kaizen_ticket_seconds_count"), 3)
        self.assertEqual(self.gw.tickets("?state=open"), [])
        self.assertGreaterEqual(self.gw.metric("kaizen_webhooks_total", source="alertmanager",
                                               event="resolved", result="accepted"), 1)


if __name__ == "__main__":
    main()
