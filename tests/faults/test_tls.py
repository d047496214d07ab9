"""Faults over TLS with ACL users: every process speaks TLS only, the
gateway is an ACL user with docs/redis.md's command list (and the
Sentinels' own user), certificates made by openssl in the test.

* Sentinel: SENTINEL FAILOVER under webhook load over TLS.
* Cluster: CLUSTER FAILOVER under webhook load over TLS; the gateway follows
  the {kz} slot to the new primary. It learns of the move one of two ways,
  depending on what was in flight: a MOVED from the demoted primary, or the
  demoted primary closing the connection (it disconnects a client blocked
  in WAIT) and the reconnect asking the cluster where the slot is.
* Rotation: the server's certificate and the CA are replaced by ones of a
  new CA (the gateway's CA file rewritten in place, as a Secret update does)
  and the server restarted under load: the gateway reconnects with the new
  files, no restart.

Each prints its figures (acknowledged, stored, lost, seconds until writes
and /readyz recovered after the promotion or restart); nothing acknowledged
is lost, and writes succeed again within 10 s. Skipped on a build without
TLS (Debian 12)."""

import os
import shutil
import socket
import ssl
import tempfile
import time
import unittest

from certs import CA, copy_file
from harness import documented_acl, main, tls_built
from faults import (Cluster, Gateway, Load, Node, Sentinels, readyz_recovery, redeliver_unknown,
                    report, stored_tickets, wait_for)

USER = ("kaizen", "kaizen-acl-pw")
SENTINEL_USER = ("kaizen-watch", "watch-pw")
RECOVERY_BOUND_S = 10   # the product's promise after a failover: writes succeed within 10 s


def verifies_with(port, ca_file):
    """Whether the server on port presents a certificate that ca_file verifies."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.check_hostname = False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                ctx.wrap_socket(raw):
            return True
    except ssl.SSLCertVerificationError:
        return False


def writes_after(load, since, n=50):
    wait_for(lambda: sum(1 for st, _, _, t in list(load.answers.values())
                         if st == 202 and t > since) >= n,
             timeout=60, what="%d writes after the fault" % n)


@unittest.skipUnless(tls_built(), "this build has no TLS (hiredis without hiredis_ssl)")
class FaultsOverTLS(unittest.TestCase):
    def setUp(self):
        self.ca = CA()
        cert, key = self.ca.issue("redis")
        self.tls = {"cert": cert, "key": key, "ca": self.ca.cert}
        self.closers = [self.ca.close]

    def tearDown(self):
        for close in reversed(self.closers):
            close()

    def gateway(self, url, **env):
        gw = Gateway(url, KAIZEN_REDIS_TLS_CA_FILE=self.ca.cert, **env)

        def close():
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-3000:])
            for secret in (USER[1], SENTINEL_USER[1]):
                self.assertNotIn(secret, log)
        self.closers.append(close)
        return gw

    def check(self, name, gw, load, stored_now, since, extra=None):
        ready = readyz_recovery(gw, since)
        redelivered = redeliver_unknown(gw, load)
        recovered = load.recovery(since)
        lost = report(name, load, stored_now(), recovered, ready, extra)
        self.assertEqual(lost, set(), "acknowledged but not stored")
        for number, (_, word) in redelivered.items():
            self.assertIn(word, ("duplicate", "accepted"), number)
            self.assertIn(number, stored_now())
        self.assertIsNotNone(recovered)
        self.assertLessEqual(recovered, RECOVERY_BOUND_S, "writes took too long to come back")

    def test_sentinel_failover_over_tls_with_acl_users(self):
        s = Sentinels(password="data-pw", sentinel_password="sentinel-pw", tls=self.tls, user=USER,
                      sentinel_user=SENTINEL_USER)
        self.closers.append(s.close)
        gw = self.gateway(s.url(), KAIZEN_REDIS_SENTINEL_USERNAME=SENTINEL_USER[0],
                          KAIZEN_REDIS_SENTINEL_PASSWORD=SENTINEL_USER[1])
        load = Load(gw).start()
        try:
            wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
            first = s.primary_port()
            promoted = s.failover()
            self.assertNotEqual(s.primary_port(), first)
            writes_after(load, promoted)
        finally:
            load.stop()
        stored = lambda: stored_tickets(s.primary_port(), "data-pw", self.tls)  # noqa: E731
        self.check("tls-sentinel-failover", gw, load, stored, promoted)
        log = gw.read_log()
        self.assertIn("the Sentinels promoted another primary", log)
        self.assertEqual(gw.metric("kaizen_redis_errors_total", kind="tls"), 0)
        # The gateway's connections to the new primary are its ACL user's.
        self.assertIn(" user=kaizen ", s.node(s.primary_port()).cmd("CLIENT", "LIST"))

    def test_cluster_failover_over_tls_follows_the_slot(self):
        c = Cluster(tls=self.tls, user=USER)
        self.closers.append(c.close)
        gw = self.gateway(c.url())
        owner, _ = c.owner()
        load = Load(gw).start()
        try:
            wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
            promoted = c.failover()
            writes_after(load, promoted)
        finally:
            load.stop()
        new_owner, _ = c.owner()
        self.assertIsNot(new_owner, owner)
        stored = lambda: stored_tickets(new_owner.port, tls=self.tls)  # noqa: E731
        self.check("tls-cluster-failover", gw, load, stored, promoted)
        log = gw.read_log()
        moved = "the cluster moved the {kz} slot" in log
        reset = '"redis connection reset"' in log
        print("tls-cluster-failover: learnt of the move by %s"
              % ("MOVED" if moved else "the demoted primary closing the connection"))
        self.assertTrue(moved or reset, "neither a MOVED nor a reset before the new primary")
        self.assertIn('"msg":"redis connected; writes succeed","node":"127.0.0.1:%d"' % new_owner.port,
                      log)
        self.assertEqual(gw.metric("kaizen_redis_errors_total", kind="tls"), 0)
        self.assertEqual(gw.request("GET", "/feeds/tickets.rss")[0], 200)

    def test_rotated_certificate_and_ca_take_effect_at_the_restart(self):
        # Files at fixed paths, as mounted Secrets are: the server's, and the gateway's CA.
        d = tempfile.mkdtemp(prefix="kz-rotate-")
        self.closers.append(lambda: shutil.rmtree(d, ignore_errors=True))
        paths = {k: os.path.join(d, k + ".pem") for k in ("cert", "key", "ca", "gateway-ca")}
        for k in ("cert", "key", "ca"):
            copy_file(self.tls[k], paths[k])
        copy_file(self.ca.cert, paths["gateway-ca"])
        node = Node(tls={"cert": paths["cert"], "key": paths["key"], "ca": paths["ca"]},
                    acl=documented_acl(USER[1], USER[0]))
        self.closers.append(node.close)
        gw = Gateway("rediss://%s:%s@127.0.0.1:%d/0" % (USER + (node.port,)),
                     KAIZEN_REDIS_TLS_CA_FILE=paths["gateway-ca"])

        def close():
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-3000:])
        self.closers.append(close)
        new_ca = CA("rotated-ca")
        self.closers.append(new_ca.close)
        new_cert, new_key = new_ca.issue("redis")
        load = Load(gw).start()
        try:
            wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
            # The rotation: new files in place; the running session is not disturbed...
            for src, dst in ((new_cert, "cert"), (new_key, "key"), (new_ca.cert, "ca"),
                             (new_ca.cert, "gateway-ca")):
                copy_file(src, paths[dst])
            before = len(load.acknowledged())
            wait_for(lambda: len(load.acknowledged()) >= before + 20, timeout=60,
                     what="writes on the old session")
            # ...and the restarted server presents the new certificate.
            node.stop()
            restarted_at = time.monotonic()
            node.start()
            writes_after(load, restarted_at)
        finally:
            load.stop()
        # The server now presents the new CA's certificate, and the gateway took it.
        self.assertTrue(verifies_with(node.port, new_ca.cert))
        self.assertFalse(verifies_with(node.port, self.ca.cert))
        stored = lambda: stored_tickets(node.port, tls=node.tls)  # noqa: E731
        self.check("tls-rotation", gw, load, stored, restarted_at,
                   {"tls_errors": int(gw.metric("kaizen_redis_errors_total", kind="tls"))})
        self.assertEqual(gw.metric("kaizen_redis_errors_total", kind="tls"), 0,
                         [line for line in gw.read_log().splitlines() if "TLS" in line])


if __name__ == "__main__":
    main()
