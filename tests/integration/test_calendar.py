"""The business calendar (gateway/core/calendar.c, gateway/core/tz.c) against
an independent oracle: Python's zoneinfo, stepping minute by minute through
the wall clock. The gateway's code runs in tests/unit/calendar_probe.c.

The dates below are inputs and outputs of pure functions: nothing here is
compared with the clock, so they never expire."""

import os
import random
import subprocess
import unittest
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from harness import main

PROBE = os.environ.get("KAIZEN_CALENDAR_PROBE", "build/calendar_probe")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_hours(text):
    """{weekday: [(start_min, end_min)]} from "mon-fri 09:00-17:00,fri 09:00-13:00"."""
    spans = {d: [] for d in range(7)}
    for part in text.split(","):
        days, hours = part.strip().split(" ")
        a, _, b = days.partition("-")
        first, last = DAYS.index(a), DAYS.index(b or a)
        start, end = hours.split("-")
        sm = int(start[:2]) * 60 + int(start[3:])
        em = int(end[:2]) * 60 + int(end[3:])
        d = first
        while True:
            spans[d].append((sm, em))
            if d == last:
                break
            d = (d + 1) % 7
    return spans


def oracle(zone, hours, holidays, start, seconds):
    """(deadline, open_at_start, next_opening) by stepping the wall clock minute by minute."""
    tz, spans = ZoneInfo(zone), parse_hours(hours)
    off = {date.fromisoformat(h) for h in holidays}

    def is_open(t):
        local = datetime.fromtimestamp(t, tz)
        if local.date() in off:
            return False
        minute = local.hour * 60 + local.minute
        return any(s <= minute < e for s, e in spans[local.weekday()])

    t, left = start, seconds
    while left > 0:
        if is_open(t):
            left -= 60
        t += 60
    nxt = start
    while not is_open(nxt):
        nxt += 60
    return t, is_open(start), nxt


def probe(lines):
    out = subprocess.run([PROBE], input="".join(line + "\n" for line in lines), text=True,
                         capture_output=True, timeout=120, check=True).stdout.splitlines()
    assert len(out) == len(lines), out
    return out


def epoch(zone, y, mo, d, h, mi):
    return int(datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(zone)).timestamp())


class Calendar(unittest.TestCase):
    def check(self, cases):
        """cases: (name, zone, hours, holidays, start, seconds, expected deadline or None)."""
        lines = ["%s|%s|%s|%d|%d" % (z, h, ",".join(hol) or "-", s, n)
                 for _, z, h, hol, s, n, _ in cases]
        for case, got in zip(cases, probe(lines)):
            name, zone, hours, holidays, start, seconds, expected = case
            deadline, between, is_open, nxt = (int(x) for x in got.split())
            want, want_open, want_next = oracle(zone, hours, holidays, start, seconds)
            self.assertEqual(deadline, want, "%s: deadline %s, zoneinfo says %s" % (
                name, datetime.fromtimestamp(deadline, ZoneInfo(zone)),
                datetime.fromtimestamp(want, ZoneInfo(zone))))
            if expected is not None:
                self.assertEqual(deadline, expected, name)
            self.assertEqual(between, seconds, name)            # exactly the SLA of open time
            self.assertEqual(bool(is_open), want_open, name)
            if not want_open:
                self.assertEqual(nxt, want_next, name)

    def test_the_cases_of_the_contract(self):
        B, NY = "Europe/Berlin", "America/New_York"
        office = "mon-fri 09:00-17:00"
        eight = 8 * 3600
        self.check([
            # Friday 16:00 + 8 h business = Monday 16:00
            ("friday afternoon", B, office, [], epoch(B, 2026, 11, 27, 16, 0), eight,
             epoch(B, 2026, 11, 30, 16, 0)),
            ("opened on a Saturday", B, office, [], epoch(B, 2026, 11, 28, 11, 30), eight,
             epoch(B, 2026, 11, 30, 17, 0)),
            ("opened at 08:59", B, office, [], epoch(B, 2026, 11, 30, 8, 59), 3600,
             epoch(B, 2026, 11, 30, 10, 0)),
            ("opened at 17:00", B, office, [], epoch(B, 2026, 11, 30, 17, 0), 3600,
             epoch(B, 2026, 12, 1, 10, 0)),
            ("a holiday Monday", B, office, ["2026-11-30"], epoch(B, 2026, 11, 27, 16, 0), eight,
             epoch(B, 2026, 12, 1, 16, 0)),
            ("several spans a day", B, "mon-thu 09:00-17:00,fri 09:00-13:00", [],
             epoch(B, 2026, 11, 26, 16, 0), 4 * 3600, epoch(B, 2026, 11, 27, 12, 0)),
            # spring forward (Berlin 29 March 2026, New York 8 March 2026): a span across
            # the change is an hour shorter in real time; a 09:00-17:00 day stays 8 h
            ("spring forward, Berlin", B, "sun 01:00-05:00", [], epoch(B, 2026, 3, 29, 0, 0),
             3 * 3600, epoch(B, 2026, 3, 29, 5, 0)),
            ("spring forward, New York", NY, "sun 01:00-05:00", [], epoch(NY, 2026, 3, 8, 0, 0),
             3 * 3600, epoch(NY, 2026, 3, 8, 5, 0)),
            ("an office day when the clocks change", B, "sun 09:00-17:00", [],
             epoch(B, 2026, 3, 29, 0, 0), eight, epoch(B, 2026, 3, 29, 17, 0)),
            # fall back (Berlin 25 October 2026, New York 1 November 2026): an hour longer
            ("fall back, Berlin", B, "sun 01:00-05:00", [], epoch(B, 2026, 10, 25, 0, 0),
             5 * 3600, epoch(B, 2026, 10, 25, 5, 0)),
            ("fall back, New York", NY, "sun 01:00-05:00", [], epoch(NY, 2026, 11, 1, 0, 0),
             5 * 3600, epoch(NY, 2026, 11, 1, 5, 0)),
            ("friday before a weekend that changes clocks", NY, office, [],
             epoch(NY, 2026, 3, 6, 16, 0), eight, epoch(NY, 2026, 3, 9, 16, 0)),
            # three weeks of office hours across Christmas and the new year
            ("three weeks across Christmas", B, office,
             ["2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01"],
             epoch(B, 2026, 12, 21, 9, 0), 15 * eight, epoch(B, 2027, 1, 14, 17, 0)),
        ])

    def test_random_instants_and_durations(self):
        """Property: for random starts and SLAs in three zones and calendars, the deadline is
        zoneinfo's, exactly the SLA of open time lies between start and deadline, and the
        deadline ends open time (the minute before it is open)."""
        rng = random.Random(20261207)
        zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]
        calendars = ["mon-fri 09:00-17:00", "mon-thu 09:00-17:00,fri 09:00-13:00",
                     "mon-fri 08:00-12:00,mon-fri 13:00-18:00", "sat-sun 00:00-24:00",
                     "fri-mon 22:00-24:00"]
        base = epoch("UTC", 2026, 1, 1, 0, 0)
        cases = []
        for n in range(120):
            zone, hours = rng.choice(zones), rng.choice(calendars)
            start = base + rng.randrange(0, 400 * 86400 // 60) * 60   # across both DST changes
            seconds = rng.randrange(1, 24 * 60) * 60
            holidays = [(date(2026, 1, 1) + timedelta(days=rng.randrange(0, 400))).isoformat()
                        for _ in range(rng.randrange(0, 4))]
            cases.append(("random %d" % n, zone, hours, holidays, start, seconds, None))
        self.check(cases)

    def test_bad_calendars_name_the_problem(self):
        for hours, holidays, want in [
            ("mon-fri 9:00-17:00", "-", "'mon-fri 9:00-17:00': hours are HH:MM-HH:MM"),
            ("mon-fry 09:00-17:00", "-", "days are mon, tue"),
            ("mon-fri 17:00-09:00", "-", "ends before it starts"),
            ("mon-fri 09:00-17:00,wed 12:00-13:00", "-", "two spans overlap on wed"),
            ("weekdays", "-", "is not DAYS HH:MM-HH:MM"),
            ("mon-fri 09:00-17:00", "2026-02-30", "'2026-02-30' is not a date YYYY-MM-DD"),
        ]:
            out = probe(["UTC|%s|%s|0|60" % (hours, holidays)])[0]
            self.assertTrue(out.startswith("error "), out)
            self.assertIn(want, out)
        out = probe(["Mars/Olympus_Mons|mon-fri 09:00-17:00|-|0|60"])[0]
        self.assertIn("unknown time zone 'Mars/Olympus_Mons'", out)


if __name__ == "__main__":
    main()
