"""GitHub webhooks through the real binary, real HTTP and a real Redis."""

import json
import os
import shutil
import subprocess
import tempfile
import uuid

from harness import (HOUR, MINUTE, SOURCE_DIR, GatewayTest, Gateway, Redis, at, issue, main,
                     sign, SECRET)

FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "octokit")


def octokit(event):
    """The real example deliveries of one event (tests/fixtures/octokit), as raw bytes."""
    with open(os.path.join(FIXTURES, event + ".jsonl"), "rb") as f:
        return [line.rstrip(b"\n") for line in f if line.strip()]

T0 = at()


class Lifecycle(GatewayTest):
    def test_ping(self):
        status, body = self.gw.github("ping", {"zen": "Keep it logically awesome.", "hook_id": 1})
        self.assertEqual((status, body), (200, {"status": "pong"}))

    def test_opened_labeled_closed_reopened(self):
        gw = self.gw
        accepted = gw.metric("kaizen_webhooks_total", source="github", event="issues", result="accepted")
        self.assertEqual(gw.github("issues", issue("opened", updated=T0)), (202, {"status": "accepted"}))
        [t] = gw.tickets()
        self.assertEqual(t["id"], "gh:octo-org/api#42")
        self.assertEqual((t["severity"], t["component"], t["state"]), ("medium", "api", "open"))
        self.assertEqual(t["sla_deadline"], at(72 * HOUR))  # medium = 72h
        self.assertIsNone(t["resolved_at"])

        labels = ["severity:critical", "component:checkout"]
        self.assertEqual(gw.github("issues", issue("labeled", labels=labels,
                                                   updated=at(5 * MINUTE)))[0], 202)
        [t] = gw.tickets()
        self.assertEqual((t["severity"], t["component"]), ("critical", "checkout"))
        self.assertEqual(t["sla_deadline"], at(4 * HOUR))  # severity change recomputes
        self.assertEqual(t["source"], "github")
        self.assertEqual(t["url"], "https://github.com/octo-org/api/issues/42")

        pair = dict(component="checkout", severity="critical")
        # the component and severity's series exist, at 0, before anything resolves
        gw.wait_metric("kaizen_ticket_seconds_count", 0, **pair)
        gw.wait_metric("kaizen_ticket_sla_total", 0, outcome="met", **pair)
        gw.wait_metric("kaizen_ticket_reopened_total", 0, **pair)
        closed = issue("closed", labels=labels, state="closed", updated=at(HOUR),
                       closed=at(HOUR))
        delivery = str(uuid.uuid4())
        self.assertEqual(gw.github("issues", closed, delivery=delivery)[0], 202)
        [t] = gw.tickets()
        self.assertEqual((t["state"], t["resolved_at"], t["reopened"]), ("resolved", at(HOUR), 0))
        gw.wait_metric("kaizen_ticket_seconds_count", 1, **pair)
        self.assertEqual(gw.metric("kaizen_ticket_seconds_sum", **pair), 3600)
        # 3600 s: in the le="3600" bucket, not the one below
        self.assertEqual(gw.metric("kaizen_ticket_seconds_bucket", le="1800", **pair), 0)
        self.assertEqual(gw.metric("kaizen_ticket_seconds_bucket", le="3600", **pair), 1)
        self.assertEqual(gw.metric("kaizen_ticket_sla_total", outcome="met", **pair), 1)  # 1h < 4h
        # The same closed delivery again does not observe again.
        self.assertEqual(gw.github("issues", closed, delivery=delivery), (200, {"status": "duplicate"}))
        self.assertEqual(gw.tickets("?state=open"), [])

        # Reopened: the same ticket, counted once; its SLA runs again from the reopening.
        self.assertEqual(gw.github("issues", issue("reopened", labels=labels,
                                                   updated=at(2 * HOUR)))[0], 202)
        [t] = gw.tickets()
        self.assertEqual((t["state"], t["resolved_at"], t["reopened"]), ("open", None, 1))
        self.assertEqual(t["sla_deadline"], at(6 * HOUR))        # 2h + critical 4h
        self.assertEqual(t["created_at"], T0)
        gw.wait_metric("kaizen_ticket_reopened_total", 1, **pair)
        # Resolved again 5h after the reopening: 5h to resolve, past the 4h SLA.
        self.assertEqual(gw.github("issues", issue("closed", labels=labels, state="closed",
                                                   updated=at(7 * HOUR),
                                                   closed=at(7 * HOUR)))[0], 202)
        gw.wait_metric("kaizen_ticket_seconds_count", 2, **pair)
        self.assertEqual(gw.metric("kaizen_ticket_seconds_sum", **pair), 3600 + 5 * 3600)
        self.assertEqual(gw.metric("kaizen_ticket_seconds_bucket", le="14400", **pair), 1)
        self.assertEqual(gw.metric("kaizen_ticket_seconds_bucket", le="28800", **pair), 2)
        self.assertEqual(gw.metric("kaizen_ticket_sla_total", outcome="breached", **pair), 1)
        self.assertEqual(gw.metric("kaizen_ticket_sla_total", outcome="met", **pair), 1)
        self.assertEqual(gw.metric("kaizen_ticket_reopened_total", **pair), 1)
        [t] = gw.tickets("?state=resolved")
        self.assertEqual((t["reopened"], t["sla_deadline"]), (1, at(6 * HOUR)))
        self.assertEqual(gw.metric("kaizen_webhooks_total", source="github", event="issues",
                                   result="accepted"), accepted + 5)

    def test_duplicate_delivery_changes_nothing(self):
        gw = self.gw
        payload = issue("opened", labels=["sev:high"])
        self.assertEqual(gw.github("issues", payload, delivery="dup-1")[0], 202)
        before = self.redis.snapshot()
        # Same delivery id, even with a different body: already processed.
        self.assertEqual(gw.github("issues", issue("closed", state="closed", closed=T0,
                                                   updated=at(15 * HOUR)),
                                   delivery="dup-1"), (200, {"status": "duplicate"}))
        self.assertEqual(self.redis.snapshot(), before)

    def test_replay_of_a_sequence_leaves_redis_identical(self):
        gw = self.gw
        seq = [
            ("a", issue("opened", number=1, updated=T0)),
            ("b", issue("labeled", number=1, labels=["p1", "priority:p1", "area:db"],
                        updated=at(MINUTE))),
            ("c", issue("opened", number=2, labels=["sev:low"], updated=T0)),
            ("d", issue("closed", number=2, labels=["sev:low"], state="closed",
                        closed=at(3 * HOUR), updated=at(3 * HOUR))),
            ("e", issue("opened", number=3, updated=T0)),
            ("f", issue("deleted", number=3, updated=at(30 * MINUTE))),
        ]
        for delivery, payload in seq:
            self.assertIn(gw.github("issues", payload, delivery=delivery)[0], (202,))
        first = self.redis.snapshot()
        stored = dict(first["{kz}:ticket"][1])   # the ticket hash: id -> row
        self.assertIn("gh:octo-org/api#1", stored)
        self.assertNotIn("gh:octo-org/api#3", stored)
        for delivery, payload in seq:
            self.assertEqual(gw.github("issues", payload, delivery=delivery)[1]["status"], "duplicate")
        self.assertEqual(self.redis.snapshot(), first)

    def test_out_of_order_delivery_is_stale(self):
        gw = self.gw
        newer = issue("labeled", labels=["severity:high"], updated=at(10 * MINUTE))
        older = issue("opened", updated=T0)
        self.assertEqual(gw.github("issues", newer)[0], 202)
        before = self.redis.snapshot()
        status, body = gw.github("issues", older)
        self.assertEqual((status, body), (202, {"status": "stale"}))
        [t] = gw.tickets()
        self.assertEqual(t["severity"], "high")
        after = self.redis.snapshot()
        # Only the delivery marker was added.
        self.assertEqual({k: v for k, v in after.items() if not k.startswith("{kz}:delivery:")},
                         {k: v for k, v in before.items() if not k.startswith("{kz}:delivery:")})

    def test_deleted_and_transferred_remove_the_ticket(self):
        gw = self.gw
        gw.github("issues", issue("opened", number=7, updated=T0))
        gw.github("issues", issue("opened", number=8, updated=T0))
        self.assertEqual(len(gw.tickets()), 2)
        self.assertEqual(gw.github("issues", issue("deleted", number=7,
                                                   updated=at(MINUTE)))[1]["status"], "accepted")
        self.assertEqual(gw.github("issues", issue("transferred", number=8,
                                                   updated=at(MINUTE)))[1]["status"], "accepted")
        self.assertEqual(gw.tickets(), [])
        # A late, older event for a deleted issue does not resurrect it.
        self.assertEqual(gw.github("issues", issue("labeled", number=7, labels=["sev:high"],
                                                   updated=T0))[1]["status"], "stale")
        self.assertEqual(gw.tickets(), [])
        self.assertEqual(self.redis.command("HLEN", "{kz}:open_counts"), 0)

    def test_unused_events_and_actions_are_ignored(self):
        self.assertEqual(self.gw.github("push", {"ref": "refs/heads/main"}), (202, {"status": "ignored"}))
        self.assertEqual(self.gw.github("issues", issue("assigned")), (202, {"status": "ignored"}))
        self.assertEqual(self.gw.github("check_run", {"check_run": {}}), (202, {"status": "ignored"}))
        self.assertEqual(self.redis.snapshot(), {})

    def test_form_encoded_payload(self):
        from urllib.parse import urlencode
        body = urlencode({"payload": json.dumps(issue("opened", title="Form & friends +1"))}).encode()
        status, resp = self.gw.github("issues", None, raw=body,
                                      content_type="application/x-www-form-urlencoded")
        self.assertEqual((status, resp), (202, {"status": "accepted"}))
        self.assertEqual(self.gw.tickets()[0]["title"], "Form & friends +1")

    def test_filters(self):
        gw = self.gw
        gw.github("issues", issue("opened", number=1, labels=["sev:high", "area:db"]))
        gw.github("issues", issue("opened", number=2, labels=["sev:low", "area:web"]))
        gw.github("issues", issue("closed", number=3, labels=["sev:low", "area:web"], state="closed",
                                  closed=at(HOUR), updated=at(HOUR)))
        self.assertEqual([t["id"] for t in gw.tickets("?component=db")], ["gh:octo-org/api#1"])
        self.assertEqual(len(gw.tickets("?severity=low")), 2)
        self.assertEqual(len(gw.tickets("?state=open")), 2)
        self.assertEqual([t["state"] for t in gw.tickets("?state=resolved")], ["resolved"])
        self.assertEqual(len(gw.tickets("?state=all&limit=2")), 2)
        for bad in ("?severity=urgent", "?state=closed", "?limit=0", "?limit=abc", "?colour=red",
                    "?component="):
            status, body = gw.json("GET", "/api/tickets" + bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)

    def test_metrics_pass_promtool(self):
        self.gw.github("issues", issue("opened", labels=['component:we"ird\\comp']))
        text = self.gw.metrics()
        for name in ("kaizen_webhooks_total", "kaizen_http_request_duration_seconds_bucket",
                     "kaizen_redis_up 1", "kaizen_build_info{version=", "process_resident_memory_bytes",
                     "process_cpu_seconds_total", "process_start_time_seconds", "process_open_fds"):
            self.assertIn(name, text)
        if shutil.which("promtool") is None:
            self.skipTest("promtool not installed")
        p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())


class BadInput(GatewayTest):
    """Each bad request gets a clear 4xx and leaves Redis untouched."""

    gateway_env = {"KAIZEN_MAX_BODY": "64KiB"}

    def assert_rejected(self, expected_status, status, body):
        self.assertEqual(status, expected_status, body)
        self.assertIsInstance(body, dict)
        self.assertIsInstance(body.get("error"), str)
        self.assertNotIn(SECRET, json.dumps(body))
        self.assertEqual(self.redis.snapshot(), {})

    def test_bad_and_missing_signatures(self):
        self.assert_rejected(401, *self.gw.github("issues", issue(), secret="wrong"))
        self.assert_rejected(401, *self.gw.github("issues", issue(),
                                                  extra_headers={"X-Hub-Signature-256": None}))
        self.assert_rejected(401, *self.gw.github("issues", issue(),
                                                  extra_headers={"X-Hub-Signature-256": "sha1=00"}))
        # Signature of a different body (the raw bytes are what is signed).
        body = json.dumps(issue()).encode()
        status, _, data = self.gw.request("POST", "/webhooks/github", body=body + b" ", headers={
            "Content-Type": "application/json", "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": "x1", "X-Hub-Signature-256": sign(body)})
        self.assert_rejected(401, status, json.loads(data))
        self.assertGreaterEqual(self.gw.metric("kaizen_webhooks_total", source="github",
                                               event="issues", result="unauthorized"), 4)

    def test_missing_headers(self):
        self.assert_rejected(400, *self.gw.github("issues", issue(),
                                                  extra_headers={"X-GitHub-Event": None}))
        self.assert_rejected(400, *self.gw.github("issues", issue(),
                                                  extra_headers={"X-GitHub-Delivery": None}))
        self.assert_rejected(400, *self.gw.github("issues", issue(),
                                                  extra_headers={"X-GitHub-Delivery": "../../etc"}))

    def test_malformed_json_wrong_types_invalid_utf8(self):
        self.assert_rejected(400, *self.gw.github("issues", None, raw=b'{"action": "opened",'))
        self.assert_rejected(400, *self.gw.github("issues", None, raw=b"[1,2,3]"))
        self.assert_rejected(400, *self.gw.github("issues", None, raw=b""))
        wrong = issue()
        wrong["issue"]["number"] = "42"
        self.assert_rejected(400, *self.gw.github("issues", wrong))
        wrong = issue()
        wrong["issue"]["labels"] = "severity:high"
        self.assert_rejected(400, *self.gw.github("issues", wrong))
        wrong = issue()
        del wrong["repository"]
        self.assert_rejected(400, *self.gw.github("issues", wrong))
        wrong = issue(created="last tuesday")
        self.assert_rejected(400, *self.gw.github("issues", wrong))
        raw = json.dumps(issue(title="XX")).encode().replace(b"XX", b"\xff\xfe")
        self.assert_rejected(400, *self.gw.github("issues", None, raw=raw))
        status, body = self.gw.github("issues", None, raw=b'{"action":"opened","action":"closed"}')
        self.assert_rejected(400, status, body)

    def test_content_types(self):
        self.assert_rejected(415, *self.gw.github("issues", issue(), content_type="text/plain"))
        self.assert_rejected(415, *self.gw.github("issues", issue(), content_type=None))
        self.assert_rejected(400, *self.gw.github("issues", None, raw=b"nopayload=1",
                                                  content_type="application/x-www-form-urlencoded"))

    def test_content_type_with_non_ascii_gets_a_json_415(self):
        # The answer quotes the Content-Type; cut mid-character, it used to
        # leave the 415 without a body.
        ct = ("x" + "\u00e9" * 150).encode("utf-8")
        status, _, data = self.gw.request("POST", "/webhooks/github", body=b"{}", headers={
            "Content-Type": ct, "X-GitHub-Event": "issues", "X-GitHub-Delivery": "ct1",
            "X-Hub-Signature-256": sign(b"{}")})
        self.assert_rejected(415, status, json.loads(data))

    def test_timestamps_outside_years_0000_to_9999(self):
        for t in ("9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00"):
            status, body = self.gw.github("issues", issue(created=t, updated=t))
            self.assert_rejected(400, status, body)
            self.assertIn("RFC 3339", body["error"])

    def test_query_parameters_are_strict(self):
        for query, word in (("component=a%00b", "%00"), ("component=%zz", "percent-escape"),
                            ("limit=%205", "limit"), ("limit=+5", "limit"),
                            ("state=open&state=resolved", "more than once")):
            status, body = self.gw.json("GET", "/api/tickets?" + query)
            self.assert_rejected(400, status, body)
            self.assertIn(word, body["error"], query)
        self.assertEqual(self.gw.json("GET", "/api/tickets?limit=5&component=a%20b")[0], 200)

    def test_too_large(self):
        big = issue(title="x" * (70 * 1024))
        status, headers, data = self.gw.request("POST", "/webhooks/github",
                                                body=json.dumps(big).encode(), headers={
                                                    "Content-Type": "application/json",
                                                    "X-GitHub-Event": "issues",
                                                    "X-GitHub-Delivery": "big",
                                                    "X-Hub-Signature-256": "sha256=00"})
        # The gateway's own JSON 413, from Content-Length, counted and timed.
        self.assert_rejected(413, status, json.loads(data))
        self.assertEqual(self.gw.metric("kaizen_webhooks_total", source="github", event="issues",
                                        result="too_large"), 1)
        self.assertEqual(self.gw.metric("kaizen_http_request_duration_seconds_count",
                                        route="/webhooks/github", code="413"), 1)
        # A body just under the cap is fine.
        ok = issue(title="y" * (60 * 1024))
        self.assertEqual(self.gw.github("issues", ok)[0], 202)

    def test_unknown_paths_and_methods(self):
        status, _, data = self.gw.request("GET", "/webhooks/gitlab")
        self.assertEqual(status, 404)
        self.assertIn(b'"error"', data)
        status, headers, data = self.gw.request("GET", "/webhooks/github")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Allow"), "POST")
        status, headers, _ = self.gw.request("DELETE", "/api/tickets")
        self.assertEqual((status, headers.get("Allow")), (405, "GET, HEAD"))
        status, headers, _ = self.gw.request("PUT", "/metrics")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Content-Type"), "application/json")


class RealPayloads(GatewayTest):
    """Every example delivery of @octokit/webhooks-examples, byte for byte."""

    def test_every_real_delivery_gets_its_answer(self):
        used = {"opened", "edited", "labeled", "unlabeled", "closed", "reopened", "deleted",
                "transferred"}
        # The 11.6 KB issues.opened of the benchmarks makes its ticket.
        first = next(b for b in octokit("issues") if json.loads(b)["action"] == "opened")
        p = json.loads(first)
        self.assertEqual(self.gw.github("issues", None, raw=first)[1]["status"], "accepted")
        [t] = self.gw.tickets()
        self.assertEqual((t["id"], t["title"]), ("gh:%s#%d" % (p["repository"]["full_name"],
                                                              p["issue"]["number"]),
                                                p["issue"]["title"]))
        seen = []
        for event in ("issues", "push", "ping", "deployment", "deployment_status"):
            for body in octokit(event):
                action = json.loads(body).get("action")
                status, reply = self.gw.github(event, None, raw=body)
                seen.append((event, action, status, reply.get("status", reply)))
                if event == "ping":
                    self.assertEqual((status, reply.get("status", reply)), (200, "pong"))
                elif event == "issues" and action in used:
                    self.assertEqual(status, 202, reply)
                    self.assertIn(reply.get("status", reply), ("accepted", "stale", "ignored"), reply)
                elif event == "issues" or event == "push":
                    # pinned and unpinned deliveries have no issue.state: never a 400
                    self.assertEqual((status, reply.get("status", reply)), (202, "ignored"), (action, reply))
                else:
                    self.assertEqual(status, 202, (event, reply))
        self.assertGreaterEqual(len(seen), 40)

    def test_unused_event_is_answered_without_being_parsed(self):
        for body in (b"not json at all", b"{\"a\":1,\"a\":2}", octokit("push")[0]):
            status, reply = self.gw.github("push", None, raw=body)
            self.assertEqual((status, reply.get("status", reply)), (202, "ignored"))
        # ... but only once it is signed.
        status, reply = self.gw.github("push", None, raw=b"not json", secret="wrong")
        self.assertEqual(status, 401)
        # An event it reads is parsed, and refused when malformed.
        status, reply = self.gw.github("issues", None, raw=b"not json at all")
        self.assertEqual(status, 400)
        self.assertIn("malformed JSON", reply["error"])


class NotConfigured(GatewayTest):
    gateway_env = {"KAIZEN_GITHUB_SECRET": None}

    def test_github_endpoint_is_404_without_secret(self):
        status, body = self.gw.github("issues", issue())
        self.assertEqual(status, 404)
        self.assertIn("KAIZEN_GITHUB_SECRET", body["error"])


class TicketLabels(GatewayTest):
    gateway_env = {"KAIZEN_TICKET_LABELS": "incident,customer-impact"}

    def test_only_labelled_issues_are_tickets(self):
        gw = self.gw
        self.assertEqual(gw.github("issues", issue("opened", labels=["bug"]))[1]["status"], "ignored")
        self.assertEqual(gw.tickets(), [])
        self.assertEqual(gw.github("issues", issue("labeled", labels=["bug", "incident"],
                                                   updated=at(MINUTE)))[1]["status"], "accepted")
        self.assertEqual(len(gw.tickets()), 1)
        self.assertEqual(gw.github("issues", issue("unlabeled", labels=["bug"],
                                                   updated=at(2 * MINUTE)))[1]["status"], "accepted")
        self.assertEqual(gw.tickets(), [])

    def test_late_delivery_older_than_a_drop_stays_dropped(self):
        gw = self.gw
        gw.github("issues", issue("labeled", number=7, labels=["incident"], updated=at(MINUTE)))
        self.assertEqual(gw.github("issues", issue("unlabeled", number=7, labels=[],
                                                   updated=at(3 * MINUTE)))[1]["status"], "accepted")
        # A delivery from before the label was removed arrives late: it must
        # not bring the ticket back (the drop left a tombstone).
        status, body = gw.github("issues", issue("edited", number=7, labels=["incident"],
                                                 updated=at(2 * MINUTE)))
        self.assertEqual((status, body["status"]), (202, "stale"))
        self.assertEqual(gw.tickets(), [])
        # A newer labelling does bring it back.
        self.assertEqual(gw.github("issues", issue("labeled", number=7, labels=["incident"],
                                                   updated=at(4 * MINUTE)))[1]["status"], "accepted")
        self.assertEqual(len(gw.tickets()), 1)


class RotationAndAdmin(GatewayTest):
    gateway_env = {"KAIZEN_GITHUB_SECRET": "new-secret," + SECRET, "KAIZEN_ADMIN_TOKEN": "adm1n"}

    def test_both_secrets_accepted(self):
        self.assertEqual(self.gw.github("issues", issue(number=1), secret="new-secret")[0], 202)
        self.assertEqual(self.gw.github("issues", issue(number=2), secret=SECRET)[0], 202)
        self.assertEqual(self.gw.github("issues", issue(number=3), secret="retired")[0], 401)

    def test_admin_token_required(self):
        status, body = self.gw.json("GET", "/api/tickets")
        self.assertEqual(status, 401)
        self.assertNotIn("adm1n", json.dumps(body))
        status, _ = self.gw.json("GET", "/api/tickets", headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        status, _ = self.gw.json("GET", "/api/tickets", headers={"Authorization": "adm1n"})
        self.assertEqual(status, 401)
        status, body = self.gw.json("GET", "/api/tickets", headers={"Authorization": "Bearer adm1n"})
        self.assertEqual((status, body), (200, {"tickets": []}))


if __name__ == "__main__":
    main()
