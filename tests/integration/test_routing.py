"""Routing (KAIZEN_ROUTES_FILE) in Web API mode, across three replicas:
200 tickets (GitHub and Alertmanager) and three canaries over four
channels. Every channel gets exactly one digest of exactly its tickets in
the window; every breach exactly one notice, in its channel, in the thread
of that channel's digest; every canary page goes to its route's channel and
PagerDuty key, and is edited exactly once when the canary ends; Slack's
`ratelimited` answers cause no duplicate. /api/tickets shows each ticket's
route. --check-config prints the routes (never a key); a bad file fails
start-up naming the route and the problem."""

import collections
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

from fake_receiver import slack_web_api
from harness import BIN, SOURCE_DIR, Gateway, Redis, clean_env, close_gateways, issue, main, rfc3339, wait_for

AM_TOKEN = "am-bearer-token"
PAY_KEY = "PAYKEY00000000000000000000000000"
DEFAULT_KEY = "DEFKEY00000000000000000000000000"
SLA_SECONDS = 40       # critical tickets breach this long after they open

ROUTES = {
    "routes": [
        {"name": "payments", "match": {"component": ["checkout", "pay-*"]},
         "slack_channel": "C0PAY", "pager_routing_key_file": None},
        {"name": "search", "match": {"component": ["search*"]}, "slack_channel": "C0SEARCH"},
        {"name": "alerts", "match": {"source": ["alertmanager"]}, "slack_channel": "C0ALERTS"},
    ],
    "default": {"slack_channel": "C0SRE", "pager_routing_key": DEFAULT_KEY},
}
COMPONENTS = ["checkout", "pay-api", "search-web", "search", "web", "db"]


def expected_channel(component, source):
    if component in ("checkout", "pay-api"):
        return "C0PAY"
    if component.startswith("search"):
        return "C0SEARCH"
    if source == "alertmanager":
        return "C0ALERTS"
    return "C0SRE"


def text_of(msg):
    return json.dumps(msg, ensure_ascii=False)


def is_digest(msg):
    return any(b["type"] == "header" and "SLA digest" in b["text"]["text"] for b in msg["blocks"])


def is_breach(msg):
    return "SLA breach" in text_of(msg) and not is_digest(msg)


class Routing(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        self.dir = tempfile.mkdtemp(prefix="kz-routes-")
        key_file = os.path.join(self.dir, "pay-key")
        with open(key_file, "w") as f:
            f.write(PAY_KEY + "\n")
        routes = json.loads(json.dumps(ROUTES))
        routes["routes"][0]["pager_routing_key_file"] = key_file
        self.routes_file = os.path.join(self.dir, "routes.json")
        with open(self.routes_file, "w") as f:
            json.dump(routes, f, indent=2)
        self.gws = []

    def tearDown(self):
        close_gateways(self, self.gws)
        self.peer.close()
        self.redis.close()

    def env(self, **extra):
        env = dict(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                   KAIZEN_ROUTES_FILE=self.routes_file, KAIZEN_PAGER_URL=self.peer.url + "/pager",
                   KAIZEN_ALERTMANAGER_TOKEN=AM_TOKEN, KAIZEN_DRY_RUN="0",
                   KAIZEN_SLA="critical=%ds" % SLA_SECONDS, KAIZEN_DIGEST_MAX_TICKETS="200",
                   KAIZEN_CHECK_EVERY="3600s")
        env.update(extra)
        return env

    def test_four_channels_three_replicas(self):
        loader = Gateway(self.redis.url, **self.env())
        self.gws.append(loader)
        want = {}      # ticket id -> (channel, critical)
        created = rfc3339(time.time())
        for n in range(1, 151):
            component = COMPONENTS[n % len(COMPONENTS)]
            severity = "critical" if n % 5 == 0 else "low"
            status, body = loader.github("issues", issue(
                "opened", number=n, title="T%d" % n, created=created, updated=created,
                labels=("severity:" + severity, "component:" + component)))
            self.assertEqual(status, 202, body)
            want["gh:octo-org/api#%d" % n] = (expected_channel(component, "github"), severity == "critical")
        alerts = []
        for n in range(1, 51):
            component = ["web", "db", "search-web"][n % 3]
            severity = "critical" if n % 5 == 0 else "warning"
            alerts.append({"status": "firing", "fingerprint": "f%04d" % n,
                           "labels": {"alertname": "A%d" % n, "component": component,
                                      "severity": severity},
                           "annotations": {"summary": "A%d" % n}, "startsAt": created,
                           "endsAt": "0001-01-01T00:00:00Z",
                           "generatorURL": "http://prometheus.example/graph"})
            want["am:f%04d" % n] = (expected_channel(component, "alertmanager"), severity == "critical")
        status, _, _ = loader.request("POST", "/webhooks/alertmanager", headers={
            "Authorization": "Bearer " + AM_TOKEN, "Content-Type": "application/json"},
            body=json.dumps({"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
                             "status": "firing", "receiver": "kaizen", "groupLabels": {},
                             "commonLabels": {}, "commonAnnotations": {},
                             "externalURL": "http://alertmanager.example",
                             "alerts": alerts}).encode())
        self.assertEqual(status, 202)
        self.assertEqual(len(want), 200)
        # Each ticket shows its route.
        routes = {t["id"]: t["route"] for t in loader.all_tickets("?state=open")[0]}
        names = {"C0PAY": "payments", "C0SEARCH": "search", "C0ALERTS": "alerts", "C0SRE": "default"}
        self.assertEqual(routes, {tid: names[ch] for tid, (ch, _) in want.items()})
        loader.close()
        self.gws.remove(loader)

        # The first answers for each channel are "ratelimited" (at most three per channel).
        self.peer.script("/api/chat.postMessage", *[
            ("status", 200, {"Content-Type": "application/json", "Retry-After": "1"},
             '{"ok":false,"error":"ratelimited"}')] * 6)
        minute = time.strftime("%H:%M", time.gmtime())
        for _ in range(3):
            self.gws.append(Gateway(self.redis.url, **self.env(
                KAIZEN_DIGEST_AT=minute, KAIZEN_CHECK_EVERY="1s", KAIZEN_CANARY_BUDGET="1s")))
        gw = self.gws[0]
        for i, service in enumerate(("checkout", "search-api", "web")):
            status, _ = gw.json("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                                body=json.dumps({"id": "can-%d" % i, "service": service,
                                                 "environment": "prod"}).encode())
            self.assertEqual(status, 201)
        # What Slack took (answered with a ts; the ratelimited answers are not posts).
        posts = lambda: [r for r in self.peer.received("/api/chat.postMessage") if "ts" in r]
        breached = {tid for tid, (_, crit) in want.items() if crit}
        # Wait for every breach notice (each lists its tickets) and the three pages.
        def notified():
            seen = set()
            for r in posts():
                if is_breach(r["json"]):
                    seen |= {tid for tid in breached if listed(tid, r["json"])}
            return seen == breached
        wait_for(notified, timeout=SLA_SECONDS + 90, interval=0.5, what="every breach notice")
        wait_for(lambda: len(self.peer.received("/pager")) >= 3 and
                 sum("Canary `can-" in text_of(r["json"]) for r in posts()) == 3,
                 timeout=60, what="three canary pages")
        for i in range(3):
            self.assertEqual(gw.request("DELETE", "/api/canaries/can-%d" % i)[0], 204)
        wait_for(lambda: len(self.peer.received("/api/chat.update")) >= 3, timeout=60,
                 what="three page edits")
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") == "0", timeout=60,
                 what="the outbox drained")
        time.sleep(2)   # anything sent twice would have arrived by now

        sent = [r["json"] for r in posts()]
        by_channel = collections.defaultdict(list)
        for m in sent:
            by_channel[m["channel"]].append(m)
        self.assertEqual(set(by_channel), {"C0PAY", "C0SEARCH", "C0ALERTS", "C0SRE"})
        # Slack ts -> the message posted with it (the fake keeps what it answered).
        ts_of = {r["ts"]: r["json"] for r in self.peer.received("/api/chat.postMessage") if "ts" in r}
        counts = {}
        for channel, msgs in sorted(by_channel.items()):
            digests = [m for m in msgs if is_digest(m)]
            notices = [m for m in msgs if is_breach(m)]
            # Exactly one digest per channel: its parts, each once.
            parts = sorted(part_of(d) for d in digests)
            self.assertEqual(parts, [(i, parts[0][1]) for i in range(1, parts[0][1] + 1)],
                             (channel, [text_of(d)[:200] for d in digests]))
            mine = {tid for tid, (ch, _) in want.items() if ch == channel}
            listed_here = {tid for tid in want if any(listed(tid, d) for d in digests)}
            self.assertEqual(listed_here, mine, channel)
            head = [d for d in digests if part_of(d)[0] == 1][0]
            digest_ts = [ts for ts, m in ts_of.items() if m == head]
            self.assertEqual(len(digest_ts), 1)
            # Each breach of the channel in exactly one notice, in the digest's thread.
            per_ticket = collections.Counter(tid for n in notices for tid in breached
                                             if listed(tid, n))
            self.assertEqual(set(per_ticket), {tid for tid in mine if tid in breached}, channel)
            self.assertEqual(set(per_ticket.values()), {1}, channel)
            for n in notices:
                self.assertEqual(n.get("thread_ts"), digest_ts[0], channel)
            counts[channel] = (len(mine), len(per_ticket), len(notices))
        # Canary pages: their channel and PagerDuty key, then one edit each, in place.
        pages = {re.search(r"Canary `(can-\d)`", text_of(m)).group(1): m
                 for m in sent if "Canary over budget" in text_of(m)}
        self.assertEqual({k: v["channel"] for k, v in pages.items()},
                         {"can-0": "C0PAY", "can-1": "C0SEARCH", "can-2": "C0SRE"})
        pager = self.peer.received("/pager")
        keys = {(r["json"]["dedup_key"], r["json"]["event_action"]): r["json"]["routing_key"]
                for r in pager}
        self.assertEqual(keys, {("can-0", "trigger"): PAY_KEY, ("can-0", "resolve"): PAY_KEY,
                                ("can-1", "trigger"): DEFAULT_KEY, ("can-1", "resolve"): DEFAULT_KEY,
                                ("can-2", "trigger"): DEFAULT_KEY, ("can-2", "resolve"): DEFAULT_KEY})
        self.assertEqual(len(pager), 6)
        edits = [r["json"] for r in self.peer.received("/api/chat.update")]
        self.assertEqual(len(edits), 3)
        # chat.update's method tier is the workspace's: three channels' edits are claimed
        # 1.2 s apart (without it they go out together). A lower bound with room for the
        # requests' own latency: a slow machine only widens the gaps.
        at = [r["at"] for r in self.peer.received("/api/chat.update")]
        gaps = [b - a for a, b in zip(at, at[1:])]
        self.assertTrue(all(g >= 0.6 for g in gaps), gaps)
        self.assertEqual(len({e["channel"] for e in edits}), 3)
        for e in edits:
            self.assertIn("Canary resolved", text_of(e))
            self.assertEqual(ts_of[e["ts"]]["channel"], e["channel"])
            self.assertIn("Canary over budget", text_of(ts_of[e["ts"]]))
        print("routing: tickets/breached/notices per channel %s; %d posts (%d answered "
              "ratelimited), %d edits, %d PagerDuty events"
              % (counts, len(sent), len(self.peer.received("/api/chat.postMessage")) - len(sent),
                 len(edits), len(pager)))

    def test_route_filters_tickets_and_the_feed(self):
        """?route= keeps the tickets a route takes now; paging walks them all, even when the
        route's tickets are rarer than one page in GW_ROUTE_SCAN (1000) of the listing."""
        gw = Gateway(self.redis.url, **self.env())
        self.gws.append(gw)
        created = rfc3339(time.time())
        want = {"payments": set(), "search": set(), "alerts": set(), "default": set()}
        # 1 200 alerts: db (alerts route), then a few search-web (search route) every 400
        alerts = []
        for n in range(1, 1201):
            component = "search-web" if n % 400 == 0 else "db"
            alerts.append({"status": "firing", "fingerprint": "r%05d" % n,
                           "labels": {"alertname": "A%d" % n, "component": component},
                           "annotations": {}, "startsAt": created, "endsAt": "0001-01-01T00:00:00Z",
                           "generatorURL": "http://prometheus.example/graph"})
            want["search" if component == "search-web" else "alerts"].add("am:r%05d" % n)
        status, _, _ = gw.request("POST", "/webhooks/alertmanager", headers={
            "Authorization": "Bearer " + AM_TOKEN, "Content-Type": "application/json"},
            body=json.dumps({"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
                             "status": "firing", "receiver": "kaizen", "alerts": alerts}))
        self.assertEqual(status, 202)
        for n, component in enumerate(["checkout", "pay-api", "web", "search"], 1):
            status, body = gw.github("issues", issue("opened", number=n, title="T%d" % n,
                                                     created=created, updated=created,
                                                     labels=("component:" + component,)))
            self.assertEqual(status, 202, body)
            route = {"checkout": "payments", "pay-api": "payments", "web": "default",
                     "search": "search"}[component]
            want[route].add("gh:octo-org/api#%d" % n)
        for route, ids in want.items():
            for limit in (1, 7, 1000):
                got, pages = gw.all_tickets("?route=" + route, limit=limit)
                self.assertEqual(sorted(t["id"] for t in got), sorted(ids), (route, limit))
                self.assertTrue(all(t["route"] == route for t in got))
                # a page holds at most limit; a rare route may take pages with fewer
                self.assertGreaterEqual(pages, -(-len(ids) // limit))
        # with the other filters
        got, _ = gw.all_tickets("?route=payments&component=checkout")
        self.assertEqual([t["id"] for t in got], ["gh:octo-org/api#1"])
        for bad in ("?route=nope", "?route=", "?route=payments&route=search"):
            status, body = gw.json("GET", "/api/tickets" + bad)
            self.assertEqual(status, 400, (bad, body))
            self.assertIn("route", body["error"])
        # The tickets feed (no pages) keeps the route's among the newest GW_ROUTE_SCAN
        # (1000) listed: all changed in the same second, they list by id, am:r00001 first.
        newest = sorted(set().union(*want.values()))[:1000]
        for route in ("search", "payments", "alerts"):
            status, _, data = gw.request("GET", "/feeds/tickets.rss?route=" + route)
            self.assertEqual(status, 200)
            feed = data.decode()
            expect = [tid for tid in newest if tid in want[route]][:200]
            self.assertEqual(feed.count("<item>"), len(expect), (route, expect))
            for tid in expect:
                self.assertIn("<guid isPermaLink=\"false\">%s</guid>" % tid, feed)
        status, _, _ = gw.request("GET", "/feeds/tickets.rss?route=nope")
        self.assertEqual(status, 400)

    def test_check_config_prints_routes_and_bad_files_fail(self):
        env = clean_env(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_ROUTES_FILE=self.routes_file,
                        KAIZEN_TEMPLATES_DIR=os.path.join(SOURCE_DIR, "templates"))
        out = subprocess.run([BIN, "--check-config"], env=env, capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("routes ok", out.stdout)
        for name, channel in (("payments", "C0PAY"), ("search", "C0SEARCH"), ("alerts", "C0ALERTS"),
                              ("default", "C0SRE")):
            self.assertRegex(out.stdout, r"%s\s.*-> slack %s" % (name, channel))
        self.assertNotIn(PAY_KEY, out.stdout + out.stderr)
        self.assertNotIn(DEFAULT_KEY, out.stdout + out.stderr)
        bad = dict(ROUTES, routes=[{"name": "payments", "match": {"severity": ["urgent"]},
                                    "slack_channel": "C0PAY"}])
        with open(self.routes_file, "w") as f:
            json.dump(bad, f)
        for args in (["--check-config"], []):
            out = subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 2, out.stdout)
            self.assertIn("routes[0] (payments): match.severity: 'urgent' is not critical", out.stderr)
            self.assertIn(self.routes_file, out.stderr)
        with open(self.routes_file, "w") as f:
            f.write('{"routes": [\n  {"slack_channel": "C0PAY",}\n]}')
        out = subprocess.run([BIN, "--check-config"], env=env, capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 2)
        self.assertIn(self.routes_file + ":2:", out.stderr)
        # Channels need the bot token: an incoming webhook posts to its own channel.
        env.pop("KAIZEN_SLACK_BOT_TOKEN")
        with open(self.routes_file, "w") as f:
            json.dump({"default": {"slack_channel": "C0SRE"}}, f)
        out = subprocess.run([BIN, "--check-config"], env=env, capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 2)
        self.assertIn("needs KAIZEN_SLACK_BOT_TOKEN", out.stderr)


def part_of(msg):
    """(part, parts) of a digest message, from its header."""
    header = next(b["text"]["text"] for b in msg["blocks"] if b["type"] == "header")
    m = re.search(r"\(part (\d+)/(\d+)\)", header)
    return (int(m.group(1)), int(m.group(2))) if m else (1, 1)


def listed(ticket_id, msg):
    """Whether a Slack message lists the ticket (by its title or alert summary link)."""
    text = text_of(msg)
    if ticket_id.startswith("gh:"):
        n = ticket_id.rsplit("#", 1)[1]
        return "/issues/%s|" % n in text
    return "A%d" % int(ticket_id[4:]) in re.findall(r"\bA\d+\b", text)


if __name__ == "__main__":
    main()
