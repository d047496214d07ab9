"""Upgrade from the first release: the real 0.1 binary (built from this
repository's history) writes tickets, canaries, queued messages, delivery
ids, tombs and digest records under its key names; the new binary, started
on the same Redis, carries all of it over and serves it as the old one did,
also while an old replica keeps writing (a rolling upgrade).

Upgrade from the release before the Kaizen measures (MTTA, SLA outcomes,
reopens, MTTR buckets): its MTTR totals keep counting, the new measures
start from the upgrade."""

import io
import json
import os
import shutil
import subprocess
import tarfile
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import BIN, SOURCE_DIR, Gateway, Redis, free_port, main, rfc3339, wait_for

# The last commit of the first release (key names "kz:*", no hash tag).
LEGACY_COMMIT = "97c41664bde1554634533c0f7f18da77a6dd6d34"
# The last commit before the Kaizen measures (MTTR as _sum/_count only).
MEASURES_COMMIT = "f321616acc8a53f3100be61c3834b3139588c3ed"
ADMIN = {}   # /api/ answers loopback clients without a token


def at(hours):
    """RFC 3339 time `hours` from now (negative: in the past)."""
    t = datetime.now(timezone.utc) + timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def legacy_build(commit=LEGACY_COMMIT, name="legacy-0.1"):
    """The binary of an earlier commit and its templates, built once per build tree."""
    out = os.path.join(os.path.dirname(os.path.abspath(BIN)), name)
    binary = os.path.join(out, "build", "kaizen-gateway")
    if os.path.exists(binary):
        return binary, os.path.join(out, "src", "templates")
    commit = subprocess.run(["git", "-C", SOURCE_DIR, "rev-parse", "--verify", "--quiet",
                             commit + "^{commit}"], capture_output=True, text=True)
    assert commit.returncode == 0, ("the upgrade test builds earlier releases from git history: "
                                    "run the tests in a full clone of the repository")
    archive = subprocess.run(["git", "-C", SOURCE_DIR, "archive", commit.stdout.strip()],
                             capture_output=True, check=True).stdout
    shutil.rmtree(out, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(os.path.join(out, "src"))
    subprocess.run(["cmake", "-S", os.path.join(out, "src"), "-B", os.path.join(out, "build"),
                    "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", os.path.join(out, "build"), "--target", "kaizen-gateway",
                    "-j2"], check=True, stdout=subprocess.DEVNULL)
    return binary, os.path.join(out, "src", "templates")


def comparable(items, volatile):
    return [{k: v for k, v in item.items() if k not in volatile} for item in items]


class Upgrade(unittest.TestCase):
    def setUp(self):
        self.legacy_bin, self.legacy_templates = legacy_build()
        self.redis = Redis()
        self.env = {"KAIZEN_ALERTMANAGER_TOKEN": "am",
                    "KAIZEN_DRY_RUN": "0",
                    # Slack is down: the digest stays queued across the upgrade.
                    "KAIZEN_SLACK_WEBHOOK_URL": "http://127.0.0.1:%d/slack" % free_port()}
        self.gateways = []

    def tearDown(self):
        for gw in self.gateways:
            gw.close()
        self.redis.close()

    def start(self, legacy):
        env = dict(self.env)
        if legacy:
            env["KAIZEN_TEMPLATES_DIR"] = self.legacy_templates
        gw = Gateway(self.redis.url, binary=self.legacy_bin if legacy else None, **env)
        self.gateways.append(gw)
        return gw

    def issue(self, gw, action, number, updated, delivery, **kw):
        payload = {"action": action,
                   "issue": {"number": number, "title": kw.get("title", "Issue %d" % number),
                             "state": kw.get("state", "open"),
                             "html_url": "https://github.com/octo-org/api/issues/%d" % number,
                             "created_at": kw.get("created", at(-5)), "updated_at": updated,
                             "closed_at": kw.get("closed"),
                             "labels": [{"name": n} for n in kw.get("labels", ())]},
                   "repository": {"full_name": "octo-org/api", "name": "api"}}
        return gw.github("issues", payload, delivery=delivery)

    def deployment(self, gw, environment, dep_id, delivery):
        payload = {"deployment": {"id": dep_id, "sha": "abc123", "environment": environment,
                                  "created_at": at(-1), "updated_at": at(-1)},
                   "repository": {"full_name": "octo-org/api", "name": "api"}}
        return gw.github("deployment", payload, delivery=delivery)

    def state(self, gw):
        tickets = gw.tickets("?state=all")
        status, canaries = gw.json("GET", "/api/canaries", headers=ADMIN)
        assert status == 200
        status, outbox = gw.json("GET", "/api/outbox", headers=ADMIN)
        assert status == 200
        # route, acked_by, acked_at, reopened, sla_clock: fields the first release did not have
        return (comparable(tickets, {"sla_remaining_seconds", "route", "acked_by", "acked_at",
                                     "reopened", "sla_clock"}),
                comparable(canaries["canaries"], {"elapsed_seconds", "acked_by", "acked_at"}),
                outbox["pending"])

    def test_first_release_data_carries_over(self):
        old = self.start(legacy=True)
        self.assertEqual(self.issue(old, "opened", 1, at(-4), "d1", labels=["sev:high"])[0], 202)
        self.assertEqual(self.issue(old, "opened", 2, at(-4), "d2")[0], 202)
        self.assertEqual(self.issue(old, "closed", 2, at(-3), "d3", state="closed",
                                    closed=at(-3))[0], 202)
        self.assertEqual(self.issue(old, "opened", 3, at(-4), "d4")[0], 202)
        self.assertEqual(self.issue(old, "deleted", 3, at(-2), "d5")[0], 202)
        alert = {"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "fingerprint": "f00d", "startsAt": at(-2),
             "labels": {"alertname": "DiskFull", "severity": "critical", "service": "db"},
             "annotations": {"summary": "Disk full"}}]}
        status, _, _ = old.request("POST", "/webhooks/alertmanager", body=_json(alert),
                                   headers={"Authorization": "Bearer am",
                                            "Content-Type": "application/json"})
        self.assertEqual(status, 202)
        self.assertEqual(self.deployment(old, "canary", 7, "d6")[0], 202)
        status, _ = old.json("POST", "/api/canaries", body=_json(
            {"id": "rollout-1", "service": "web", "environment": "prod-canary"}), headers=ADMIN)
        self.assertEqual(status, 201)
        self.assertEqual(old.json("POST", "/api/digest", headers=ADMIN)[0], 202)
        before = self.state(old)
        self.assertEqual(len(before[0]), 3)   # #1, #2 and the alert; #3 was deleted
        self.assertEqual(len(before[1]), 2)
        self.assertGreaterEqual(before[2], 1)
        self.assertTrue(self.redis.command("KEYS", "kz:*"))
        self.assertEqual(old.stop(), 0)

        new = self.start(legacy=False)
        self.assertEqual(self.state(new), before)
        self.assertEqual(self.redis.command("KEYS", "kz:*"), [])
        # Delivery ids and tombs came along: a redelivery is a duplicate, a
        # late delivery of the deleted issue stays stale.
        self.assertEqual(self.issue(new, "opened", 1, at(-4), "d1",
                                    labels=["sev:high"])[1]["status"], "duplicate")
        self.assertEqual(self.issue(new, "edited", 3, at(-3), "late")[1]["status"], "stale")
        # The commit index came along: promoting the canary's commit ends it.
        self.assertEqual(self.deployment(new, "production", 8, "d7")[1]["status"], "accepted")
        status, canaries = new.json("GET", "/api/canaries", headers=ADMIN)
        self.assertEqual([c["id"] for c in canaries["canaries"]], ["rollout-1"])
        status, _, feed = new.request("GET", "/feeds/digests.rss")
        self.assertEqual(status, 200)
        self.assertIn(b"<item>", feed)
        # Running it again changes nothing.
        after = self.redis.snapshot(include_timers=True)
        new.stop()
        new.start()
        self.assertEqual(self.redis.snapshot(include_timers=True).keys(), after.keys())

    def test_rolling_upgrade_picks_up_what_an_old_replica_writes(self):
        old = self.start(legacy=True)
        new = self.start(legacy=False)
        self.assertEqual(self.issue(old, "opened", 11, at(-1), "r1")[0], 202)
        ids = lambda: [t["id"] for t in new.tickets("?state=all")]
        wait_for(lambda: "gh:octo-org/api#11" in ids(), timeout=60, what="old replica's ticket")
        # The ticket and its delivery id are carried over in separate steps of
        # one pass: the redelivery is a duplicate once the id is over too.
        wait_for(lambda: self.redis.command("EXISTS", "{kz}:delivery:github:r1") == 1, timeout=60,
                 what="old replica's delivery id")
        self.assertEqual(self.issue(new, "opened", 11, at(-1), "r1")[1]["status"], "duplicate")


class MeasuresUpgrade(unittest.TestCase):
    """MTTR recorded by the previous release keeps counting; MTTA, SLA outcomes,
    reopens and the buckets count from the upgrade on."""

    def setUp(self):
        self.previous_bin, self.previous_templates = legacy_build(MEASURES_COMMIT, "previous")
        self.redis = Redis()
        self.gateways = []

    def tearDown(self):
        for gw in self.gateways:
            gw.close()
        self.redis.close()

    def issue(self, gw, action, number, created, updated, closed=None):
        payload = {"action": action,
                   "issue": {"number": number, "title": "Issue %d" % number,
                             "state": "closed" if closed else "open",
                             "html_url": "https://github.com/octo-org/api/issues/%d" % number,
                             "created_at": created, "updated_at": updated, "closed_at": closed,
                             "labels": [{"name": "severity:high"}]},
                   "repository": {"full_name": "octo-org/api", "name": "api"}}
        status, body = gw.github("issues", payload)
        self.assertEqual(status, 202, body)

    def test_mttr_keeps_counting_and_the_new_measures_start(self):
        old = Gateway(self.redis.url, binary=self.previous_bin,
                      KAIZEN_TEMPLATES_DIR=self.previous_templates)
        self.gateways.append(old)
        pair = dict(component="api", severity="high")
        now = int(time.time())
        ago = lambda seconds: rfc3339(now - seconds)
        self.issue(old, "opened", 1, ago(3 * 3600), ago(3 * 3600))
        self.issue(old, "closed", 1, ago(3 * 3600), ago(3600), closed=ago(3600))   # 2h to resolve
        self.issue(old, "opened", 2, ago(1800), ago(1800))
        wait_for(lambda: old.metric("kaizen_ticket_seconds_count", **pair) == 1, timeout=30,
                 what="the previous release's MTTR")
        self.assertEqual(old.stop(), 0)

        new = Gateway(self.redis.url)
        self.gateways.append(new)
        new.wait_metric("kaizen_ticket_seconds_count", 1, **pair)
        self.assertEqual(new.metric("kaizen_ticket_seconds_sum", **pair), 7200)
        # the old resolution is in +Inf only; every new measure starts at 0
        self.assertEqual(new.metric("kaizen_ticket_seconds_bucket", le="+Inf", **pair), 1)
        self.assertEqual(new.metric("kaizen_ticket_seconds_bucket", le="604800", **pair), 0)
        for outcome in ("met", "breached"):
            self.assertEqual(new.sample("kaizen_ticket_sla_total", outcome=outcome, **pair), 0)
        self.assertEqual(new.sample("kaizen_ticket_reopened_total", **pair), 0)
        self.assertEqual(new.sample("kaizen_ticket_ack_seconds_count", **pair), 0)

        # #2, opened before the upgrade, resolves after it: 30 minutes, within its SLA
        self.issue(new, "closed", 2, ago(1800), ago(0), closed=ago(0))
        new.wait_metric("kaizen_ticket_seconds_count", 2, **pair)
        self.assertEqual(new.metric("kaizen_ticket_seconds_sum", **pair), 7200 + 1800)
        self.assertEqual(new.metric("kaizen_ticket_seconds_bucket", le="1800", **pair), 1)
        self.assertEqual(new.metric("kaizen_ticket_seconds_bucket", le="+Inf", **pair), 2)
        self.assertEqual(new.metric("kaizen_ticket_sla_total", outcome="met", **pair), 1)
        # #1, resolved before the upgrade, reopens after it
        self.issue(new, "reopened", 1, ago(3 * 3600), ago(0))
        new.wait_metric("kaizen_ticket_reopened_total", 1, **pair)
        [t] = [t for t in new.tickets() if t["id"] == "gh:octo-org/api#1"]
        self.assertEqual((t["state"], t["reopened"]), ("open", 1))


def _json(value):
    return json.dumps(value).encode()


if __name__ == "__main__":
    main()
