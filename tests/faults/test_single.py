"""A single Redis primary under fault, with webhook load: demoted with
REPLICAOF, restarted, paused with SIGSTOP past the timeout; the gateway
SIGKILLed; a 20 000-alert notification beside small webhooks. Each test
prints its figures; nothing acknowledged is lost."""

import json
import signal
import threading
import time
import unittest

from harness import main
from faults import Gateway, Load, Node, readyz_recovery, redeliver_unknown, report, \
    stored_tickets, wait_for, issue, UNKNOWN


def alert(fingerprint, status="firing", service="db"):
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
    a = {"status": status, "fingerprint": fingerprint, "startsAt": at,
         "labels": {"alertname": "A" + fingerprint, "severity": "warning", "service": service},
         "annotations": {"summary": "alert " + fingerprint}}
    if status == "resolved":
        a["endsAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return a


def notification(alerts, status="firing"):
    return json.dumps({"version": "4", "status": status, "alerts": alerts}).encode()


def post_alerts(gw, body):
    return gw.request("POST", "/webhooks/alertmanager", body=body, timeout=60,
                      headers={"Authorization": "Bearer am", "Content-Type": "application/json"})


class SinglePrimary(unittest.TestCase):
    def setUp(self):
        self.node = Node()
        self.gws = []

    def tearDown(self):
        for gw in self.gws:
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-3000:])
        self.node.close()

    def gateway(self, **env):
        gw = Gateway("redis://127.0.0.1:%d/0" % self.node.port, **env)
        self.gws.append(gw)
        return gw

    def test_primary_demoted_with_replicaof(self):
        gw = self.gateway()
        other = Node()
        try:
            # `other` replicates the primary, so demoting the primary (it then
            # replicates `other`) keeps its data; writes it then refuses.
            other.cmd("REPLICAOF", "127.0.0.1", str(self.node.port))
            wait_for(lambda: "master_link_status:up" in other.cmd("INFO", "replication"),
                     timeout=30, what="replica in sync")
            load = Load(gw).start()
            wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
            # A controlled switch: pause writes, let the replica catch up, swap roles.
            self.node.cmd("CLIENT", "PAUSE", "5000", "WRITE")
            wait_for(lambda: _offset(other) >= _offset(self.node), timeout=30, what="caught up")
            other.cmd("REPLICAOF", "NO", "ONE")
            self.node.cmd("REPLICAOF", "127.0.0.1", str(other.port))
            self.node.cmd("CLIENT", "UNPAUSE")
            demoted = time.monotonic()
            wait_for(lambda: gw.request("GET", "/readyz")[0] == 503, timeout=30, what="readyz 503")
            self.assertEqual(gw.metric("kaizen_redis_up"), 0)
            wait_for(lambda: gw.metric("kaizen_redis_errors_total", kind="readonly") > 0,
                     timeout=30, what="readonly counted")
            status, body = gw.github("issues", issue(number=777))
            self.assertEqual(status, 503, body)
            # Promoted again: everything resumes by itself.
            self.node.cmd("REPLICAOF", "NO", "ONE")
            back = time.monotonic()
            ready = readyz_recovery(gw, back)
            wait_for(lambda: sum(1 for st, _, _, t in list(load.answers.values())
                                 if st == 202 and t > back) >= 20, timeout=60, what="writes again")
            load.stop()
            redeliver_unknown(gw, load)
            lost = report("replicaof-demotion", load, stored_tickets(self.node.port),
                          load.recovery(back), ready,
                          {"readonly_errors": int(gw.metric("kaizen_redis_errors_total",
                                                            kind="readonly")),
                           "demoted_for_s": round(back - demoted, 2)})
            self.assertEqual(lost, set(), "acknowledged but not stored")
        finally:
            other.close()

    def test_redis_restart_under_load(self):
        gw = self.gateway()
        load = Load(gw).start()
        wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
        self.node.stop()           # SIGTERM: Redis writes its AOF and exits
        down = time.monotonic()
        wait_for(lambda: gw.request("GET", "/readyz")[0] == 503, timeout=30, what="readyz 503")
        self.node.start()
        back = time.monotonic()
        ready = readyz_recovery(gw, back)
        wait_for(lambda: sum(1 for st, _, _, t in list(load.answers.values())
                             if st == 202 and t > back) >= 20, timeout=60, what="writes again")
        load.stop()
        redeliver_unknown(gw, load)
        lost = report("redis-restart", load, stored_tickets(self.node.port), load.recovery(back),
                      ready, {"down_for_s": round(back - down, 2)})
        self.assertEqual(lost, set(), "acknowledged but not stored")

    def test_redis_paused_past_the_timeout(self):
        gw = self.gateway(KAIZEN_REDIS_TIMEOUT="1s")
        load = Load(gw).start()
        wait_for(lambda: len(load.acknowledged()) >= 50, timeout=60, what="load running")
        # Resolutions sent while Redis is paused: their outcome is unknown.
        closed = {}
        def close_issues():
            for n in range(5):
                payload = issue("closed", number=900000 + n, state="closed",
                                closed=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                updated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
                closed[n] = (payload, gw.github("issues", payload, delivery="close-%d" % n))
        self.node.proc.send_signal(signal.SIGSTOP)
        paused = time.monotonic()
        closer = threading.Thread(target=close_issues)
        closer.start()
        closer.join(60)
        wait_for(lambda: gw.request("GET", "/readyz")[0] == 503, timeout=30, what="readyz 503")
        wait_for(lambda: len(load.unknown()) > 0, timeout=30, what="an unknown outcome")
        self.node.proc.send_signal(signal.SIGCONT)
        back = time.monotonic()
        ready = readyz_recovery(gw, back)
        wait_for(lambda: sum(1 for st, _, _, t in list(load.answers.values())
                             if st == 202 and t > back) >= 20, timeout=60, what="writes again")
        load.stop()
        # Sent and unanswered (outcome unknown), or refused once the connection was
        # declared dead (nothing recorded): never a 2xx while Redis is stopped.
        for n, (payload, (status, body)) in closed.items():
            self.assertEqual(status, 503, body)
        redelivered = redeliver_unknown(gw, load)
        for number, (status, word) in redelivered.items():
            self.assertIn(word, ("duplicate", "accepted"), number)
        # The resolutions, redelivered: each counted exactly once, stored or not the first time.
        for n, (payload, _) in closed.items():
            status, body = gw.github("issues", payload, delivery="close-%d" % n)
            self.assertIn(body["status"], ("duplicate", "accepted"))
        wait_for(lambda: gw.metric("kaizen_ticket_seconds_count", component="api",
                                   severity="medium") == 5, timeout=30, what="5 resolutions")
        lost = report("redis-sigstop", load, stored_tickets(self.node.port), load.recovery(back),
                      ready, {"paused_for_s": round(back - paused, 2)})
        self.assertEqual(lost, set(), "acknowledged but not stored")

    def test_gateway_killed_under_load(self):
        gw = self.gateway()
        load = Load(gw).start()
        wait_for(lambda: len(load.acknowledged()) >= 100, timeout=60, what="load running")
        gw.proc.send_signal(signal.SIGKILL)
        gw.proc.wait(10)
        time.sleep(0.2)   # let the load threads see refused connections
        load.stop()
        gw.proc = None
        gw.log.close()
        self.gws.remove(gw)
        lost = report("gateway-sigkill", load, stored_tickets(self.node.port))
        self.assertEqual(lost, set(), "acknowledged but not stored")
        # A new process picks up where the old one was.
        again = self.gateway()
        self.assertEqual(again.github("issues", issue(number=1), delivery="after")[0], 202)

    def test_twenty_thousand_alerts_beside_small_webhooks(self):
        gw = self.gateway(KAIZEN_ALERTMANAGER_TOKEN="am", KAIZEN_MAX_BODY="32MiB")
        body = notification([alert("big%05d" % i) for i in range(20000)])
        small, stop = [], threading.Event()

        def smalls():
            i = 0
            while not stop.is_set() and i < 5000:
                i += 1
                t = time.monotonic()
                status, _, _ = post_alerts(gw, notification([alert("small%05d" % i)]))
                small.append((status, time.monotonic() - t))

        worker = threading.Thread(target=smalls)
        worker.start()
        wait_for(lambda: len(small) >= 20, timeout=30, what="small webhooks running")
        started = time.monotonic()
        status, _, data = post_alerts(gw, body)
        big_seconds = time.monotonic() - started
        stop.set()
        worker.join(60)
        self.assertEqual(status, 202, data)
        self.assertTrue(all(s == 202 for s, _ in small), [s for s, _ in small if s != 202][:5])
        stored = self.node.cmd("HLEN", "{kz}:ticket")
        self.assertEqual(stored, 20000 + len(small))
        latencies = sorted(t for _, t in small)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print("FIGURES twenty-thousand-alerts: big_status=%d big_seconds=%.2f small_webhooks=%d "
              "small_p50_ms=%.1f small_p99_ms=%.1f stored=%d"
              % (status, big_seconds, len(small), latencies[len(latencies) // 2] * 1000,
                 p99 * 1000, stored), flush=True)


def _offset(node):
    for line in node.cmd("INFO", "replication").splitlines():
        if line.startswith(("master_repl_offset:", "slave_repl_offset:")):
            return int(line.split(":")[1])
    return 0


if __name__ == "__main__":
    main()
