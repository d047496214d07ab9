"""Slack as an app (Web API mode with a signing secret): canary pages carry an
Acknowledge button; a signed click at POST /webhooks/slack is recorded once
across three replicas and Slack's retries, shows in /api/canaries, edits the
page in place with chat.update and acknowledges the PagerDuty incident; a
canary that ends has its page edited to "resolved". SLA-breach notices carry
an Acknowledge button (one ticket) or menu (grouped): an ack shows in
/api/tickets and the digest (👀) and edits the notice, and so does the
ticket's resolve. Bad clicks get 401/400 and change nothing. The peer is a
fake Slack Web API and PagerDuty."""

import hashlib
import hmac
import json
import statistics
import threading
import time
import unittest
import urllib.parse

from fake_receiver import slack_web_api
from harness import Gateway, Redis, close_gateways, issue, main, rfc3339, wait_for

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ROUTING_KEY = "R0UT1NGKEY0000000000000000000000"


def click_payload(value="canary:c1", action_id="kz_ack", user=None, kind="block_actions"):
    return {"type": kind, "user": user or {"id": "U024BE7LH", "username": "alice", "name": "alice"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "kz_ack",
                         "value": value, "action_ts": "%.6f" % time.time()}],
            "channel": {"id": "C0SRE"}, "container": {"type": "message"},
            "response_url": "https://hooks.slack.com/actions/T0/1/x"}


def menu_payload(value):
    """A choice in the Acknowledge menu of a grouped breach notice."""
    return {"type": "block_actions", "user": {"id": "U024BE7LH", "username": "alice"},
            "actions": [{"type": "static_select", "action_id": "kz_ack", "block_id": "kz_ack",
                         "selected_option": {"text": {"type": "plain_text", "text": value[7:]},
                                             "value": value},
                         "action_ts": "%.6f" % time.time()}],
            "channel": {"id": "C0SRE"}, "container": {"type": "message"}}


def menu_values(msg):
    """The values of a message's Acknowledge menu ([] without one)."""
    out = []
    for block in msg["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                out += [o["value"] for o in element.get("options", [])]
    return out


def form(payload):
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return ("payload=" + urllib.parse.quote(text, safe="")).encode()


def signed(body, secret=SIGNING_SECRET, ts=None, retry=None):
    ts = str(int(time.time()) if ts is None else ts)
    base = b"v0:" + ts.encode() + b":" + body
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()}
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


class SlackApp(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        self.gws = []

    def tearDown(self):
        close_gateways(self, self.gws)
        self.peer.close()
        self.redis.close()

    def start(self, replicas=1, **env):
        base = dict(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_CHANNEL="C0SRE",
                    KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                    KAIZEN_SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    KAIZEN_PAGER_URL=self.peer.url + "/pager", KAIZEN_PAGER_ROUTING_KEY=ROUTING_KEY,
                    KAIZEN_DRY_RUN="0", KAIZEN_CHECK_EVERY="1s", KAIZEN_DIGEST_EVERY="3600s")
        base.update(env)
        k = int(time.time()) // 3600       # no digest joins the Slack traffic
        for w in (k, k + 1):
            self.redis.command("SET", "{kz}:digest:window:every3600-%d" % w, "1", "EX", 7200)
        for _ in range(replicas):
            self.gws.append(Gateway(self.redis.url, **base))
        return self.gws[0]

    def pager(self, action):
        return [r for r in self.peer.received("/pager") if r["json"]["event_action"] == action]

    def updates(self):
        return self.peer.received("/api/chat.update")

    def paged_canary(self, gw, cid="c1"):
        """Starts canary cid with a 1 s budget; returns its Slack page once posted."""
        status, _ = gw.json("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                            body=json.dumps({"id": cid, "service": "checkout",
                                             "environment": "prod", "budget_seconds": 1}).encode())
        self.assertEqual(status, 201)
        posts = wait_for(lambda: [r for r in self.peer.received("/api/chat.postMessage")
                                  if cid in json.dumps(r["json"])], timeout=30, what="the page")
        wait_for(lambda: self.pager("trigger"), timeout=30, what="the PagerDuty trigger")
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") in ("0", None),
                 timeout=30, what="the outbox drained")
        return posts[0]

    def canary(self, gw, cid="c1"):
        status, body = gw.json("GET", "/api/canaries")
        self.assertEqual(status, 200)
        return next((c for c in body["canaries"] if c["id"] == cid), None)

    def test_click_acks_once_across_replicas_and_retries_then_resolve_edits(self):
        gws = self.start(replicas=3) and self.gws
        page = self.paged_canary(gws[0])
        # The page carries the button, with what it acknowledges.
        actions = [b for b in page["json"]["blocks"] if b["type"] == "actions"]
        self.assertEqual(len(actions), 1, page["json"])
        button = actions[0]["elements"][0]
        self.assertEqual((button["type"], button["action_id"], button["value"]),
                         ("button", "kz_ack", "canary:c1"))
        self.assertEqual(button["text"]["text"], "Acknowledge")
        self.assertIsNone(self.canary(gws[0])["acked_by"])

        # One click, delivered to each replica, and retried by Slack 3 times: 12 requests at once.
        body = form(click_payload())
        ts = int(time.time())
        results, lock = [], threading.Lock()

        def send(gw, retry):
            start = time.monotonic()
            status, data = gw.json("POST", "/webhooks/slack", body=body,
                                   headers=signed(body, ts=ts, retry=retry))
            with lock:
                results.append((status, data, time.monotonic() - start))

        threads = [threading.Thread(target=send, args=(gw, retry))
                   for gw in gws for retry in (None, 1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(len(results), 12)
        self.assertTrue(all(status == 200 for status, _, _ in results), results)
        words = sorted(data["status"] for _, data, _ in results)
        self.assertEqual(words, ["acked"] + ["duplicate"] * 11)
        latencies = sorted(r[2] for r in results)
        print("slack click: %d answers, median %.1f ms, max %.1f ms (loopback, 3 replicas)"
              % (len(latencies), 1000 * statistics.median(latencies), 1000 * latencies[-1]))

        c = self.canary(gws[1])
        self.assertEqual(c["acked_by"], "@alice")
        self.assertRegex(c["acked_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # The page is edited in place, and the incident acknowledged with the same dedup_key.
        [edit] = wait_for(self.updates, timeout=30, what="chat.update")
        self.assertEqual(edit["headers"]["authorization"], "Bearer xoxb-test")
        self.assertEqual((edit["json"]["channel"], edit["json"]["ts"]), ("C0SRE", "1700000000.000001"))
        self.assertIn("Acknowledged by @alice", json.dumps(edit["json"], ensure_ascii=False))
        self.assertFalse([b for b in edit["json"]["blocks"] if b["type"] == "actions"])
        [ack] = wait_for(lambda: self.pager("acknowledge"), timeout=30, what="PagerDuty acknowledge")
        self.assertEqual((ack["json"]["dedup_key"], ack["json"]["routing_key"]), ("c1", ROUTING_KEY))

        # The canary ends: resolved in PagerDuty and on the same Slack message.
        self.assertEqual(gws[2].request("DELETE", "/api/canaries/c1")[0], 204)
        wait_for(lambda: len(self.updates()) == 2, timeout=30, what="the resolved edit")
        resolved = self.updates()[1]["json"]
        self.assertEqual(resolved["ts"], "1700000000.000001")
        text = json.dumps(resolved, ensure_ascii=False)
        self.assertIn("Canary resolved", text)
        self.assertIn("acknowledged by @alice", text)
        wait_for(lambda: self.pager("resolve"), timeout=30, what="PagerDuty resolve")
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") == "0", timeout=30,
                 what="the outbox drained")
        time.sleep(1.5)   # anything sent twice would have arrived by now
        self.assertEqual((len(self.updates()), len(self.pager("acknowledge")),
                          len(self.pager("resolve"))), (2, 1, 1))
        self.assertEqual(len(self.peer.received("/api/chat.postMessage")), 1)
        self.assertEqual(self.redis.command("HLEN", "{kz}:canary_ack"), 0)   # gone with the canary

    def test_resolve_edits_the_page_even_through_ratelimited(self):
        gw = self.start()
        page = self.paged_canary(gw)
        self.peer.script("/api/chat.update",
                         ("status", 200, {"Content-Type": "application/json", "Retry-After": "1"},
                          '{"ok":false,"error":"ratelimited"}'))
        self.assertEqual(gw.request("DELETE", "/api/canaries/c1")[0], 204)
        edits = self.peer.wait_for(2, "/api/chat.update", timeout=30)
        self.assertEqual(edits[0]["json"], edits[1]["json"])
        self.assertEqual(edits[1]["json"]["ts"], "1700000000.000001")
        self.assertIn("Canary resolved", json.dumps(edits[1]["json"], ensure_ascii=False))
        self.assertNotIn("acknowledged by", json.dumps(edits[1]["json"]))
        self.assertEqual(page["json"]["channel"], edits[1]["json"]["channel"])
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") == "0", timeout=30,
                 what="the outbox drained")
        time.sleep(1.5)
        self.assertEqual(len(self.updates()), 2)
        self.assertEqual(gw.json("GET", "/api/outbox")[1]["dead"], 0)

    def test_edit_of_a_page_never_posted_is_a_dead_letter(self):
        # The page itself is refused (channel_not_found); its resolve edit has nothing to edit.
        self.peer.script("/api/chat.postMessage",
                         ("status", 200, {"Content-Type": "application/json"},
                          '{"ok":false,"error":"channel_not_found"}'))
        gw = self.start()
        gw.json("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                body=b'{"id":"c9","service":"s","environment":"e","budget_seconds":1}')
        wait_for(lambda: gw.json("GET", "/api/outbox")[1]["dead"] == 1, timeout=30, what="page dead")
        self.assertEqual(gw.request("DELETE", "/api/canaries/c9")[0], 204)
        wait_for(lambda: gw.json("GET", "/api/outbox")[1]["dead"] == 2, timeout=30, what="edit dead")
        recent = gw.json("GET", "/api/outbox")[1]["recent"]
        self.assertIn("nothing to edit", recent[0]["error"])
        self.assertEqual(self.updates(), [])

    def test_bad_clicks_are_refused_and_change_nothing(self):
        gw = self.start()
        self.paged_canary(gw)
        time.sleep(1.2)   # let the timers write what they write after a page
        before = self.redis.snapshot(include_timers=True)
        good = form(click_payload())
        now = int(time.time())
        cases = [
            ("no signature", good, {"Content-Type": "application/x-www-form-urlencoded"}, 401),
            ("stale", good, signed(good, ts=now - 301), 401),
            ("from the future", good, signed(good, ts=now + 301), 401),
            ("other secret", good, signed(good, secret="not-the-secret"), 401),
            ("body changed after signing", good + b"x", signed(good), 401),
            ("not json", form("{nope"), None, 400),
            ("json array", form("[1]"), None, 400),
            ("no payload field", b"token=x", None, 400),
            ("unknown action", form(click_payload(action_id="delete_everything")), None, 400),
            ("other interaction", form(click_payload(kind="view_submission")), None, 400),
            ("bad value", form(click_payload(value="incident:1")), None, 400),
            ("empty ticket id", form(click_payload(value="ticket:")), None, 400),
            ("control in ticket id", form(click_payload(value="ticket:a\u0001b")), None, 400),
            ("empty canary id", form(click_payload(value="canary:")), None, 400),
            ("no user", form(click_payload(user={"team_id": "T1"})), None, 400),
            ("duplicate keys", form('{"type":"block_actions","type":"x"}'), None, 400),
        ]
        for what, body, headers, want in cases:
            status, data = gw.json("POST", "/webhooks/slack", body=body,
                                   headers=headers if headers is not None else signed(body))
            self.assertEqual(status, want, (what, data))
            self.assertIsInstance(data.get("error"), str, what)
        # JSON instead of a form: 415
        body = json.dumps(click_payload()).encode()
        headers = dict(signed(body), **{"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(gw.json("POST", "/webhooks/slack", body=body, headers=headers)[0], 415)
        # A click on a canary that is gone: answered, nothing recorded.
        body = form(click_payload(value="canary:ended-long-ago"))
        self.assertEqual(gw.json("POST", "/webhooks/slack", body=body, headers=signed(body)),
                         (200, {"status": "unknown"}))
        self.assertEqual(self.redis.snapshot(include_timers=True), before)
        self.assertIsNone(self.canary(gw)["acked_by"])
        self.assertEqual(gw.metric("kaizen_webhooks_total", source="slack", event="block_actions",
                                   result="unauthorized"), 5)

    def breach(self, gw, numbers):
        """Opens critical tickets (SLA 1h) that breached 2h ago."""
        created = rfc3339(time.time() - 3 * 3600)
        for n in numbers:
            status, body = gw.github("issues", issue(
                "opened", number=n, title="Ticket %d" % n, created=created, updated=created,
                labels=("severity:critical", "component:checkout")))
            self.assertEqual(status, 202, body)

    def close_issue(self, gw, n):
        now = rfc3339(time.time())
        status, body = gw.github("issues", issue("closed", number=n, state="closed",
                                                 title="Ticket %d" % n, created=now, updated=now,
                                                 closed=now, labels=("severity:critical",
                                                                     "component:checkout")))
        self.assertEqual(status, 202, body)

    def ticket(self, gw, tid):
        status, body = gw.json("GET", "/api/tickets?limit=100")
        self.assertEqual(status, 200)
        return next(t for t in body["tickets"] if t["id"] == tid)

    def test_grouped_breach_notice_ack_menu_and_edits(self):
        # Loaded with no check running, so the three breach in one check: one notice.
        loader = self.start(KAIZEN_SLA="critical=3600s", KAIZEN_CHECK_EVERY="3600s")
        self.breach(loader, (1, 2, 3))
        self.gws.remove(loader)
        close_gateways(self, [loader])
        self.start(replicas=3, KAIZEN_SLA="critical=3600s")
        gws = self.gws
        [notice] = wait_for(lambda: self.peer.received("/api/chat.postMessage"), timeout=30,
                            what="the breach notice")
        self.assertIn("3 SLA breaches", notice["json"]["text"])
        ids = ["gh:octo-org/api#%d" % n for n in (1, 2, 3)]
        self.assertEqual(menu_values(notice["json"]), ["ticket:" + i for i in ids])

        # The menu's choice of #2, sent to every replica and retried: recorded once.
        body = form(menu_payload("ticket:" + ids[1]))
        ts = int(time.time())
        words = sorted(gw.json("POST", "/webhooks/slack", body=body,
                               headers=signed(body, ts=ts, retry=retry))[1]["status"]
                       for gw in gws for retry in (None, 1, 2, 3))
        self.assertEqual(words, ["acked"] + ["duplicate"] * 11)
        acked = self.ticket(gws[1], ids[1])
        self.assertEqual(acked["acked_by"], "@alice")
        self.assertRegex(acked["acked_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsNone(self.ticket(gws[1], ids[0])["acked_by"])
        # The notice is edited: #2 shows who acked it and leaves the menu.
        [edit] = wait_for(self.updates, timeout=30, what="the ack's edit")
        self.assertEqual((edit["json"]["channel"], edit["json"]["ts"]), ("C0SRE", notice["ts"]))
        self.assertIn("👀 @alice", json.dumps(edit["json"], ensure_ascii=False))
        self.assertEqual(menu_values(edit["json"]), ["ticket:" + ids[0], "ticket:" + ids[2]])

        # #1 resolves: the same notice is edited again, #1 marked resolved.
        self.close_issue(gws[2], 1)
        wait_for(lambda: len(self.updates()) == 2, timeout=30, what="the resolve's edit")
        resolved = self.updates()[1]["json"]
        self.assertEqual(resolved["ts"], notice["ts"])
        line = next(l for l in json.dumps(resolved, ensure_ascii=False).split("\\n")
                    if "/issues/1|" in l)
        self.assertIn("✅", line)
        self.assertIn("resolved", line)
        self.assertEqual(menu_values(resolved), ["ticket:" + ids[2]])
        # A click on a resolved ticket acknowledges nothing.
        body = form(menu_payload("ticket:" + ids[0]))
        self.assertEqual(gws[0].json("POST", "/webhooks/slack", body=body, headers=signed(body)),
                         (200, {"status": "unknown"}))

        # The digest shows the ack next to the ticket.
        self.assertIn(gws[0].json("POST", "/api/digest")[0], (200, 202))
        digest = wait_for(lambda: [r for r in self.peer.received("/api/chat.postMessage")
                                   if "SLA breaches" not in r["json"]["text"]],
                          timeout=30, what="the digest")
        text = json.dumps([d["json"] for d in digest], ensure_ascii=False)
        line = next(l for l in text.split("\\n") if "/issues/2|" in l)
        self.assertIn("👀 @alice", line)
        self.assertNotIn("👀", next(l for l in text.split("\\n") if "/issues/3|" in l))

        # Nothing was edited twice; the notice is forgotten once its tickets are resolved.
        for n in (2, 3):
            self.close_issue(gws[0], n)
        wait_for(lambda: len(self.updates()) == 4, timeout=30, what="the last edits")
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") == "0", timeout=30,
                 what="the outbox drained")
        time.sleep(3)   # two edit slots (1.2 s each): anything sent twice would be here
        self.assertEqual(len(self.updates()), 4)
        self.assertEqual(menu_values(self.updates()[3]["json"]), [])
        self.assertEqual(self.redis.command("HLEN", "{kz}:breach:notice_of"), 0)
        self.assertEqual(self.redis.command("HLEN", "{kz}:breach:notices"), 0)
        self.assertEqual(gws[0].json("GET", "/api/outbox")[1]["dead"], 0)

    def test_one_ticket_notice_button_and_resolve_edit(self):
        gw = self.start(KAIZEN_SLA="critical=3600s")
        self.breach(gw, (7,))
        [notice] = wait_for(lambda: self.peer.received("/api/chat.postMessage"), timeout=30,
                            what="the breach notice")
        [button] = [e for b in notice["json"]["blocks"] if b["type"] == "actions"
                    for e in b["elements"]]
        self.assertEqual((button["type"], button["action_id"], button["value"]),
                         ("button", "kz_ack", "ticket:gh:octo-org/api#7"))
        body = form(click_payload(value="ticket:gh:octo-org/api#7"))
        self.assertEqual(gw.json("POST", "/webhooks/slack", body=body, headers=signed(body)),
                         (200, {"status": "acked"}))
        [edit] = wait_for(self.updates, timeout=30, what="the ack's edit")
        text = json.dumps(edit["json"], ensure_ascii=False)
        self.assertIn("Acknowledged by @alice", text)
        self.assertFalse([b for b in edit["json"]["blocks"] if b["type"] == "actions"])
        self.close_issue(gw, 7)
        wait_for(lambda: len(self.updates()) == 2, timeout=30, what="the resolve's edit")
        text = json.dumps(self.updates()[1]["json"], ensure_ascii=False)
        self.assertIn("✅ Resolved", text)
        self.assertIn("Acknowledged by @alice", text)   # an ack lasts until a reopen
        self.assertEqual(self.ticket(gw, "gh:octo-org/api#7")["acked_by"], "@alice")

    def test_no_signing_secret_no_button_and_404(self):
        gw = self.start(KAIZEN_SLACK_SIGNING_SECRET=None)
        page = self.paged_canary(gw)
        self.assertFalse([b for b in page["json"]["blocks"] if b["type"] == "actions"])
        body = form(click_payload())
        status, data = gw.json("POST", "/webhooks/slack", body=body, headers=signed(body))
        self.assertEqual(status, 404)
        self.assertIn("KAIZEN_SLACK_SIGNING_SECRET", data["error"])


class TimeToAcknowledge(unittest.TestCase):
    """MTTA: the first ack of a ticket, from its creation (or reopening), counted
    once in Redis whichever replica or retry got the click; exported alike by all."""

    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.gws = [Gateway(self.redis.url, KAIZEN_SLACK_SIGNING_SECRET=SIGNING_SECRET)
                    for _ in range(2)]

    def tearDown(self):
        close_gateways(self, self.gws)
        self.redis.close()

    def click_everywhere(self, tid):
        """The click on every replica, each with a Slack retry; returns the
        bounds of the instant it was recorded (whole seconds) and the words."""
        body = form(click_payload(value="ticket:" + tid))
        before = int(time.time())
        words = sorted(gw.json("POST", "/webhooks/slack", body=body,
                               headers=signed(body, retry=retry))[1]["status"]
                       for gw in self.gws for retry in (None, 1))
        return before, int(time.time()), words

    def test_first_ack_counted_once_per_opening(self):
        a, b = self.gws
        pair = dict(component="checkout", severity="high")
        created = int(time.time()) - 1000
        labels = ("severity:high", "component:checkout")
        self.assertEqual(a.github("issues", issue("opened", number=5, labels=labels,
                                                  created=rfc3339(created),
                                                  updated=rfc3339(created)))[0], 202)
        for gw in self.gws:
            gw.wait_metric("kaizen_ticket_ack_seconds_count", 0, **pair)
        lo, hi, words = self.click_everywhere("gh:octo-org/api#5")
        self.assertEqual(words, ["acked", "duplicate", "duplicate", "duplicate"])
        for gw in self.gws:
            gw.wait_metric("kaizen_ticket_ack_seconds_count", 1, **pair)
        first = a.metric("kaizen_ticket_ack_seconds_sum", **pair)
        self.assertTrue(lo - created <= first <= hi - created, (lo, hi, first))
        # ~1000 s: in the 1800 s bucket, not the 900 s one
        self.assertEqual(b.metric("kaizen_ticket_ack_seconds_bucket", le="900", **pair), 0)
        self.assertEqual(b.metric("kaizen_ticket_ack_seconds_bucket", le="1800", **pair), 1)
        self.assertEqual(b.metric("kaizen_ticket_ack_seconds_sum", **pair), first)

        # Closed and reopened: a new episode, acknowledged again, timed from the reopening.
        now = int(time.time())
        self.assertEqual(b.github("issues", issue("closed", number=5, labels=labels, state="closed",
                                                  created=rfc3339(created), updated=rfc3339(now),
                                                  closed=rfc3339(now)))[0], 202)
        reopened = now + 1
        self.assertEqual(a.github("issues", issue("reopened", number=5, labels=labels,
                                                  created=rfc3339(created),
                                                  updated=rfc3339(reopened)))[0], 202)
        while int(time.time()) < reopened + 2:   # a time to acknowledge of 2 s or more
            time.sleep(0.2)
        lo, hi, words = self.click_everywhere("gh:octo-org/api#5")
        self.assertEqual(words, ["acked", "duplicate", "duplicate", "duplicate"])
        for gw in self.gws:
            gw.wait_metric("kaizen_ticket_ack_seconds_count", 2, **pair)
        second = a.metric("kaizen_ticket_ack_seconds_sum", **pair) - first
        self.assertTrue(lo - reopened <= second <= hi - reopened, (lo, hi, second))
        self.assertEqual(a.metric("kaizen_ticket_ack_seconds_bucket", le="300", **pair), 1)
        self.assertEqual(a.metric("kaizen_ticket_reopened_total", **pair), 1)
        [t] = a.tickets()
        self.assertEqual((t["reopened"], t["acked_by"]), (1, "@alice"))


if __name__ == "__main__":
    main()
