"""The weekly Kaizen report job across three replicas (KAIZEN_REPORT_EVERY
makes a "week" 10 seconds): in Web API mode with routes, every Slack
destination gets exactly one report per period, whichever replica posts it
(each route's channel its own components, the default channel all of
them), and the reports feed one item per period. A period that ended
while no replica ran is posted by the first one back within its grace,
once. The default channel's
report lists 62 components with long names: it is split into several messages, each
within Block Kit's limits, every component in exactly one of them."""

import collections
import json
import os
import re
import tempfile
import time
import unittest

from fake_receiver import slack_web_api
from harness import Gateway, Redis, close_gateways, issue, main, rfc3339, wait_for

EVERY = 10
ROUTES = {"routes": [{"name": "payments", "match": {"component": ["checkout"]}, "slack_channel": "C0PAY"},
                     {"name": "search", "match": {"component": ["search"]}, "slack_channel": "C0SEARCH"}],
          "default": {"slack_channel": "C0SRE"}}
# Long names: 60 of them make a report longer than one message holds.
SERVICES = ["svc-%02d-%s" % (i, "payments-ledger-reconciliation-" * 4) for i in range(60)]
HEADER = re.compile(r"Kaizen report (every%d-(\d+))" % EVERY)


def text_units(s):
    return len(s.encode("utf-16-le")) // 2


def report_of(msg):
    """(period, part, parts) of a report message, or None."""
    for b in msg.get("blocks", []):
        if b["type"] == "header":
            m = HEADER.search(b["text"]["text"])
            if m:
                parts = re.search(r"\(part (\d+)/(\d+)\)", b["text"]["text"])
                return (m.group(1), int(m.group(2)),
                        (int(parts.group(1)), int(parts.group(2))) if parts else (1, 1))
    return None


class ReportJob(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        self.dir = tempfile.mkdtemp(prefix="kz-report-job-")
        self.gws = []

    def tearDown(self):
        close_gateways(self, self.gws)
        self.peer.close()
        self.redis.close()

    def test_each_destination_gets_one_report_per_period_across_three_replicas(self):
        routes = os.path.join(self.dir, "routes.json")
        with open(routes, "w") as f:
            json.dump(ROUTES, f)
        env = dict(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                   KAIZEN_ROUTES_FILE=routes, KAIZEN_DRY_RUN="0",
                   KAIZEN_REPORT_EVERY="%ds" % EVERY, KAIZEN_PUBLIC_URL="https://kaizen.example")
        gw = Gateway(self.redis.url, **env)
        self.gws.append(gw)
        now = time.time()
        for n, component in enumerate(SERVICES + ["checkout", "search"], start=1):
            status, body = gw.github("issues", issue("opened", number=n, title="<T%d> & co" % n,
                                                     labels=("component:" + component,),
                                                     created=rfc3339(now - 60), updated=rfc3339(now - 60)))
            self.assertEqual(status, 202, body)
        self.gws += [Gateway(self.redis.url, **env) for _ in range(2)]
        first = int(time.time()) // EVERY + 1      # every replica is up for the whole of it

        def reports():
            out = collections.defaultdict(list)   # (period, channel) -> [(part, parts, msg)]
            for r in self.peer.received("/api/chat.postMessage"):
                rep = report_of(r["json"])
                if rep is not None:
                    out[(rep[1], r["json"]["channel"])].append((rep[2], r["json"]))
            return out

        def complete(k):
            got = reports()
            return all(len(got.get((k, ch), [])) >= (got[(k, ch)][0][0][1] if got.get((k, ch)) else 1)
                       for ch in ("C0PAY", "C0SEARCH", "C0SRE"))

        wait_for(lambda: complete(first + 1), timeout=120, what="two periods of reports")
        # One more period for any duplicate to show up.
        time.sleep(EVERY)
        got = reports()
        checked = 0
        for k in (first, first + 1):
            for channel, want in (("C0PAY", {"All components", "checkout"}),
                                  ("C0SEARCH", {"All components", "search"}),
                                  ("C0SRE", set(["All components"] + SERVICES + ["checkout", "search"]))):
                msgs = got[(k, channel)]
                parts = sorted(p for p, _ in msgs)
                n = parts[0][1]
                self.assertEqual(parts, [(i, n) for i in range(1, n + 1)], (k, channel))
                seen = []
                for _, m in msgs:
                    self.assertLessEqual(len(m["blocks"]), 50)
                    total = text_units(m["text"])
                    for b in m["blocks"]:
                        t = b["text"]["text"]
                        total += text_units(t)
                        self.assertLessEqual(text_units(t), 150 if b["type"] == "header" else 3000)
                        if b["type"] == "section":
                            seen += [x.group(1) for x in re.finditer(r"^\*([^*]+)\*", t, re.M)]
                    self.assertLess(total, 12000)
                self.assertEqual(sorted(seen), sorted(want), (k, channel))
                self.assertNotIn("<T1>", json.dumps(msgs))
                if channel == "C0SRE":
                    self.assertGreater(n, 1, "62 components split")
                checked += 1
        print("reports: %d periods x 3 channels checked; default channel split in %d messages"
              % (checked // 3, n))
        # The feed: one item per period, linking to the period's page.
        status, _, xml = gw.request("GET", "/feeds/reports.rss")
        self.assertEqual(status, 200)
        guids = re.findall(r"<guid[^>]*>([^<]+)</guid>", xml.decode())
        self.assertEqual(len(guids), len(set(guids)))
        for k in (first, first + 1):
            self.assertIn("report:every%d-%d" % (EVERY, k), guids)
            self.assertIn("https://kaizen.example/reports/weekly?week=every%d-%d" % (EVERY, k),
                          xml.decode())

    def test_a_period_due_while_every_replica_was_down_is_caught_up_once(self):
        every = 30   # grace: half a period
        env = dict(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                   KAIZEN_SLACK_CHANNEL="C0SRE", KAIZEN_DRY_RUN="0",
                   KAIZEN_REPORT_EVERY="%ds" % every)
        # Nothing runs when period k ends; the first replica starts 2 s later.
        boundary = (int(time.time()) // every + 1) * every
        time.sleep(boundary + 2 - time.time())
        missed = "every%d-%d" % (every, boundary // every - 1)
        self.gws.append(Gateway(self.redis.url, **env))
        started = time.time() - boundary
        self.gws += [Gateway(self.redis.url, **env) for _ in range(2)]

        def posted():
            return [r for r in self.peer.received("/api/chat.postMessage")
                    if ("Kaizen report " + missed + " ") in json.dumps(r["json"], ensure_ascii=False)]
        wait_for(posted, timeout=60, what="the missed period's report")
        time.sleep(3)   # every replica has ticked since
        print("missed period %s posted by a replica up %.1f s after it ended: %d message(s)"
              % (missed, started, len(posted())))
        self.assertEqual(len(posted()), 1)


if __name__ == "__main__":
    main()
