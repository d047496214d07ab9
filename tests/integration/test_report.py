"""The weekly Kaizen report's numbers against a truth the test computes
itself. Two weeks of history in Europe/Berlin are made through real
webhooks with back-dated times (GitHub created_at/closed_at, a reopen,
Alertmanager startsAt/endsAt) over three components and two routes; the
JSON of /api/reports/weekly must equal what the test derives from the same
events: counts and means exactly, p50/p90 within the bucket of the true
quantile, open at the week's end and the oldest open, for the week and the
one before, per route too; history has 12 weeks. Acknowledgements (signed
Slack clicks) give the current week's MTTA. Then time zones: a ticket
resolved Sunday 23:30 UTC counts in the next week in Europe/Berlin and in
its own in UTC, and the last DST week is 167 or 169 hours long with its
edges where the wall clock puts them. Week boundaries are computed here
with zoneinfo, from the clock: no literal date."""

import datetime
import json
import os
import tempfile
import time
import unittest
import zoneinfo

from harness import DAY, HOUR, MINUTE, Gateway, Redis, close_gateways, issue, main, rfc3339
from test_alertmanager import TOKEN, alert, notification
from test_slack_app import SIGNING_SECRET, form, menu_payload, signed

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.timezone.utc
SLA = {"critical": 4 * HOUR, "high": 24 * HOUR, "medium": 72 * HOUR, "low": 168 * HOUR}
BUCKETS = [300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200, 604800]
ROUTES = {"routes": [{"name": "payments", "match": {"component": ["checkout"]}, "slack_channel": "C0PAY"},
                     {"name": "search", "match": {"component": ["search*"]}, "slack_channel": "C0SEARCH"}],
          "default": {"slack_channel": "C0SRE"}}


def week_start(t, tz):
    """The Unix time of the Monday 00:00 (in tz) that starts the ISO week holding t."""
    local = datetime.datetime.fromtimestamp(t, tz)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return int(datetime.datetime(monday.year, monday.month, monday.day, tzinfo=tz).timestamp())


def shift_weeks(start, n, tz):
    """The start of the week n weeks after the one starting at start (wall clock, DST-proof)."""
    day = datetime.datetime.fromtimestamp(start, tz).date() + datetime.timedelta(weeks=n)
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def label(start, tz):
    y, w, _ = datetime.datetime.fromtimestamp(start, tz).date().isocalendar()
    return "%04d-W%02d" % (y, w)


class Ticket:
    """One ticket's openings: (since, resolved or None) each."""

    def __init__(self, tid, component, severity, source="github"):
        self.id, self.component, self.severity, self.source = tid, component, severity, source
        self.openings = []


def truth(tickets, start, end, components=None):
    """The figures of [start, end) over the tickets of components (None: all)."""
    f = dict(opened=0, resolved=0, reopened=0, sla_met=0, sla_breached=0)
    ttr, oldest, open_at_end = [], None, 0
    for t in tickets:
        if components is not None and t.component not in components:
            continue
        for i, (since, resolved) in enumerate(t.openings):
            if start <= since < end:
                f["reopened" if i else "opened"] += 1
            if resolved is not None and start <= resolved < end:
                f["resolved"] += 1
                ttr.append(resolved - since)
                f["sla_met" if resolved <= since + SLA[t.severity] else "sla_breached"] += 1
            if since < end and (resolved is None or resolved >= end):
                open_at_end += 1
                if oldest is None or since < oldest[0]:
                    oldest = (since, t.id)
    n = f["sla_met"] + f["sla_breached"]
    f["sla_attainment"] = f["sla_met"] / n if n else None
    f["mttr_seconds"] = sum(ttr) / len(ttr) if ttr else None
    f["open_at_end"] = open_at_end
    f["oldest_open"] = None if oldest is None else {
        "id": oldest[1], "opened_at": rfc3339(oldest[0]), "age_seconds": end - oldest[0]}
    return f, sorted(ttr)


def bucket_of(seconds):
    lo = 0
    for b in BUCKETS:
        if seconds <= b:
            return lo, b
        lo = b
    return BUCKETS[-1], BUCKETS[-1]   # +Inf: histogram_quantile answers the highest bound


class Report(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.dir = tempfile.mkdtemp(prefix="kz-report-")
        self.gws = []

    def tearDown(self):
        close_gateways(self, self.gws)
        self.redis.close()

    def gateway(self, **env):
        gw = Gateway(self.redis.url, KAIZEN_ALERTMANAGER_TOKEN=TOKEN,
                     KAIZEN_SLACK_SIGNING_SECRET=SIGNING_SECRET, KAIZEN_REPORT_AT="off", **env)
        self.gws.append(gw)
        return gw

    def gh(self, gw, action, t, number, at, created, closed=None):
        labels = ("component:" + t.component, "severity:" + t.severity)
        status, body = gw.github("issues", issue(action, number=number, title="T%d" % number,
                                                 labels=labels, created=rfc3339(created),
                                                 updated=rfc3339(at),
                                                 closed=rfc3339(closed) if closed else None,
                                                 state="closed" if closed else "open"))
        self.assertEqual(status, 202, body)

    def am(self, gw, t, fp, starts, ends=None):
        sev = {"high": "error", "medium": "warning"}[t.severity]
        a = alert(fp, status="resolved" if ends else "firing", starts=rfc3339(starts),
                  ends=rfc3339(ends) if ends else None, component=t.component, severity=sev)
        status, _, _ = gw.request("POST", "/webhooks/alertmanager",
                                  body=json.dumps(notification([a])).encode(),
                                  headers={"Content-Type": "application/json",
                                           "Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 202)

    def history(self, gw):
        """Two weeks of tickets, sent as back-dated webhooks; returns them and the weeks."""
        now = int(time.time())
        cur = week_start(now, BERLIN)
        w1, w2 = shift_weeks(cur, -1, BERLIN), shift_weeks(cur, -2, BERLIN)
        tickets = []

        def gh_ticket(number, component, severity, created, resolved=None):
            t = Ticket("gh:octo-org/api#%d" % number, component, severity)
            self.gh(gw, "opened", t, number, created, created)
            if resolved is not None:
                self.gh(gw, "closed", t, number, resolved, created, closed=resolved)
            t.openings.append((created, resolved))
            tickets.append(t)
            return t

        gh_ticket(2, "checkout", "high", w2 + 2 * DAY, w2 + 3 * DAY + HOUR)          # breached
        gh_ticket(3, "search", "medium", w2 + DAY + 600, w1 + DAY)                   # across weeks
        gh_ticket(5, "checkout", "low", w2 + 5 * DAY)                                 # still open
        one = gh_ticket(1, "checkout", "critical", w2 + DAY, w2 + DAY + 2 * HOUR)    # met
        # ...reopened last week and resolved 5h later (critical: 4h, breached)
        self.gh(gw, "reopened", one, 1, w1 + DAY, w2 + DAY)
        self.gh(gw, "closed", one, 1, w1 + DAY + 5 * HOUR, w2 + DAY, closed=w1 + DAY + 5 * HOUR)
        one.openings.append((w1 + DAY, w1 + DAY + 5 * HOUR))
        gh_ticket(6, "checkout", "high", w1 + 2 * DAY, w1 + 2 * DAY + HOUR)
        gh_ticket(7, "search", "critical", w1 + 3 * DAY, w1 + 3 * DAY + 3 * HOUR)
        gh_ticket(9, "web", "medium", w1 + 5 * DAY)
        for fp, severity, starts, ends in (("w4", "high", w2 + 4 * DAY, w2 + 4 * DAY + 30 * MINUTE),
                                           ("w8", "medium", w1 + 4 * DAY, w1 + 4 * DAY + 2 * HOUR)):
            t = Ticket("am:" + fp, "web", severity, "alertmanager")
            self.am(gw, t, fp, starts)
            self.am(gw, t, fp, starts, ends)
            t.openings.append((starts, ends))
            tickets.append(t)
        return tickets, cur, w1, w2

    def check_figures(self, got, tickets, start, end, components, what):
        want, ttr = truth(tickets, start, end, components)
        for k, v in want.items():
            self.assertEqual(got[k], v, "%s: %s" % (what, k))
        for q, key in ((0.5, "mttr_p50_seconds"), (0.9, "mttr_p90_seconds")):
            if not ttr:
                self.assertIsNone(got[key], what)
                continue
            rank = max(1, -(-int(q * len(ttr) * 1000) // 1000))   # ceil(q*n), 1-based
            lo, hi = bucket_of(ttr[rank - 1])
            self.assertTrue(lo <= got[key] <= hi, "%s: %s %r not in (%d, %d]" % (what, key, got[key], lo, hi))
        return want

    def test_the_json_equals_the_truth_of_the_events(self):
        routes = os.path.join(self.dir, "routes.json")
        with open(routes, "w") as f:
            json.dump(ROUTES, f)
        # Routes name Slack channels: Web API mode (in dry run: nothing is sent).
        gw = self.gateway(KAIZEN_TIMEZONE="Europe/Berlin", KAIZEN_ROUTES_FILE=routes,
                          KAIZEN_SLACK_BOT_TOKEN="xoxb-test")
        tickets, cur, w1, w2 = self.history(gw)

        status, body = gw.json("GET", "/api/reports/weekly")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["week"], body["timezone"], body["route"], body["complete"]),
                         (label(w1, BERLIN), "Europe/Berlin", None, True))
        self.assertEqual((body["from"], body["to"]), (rfc3339(w1), rfc3339(cur)))
        by = {c["component"]: c for c in body["components"]}
        self.assertEqual(sorted(by), ["checkout", "search", "web"])
        for name, c in by.items():
            self.check_figures(c, tickets, w1, cur, {name}, name)
            self.check_figures(c["previous"], tickets, w2, w1, {name}, name + " previous")
            self.assertEqual(c["previous"]["week"], label(w2, BERLIN))
            self.assertEqual(len(c["history"]), 12)
            self.assertEqual([h["week"] for h in c["history"][-2:]], [label(w2, BERLIN), label(w1, BERLIN)])
            for h, (s, e) in zip(c["history"][-2:], ((w2, w1), (w1, cur))):
                want, _ = truth(tickets, s, e, {name})
                self.assertEqual((h["resolved"], h["mttr_seconds"], h["sla_attainment"]),
                                 (want["resolved"], want["mttr_seconds"], want["sla_attainment"]))
            self.assertTrue(all(h["resolved"] == 0 for h in c["history"][:-2]))
        self.check_figures(body["totals"], tickets, w1, cur, None, "totals")
        self.check_figures(body["totals"]["previous"], tickets, w2, w1, None, "totals previous")
        # Worst attainment first, none last.
        att = [c["sla_attainment"] for c in body["components"]]
        known = [a for a in att if a is not None]
        self.assertEqual(known, sorted(known))
        self.assertEqual(att, known + [None] * (len(att) - len(known)))
        print("report %s: %s" % (body["week"], json.dumps(body["totals"], sort_keys=True)[:300]))

        # A route's report: its components only, with the same numbers.
        for route, comps in (("payments", {"checkout"}), ("search", {"search"}), ("default", {"web"})):
            status, r = gw.json("GET", "/api/reports/weekly?route=" + route)
            self.assertEqual(status, 200, r)
            self.assertEqual(({c["component"] for c in r["components"]}, r["route"]), (comps, route))
            self.check_figures(r["totals"], tickets, w1, cur, comps, route)
        # An explicit week, and the week before it.
        status, r = gw.json("GET", "/api/reports/weekly?week=" + label(w2, BERLIN))
        self.assertEqual(status, 200, r)
        self.check_figures(r["totals"], tickets, w2, w1, None, "week before")

        # Acknowledgements count in the week they happen: this week's MTTA.
        acked = {}
        for tid in ("gh:octo-org/api#9", "gh:octo-org/api#5"):
            body = form(menu_payload("ticket:" + tid))
            status, answer = gw.json("POST", "/webhooks/slack", body=body, headers=signed(body))
            self.assertEqual((status, answer), (200, {"status": "acked"}))
        for t in gw.tickets("?state=open"):
            acked[t["id"]] = t
        ttas = []
        for t in tickets:
            if t.id in ("gh:octo-org/api#9", "gh:octo-org/api#5"):
                at = datetime.datetime.fromisoformat(acked[t.id]["acked_at"].replace("Z", "+00:00"))
                ttas.append(int(at.timestamp()) - t.openings[-1][0])
        status, r = gw.json("GET", "/api/reports/weekly?week=" + label(cur, BERLIN))
        self.assertEqual(status, 200, r)
        self.assertFalse(r["complete"])
        self.assertEqual(r["totals"]["mtta_seconds"], sum(ttas) / len(ttas))
        self.assertIsNone(by["search"]["mtta_seconds"])

        # Bad input: a clear 400, nothing changes.
        before = self.redis.snapshot()
        for query, code in (("?week=2026-53", 400), ("?week=" + label(shift_weeks(cur, 1, BERLIN), BERLIN), 400),
                            ("?route=nope", 400), ("?weeks=1", 400),
                            ("?week=" + label(shift_weeks(cur, -60, BERLIN), BERLIN), 404)):
            status, r = gw.json("GET", "/api/reports/weekly" + query)
            self.assertEqual(status, code, (query, r))
            self.assertIn("error", r)
        self.assertEqual(self.redis.snapshot(), before)

    def resolved_sunday_night(self, tz_name):
        """A ticket resolved at the last Sunday 23:30 UTC; the weeks it may count in."""
        now = int(time.time())
        day = datetime.datetime.fromtimestamp(now - 2 * HOUR, UTC).date()
        sunday = day - datetime.timedelta(days=(day.weekday() + 1) % 7)
        resolved = int(datetime.datetime(sunday.year, sunday.month, sunday.day, 23, 30,
                                         tzinfo=UTC).timestamp())
        if resolved > now - HOUR:
            resolved -= 7 * DAY
        self.redis.command("FLUSHDB")
        gw = self.gateway(KAIZEN_TIMEZONE=tz_name)
        t = Ticket("gh:octo-org/api#1", "checkout", "high")
        self.gh(gw, "opened", t, 1, resolved - 2 * HOUR, resolved - 2 * HOUR)
        self.gh(gw, "closed", t, 1, resolved, resolved - 2 * HOUR, closed=resolved)
        return gw, resolved

    def resolved_in(self, gw, week):
        status, r = gw.json("GET", "/api/reports/weekly?week=" + week)
        self.assertEqual(status, 200, r)
        return r["totals"]["resolved"]

    def test_a_sunday_night_resolution_counts_by_the_wall_clock(self):
        gw, resolved = self.resolved_sunday_night("UTC")
        sunday_week = label(week_start(resolved, UTC), UTC)
        monday_week = label(week_start(resolved + DAY, UTC), UTC)
        self.assertEqual((self.resolved_in(gw, sunday_week), self.resolved_in(gw, monday_week)), (1, 0))
        gw.close()
        self.gws.remove(gw)
        gw, _ = self.resolved_sunday_night("Europe/Berlin")
        self.assertEqual(label(week_start(resolved, BERLIN), BERLIN), monday_week)
        self.assertEqual((self.resolved_in(gw, sunday_week), self.resolved_in(gw, monday_week)), (0, 1))

    def test_the_last_dst_week_is_167_or_169_hours(self):
        now = int(time.time())
        t = now - HOUR
        while BERLIN.utcoffset(datetime.datetime.fromtimestamp(t, UTC).replace(tzinfo=None)) == \
                BERLIN.utcoffset(datetime.datetime.fromtimestamp(t - HOUR, UTC).replace(tzinfo=None)):
            t -= HOUR                 # back to the last change of offset (at most ~7 months)
        start = week_start(t - HOUR, BERLIN)
        end = shift_weeks(start, 1, BERLIN)
        gw = self.gateway(KAIZEN_TIMEZONE="Europe/Berlin", KAIZEN_RETENTION="400d")
        tk = Ticket("gh:octo-org/api#1", "checkout", "low")
        # Resolved 30 minutes before the week ends, and another 30 minutes after.
        self.gh(gw, "opened", tk, 1, start + HOUR, start + HOUR)
        self.gh(gw, "closed", tk, 1, end - 30 * MINUTE, start + HOUR, closed=end - 30 * MINUTE)
        self.gh(gw, "opened", tk, 2, start + HOUR, start + HOUR)
        self.gh(gw, "closed", tk, 2, end + 30 * MINUTE, start + HOUR, closed=end + 30 * MINUTE)
        status, r = gw.json("GET", "/api/reports/weekly?week=" + label(start, BERLIN))
        self.assertEqual(status, 200, r)
        hours = (end - start) // HOUR
        print("DST week %s: %s to %s, %d hours" % (r["week"], r["from"], r["to"], hours))
        self.assertIn(hours, (167, 169))
        self.assertEqual((r["from"], r["to"]), (rfc3339(start), rfc3339(end)))
        self.assertEqual((r["totals"]["opened"], r["totals"]["resolved"], r["totals"]["open_at_end"]),
                         (2, 1, 1))
        self.assertEqual(r["totals"]["mttr_seconds"], end - 30 * MINUTE - start - HOUR)


if __name__ == "__main__":
    main()
