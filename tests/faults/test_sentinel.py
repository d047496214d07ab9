"""Sentinel: a real primary, replica and three redis-sentinel processes
(passwords on both); SENTINEL FAILOVER under webhook load. Nothing
acknowledged is lost, writes recover by themselves, /readyz follows."""

import time
import unittest

from harness import main
from faults import Gateway, Load, Sentinels, issue, readyz_recovery, redeliver_unknown, report, \
    stored_tickets, wait_for


class SentinelFailover(unittest.TestCase):
    def test_failover_under_load(self):
        s = Sentinels(password="data-pw", sentinel_password="sentinel-pw")
        gw = None
        try:
            gw = Gateway(s.url(), KAIZEN_REDIS_SENTINEL_PASSWORD="sentinel-pw")
            first = s.primary_port()
            load = Load(gw).start()
            wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
            promoted = s.failover()
            self.assertNotEqual(s.primary_port(), first)
            wait_for(lambda: sum(1 for st, _, _, t in list(load.answers.values())
                                 if st == 202 and t > promoted) >= 50,
                     timeout=60, what="writes on the new primary")
            load.stop()
            ready = readyz_recovery(gw, promoted)
            redelivered = redeliver_unknown(gw, load)
            stored = stored_tickets(s.primary_port(), "data-pw")
            lost = report("sentinel-failover", load, stored, load.recovery(promoted), ready)
            self.assertEqual(lost, set(), "acknowledged but not stored")
            for number, (status, word) in redelivered.items():
                self.assertIn(word, ("duplicate", "accepted"), number)
                self.assertIn(number, stored_tickets(s.primary_port(), "data-pw"))
            self.assertIn("the Sentinels promoted another primary", gw.read_log())
            self.assertEqual(gw.metric("kaizen_redis_up"), 1)
        finally:
            if gw is not None:
                rc, log = gw.close()
                self.assertEqual(rc, 0, log[-3000:])
            s.close()

    def test_no_sentinel_answers_is_not_ready(self):
        s = Sentinels(sentinel_password="sentinel-pw")
        try:
            # A wrong Sentinel password: no primary is found, nothing is ready.
            gw = _Unready(s.url(), KAIZEN_REDIS_SENTINEL_PASSWORD="wrong")
            try:
                wait_for(lambda: "redis primary not found" in gw.read_log(), timeout=30,
                         what="discovery failure logged")
                self.assertEqual(gw.request("GET", "/readyz")[0], 503)
                status, body = gw.github("issues", issue(number=1))
                self.assertEqual(status, 503)
            finally:
                gw.close()
        finally:
            s.close()


class _Unready(Gateway):
    def start(self, wait_ready=False):
        super().start(wait_ready=False)


if __name__ == "__main__":
    main()
