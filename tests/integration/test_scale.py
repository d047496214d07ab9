"""Data at scale, functionally: pages and cursors (also while tickets
change), filters read from the indexes, the 200-item feed, retention, the
capped digest and grouped SLA-breach notices across replicas. Sizes here
are hundreds of tickets, enough to cross every page and message boundary;
bench/scale.sh measures the same paths at a million."""

import json
import re
import unittest
import xml.etree.ElementTree as ET

from fake_receiver import FakeReceiver
from harness import (DAY, GO_ZERO_TIME, HOUR, MINUTE, NOW, Gateway, Redis, issue, main, rfc3339,
                     wait_for)

AM_TOKEN = "am-token"
SEVERITIES = ("critical", "warning", "info")   # -> critical, medium, low


def alert(n, component, severity="critical", starts=None, ends=None):
    return {"status": "resolved" if ends else "firing", "fingerprint": "fp%05d" % n,
            "labels": {"alertname": "Alert%05d" % n, "component": component,
                       "severity": severity},
            "annotations": {"summary": "Alert number %05d" % n},
            "generatorURL": "http://prometheus.example/graph?g0.expr=up",
            "startsAt": starts or rfc3339(NOW - HOUR), "endsAt": ends or GO_ZERO_TIME}


class ScaleTest(unittest.TestCase):
    env = {}

    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.slack = FakeReceiver()
        self.gateways = []

    def tearDown(self):
        for gw in self.gateways:
            gw.close()
        self.slack.close()
        self.redis.close()

    def gateway(self, **env):
        base = {"KAIZEN_ALERTMANAGER_TOKEN": AM_TOKEN, "KAIZEN_MAX_BODY": "8MiB",
                "KAIZEN_SLACK_WEBHOOK_URL": self.slack.url + "/slack", "KAIZEN_DRY_RUN": "0"}
        base.update(self.env)
        base.update(env)
        gw = Gateway(self.redis.url, **base)
        self.gateways.append(gw)
        return gw

    def notify(self, gw, alerts):
        body = {"version": "4", "groupKey": "{}:{}", "status": alerts[0]["status"],
                "receiver": "kaizen", "groupLabels": {}, "commonLabels": {},
                "commonAnnotations": {}, "externalURL": "http://am.example", "alerts": alerts}
        status, reply = gw.json("POST", "/webhooks/alertmanager", body=json.dumps(body).encode(),
                                headers={"Authorization": "Bearer " + AM_TOKEN,
                                         "Content-Type": "application/json"}, timeout=60)
        self.assertEqual(status, 202, reply)
        return reply

    def admin(self, gw, method, path):
        status, body = gw.json(method, path)
        self.assertEqual(status, 202 if method == "POST" else 200, body)
        return body

    def index_sizes(self):
        """Tickets stored and entries of each index: consistent when they agree."""
        r = self.redis.command
        stored = int(r("HLEN", "{kz}:ticket"))
        open_ = int(r("ZCARD", "{kz}:ix:open"))
        resolved = int(r("ZCARD", "{kz}:ix:resolved"))
        return {"stored": stored, "open+resolved": open_ + resolved,
                "by component": int(r("ZCARD", "{kz}:ix:c:open")) + int(r("ZCARD", "{kz}:ix:c:resolved")),
                "by severity": int(r("ZCARD", "{kz}:ix:s:open")) + int(r("ZCARD", "{kz}:ix:s:resolved")),
                "open": open_, "sla": int(r("ZCARD", "{kz}:sla")),
                "sla by component": int(r("ZCARD", "{kz}:ix:c:sla"))}


class Pages(ScaleTest):
    def setUp(self):
        super().setUp()
        self.gw = self.gateway()
        # 250 tickets: 3 components x 3 severities, 50 of them resolved.
        alerts = [alert(n, "comp%d" % (n % 3), SEVERITIES[n // 3 % 3],
                        starts=rfc3339(NOW - 2 * HOUR + n)) for n in range(250)]
        for a in alerts[:50]:
            a["status"], a["endsAt"] = "resolved", rfc3339(NOW - HOUR + int(a["fingerprint"][2:]))
        self.notify(self.gw, alerts[50:])
        self.notify(self.gw, alerts[:50])

    def test_pages_cover_everything_once_newest_change_first(self):
        tickets, pages = self.gw.all_tickets("?state=all", limit=100)
        ids = [t["id"] for t in tickets]
        self.assertEqual((len(ids), len(set(ids)), pages), (250, 250, 3))
        changed = [t["resolved_at"] or t["created_at"] for t in tickets]   # the last change
        self.assertEqual(changed, sorted(changed, reverse=True))
        # The default page is 100; the last page has no next_cursor.
        first = self.admin(self.gw, "GET", "/api/tickets?state=all")
        self.assertEqual(len(first["tickets"]), 100)
        self.assertIn("next_cursor", first)
        last = self.admin(self.gw, "GET", "/api/tickets?state=all&limit=1000")
        self.assertEqual(len(last["tickets"]), 250)
        self.assertNotIn("next_cursor", last)

    def test_filters_match_the_whole_list_filtered(self):
        everything, _ = self.gw.all_tickets("?state=all")
        for query, keep in [
                ("?component=comp1", lambda t: t["component"] == "comp1"),   # all recent
                ("?state=resolved", lambda t: t["state"] == "resolved"),
                ("?state=all&severity=low", lambda t: t["severity"] == "low"),
                ("?state=open&component=comp2&severity=critical",
                 lambda t: t["state"] == "open" and t["component"] == "comp2" and t["severity"] == "critical"),
                ("?state=all&component=nothing", lambda t: False)]:
            got, _ = self.gw.all_tickets(query, limit=7)
            want = [t["id"] for t in everything if keep(t)]
            self.assertEqual([t["id"] for t in got], want, query)

    def test_a_listing_during_changes_never_repeats_or_skips_unchanged_tickets(self):
        before = {t["id"] for t in self.gw.all_tickets("?state=all")[0]}
        seen, changed, cursor, pages = [], set(), None, 0
        while pages < 100:
            path = "/api/tickets?state=all&limit=40" + ("&cursor=" + cursor if cursor else "")
            page = self.admin(self.gw, "GET", path)
            ids = [t["id"] for t in page["tickets"]]
            self.assertEqual(len(ids), len(set(ids)), "a ticket twice on one page")
            seen += ids
            pages += 1
            cursor = page.get("next_cursor")
            if cursor is None:
                break
            # Between pages: re-fire or resolve tickets from both ends of the list.
            n = 200 + pages
            fired = alert(n, "comp%d" % (n % 3), "critical", starts=rfc3339(NOW - 2 * HOUR + n))
            fired["status"], fired["endsAt"] = "resolved", rfc3339(NOW - MINUTE + pages)
            self.notify(self.gw, [fired])
            changed.add("am:fp%05d" % n)
            new = alert(1000 + pages, "comp0", starts=rfc3339(NOW - MINUTE + pages))
            self.notify(self.gw, [new])
        self.assertIsNone(cursor)
        unchanged = before - changed
        missing = unchanged - set(seen)
        self.assertEqual(missing, set(), "unchanged tickets skipped")
        repeated = [i for i in set(seen) if seen.count(i) > 1 and i in unchanged]
        self.assertEqual(repeated, [], "unchanged tickets listed twice")

    def test_bad_limits_and_cursors_are_400_json(self):
        for query in ("limit=0", "limit=1001", "limit=-5", "limit=abc", "limit=", "limit=10x",
                      "cursor=zz", "cursor=" + "0" * 600, "cursor=%00"):
            status, body = self.gw.json("GET", "/api/tickets?state=all&" + query)
            self.assertEqual(status, 400, query)
            self.assertIn("error", body, query)

    def test_feed_lists_the_newest_200(self):
        status, _, data = self.gw.request("GET", "/feeds/tickets.rss?state=all")
        self.assertEqual(status, 200)
        items = ET.fromstring(data).findall("./channel/item")
        self.assertEqual(len(items), 200)
        newest = self.admin(self.gw, "GET", "/api/tickets?state=all&limit=200")["tickets"]
        titles = [i.findtext("title") for i in items]
        self.assertEqual(titles, ["%s[%s] %s" % ("[resolved] " if t["state"] == "resolved" else "",
                                                 t["severity"], t["title"]) for t in newest])

    def test_gauges_count_from_the_indexes(self):
        wait_for(lambda: self.gw.metric("kaizen_tickets_open", component="comp0",
                                        severity="critical") > 0, what="gauges")
        opened = [t for t in self.gw.all_tickets("?state=open")[0]]
        for c in ("comp0", "comp1", "comp2"):
            for sev in ("critical", "medium", "low"):
                want = sum(1 for t in opened if t["component"] == c and t["severity"] == sev)
                self.assertEqual(self.gw.metric("kaizen_tickets_open", component=c, severity=sev), want)
        self.assertEqual(set(self.index_sizes().values()) - {250, 200}, set(), self.index_sizes())


class Retention(ScaleTest):

    def test_old_resolved_tickets_dead_letters_and_digests_go_indexes_stay_consistent(self):
        self.slack.set_default("/slack", ("status", 404))   # every message is a dead letter at once
        gw = self.gateway()
        old = [alert(n, "old", starts=rfc3339(NOW - 5 * HOUR), ends=rfc3339(NOW - 3 * HOUR - n))
               for n in range(450)]
        kept = [alert(1000 + n, "kept", starts=rfc3339(NOW - 5 * HOUR), ends=rfc3339(NOW - HOUR))
                for n in range(20)]
        opened = [alert(2000 + n, "open", starts=rfc3339(NOW - 30 * DAY)) for n in range(20)]
        self.notify(gw, old)
        self.notify(gw, kept + opened)
        self.admin(gw, "POST", "/api/digest")
        wait_for(lambda: self.admin(gw, "GET", "/api/outbox")["dead"] >= 1, what="a dead letter")
        # The test's clock for what the gateway timestamps itself: age the
        # dead letter and the digest record past the retention.
        r = self.redis.command
        for key in ("{kz}:outbox:dead", "{kz}:digests:records"):
            for member in r("ZRANGE", key, 0, -1):
                r("ZADD", key, "XX", str((NOW - 3 * HOUR) * 1000), member)
        # The retention is shortened to 2 h: a pass runs soon after start-up, then every minute.
        gw.stop()
        gw.env["KAIZEN_RETENTION"] = "2h"
        gw.start()
        wait_for(lambda: int(r("HLEN", "{kz}:ticket")) == 40 and
                 int(r("ZCARD", "{kz}:outbox:dead")) == 0 and
                 int(r("ZCARD", "{kz}:digests:records")) == 0, timeout=60, what="retention")
        self.assertEqual(int(r("HLEN", "{kz}:outbox:body")), 0)
        self.assertEqual(int(r("HLEN", "{kz}:outbox:error")), 0)
        sizes = self.index_sizes()
        self.assertEqual((sizes["stored"], sizes["open+resolved"], sizes["by component"],
                          sizes["by severity"], sizes["open"], sizes["sla"],
                          sizes["sla by component"]), (40, 40, 40, 40, 20, 20, 20))
        left, _ = gw.all_tickets("?state=all")
        self.assertEqual(sorted({t["component"] for t in left}), ["kept", "open"])
        self.assertIn("retention pass", gw.read_log())
        # A resolved ticket older than the retention is not stored again by a
        # re-sent notification: retention would only delete it again.
        self.assertEqual(self.notify(gw, old[:5])["status"], "stale")
        self.assertEqual(int(r("HLEN", "{kz}:ticket")), 40)


class Digest(ScaleTest):
    env = {"KAIZEN_DIGEST_MAX_TICKETS": "50"}

    def test_capped_digest_lists_the_most_urgent_and_counts_the_rest(self):
        gw = self.gateway()
        alerts = [alert(n, "big", "critical", starts=rfc3339(NOW - HOUR - n)) for n in range(90)]
        alerts += [alert(100 + n, "small", "info", starts=rfc3339(NOW - HOUR)) for n in range(5)]
        self.notify(gw, alerts)
        self.assertEqual(self.admin(gw, "POST", "/api/digest")["messages"], 1)
        [req] = self.slack.wait_for(1, "/slack", timeout=30)
        text = json.dumps(req["json"], ensure_ascii=False)
        listed = [n for n in range(200) if "Alert number %05d" % n in text]
        # Most urgent first: critical deadlines come long before info ones, and
        # the oldest critical alerts (the highest numbers) first; each listed once.
        self.assertEqual(listed, list(range(40, 90)))
        self.assertEqual(sum(text.count("Alert number %05d" % n) for n in listed), 50)
        self.assertIn("95 open tickets", text)
        self.assertIn("\u2026 and 40 more", text)
        self.assertIn("feeds/tickets.rss?component=big", text)
        self.assertIn("\u2026 and 5 more", text)
        self.assertLessEqual(len(req["json"]["blocks"]), 50)


class Breaches(ScaleTest):
    env = {"KAIZEN_CHECK_EVERY": "1s", "KAIZEN_SLA": "critical=1h,high=4h,medium=1d,low=3d"}

    def notices(self):
        return [r["json"] for r in self.slack.received("/slack")
                if "SLA digest" not in r["json"]["text"]]

    def test_mass_breach_is_one_grouped_notice_each_ticket_once_across_replicas(self):
        gws = [self.gateway() for _ in range(3)]
        # 600 tickets breach together (created 2 h ago, critical SLA 1 h), 10 do not.
        breached = [alert(n, "comp%d" % (n % 4), starts=rfc3339(NOW - 2 * HOUR)) for n in range(600)]
        fresh = [alert(700 + n, "comp0", starts=rfc3339(NOW - MINUTE)) for n in range(10)]
        # Slack refuses the first notice for a while, so the digest asked for
        # meanwhile must overtake the queued breach notices.
        self.slack.script("/slack", ("status", 429, {"Retry-After": "3"}))
        self.notify(gws[0], breached + fresh)
        self.slack.wait_for(1, "/slack", timeout=60)
        self.assertEqual(self.admin(gws[1], "POST", "/api/digest")["messages"] >= 1, True)
        expect = {"%05d" % n for n in range(600)}

        def listed():
            names = []
            for msg in self.notices()[1:]:   # [0] was refused and is sent again
                names += re.findall(r"Alert number (\d{5})", json.dumps(msg))
            return names
        wait_for(lambda: set(listed()) >= expect and
                 self.admin(gws[2], "GET", "/api/outbox")["pending"] == 0,
                 timeout=120, what="every breach notified")
        names = listed()
        self.assertEqual(len(names), len(set(names)), "a ticket listed twice")
        self.assertEqual(set(names), expect)   # and none of the fresh ones
        sent = self.slack.received("/slack")
        kinds = ["digest" if "SLA digest" in r["json"]["text"] else "breach" for r in sent]
        self.assertEqual(kinds[:2], ["breach", "digest"], kinds)
        msgs = self.notices()[1:]
        self.assertLessEqual(len(msgs), 6)   # 600 tickets: pages of 250
        for msg in msgs:
            self.assertLessEqual(len(msg["blocks"]), 50)
            self.assertEqual(msg["blocks"][0]["type"], "header")
            self.assertIn("600 SLA breaches", msg["blocks"][0]["text"]["text"])
            for b in msg["blocks"][1:]:
                self.assertLessEqual(len(b["text"]["text"]), 3000)
            self.assertLess(sum(len(b["text"]["text"]) for b in msg["blocks"]) + len(msg["text"]),
                            40000)
        self.assertEqual(self.redis.command("EXISTS", "{kz}:breach:round"), 0)
        self.assertEqual(int(self.redis.command("ZCARD", "{kz}:sla_pending")), 10)

    def test_single_breach_keeps_the_classic_notice(self):
        gw = self.gateway()
        self.notify(gw, [alert(1, "db", starts=rfc3339(NOW - 2 * HOUR))])
        try:
            [req] = self.slack.wait_for(1, "/slack", timeout=30)
        except AssertionError:
            print(gw.read_log()[-3000:])
            raise
        self.assertIn("SLA breached", req["json"]["text"])
        self.assertIn("Alert number 00001", req["json"]["text"])
        self.assertEqual(req["json"]["blocks"][0]["type"], "section")


if __name__ == "__main__":
    main()
