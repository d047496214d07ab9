"""Canary deployments: GitHub deployment events and the API, one page per
canary over budget across three replicas (PagerDuty Events v2 + Slack),
resolves when they end, promotion, retries and dead letters, the metric."""

import json
import time
import unittest
import urllib.parse
import uuid

from fake_receiver import FakeReceiver
from harness import Gateway, Redis, main, now, wait_for

ROUTING_KEY = "R0UT1NGKEY0000000000000000000000"


def deployment(dep_id, env, sha="abc123", created=None, repo="octo-org/api"):
    created = created or now()
    return {"deployment": {"id": dep_id, "environment": env, "sha": sha, "ref": "main",
                           "created_at": created, "updated_at": created},
            "repository": {"full_name": repo, "name": repo.split("/")[1]}}


def deployment_status(dep_id, state, repo="octo-org/api"):
    return {"deployment_status": {"state": state, "created_at": now()},
            "deployment": {"id": dep_id},
            "repository": {"full_name": repo, "name": repo.split("/")[1]}}


class Canaries(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = FakeReceiver()
        self.gws = []

    def tearDown(self):
        for gw in self.gws:
            rc, log = gw.close()
            self.assertIn(rc, (0, None), log[-3000:])
        self.peer.close()
        self.redis.close()

    def start(self, replicas=1, **env):
        base = dict(KAIZEN_SLACK_WEBHOOK_URL=self.peer.url + "/slack",
                    KAIZEN_PAGER_URL=self.peer.url + "/pager",
                    KAIZEN_PAGER_ROUTING_KEY=ROUTING_KEY, KAIZEN_DRY_RUN="0",
                    KAIZEN_CHECK_EVERY="1s", KAIZEN_CANARY_BUDGET="2s",
                    KAIZEN_DIGEST_EVERY="3600s")
        base.update(env)
        # Claim the current digest window so no digest joins the Slack traffic.
        k = int(time.time()) // 3600
        for w in (k, k + 1):
            self.redis.command("SET", "{kz}:digest:window:every3600-%d" % w, "1", "EX", 7200)
        for _ in range(replicas):
            self.gws.append(Gateway(self.redis.url, **base))
        return self.gws[0]

    def pages(self):
        return [r for r in self.peer.received("/pager") if r["json"]["event_action"] == "trigger"]

    def resolves(self):
        return [r for r in self.peer.received("/pager") if r["json"]["event_action"] == "resolve"]

    def api(self, gw, method, path, body=None):
        return gw.json(method, path, body=json.dumps(body).encode() if body is not None else None,
                       headers={"Content-Type": "application/json"})

    def test_github_canary_pages_once_across_three_replicas_and_resolves(self):
        gw = self.start(replicas=3)
        status, body = gw.github("deployment", deployment(77, "prod-canary"))
        self.assertEqual((status, body), (202, {"status": "accepted"}))
        cid = "gh:octo-org/api:deployment:77"
        # The metrics are exported by every replica: the start and its own budget.
        for g in self.gws:
            wait_for(lambda: g.metric("canary_deployment_start_time", deployment=cid,
                                      environment="prod-canary") > 0, timeout=30, what="gauge")
            g.wait_metric("canary_deployment_budget_seconds", 2, deployment=cid,
                          environment="prod-canary")
        [page] = wait_for(lambda: self.pages(), timeout=30, what="page")
        time.sleep(3)
        self.assertEqual(len(self.pages()), 1)
        event = page["json"]
        self.assertEqual((event["routing_key"], event["dedup_key"]), (ROUTING_KEY, cid))
        self.assertLessEqual(len(event["payload"]["summary"]), 1024)
        self.assertEqual(event["payload"]["severity"], "warning")
        self.assertTrue(event["payload"]["source"])
        details = event["payload"]["custom_details"]
        self.assertEqual((details["service"], details["environment"], details["budget"]),
                         ("api", "prod-canary", 2))
        self.assertGreaterEqual(details["elapsed"], 2)
        slack = [r for r in self.peer.received("/slack") if cid in json.dumps(r["json"])]
        self.assertEqual(len(slack), 1)
        self.assertEqual(sum(g.metric("kaizen_canary_pages_total") for g in self.gws), 1)
        [c] = self.api(gw, "GET", "/api/canaries")[1]["canaries"]
        self.assertEqual((c["id"], c["paged"], c["source"]), (cid, True, "github"))

        self.assertEqual(gw.github("deployment_status", deployment_status(77, "failure"))[0], 202)
        [resolve] = wait_for(lambda: self.resolves(), timeout=30, what="resolve")
        self.assertEqual(resolve["json"], {"routing_key": ROUTING_KEY, "event_action": "resolve",
                                           "dedup_key": cid})
        for g in self.gws:
            wait_for(lambda: g.sample("canary_deployment_start_time", deployment=cid,
                                      environment="prod-canary") is None and
                     g.sample("canary_deployment_budget_seconds", deployment=cid,
                              environment="prod-canary") is None, timeout=30, what="gauges gone")
        self.assertEqual(self.api(gw, "GET", "/api/canaries")[1], {"canaries": []})

    def test_promotion_ends_the_canary_before_its_page(self):
        gw = self.start(KAIZEN_CANARY_BUDGET="4s")
        gw.github("deployment", deployment(1, "canary", sha="f00d"))
        self.assertEqual(len(self.api(gw, "GET", "/api/canaries")[1]["canaries"]), 1)
        self.assertEqual(gw.github("deployment", deployment(2, "production", sha="f00d")),
                         (202, {"status": "accepted"}))
        self.assertEqual(self.api(gw, "GET", "/api/canaries")[1], {"canaries": []})
        time.sleep(5)
        self.assertEqual(self.pages(), [])
        self.assertEqual(self.resolves(), [])   # never paged: nothing to resolve
        # A production deploy of another sha promotes nothing.
        self.assertEqual(gw.github("deployment", deployment(3, "production", sha="beef"))[1],
                         {"status": "ignored"})

    def test_replayed_deployment_does_not_restart_the_clock(self):
        gw = self.start(KAIZEN_CANARY_BUDGET="1h")
        payload = deployment(5, "eu-canary", created=now(-600))
        self.assertEqual(gw.github("deployment", payload, delivery="d-5")[0], 202)
        [before] = self.api(gw, "GET", "/api/canaries")[1]["canaries"]
        self.assertEqual(gw.github("deployment", payload, delivery="d-5"), (200, {"status": "duplicate"}))
        later = dict(payload)
        later["deployment"] = dict(payload["deployment"], created_at=now(),
                                   updated_at=now())
        self.assertEqual(gw.github("deployment", later, delivery="d-5-again")[0], 202)
        [after] = self.api(gw, "GET", "/api/canaries")[1]["canaries"]
        self.assertEqual(after["started_at"], before["started_at"])
        self.assertGreaterEqual(after["elapsed_seconds"], 600)
        # A success status does not end it; after it ended, a late replay is stale.
        self.assertEqual(gw.github("deployment_status", deployment_status(5, "success"))[1],
                         {"status": "ignored"})
        self.assertEqual(gw.github("deployment_status", deployment_status(5, "inactive"))[0], 202)
        self.assertEqual(gw.github("deployment", payload)[1], {"status": "stale"})
        self.assertEqual(self.api(gw, "GET", "/api/canaries")[1], {"canaries": []})

    def test_api_canary_lifecycle(self):
        gw = self.start()
        body = {"id": "argo/checkout-rollout-42", "service": "checkout", "environment": "prod",
                "budget_seconds": 2}
        status, c = self.api(gw, "POST", "/api/canaries", body)
        self.assertEqual(status, 201)
        self.assertEqual((c["id"], c["service"], c["environment"], c["budget_seconds"], c["paged"],
                          c["source"]), ("argo/checkout-rollout-42", "checkout", "prod", 2, False, "api"))
        gw.wait_metric("canary_deployment_budget_seconds", 2, deployment=body["id"],
                       environment="prod")
        # Posted again (with another budget): it exists, answered as stored, its clock not restarted.
        status, again = self.api(gw, "POST", "/api/canaries", dict(body, budget_seconds=3600))
        self.assertEqual(status, 200)
        self.assertEqual((again["started_at"], again["budget_seconds"]), (c["started_at"], 2))
        wait_for(lambda: self.pages(), timeout=30, what="page")
        path = "/api/canaries/" + urllib.parse.quote(body["id"], safe="")
        status, _, data = gw.request("DELETE", path)
        self.assertEqual((status, data), (204, b""))
        [resolve] = wait_for(lambda: self.resolves(), timeout=30, what="resolve")
        self.assertEqual(resolve["json"]["dedup_key"], body["id"])
        self.assertEqual(gw.request("DELETE", path)[0], 404)

    def test_api_bad_inputs(self):
        gw = self.start()
        for bad in (b"not json", b"[]", b'{"id":"x"}', b'{"id":"x","service":"s"}',
                    b'{"id":"","service":"s","environment":"e"}',
                    b'{"id":"x","service":"s","environment":"e","budget_seconds":-1}'):
            status, body = gw.json("POST", "/api/canaries", body=bad,
                                   headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)
        for ctype in (None, "application/x-www-form-urlencoded", "text/plain"):
            status, body = gw.json("POST", "/api/canaries", body=b'{"id":"x","service":"s","environment":"e"}',
                                   headers={"Content-Type": ctype} if ctype else {})
            self.assertEqual(status, 415, ctype)
            self.assertIn("application/json", body["error"])
        self.assertEqual(gw.request("DELETE", "/api/canaries/nope")[0], 404)
        self.assertEqual(gw.request("DELETE", "/api/canaries/a/b")[0], 404)
        self.assertEqual(gw.request("DELETE", "/api/canaries/%0a")[0], 400)
        self.assertEqual(self.redis.command("KEYS", "{kz}:canar*"), [])

    def test_pager_429_retried_and_400_dead_lettered(self):
        self.peer.script("/pager", ("status", 429, {"Retry-After": "1"}), "ok", ("status", 400))
        gw = self.start()
        self.api(gw, "POST", "/api/canaries", {"id": "c1", "service": "s", "environment": "e",
                                               "budget_seconds": 1})
        wait_for(lambda: len(self.peer.received("/pager")) >= 2, timeout=30, what="retry")
        first, second = self.peer.received("/pager")[:2]
        self.assertGreaterEqual(second["at"] - first["at"], 0.9)
        self.assertEqual(first["body"], second["body"])
        gw.request("DELETE", "/api/canaries/c1")   # its resolve gets the 400
        wait_for(lambda: self.api(gw, "GET", "/api/outbox")[1]["dead"] == 1, timeout=30, what="dead")
        time.sleep(1.5)
        self.assertEqual(len(self.peer.received("/pager")), 3)

    def test_without_routing_key_pages_go_to_slack_only(self):
        gw = self.start(KAIZEN_PAGER_ROUTING_KEY=None)
        self.api(gw, "POST", "/api/canaries", {"id": "c2", "service": "s", "environment": "e",
                                               "budget_seconds": 1})
        wait_for(lambda: [r for r in self.peer.received("/slack") if "c2" in json.dumps(r["json"])],
                 timeout=30, what="slack page")
        self.assertEqual(self.peer.received("/pager"), [])
        self.assertEqual(gw.metric("kaizen_canary_pages_total"), 1)


if __name__ == "__main__":
    main()
