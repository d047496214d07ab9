"""Redis Cluster: three primaries, three replicas (redis-cli --cluster
create); the gateway finds the owner of the {kz} slot from two seeds and
follows a CLUSTER FAILOVER under webhook load."""

import unittest

from harness import main
from faults import Cluster, Gateway, Load, readyz_recovery, redeliver_unknown, report, \
    stored_tickets, wait_for


class ClusterFailover(unittest.TestCase):
    def test_failover_under_load(self):
        c = Cluster()
        gw = None
        try:
            gw = Gateway(c.url())
            owner, _ = c.owner()
            load = Load(gw).start()
            wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
            # Every key and script lives in the {kz} slot of one primary.
            self.assertGreater(len(stored_tickets(owner.port)), 0)
            promoted = c.failover()
            wait_for(lambda: sum(1 for st, _, _, t in list(load.answers.values())
                                 if st == 202 and t > promoted) >= 50,
                     timeout=60, what="writes on the new primary")
            load.stop()
            ready = readyz_recovery(gw, promoted)
            redelivered = redeliver_unknown(gw, load)
            new_owner, _ = c.owner()
            self.assertIsNot(new_owner, owner)
            stored = stored_tickets(new_owner.port)
            lost = report("cluster-failover", load, stored, load.recovery(promoted), ready)
            self.assertEqual(lost, set(), "acknowledged but not stored")
            for number, (status, word) in redelivered.items():
                self.assertIn(word, ("duplicate", "accepted"), number)
            # The whole API works against the cluster (scripts in one slot).
            self.assertEqual(gw.request("GET", "/feeds/tickets.rss")[0], 200)
            status, _ = gw.json("POST", "/api/digest")
            self.assertEqual(status, 202)
        finally:
            if gw is not None:
                rc, log = gw.close()
                self.assertEqual(rc, 0, log[-3000:])
            c.close()


if __name__ == "__main__":
    main()
