"""Reload without restart (SIGHUP and POST /-/reload): a template change and
a routes change go live, a bad template or routes file is refused with
500 and file:line, changes nothing and is exported as
kaizen_config_last_reload_successful 0; reloads under webhook load lose
nothing; 100 reloads leak no memory; /-/healthy and /-/ready answer as
/healthz and /readyz. The Slack peer is a fake Web API."""

import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import unittest

from fake_receiver import slack_web_api
from harness import (BIN, SOURCE_DIR, Gateway, Redis, close_gateways, issue, main, rfc3339,
                     wait_for)

ADMIN_TOKEN = "reload-admin-token"
ADMIN = {"Authorization": "Bearer " + ADMIN_TOKEN}
ROUTES_V1 = {"routes": [{"name": "payments", "match": {"component": ["checkout"]},
                         "slack_channel": "C0PAY"}],
             "default": {"slack_channel": "C0SRE"}}
ROUTES_V2 = {"routes": [{"name": "payments-v2", "match": {"component": ["checkout", "billing"]},
                         "slack_channel": "C0PAY2"}],
             "default": {"slack_channel": "C0SRE"}}


def configmap_update(path, files):
    """Writes files (name -> text) into path as the kubelet updates a ConfigMap volume: a new
    timestamped directory, the ..data symlink swapped to it atomically, one symlink per key."""
    stamp = "..%d" % time.time_ns()
    os.makedirs(os.path.join(path, stamp))
    for name, text in files.items():
        with open(os.path.join(path, stamp, name), "w") as f:
            f.write(text)
    os.symlink(stamp, os.path.join(path, "..data_tmp"))
    old = os.path.realpath(os.path.join(path, "..data")) if os.path.islink(
        os.path.join(path, "..data")) else None
    os.replace(os.path.join(path, "..data_tmp"), os.path.join(path, "..data"))
    for name in files:
        if not os.path.islink(os.path.join(path, name)):
            os.symlink(os.path.join("..data", name), os.path.join(path, name))
    if old is not None:
        shutil.rmtree(old)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def sanitized():
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


class Reload(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        self.dir = tempfile.mkdtemp(prefix="kz-reload-")
        # The templates as a ConfigMap volume holds them (symlinks to ..data/).
        self.templates = os.path.join(self.dir, "templates")
        shipped = os.path.join(SOURCE_DIR, "templates")
        self.template_files = {}
        for name in os.listdir(shipped):
            if name.endswith(".mustache"):
                with open(os.path.join(shipped, name)) as f:
                    self.template_files[name] = f.read()
        os.makedirs(self.templates)
        configmap_update(self.templates, self.template_files)
        self.routes = os.path.join(self.dir, "routes.json")
        self.write_routes(ROUTES_V1)
        self.gw = None

    def tearDown(self):
        close_gateways(self, [self.gw] if self.gw is not None else [])
        self.peer.close()
        self.redis.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_routes(self, routes):
        with open(self.routes + ".tmp", "w") as f:
            f.write(routes if isinstance(routes, str) else json.dumps(routes, indent=2))
        os.replace(self.routes + ".tmp", self.routes)   # as a ConfigMap update does

    def write_template(self, name, text):
        self.template_files[name + ".mustache"] = text
        configmap_update(self.templates, self.template_files)

    def start(self, **env):
        base = dict(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                    KAIZEN_TEMPLATES_DIR=self.templates, KAIZEN_ROUTES_FILE=self.routes,
                    KAIZEN_ADMIN_TOKEN=ADMIN_TOKEN, KAIZEN_DRY_RUN="0",
                    KAIZEN_DIGEST_EVERY="3600s", KAIZEN_CHECK_EVERY="3600s")
        base.update(env)
        k = int(time.time()) // 3600       # digests only when the test asks
        for w in (k, k + 1):
            self.redis.command("SET", "{kz}:digest:window:every3600-%d" % w, "1", "EX", 7200)
        self.gw = Gateway(self.redis.url, **base)
        return self.gw

    def reload(self):
        return self.gw.json("POST", "/-/reload", headers=ADMIN)

    def loaded(self):
        """What a good reload must answer: the hashes an operator computes from the files
        (`LC_ALL=C cat templates/*.mustache | sha256sum`, `sha256sum routes.json`)."""
        templates = b"".join(self.template_files[name].encode()
                             for name in sorted(self.template_files, key=str.encode))
        with open(self.routes, "rb") as f:
            routes = f.read()
        return {"status": "reloaded", "templates_sha256": hashlib.sha256(templates).hexdigest()[:16],
                "routes_sha256": hashlib.sha256(routes).hexdigest()[:16]}

    def config_info(self):
        """The labels of the one kaizen_config_info series."""
        lines = [l for l in self.gw.metrics().splitlines() if l.startswith("kaizen_config_info{")]
        self.assertEqual(len(lines), 1, lines)
        return dict(re.findall(r'(\w+)="([^"]*)"', lines[0]))

    def reloads_logged(self):
        return self.gw.read_log().count("configuration reloaded")

    def route_of(self, tid):
        status, body = self.gw.json("GET", "/api/tickets?limit=100", headers=ADMIN)
        self.assertEqual(status, 200)
        return next(t["route"] for t in body["tickets"] if t["id"] == tid)

    def digest_text(self):
        """Asks for a digest; returns all text Slack got for it."""
        before = len(self.peer.received("/api/chat.postMessage"))
        self.assertIn(self.gw.json("POST", "/api/digest", headers=ADMIN)[0], (200, 202))
        wait_for(lambda: len(self.peer.received("/api/chat.postMessage")) > before, timeout=30,
                 what="the digest")
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") == "0", timeout=30,
                 what="the outbox drained")
        return json.dumps([r["json"] for r in self.peer.received("/api/chat.postMessage")[before:]],
                          ensure_ascii=False)

    def test_good_reloads_go_live_bad_ones_change_nothing(self):
        gw = self.start()
        started = gw.metric("kaizen_config_last_reload_success_timestamp_seconds")
        self.assertEqual(gw.metric("kaizen_config_last_reload_successful"), 1)
        self.assertGreater(started, time.time() - 600)
        first = self.loaded()
        self.assertEqual(self.config_info(), {"templates_sha256": first["templates_sha256"],
                                              "routes_sha256": first["routes_sha256"]})
        now = rfc3339(time.time())
        status, _ = gw.github("issues", issue("opened", number=1, title="Pay fails", created=now,
                                              updated=now, labels=("component:checkout",)))
        self.assertEqual(status, 202)
        tid = "gh:octo-org/api#1"
        self.assertEqual(self.route_of(tid), "payments")
        self.assertIn("SLA digest", self.digest_text())

        # A template change, live after POST /-/reload.
        self.write_template("digest_header", "Digest v2: {{open_tickets}} open")
        self.assertEqual(self.reload(), (200, self.loaded()))
        self.assertNotEqual(self.loaded()["templates_sha256"], first["templates_sha256"])
        self.assertEqual(self.config_info()["templates_sha256"], self.loaded()["templates_sha256"])
        self.assertIn("Digest v2: 1 open", self.digest_text())
        # A routes change, live after SIGHUP.
        self.write_routes(ROUTES_V2)
        gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.reloads_logged() == 2, timeout=30, what="the SIGHUP reload")
        self.assertEqual(self.route_of(tid), "payments-v2")
        self.assertIn('"channel": "C0PAY2"', self.digest_text())
        good_at = gw.metric("kaizen_config_last_reload_success_timestamp_seconds")
        self.assertGreaterEqual(good_at, started)

        # A template syntax error: 500 with file:line, the running templates kept.
        self.write_template("digest_header", "Digest v3 {{#open_tickets}} never closed")
        self.write_routes(ROUTES_V1)     # a good routes change in the same reload: not applied
        status, body = self.reload()
        self.assertEqual(status, 500)
        self.assertEqual(body["error"], "%s/digest_header.mustache:1: unclosed section "
                                        "'open_tickets'" % self.templates)
        self.assertEqual(gw.metric("kaizen_config_last_reload_successful"), 0)
        self.assertEqual(gw.metric("kaizen_config_last_reload_success_timestamp_seconds"), good_at)
        self.assertEqual(self.config_info()["routes_sha256"],
                         hashlib.sha256(json.dumps(ROUTES_V2, indent=2).encode()).hexdigest()[:16])
        self.assertIn("Digest v2: 1 open", self.digest_text())
        self.assertEqual(self.route_of(tid), "payments-v2")
        self.assertIn("reload failed", gw.read_log())

        # A bad routes file: 500 naming the route and the problem; SIGHUP keeps running.
        self.write_template("digest_header", "Digest v4: {{open_tickets}} open")
        bad = json.loads(json.dumps(ROUTES_V1))
        bad["routes"][0]["match"]["severity"] = ["urgent"]
        self.write_routes(bad)
        status, body = self.reload()
        self.assertEqual(status, 500)
        self.assertIn("routes.json: routes[0] (payments): match.severity: 'urgent'", body["error"])
        self.write_routes('{"routes": [\n  {"match": }\n]}')
        status, body = self.reload()
        self.assertEqual(status, 500)
        self.assertRegex(body["error"], r"routes\.json:2: ")
        gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: gw.read_log().count("reload failed") >= 4, timeout=30,
                 what="the failed SIGHUP reload")
        self.assertIsNone(gw.proc.poll())
        self.assertIn("Digest v2: 1 open", self.digest_text())
        self.assertEqual(self.route_of(tid), "payments-v2")

        # Fixed: the next reload takes both.
        self.write_routes(ROUTES_V1)
        self.assertEqual(self.reload(), (200, self.loaded()))
        self.assertEqual(gw.metric("kaizen_config_last_reload_successful"), 1)
        self.assertIn("Digest v4: 1 open", self.digest_text())
        self.assertEqual(self.route_of(tid), "payments")

        # Admin only; POST only.
        self.assertEqual(gw.json("POST", "/-/reload")[0], 401)
        self.assertEqual(gw.json("POST", "/-/reload", headers={"Authorization": "Bearer x"})[0], 401)
        self.assertEqual(gw.request("GET", "/-/reload")[0], 405)
        # The Prometheus tools' probe paths answer as ours.
        for ours, theirs in (("/healthz", "/-/healthy"), ("/readyz", "/-/ready")):
            self.assertEqual(gw.json("GET", theirs), gw.json("GET", ours))

    def test_reloads_under_webhook_load_lose_nothing(self):
        # Rendering goes on during the reloads: breach notices every second (half the
        # tickets are critical and 3 h old, past a 1 h SLA) and a digest every few reloads.
        gw = self.start(KAIZEN_ADMIN_TOKEN=None, KAIZEN_CHECK_EVERY="1s",   # loopback is admin
                        KAIZEN_SLA="critical=3600s")
        n_threads, per_thread = 4, 250
        answers, lock = [], threading.Lock()
        now, old = rfc3339(time.time()), rfc3339(time.time() - 3 * 3600)

        def send(t):
            for k in range(per_thread):
                number = 1000 + t * per_thread + k
                critical = number % 2 == 0
                status, _ = gw.github("issues", issue(
                    "opened", number=number, title="T%d" % number,
                    created=old if critical else now, updated=old if critical else now,
                    labels=("component:checkout",) + (("severity:critical",) if critical else ())),
                    timeout=30)
                with lock:
                    answers.append(status)

        threads = [threading.Thread(target=send, args=(t,)) for t in range(n_threads)]
        for t in threads:
            t.start()
        reloads, digests = 0, 0
        while any(t.is_alive() for t in threads) and reloads < 200:
            self.write_template("digest_header", "Digest %d: {{open_tickets}} open" % reloads)
            self.write_template("sla_breach_line", "R%d {{{link}}} breached {{breached_for}} ago"
                                % reloads)
            if reloads % 2:
                gw.proc.send_signal(signal.SIGHUP)
            else:
                self.assertEqual(self.reload()[0], 200)
            if reloads % 8 == 0:
                self.assertIn(gw.json("POST", "/api/digest")[0], (200, 202))
                digests += 1
            reloads += 1
            time.sleep(0.005)
        for t in threads:
            t.join(timeout=120)
        tickets, _ = gw.all_tickets("?state=open")
        stored = {t["id"] for t in tickets}
        sent = n_threads * per_thread
        lost = sent - len(stored)
        wait_for(lambda: self.redis.command("GET", "{kz}:outbox:pending") == "0", timeout=120,
                 what="every message rendered during the reloads sent")
        posts = [r["json"] for r in self.peer.received("/api/chat.postMessage")]
        print("reload under load: %d reloads, %d digests asked, %d Slack posts; %d webhooks "
              "sent, %d acknowledged (202), %d stored, %d lost"
              % (reloads, digests, len(posts), sent, answers.count(202), len(stored), lost))
        self.assertEqual(gw.json("GET", "/api/outbox")[1]["dead"], 0)
        # Each message is rendered whole with one set of templates: a digest header and a
        # notice's lines each name a single reload.
        for msg in posts:
            text = json.dumps(msg, ensure_ascii=False)
            self.assertLessEqual(len(set(re.findall(r"\bR(\d+) <", text))), 1, text[:500])
            self.assertLessEqual(len(set(re.findall(r"Digest (\d+):", text))), 1, text[:500])
        self.assertGreater(reloads, 1)
        self.assertEqual(answers, [202] * sent)
        self.assertEqual(lost, 0)
        self.assertEqual(gw.metric("kaizen_config_last_reload_successful"), 1)

    def test_a_hundred_reloads_leak_no_memory(self):
        gw = self.start()
        for _ in range(20):          # warm-up: allocator pools settle
            self.assertEqual(self.reload()[0], 200)
        before = rss_kib(gw.proc.pid)
        for i in range(100):
            self.write_template("digest_header", "Digest %d: {{open_tickets}} open" % i)
            self.assertEqual(self.reload()[0], 200)
        after = rss_kib(gw.proc.pid)
        print("100 reloads: RSS %d KiB before, %d KiB after (%+d KiB)" % (before, after,
                                                                            after - before))
        self.assertEqual(self.reloads_logged(), 120)
        if sanitized():
            return   # ASan keeps freed memory in quarantine; its leak check runs at exit
        self.assertLessEqual(after - before, 1024)


if __name__ == "__main__":
    main()
