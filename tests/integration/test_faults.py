"""Faults lose nothing: Redis down or hung, SIGTERM under load, slow clients,
connection cap; Redis AUTH/SELECT and unix sockets."""

import os
import signal
import socket
import subprocess
import threading
import time
import unittest
import uuid

from harness import Gateway, Redis, engine_bin, issue, main, wait_for


class RedisOutage(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=True)
        self.gw = Gateway(self.redis.url, KAIZEN_REDIS_TIMEOUT="1s")

    def tearDown(self):
        rc, log = self.gw.close()
        self.redis.close()
        self.assertEqual(rc, 0, log[-3000:])

    def test_redis_stopped_then_back(self):
        gw = self.gw
        self.assertEqual(gw.github("issues", issue(number=1))[0], 202)
        self.redis.stop()
        wait_for(lambda: gw.request("GET", "/readyz")[0] == 503, what="readyz 503")
        self.assertEqual(gw.metric("kaizen_redis_up"), 0)
        status, body = gw.github("issues", issue(number=2), delivery="during-outage")
        self.assertEqual(status, 503)
        self.assertIn("redis", body["error"])
        self.assertEqual(gw.request("GET", "/api/tickets")[0], 503)
        self.assertEqual(gw.request("GET", "/healthz")[0], 200)
        self.redis.start()  # same port, same AOF
        wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, timeout=15, what="recovery")
        self.assertEqual(gw.metric("kaizen_redis_up"), 1)
        # The 503 recorded nothing: GitHub's redelivery is applied, not a duplicate.
        self.assertEqual(gw.github("issues", issue(number=2), delivery="during-outage"),
                         (202, {"status": "accepted"}))
        self.assertEqual(sorted(t["id"] for t in gw.tickets()),
                         ["gh:octo-org/api#1", "gh:octo-org/api#2"])

    def test_hung_redis_times_out(self):
        gw = self.gw
        os.kill(self.redis.proc.pid, signal.SIGSTOP)
        try:
            # Redis stays frozen until the answer is in, so the answer can only
            # come from the gateway's own KAIZEN_REDIS_TIMEOUT, not from Redis.
            status, body = gw.github("issues", issue(number=5), delivery="while-hung", timeout=60)
            self.assertEqual(status, 503)
        finally:
            os.kill(self.redis.proc.pid, signal.SIGCONT)
        wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, timeout=15, what="recovery")
        status, body = gw.github("issues", issue(number=5), delivery="while-hung")
        # Redis may or may not have run the script before it froze; either way exactly once.
        self.assertIn(body["status"], ("accepted", "duplicate"))
        self.assertEqual([t["id"] for t in gw.tickets()], ["gh:octo-org/api#5"])


class SigtermUnderLoad(unittest.TestCase):
    def test_acknowledged_deliveries_are_stored_and_exit_is_clean(self):
        redis = Redis()
        gw = Gateway(redis.url)
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def sender(worker):
            n = 0
            while not stop.is_set():
                n += 1
                number = worker * 100000 + n
                try:
                    status, body = gw.github("issues", issue(number=number), delivery="w%d-%d" % (worker, n))
                except OSError:
                    continue  # refused or reset after the listener closed: not acknowledged
                if status == 202:
                    with lock:
                        acked.append(number)
                else:
                    self.assertIn(status, (503,))

        threads = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        wait_for(lambda: len(acked) > 10, timeout=60, what="deliveries acknowledged under load")
        gw.proc.send_signal(signal.SIGTERM)
        rc = gw.proc.wait(60)
        stop.set()
        for t in threads:
            t.join()
        gw.proc = None
        gw.log.close()
        log = gw.read_log()
        try:
            self.assertEqual(rc, 0, log[-3000:])
            # It drained by itself, within its own deadline (not cut off by it).
            self.assertIn('"drained; exiting"', log)
            self.assertNotIn("drain deadline reached", log)
            self.assertGreater(len(acked), 10)
            stored = set(int(k.rsplit("#", 1)[1]) for k in redis.command("HKEYS", "{kz}:ticket"))
            missing = set(acked) - stored
            self.assertEqual(missing, set(), "acknowledged but not stored")
            self.assertIn("shutting down", log)
        finally:
            redis.close()


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(appendonly=False)
        cls.gw = Gateway(cls.redis.url, KAIZEN_REQUEST_TIMEOUT="2s", KAIZEN_MAX_CONNECTIONS="3")

    @classmethod
    def tearDownClass(cls):
        rc, log = cls.gw.close()
        cls.redis.close()
        assert rc == 0, log[-3000:]

    def test_slow_client_is_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.gw.port))
        s.settimeout(10)
        s.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\n")
        closed = False
        sent = 0
        try:
            # One header byte every 0.25 s: never idle for KAIZEN_REQUEST_TIMEOUT
            # (2 s), so only an absolute deadline cuts it off before the 40th.
            for sent in range(1, 41):
                s.sendall(b"X")
                time.sleep(0.25)
                s.setblocking(False)
                try:
                    if s.recv(1024) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
        except OSError:
            closed = True  # reset by the server
        s.close()
        self.assertTrue(closed, "a client dribbling %d header bytes was never cut off" % sent)

    def test_connection_cap_sheds_idle_then_pauses_when_all_are_busy(self):
        # At the cap, an idle connection is given up for the new one...
        idle = [socket.create_connection(("127.0.0.1", self.gw.port)) for _ in range(3)]
        try:
            self.assertEqual(self.gw.request("GET", "/healthz", timeout=10)[0], 200)
            closed = 0
            for s in idle:
                s.settimeout(5)
                try:
                    closed += s.recv(1024) == b""
                except OSError:
                    closed += 1
                    continue
            self.assertGreaterEqual(closed, 1)
        finally:
            for s in idle:
                s.close()
        # ...but connections carrying a body are never shed: with all three
        # busy the gateway stops accepting, and resumes when one ends.
        paused = self.gw.read_log().count("connection cap reached")
        busy = []
        for i in range(3):
            s = socket.create_connection(("127.0.0.1", self.gw.port))
            s.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nxx")
            busy.append(s)
        try:
            wait_for(lambda: self.gw.read_log().count("connection cap reached") > paused,
                     timeout=30, what="the gateway to reach its connection cap")
            with self.assertRaises(OSError):
                self.gw.request("GET", "/healthz", timeout=1.0)
        finally:
            for s in busy:
                s.close()
        wait_for(lambda: self.gw.request("GET", "/healthz", timeout=2)[0] == 200, what="resume")


def _raw_redis(port, *commands):
    """Sends inline commands on one connection; returns the reply lines."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"".join(c + b"\r\n" for c in commands))
        data = b""
        while data.count(b"\r\n") < len(commands):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n")[:len(commands)]


class _Unready(Gateway):
    """A gateway that is not expected to become ready."""

    def start(self, wait_ready=False):
        super().start(wait_ready=False)


class RedisUrls(unittest.TestCase):
    def test_auth_and_select(self):
        redis = Redis(appendonly=False)
        try:
            redis.command("CONFIG", "SET", "requirepass", "pa:ss@word")
            gw = Gateway("redis://:pa%%3Ass%%40word@127.0.0.1:%d/2" % redis.port)
            self.assertEqual(gw.github("issues", issue(number=9))[0], 202)
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-2000:])
            replies = _raw_redis(redis.port, b"AUTH pa:ss@word", b"SELECT 2",
                                 b"HEXISTS {kz}:ticket gh:octo-org/api#9", b"SELECT 0", b"DBSIZE",
                                 b'CONFIG SET requirepass ""')
            self.assertEqual(replies[:5], [b"+OK", b"+OK", b":1", b"+OK", b":0"])
        finally:
            redis.close()

    def test_wrong_password_is_not_ready(self):
        redis = Redis(appendonly=False)
        try:
            redis.command("CONFIG", "SET", "requirepass", "right")
            gw = _Unready("redis://:wrong@127.0.0.1:%d/0" % redis.port)
            wait_for(lambda: "redis handshake failed" in gw.read_log(), what="handshake failure")
            self.assertEqual(gw.request("GET", "/readyz")[0], 503)
            self.assertEqual(gw.github("issues", issue())[0], 503)
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-2000:])
            self.assertNotIn("wrong", log)  # the password is never logged
        finally:
            _raw_redis(redis.port, b"AUTH right", b'CONFIG SET requirepass ""')
            redis.close()

    def test_unix_socket(self):
        redis = Redis(appendonly=False)
        redis.stop()
        sock = os.path.join(redis.dir, "redis.sock")
        proc = subprocess.Popen([engine_bin("server"), "--port", "0", "--unixsocket", sock, "--save", "",
                                 "--dir", redis.dir], stdout=subprocess.DEVNULL)
        try:
            wait_for(lambda: os.path.exists(sock), what="unix socket")
            gw = Gateway("unix://" + sock)
            self.assertEqual(gw.github("issues", issue(number=11))[0], 202)
            self.assertEqual([t["id"] for t in gw.tickets()], ["gh:octo-org/api#11"])
            rc, log = gw.close()
            self.assertEqual(rc, 0, log[-2000:])
        finally:
            proc.terminate()
            proc.wait()
            redis.close()


if __name__ == "__main__":
    main()
