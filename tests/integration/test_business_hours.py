"""Business-hours SLAs through the real path: GitHub webhooks into a gateway
whose routes carry calendars in two zones (America/New_York, Europe/Berlin),
`high=8h` on the business clock and `critical` on 24x7. Every expected
instant is computed here, independently of the gateway, by stepping each
calendar's wall clock with Python's zoneinfo.

Nothing depends on the date or the hour the test runs: tickets are
back-dated to the most recent Friday afternoon before now, and a calendar
that must be open (or closed) right now is built around the current time."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fake_receiver import FakeReceiver
from test_calendar import parse_hours   # the calendar syntax, read independently of the C
from harness import (BIN, DAY, HOUR, MINUTE, SOURCE_DIR, Gateway, Redis, clean_env,
                     close_gateways, issue, main, rfc3339, wait_for)

NY, BERLIN = "America/New_York", "Europe/Berlin"
HOURS = "mon-fri 09:00-17:00"          # KAIZEN_BUSINESS_HOURS: what the routes fall back to
SLA = "critical=4h,high=8h,medium=72h,low=168h"


class Calendar:
    """The oracle: a zone, opening hours and holidays, read minute by minute."""

    def __init__(self, zone, hours=HOURS, holidays=()):
        self.tz, self.spans = ZoneInfo(zone), parse_hours(hours)
        self.holidays = {date.fromisoformat(h) for h in holidays}

    def is_open(self, t):
        local = datetime.fromtimestamp(t, self.tz)
        minute = local.hour * 60 + local.minute
        return local.date() not in self.holidays and \
            any(s <= minute < e for s, e in self.spans[local.weekday()])

    def deadline(self, start, seconds):
        """When `seconds` of open time have passed since start (a whole minute)."""
        assert start % 60 == 0
        t, left = start, seconds
        while left > 0:
            if self.is_open(t):
                left -= 60
            t += 60
        return t

    def next_opening(self, t):
        t -= t % 60
        while not self.is_open(t):
            t += 60
        return t


def local(zone, day, hour, minute=0):
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp())


def last_friday(zone, hour):
    """The most recent Friday whose `hour`:00 (in zone) is over a day ago."""
    day = datetime.fromtimestamp(time.time() - DAY, ZoneInfo(zone)).date()
    while day.weekday() != 4 or local(zone, day, hour) > time.time() - DAY:
        day -= timedelta(days=1)
    return day


def window(zone, start_offset, length, t=None):
    """Hours open every day from now + start_offset for length seconds, on zone's wall
    clock, as KAIZEN_BUSINESS_HOURS spans (split at midnight)."""
    t = time.time() if t is None else t
    start = datetime.fromtimestamp(t + start_offset, ZoneInfo(zone))
    a = start.hour * 60 + start.minute
    b = a + length // 60
    fmt = lambda m: "%02d:%02d" % (m // 60, m % 60)
    if b <= 24 * 60:
        return "mon-sun %s-%s" % (fmt(a), fmt(b))
    return "mon-sun %s-24:00,mon-sun 00:00-%s" % (fmt(a), fmt(b - 24 * 60))


def minute_floor(t):
    return int(t) - int(t) % 60


class BusinessHours(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.slack = FakeReceiver()
        self.dir = tempfile.mkdtemp(prefix="kz-hours-")
        self.routes = os.path.join(self.dir, "routes.json")
        self.gateways = []

    def tearDown(self):
        close_gateways(self, self.gateways)
        self.slack.close()
        self.redis.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_routes(self, routes):
        """Routes by component prefix: ny-* and de-* (and more), each with its calendar fields."""
        doc = {"routes": [dict(name=name, match={"component": [name + "-*"]},
                               pager_routing_key=name.upper() + "KEY", **fields)
                          for name, fields in routes.items()], "default": {}}
        with open(self.routes + ".tmp", "w") as f:
            json.dump(doc, f)
        os.replace(self.routes + ".tmp", self.routes)

    def gateway(self, routes, **env):
        self.write_routes(routes)
        env = dict(dict(KAIZEN_SLA=SLA, KAIZEN_SLA_CLOCK="high=business",
                        KAIZEN_BUSINESS_HOURS=HOURS, KAIZEN_ROUTES_FILE=self.routes,
                        KAIZEN_SLACK_WEBHOOK_URL=self.slack.url + "/slack", KAIZEN_DRY_RUN="0"), **env)
        gw = Gateway(self.redis.url, **env)
        self.gateways.append(gw)
        return gw

    def open(self, gw, number, component, severity, created, updated=None, action="opened",
             state="open", closed=None):
        status, body = gw.github("issues", issue(
            action, number=number, title="Ticket %d" % number, state=state,
            labels=("severity:" + severity, "component:" + component),
            created=rfc3339(created), updated=rfc3339(updated or created),
            closed=closed and rfc3339(closed)))
        self.assertEqual((status, body), (202, {"status": "accepted"}))

    def ticket(self, gw, number):
        [t] = [t for t in gw.all_tickets("?state=all")[0] if t["id"].endswith("#%d" % number)]
        return t

    def admin(self, gw, method, path):
        return gw.json(method, path)   # no KAIZEN_ADMIN_TOKEN: loopback is admin

    def test_check_config_names_the_route_and_the_problem(self):
        """--check-config (the start-up path) refuses a bad calendar with one line naming the
        route; a good one is listed with its calendar."""
        def check(routes):
            self.write_routes(routes)
            return subprocess.run([BIN, "--check-config"], capture_output=True, text=True,
                                  timeout=30, env=clean_env(
                                      KAIZEN_TEMPLATES_DIR=os.path.join(SOURCE_DIR, "templates"),
                                      KAIZEN_ROUTES_FILE=self.routes, KAIZEN_TIMEZONE=NY,
                                      KAIZEN_SLA_CLOCK="high=business", KAIZEN_BUSINESS_HOURS=HOURS))
        for fields, why in (({"timezone": "Mars/Olympus_Mons"}, "timezone: unknown time zone "
                             "'Mars/Olympus_Mons'"),
                            ({"business_hours": "mon-fri 9-5"}, "business_hours: 'mon-fri 9-5': "
                             "hours are HH:MM-HH:MM"),
                            ({"holidays": ["2026-02-29"]}, "holidays[0]: '2026-02-29' is not a date")):
            p = check({"de": fields})
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
            self.assertIn("routes[0] (de): " + why, p.stderr)
        p = check({"de": {"timezone": BERLIN, "holidays": ["2026-12-24"]}})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("KAIZEN_TIMEZONE                  America/New_York", p.stdout)
        self.assertIn("pager key set, calendar Europe/Berlin with its own holidays", p.stdout)

    def test_friday_afternoon_in_two_zones(self):
        """Friday 15:00 + 8h of business: Monday 15:00 in New York; in Berlin, whose route
        has that Monday as a holiday, Tuesday 15:00. critical stays created + 4h."""
        ny_day, de_day = last_friday(NY, 15), last_friday(BERLIN, 15)
        de_holiday = (de_day + timedelta(days=3)).isoformat()
        gw = self.gateway({"ny": {"timezone": NY},
                           "de": {"timezone": BERLIN, "holidays": [de_holiday]}})
        ny, de = Calendar(NY), Calendar(BERLIN, holidays=[de_holiday])
        created_ny, created_de = local(NY, ny_day, 15), local(BERLIN, de_day, 15)
        self.open(gw, 1, "ny-api", "high", created_ny)
        self.open(gw, 2, "de-api", "high", created_de)
        self.open(gw, 3, "ny-api", "critical", created_ny)
        self.open(gw, 4, "web", "high", created_ny)          # the default: the global calendar (UTC)
        want = {1: ny.deadline(created_ny, 8 * HOUR), 2: de.deadline(created_de, 8 * HOUR),
                3: created_ny + 4 * HOUR,
                4: Calendar("UTC").deadline(created_ny, 8 * HOUR)}
        # the oracle's own sanity: the wall clocks the contract names
        self.assertEqual(datetime.fromtimestamp(want[1], ZoneInfo(NY)).strftime("%a %H:%M"),
                         "Mon 15:00")
        self.assertEqual(datetime.fromtimestamp(want[2], ZoneInfo(BERLIN)).strftime("%a %H:%M"),
                         "Tue 15:00")
        for number, deadline in want.items():
            t = self.ticket(gw, number)
            self.assertEqual(t["sla_deadline"], rfc3339(deadline), number)
            self.assertEqual(t["sla_clock"], "24x7" if number == 3 else "business", number)
        self.assertEqual(self.ticket(gw, 1)["route"], "ny")
        # A business deadline is inside business hours: its breach cannot fire outside them.
        for number, cal in ((1, ny), (2, de)):
            self.assertTrue(cal.is_open(want[number] - 60), number)

    def test_not_breached_where_24x7_would_be(self):
        """Opened 10h ago with high=8h: on 24x7 it breached 2h ago. Its calendar opens an hour
        a day around now, so half an hour of business has passed: checks every second
        breach the critical ticket beside it, never this one."""
        hours = window("UTC", -30 * MINUTE, HOUR)
        gw = self.gateway({"late": {"timezone": "UTC", "business_hours": hours}},
                          KAIZEN_CHECK_EVERY="1s")
        created = minute_floor(time.time() - 10 * HOUR)
        self.open(gw, 1, "late-api", "high", created)
        self.open(gw, 2, "late-api", "critical", created)   # 24x7: breached 6h ago
        want = Calendar("UTC", hours).deadline(created, 8 * HOUR)
        self.assertGreater(want, time.time() + DAY)           # 7.5h left at an hour a day
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"], rfc3339(want))
        # The notice of the critical ticket comes from a check that ran with both stored (1
        # first): a ticket due by the wall clock would have been in that round.
        [notice] = self.slack.wait_for(1, "/slack", timeout=60)
        self.assertIn("Ticket 2", json.dumps(notice["json"]))
        # ...and in none of the rounds since (a check a second, each would add a notice).
        wait_for(lambda: self.redis.command("HGET", "{kz}:breach_notified", "gh:octo-org/api#2"),
                 what="ticket 2 marked notified")
        self.assertNotIn("Ticket 1", json.dumps([r["json"] for r in self.slack.received("/slack")]))
        self.assertIsNone(self.redis.command("HGET", "{kz}:breach_notified", "gh:octo-org/api#1"))
        self.assertGreater(self.ticket(gw, 1)["sla_remaining_seconds"], DAY)

    def test_digest_shows_the_paused_clock(self):
        """A Berlin calendar that opens in two hours: a high ticket opened a minute ago has
        all 8h of business left, paused until the opening, on Berlin's wall clock."""
        hours = window(BERLIN, 2 * HOUR, HOUR)
        gw = self.gateway({"de": {"timezone": BERLIN, "business_hours": hours}})
        cal = Calendar(BERLIN, hours)
        created = minute_floor(time.time() - MINUTE)
        self.assertFalse(cal.is_open(created))
        self.open(gw, 1, "de-api", "high", created)
        self.open(gw, 2, "de-api", "critical", created)
        opens = cal.next_opening(time.time())
        self.assertIn(self.admin(gw, "POST", "/api/digest")[0], (200, 202))
        [digest] = self.slack.wait_for(1, "/slack")
        text = json.dumps(digest["json"], ensure_ascii=False)
        paused = "SLA: 8h business left, paused until %s" % \
            datetime.fromtimestamp(opens, ZoneInfo(BERLIN)).strftime("%a %H:%M")
        self.assertIn("Ticket 1> — " + paused + " · high", text)
        self.assertIn("Ticket 2> — SLA: 3h remaining · critical", text)   # 4h - 1 minute, 24x7
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"],
                         rfc3339(cal.deadline(created, 8 * HOUR)))

    def test_reload_applies_to_tickets_opened_after_it(self):
        """A reload adds the Monday after Friday as a holiday: a ticket opened before keeps
        Monday 15:00 through later deliveries; one opened after gets Tuesday 15:00; a
        severity change recomputes with the new calendar."""
        day = last_friday(BERLIN, 15)
        holiday = (day + timedelta(days=3)).isoformat()
        gw = self.gateway({"de": {"timezone": BERLIN}})
        before, after = Calendar(BERLIN), Calendar(BERLIN, holidays=[holiday])
        created = local(BERLIN, day, 15)
        self.open(gw, 1, "de-api", "high", created)
        self.write_routes({"de": {"timezone": BERLIN, "holidays": [holiday]}})
        status, body = self.admin(gw, "POST", "/-/reload")
        self.assertEqual(status, 200, body)
        self.open(gw, 2, "de-api", "high", created)
        # an edit of the first (its title, a later updated_at) after the reload
        self.open(gw, 1, "de-api", "high", created, updated=created + HOUR, action="edited")
        kept, new = before.deadline(created, 8 * HOUR), after.deadline(created, 8 * HOUR)
        self.assertEqual(new - kept, DAY)
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"], rfc3339(kept))
        self.assertEqual(self.ticket(gw, 2)["sla_deadline"], rfc3339(new))
        # critical and back: each severity change computes from created, in today's calendar
        self.open(gw, 1, "de-api", "critical", created, updated=created + 2 * HOUR, action="labeled")
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"], rfc3339(created + 4 * HOUR))
        self.open(gw, 1, "de-api", "high", created, updated=created + 3 * HOUR, action="labeled")
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"], rfc3339(new))
        # a bad calendar is refused with the route named, and changes nothing
        self.write_routes({"de": {"timezone": "Europe/Atlantis"}})
        status, body = self.admin(gw, "POST", "/-/reload")
        self.assertEqual(status, 500)
        self.assertIn("routes[0] (de): timezone: unknown time zone 'Europe/Atlantis'", body["error"])
        self.open(gw, 3, "de-api", "high", created)
        self.assertEqual(self.ticket(gw, 3)["sla_deadline"], rfc3339(new))

    def test_reopen_restarts_the_business_clock(self):
        """Opened Friday 15:00 in New York, closed at 16:00, reopened Saturday 10:00: the
        8h restart at Monday's opening, so the deadline is Monday 17:00."""
        day = last_friday(NY, 15)
        gw = self.gateway({"ny": {"timezone": NY}})
        cal = Calendar(NY)
        created, closed = local(NY, day, 15), local(NY, day, 16)
        reopened = local(NY, day + timedelta(days=1), 10)
        self.open(gw, 1, "ny-api", "high", created)
        self.open(gw, 1, "ny-api", "high", created, updated=closed, action="closed",
                  state="closed", closed=closed)
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"], rfc3339(cal.deadline(created, 8 * HOUR)))
        self.open(gw, 1, "ny-api", "high", created, updated=reopened, action="reopened")
        t = self.ticket(gw, 1)
        want = cal.deadline(reopened, 8 * HOUR)
        self.assertEqual(datetime.fromtimestamp(want, ZoneInfo(NY)).strftime("%a %H:%M"),
                         "Mon 17:00")
        self.assertEqual((t["state"], t["reopened"], t["sla_deadline"]),
                         ("open", 1, rfc3339(want)))
        # a later edit keeps it
        self.open(gw, 1, "ny-api", "high", created, updated=reopened + HOUR, action="edited")
        self.assertEqual(self.ticket(gw, 1)["sla_deadline"], rfc3339(want))


if __name__ == "__main__":
    main()
