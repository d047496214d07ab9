"""Outbox delivery to a fake Slack: retries and their timing, dead letters,
rate limit, dry-run, restarts with pending messages, templates, and three
replicas sending exactly one digest per window and one notice per breach."""

import json
import os
import shutil
import signal
import tempfile
import time
import unittest

from fake_receiver import FakeReceiver
from harness import (BIN, DAY, NOW, SOURCE_DIR, Gateway, Redis, close_gateways, free_port, issue,
                     main, rfc3339, wait_for)

import subprocess

OLD = NOW - 10 * DAY  # long past: every SLA is breached


def open_ticket(gw, number, title=None, labels=("severity:critical", "component:checkout"),
                created=None):
    """Opens issue `number`, created now (no SLA breaches during a test) unless `created` says."""
    created = created or rfc3339(NOW)
    status, body = gw.github("issues", issue("opened", number=number, title=title or "Ticket %d" % number,
                                             labels=labels, created=created, updated=created))
    assert status == 202, body


def admin(gw, method, path):
    status, body = gw.json(method, path)
    assert status in (200, 202), (status, body)
    return body


def slack_texts(req):
    """All text of one Slack message, to look for a ticket in it."""
    return json.dumps(req["json"], ensure_ascii=False)


class Delivery(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.slack = FakeReceiver()
        self.gateways = []

    def tearDown(self):
        close_gateways(self, self.gateways)
        self.slack.close()
        self.redis.close()

    def gateway(self, **env):
        env.setdefault("KAIZEN_SLACK_WEBHOOK_URL", self.slack.url + "/slack")
        env.setdefault("KAIZEN_DRY_RUN", "0")
        env.setdefault("KAIZEN_CHECK_EVERY", "3600")  # breach checks only where a test wants them
        gw = Gateway(self.redis.url, **env)
        self.gateways.append(gw)
        return gw

    def test_digest_is_valid_block_kit_with_every_ticket(self):
        gw = self.gateway()
        open_ticket(gw, 1, title="Payments <fail> & retry", labels=("severity:high", "component:payments"))
        open_ticket(gw, 2, title="Café ☕ slow", labels=("severity:low", "component:web"))
        self.assertEqual(admin(gw, "POST", "/api/digest"), {"messages": 1})
        [req] = self.slack.wait_for(1, "/slack")
        msg = req["json"]
        self.assertEqual(req["headers"].get("content-type"), "application/json")
        self.assertTrue(msg["text"])
        self.assertLessEqual(len(msg["blocks"]), 50)
        self.assertEqual(msg["blocks"][0]["type"], "header")
        text = slack_texts(req)
        self.assertIn("Payments &lt;fail&gt; &amp; retry", text)
        self.assertIn("https://github.com/octo-org/api/issues/1", text)
        self.assertIn("Café ☕ slow", text)
        # The peer saw the request a moment before the gateway recorded the 2xx.
        status = wait_for(lambda: admin(gw, "GET", "/api/outbox")["recent"] and
                          admin(gw, "GET", "/api/outbox"), what="history")
        self.assertEqual((status["pending"], status["dead"]), (0, 0))
        self.assertEqual(status["recent"][0]["result"], "sent")
        self.assertEqual(gw.metric("kaizen_notifications_total", sink="slack", result="sent"), 1)

    def test_429_honours_retry_after(self):
        self.slack.script("/slack", ("status", 429, {"Retry-After": "2"}), "ok")
        gw = self.gateway()
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        first, second = self.slack.wait_for(2, "/slack", timeout=30)
        self.assertGreaterEqual(second["at"] - first["at"], 1.9)
        self.assertEqual(first["body"], second["body"])
        wait_for(lambda: gw.metric("kaizen_notifications_total", sink="slack", result="sent") == 1)
        self.assertEqual(gw.metric("kaizen_notifications_total", sink="slack", result="retried"), 1)

    def test_429_never_uses_up_an_attempt(self):
        # A rate limit says nothing about the message: with 2 attempts allowed,
        # five 429s in a row and then a 200 still deliver it, once.
        self.slack.script("/slack", *[("status", 429, {"Retry-After": "0"})] * 5, "ok")
        gw = self.gateway(KAIZEN_OUTBOX_MAX_ATTEMPTS="2")
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        reqs = self.slack.wait_for(6, "/slack", timeout=60)
        self.assertEqual(len({r["body"] for r in reqs}), 1)
        wait_for(lambda: gw.metric("kaizen_notifications_total", sink="slack", result="sent") == 1)
        status = admin(gw, "GET", "/api/outbox")
        self.assertEqual((status["pending"], status["dead"]), (0, 0))
        self.assertEqual(status["recent"][0]["result"], "sent")
        self.assertEqual(gw.metric("kaizen_notifications_total", sink="slack", result="dead"), 0)
        print("429 x5 with 2 attempts allowed: %d requests, sent 1, dead 0" % len(reqs))

    def test_retry_after_honoured_on_503_and_capped_at_an_hour(self):
        self.slack.script("/slack", ("status", 503, {"Retry-After": "2"}),
                          ("status", 429, {"Retry-After": "99999999"}), "ok")
        gw = self.gateway()
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        first, second = self.slack.wait_for(2, "/slack", timeout=30)
        self.assertGreaterEqual(second["at"] - first["at"], 1.9)
        # After the 429 the sink waits, but at most an hour, not three years.
        def parked():
            score = self.redis.command("ZSCORE", "{kz}:outbox:dests", "slack")
            return score is not None and float(score) > time.time() * 1000 + 60000 and float(score)
        until = wait_for(parked, timeout=30, what="sink parked by Retry-After")
        self.assertLessEqual(until, (time.time() + 3600) * 1000 + 1000)
        print("Retry-After 99999999 parks the sink for %.0f s" % (until / 1000 - time.time()))

    def test_5xx_backs_off_then_dead_letters(self):
        self.slack.set_default("/slack", ("status", 500))
        gw = self.gateway(KAIZEN_OUTBOX_MAX_ATTEMPTS="3")
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        reqs = self.slack.wait_for(3, "/slack", timeout=30)
        gaps = [b["at"] - a["at"] for a, b in zip(reqs, reqs[1:])]
        self.assertGreaterEqual(gaps[0], 0.75)   # 1 s +-20 %
        self.assertGreaterEqual(gaps[1], 1.55)   # 2 s +-20 %
        wait_for(lambda: admin(gw, "GET", "/api/outbox")["dead"] == 1, what="dead letter")
        status = admin(gw, "GET", "/api/outbox")
        self.assertEqual(status["pending"], 0)
        self.assertEqual(status["recent"][0]["result"], "dead")
        self.assertEqual(status["recent"][0]["attempts"], 3)
        time.sleep(1.5)
        self.assertEqual(len(self.slack.received("/slack")), 3)  # no attempt after the last
        self.assertEqual(gw.metric("kaizen_notifications_total", sink="slack", result="dead"), 1)
        wait_for(lambda: gw.metric("kaizen_outbox_dead") == 1, timeout=30, what="dead gauge")

    def test_404_is_permanent(self):
        self.slack.set_default("/slack", ("status", 404))
        gw = self.gateway()
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        wait_for(lambda: admin(gw, "GET", "/api/outbox")["dead"] == 1, what="dead letter")
        time.sleep(1.5)
        self.assertEqual(len(self.slack.received("/slack")), 1)

    def test_hanging_peer_times_out_and_is_retried(self):
        self.slack.script("/slack", "hang", "ok")
        gw = self.gateway(KAIZEN_HTTP_TIMEOUT="2s")
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        first, second = self.slack.wait_for(2, "/slack", timeout=30)
        self.assertGreaterEqual(second["at"] - first["at"], 2.0)
        wait_for(lambda: gw.metric("kaizen_notifications_total", sink="slack", result="sent") == 1)

    def test_rate_limit_queues_a_burst_in_order(self):
        gw = self.gateway()
        open_ticket(gw, 1)
        for _ in range(4):
            admin(gw, "POST", "/api/digest")
        reqs = self.slack.wait_for(4, "/slack", timeout=30)
        for a, b in zip(reqs, reqs[1:]):
            self.assertGreaterEqual(b["at"] - a["at"], 0.9)
        wait_for(lambda: admin(gw, "GET", "/api/outbox")["pending"] == 0, what="queue drained")

    def test_dry_run_sends_nothing_but_keeps_history(self):
        gw = self.gateway(KAIZEN_DRY_RUN="1")
        open_ticket(gw, 1)
        self.assertEqual(admin(gw, "POST", "/api/digest"), {"messages": 1})
        wait_for(lambda: admin(gw, "GET", "/api/outbox")["recent"], what="history")
        self.assertEqual(admin(gw, "GET", "/api/outbox")["recent"][0]["result"], "dry_run")
        time.sleep(1)
        self.assertEqual(self.slack.received(), [])
        # what was held back is logged, never the message itself
        held = [json.loads(line) for line in gw.read_log().splitlines()
                if '"dry-run: notification not sent"' in line]
        self.assertEqual(len(held), 1)
        self.assertEqual({k: held[0][k] for k in ("destination", "kind")},
                         {"destination": "slack", "kind": "digest"})
        self.assertGreater(int(held[0]["bytes"]), 100)
        self.assertTrue(held[0]["id"].startswith("digest:"))
        self.assertNotIn("Ticket 1", gw.read_log())      # the ticket's title is in the body

    def test_empty_digest_skipped_or_all_clear(self):
        gw = self.gateway(KAIZEN_DIGEST_EVERY="1s")          # skip-empty is the default
        wait_for(lambda: gw.read_log().count("digest window claimed; no open tickets") >= 2,
                 timeout=30, what="two empty digest windows")
        self.assertEqual(self.slack.received("/slack"), [])
        self.assertEqual(admin(gw, "POST", "/api/digest"), {"messages": 0})
        self.assertEqual(gw.stop(), 0)   # else it claims windows with its skip-empty setting
        other = self.gateway(KAIZEN_DIGEST_EVERY="1s", KAIZEN_DIGEST_SKIP_EMPTY="0")
        [req] = self.slack.wait_for(1, "/slack", timeout=30)[:1]
        self.assertIn("0 open", slack_texts(req))
        self.assertTrue(req["json"]["text"])
        self.assertEqual(admin(other, "POST", "/api/digest"), {"messages": 1})

    def test_daily_digest_not_caught_up_past_its_grace(self):
        # A deploy two hours after the digest time skips that day's digest
        # (logged) instead of sending the morning digest in the afternoon.
        at = time.strftime("%H:%M", time.gmtime(time.time() - 2 * 3600))
        gw = self.gateway(KAIZEN_DIGEST_AT=at, KAIZEN_DIGEST_SKIP_EMPTY="0")
        wait_for(lambda: "digest window skipped: past its grace period" in gw.read_log(),
                 timeout=30, what="skipped window logged")
        time.sleep(2)
        self.assertEqual(self.slack.received("/slack"), [])
        self.assertEqual(gw.stop(), 0)
        # One minute after the digest time is within the grace: it is sent.
        at = time.strftime("%H:%M", time.gmtime(time.time() - 60))
        self.redis.command("FLUSHALL")
        self.gateway(KAIZEN_DIGEST_AT=at, KAIZEN_DIGEST_SKIP_EMPTY="0")
        [req] = self.slack.wait_for(1, "/slack", timeout=30)[:1]
        self.assertIn("0 open", slack_texts(req))

    def test_no_webhook_url_is_dry_run(self):
        gw = self.gateway(KAIZEN_SLACK_WEBHOOK_URL=None)
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        wait_for(lambda: admin(gw, "GET", "/api/outbox")["recent"], what="history")
        self.assertEqual(self.slack.received(), [])

    def test_pending_messages_survive_restart(self):
        # The first attempt is told to come back in 3 s; the gateway stops meanwhile.
        self.slack.script("/slack", ("status", 429, {"Retry-After": "3"}))
        gw = self.gateway()
        for n in range(3):   # three different digests
            open_ticket(gw, n + 1)
            admin(gw, "POST", "/api/digest")
        self.slack.wait_for(1, "/slack")
        self.assertEqual(gw.stop(), 0)
        self.assertEqual(len(self.slack.received("/slack")), 1)
        self.assertEqual(int(self.redis.command("ZCARD", "{kz}:outbox:queue:slack:digest")), 3)
        gw.start()
        reqs = self.slack.wait_for(4, "/slack", timeout=30)
        # The refused one is re-sent first, then the other two, each once.
        bodies = [r["body"] for r in reqs]
        self.assertEqual(bodies[0], bodies[1])
        self.assertEqual(len(set(bodies)), 3)
        time.sleep(1.5)
        self.assertEqual(len(self.slack.received("/slack")), 4)

    def test_message_held_by_a_killed_replica_is_picked_up(self):
        self.slack.script("/slack", "hang", "ok")
        gw = self.gateway(KAIZEN_HTTP_TIMEOUT="1s")   # lease = timeout + 10 s
        open_ticket(gw, 1)
        admin(gw, "POST", "/api/digest")
        self.slack.wait_for(1, "/slack")
        gw.stop(sig=signal.SIGKILL)
        other = self.gateway(KAIZEN_HTTP_TIMEOUT="1s")
        try:
            reqs = self.slack.wait_for(2, "/slack", timeout=45)   # lease is 11 s
        except AssertionError:
            for k in self.redis.command("KEYS", "{kz}:outbox:*"):
                print(k, self.redis.command("TYPE", k), self.redis.command("PTTL", k))
            print("--- killed replica ---\n" + gw.read_log()[-3000:])
            print("--- other replica ---\n" + other.read_log()[-3000:])
            raise
        self.assertEqual(reqs[0]["body"], reqs[1]["body"])
        wait_for(lambda: admin(other, "GET", "/api/outbox")["pending"] == 0, what="delivered")

    def test_sla_breach_notice_once_per_breach(self):
        gw = self.gateway(KAIZEN_CHECK_EVERY="1s")
        open_ticket(gw, 7, title="Database on fire", created=rfc3339(OLD))
        [req] = self.slack.wait_for(1, "/slack", timeout=30)
        self.assertIn("Database on fire", slack_texts(req))
        time.sleep(2.5)
        self.assertEqual(len(self.slack.received("/slack")), 1)
        # Closed and reopened: it breaches again, so one more notice.
        gw.github("issues", issue("closed", number=7, title="Database on fire", state="closed",
                                  labels=("severity:critical",), created=rfc3339(OLD),
                                  updated=rfc3339(OLD + DAY), closed=rfc3339(OLD + DAY)))
        gw.github("issues", issue("reopened", number=7, title="Database on fire",
                                  labels=("severity:critical",), created=rfc3339(OLD),
                                  updated=rfc3339(OLD + 2 * DAY)))
        self.slack.wait_for(2, "/slack", timeout=30)
        time.sleep(2.5)
        self.assertEqual(len(self.slack.received("/slack")), 2)

    def test_manual_digests_of_two_replicas_both_go_out_even_as_pid_1(self):
        # In containers every replica is pid 1: ids built from the pid
        # collided, and of two replicas' manual digests only one was sent.
        # Each replica here runs in its own PID namespace (unshare), as pid 1.
        wrapper = os.path.join(tempfile.mkdtemp(prefix="kz-pid1-"), "gateway-as-pid-1")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec unshare --pid --fork --kill-child=TERM "%s"\n'
                    % os.path.abspath(BIN))
        os.chmod(wrapper, 0o755)
        gws = [Gateway(self.redis.url, binary=wrapper, KAIZEN_DRY_RUN="0",
                       KAIZEN_SLACK_WEBHOOK_URL=self.slack.url + "/slack") for _ in range(2)]
        try:
            open_ticket(gws[0], 1)
            answers = [admin(gw, "POST", "/api/digest") for gw in gws]
            self.assertEqual(answers, [{"messages": 1}, {"messages": 1}])
            reqs = self.slack.wait_for(2, "/slack", timeout=30)
            self.assertEqual(len(reqs), 2)
            ids = [json.loads(e)["id"] for e in
                   wait_for(lambda: len(self.redis.command("LRANGE", "{kz}:outbox:history", 0, -1)) >= 2
                            and self.redis.command("LRANGE", "{kz}:outbox:history", 0, -1),
                            what="both in the history")]
            print("two pid-1 replicas, manual digests:", sorted(ids))
            self.assertEqual(len(set(ids)), 2)
        finally:
            for gw in gws:
                # unshare ignores SIGTERM and waits for its child: the gateway
                # gets the signal itself, and unshare exits with its status.
                with open("/proc/%d/task/%d/children" % (gw.proc.pid, gw.proc.pid)) as f:
                    child = int(f.read().split()[0])
                os.kill(child, signal.SIGTERM)
                rc = gw.proc.wait(30)
                gw.proc = None
                gw.log.close()
                self.assertEqual(rc, 0, gw.read_log()[-2000:])
                self.assertNotIn("AddressSanitizer", gw.read_log())
                shutil.rmtree(gw.dir, ignore_errors=True)
            shutil.rmtree(os.path.dirname(wrapper), ignore_errors=True)

    def test_three_replicas_one_digest_per_window_one_notice_per_breach(self):
        env = dict(KAIZEN_DIGEST_EVERY="2s", KAIZEN_CHECK_EVERY="1s", KAIZEN_DIGEST_SKIP_EMPTY="1")
        gws = [self.gateway(**env) for _ in range(3)]
        for n in range(1, 4):
            open_ticket(gws[0], n, title="Breached %d" % n, created=rfc3339(OLD))
        open_ticket(gws[0], 10, title="Fresh ticket")   # not breached

        def sent():
            """Ids of the finished deliveries: digest windows and breach notices."""
            ids = [json.loads(e)["id"] for e in self.redis.command("LRANGE", "{kz}:outbox:history", 0, -1)]
            return ([i.split(":")[1] for i in ids if i.startswith("digest:")],
                    [i for i in ids if i.startswith("breach:")])
        def notified():
            """Breached tickets listed in the breach notices received so far."""
            notices = [slack_texts(r) for r in self.slack.received("/slack")
                       if "SLA digest" not in r["json"]["text"]]
            return {n for n in (1, 2, 3) if any("Breached %d" % n in t for t in notices)}
        wait_for(lambda: len(set(sent()[0])) >= 3 and notified() == {1, 2, 3}, timeout=60,
                 what="three digest windows and every breach notified")
        for gw in gws:   # stop all: in-flight sends finish and are recorded
            self.assertEqual(gw.stop(), 0)
        reqs = self.slack.received("/slack")
        history = self.redis.command("LRANGE", "{kz}:outbox:history", 0, -1)
        windows, breach_ids = sent()
        self.assertGreaterEqual(len(set(windows)), 3)
        self.assertEqual(len(windows), len(set(windows)), "a window was sent twice: %r" % windows)
        # Each breached ticket is listed in exactly one breach notice (they
        # may be grouped in one round or spread over several), the fresh one in none.
        notices = [slack_texts(r) for r in reqs if "SLA digest" not in r["json"]["text"]]
        self.assertEqual(len(notices), len(breach_ids))
        for n in (1, 2, 3):
            self.assertEqual(sum(t.count("Breached %d" % n) for t in notices), 1, notices)
        self.assertFalse(any("Fresh ticket" in t for t in notices))
        self.assertEqual(len(reqs), len(history))  # everything sent was recorded once


API_OK = ("status", 200, {"Content-Type": "application/json"},
          '{"ok":true,"channel":"C0SRE","ts":"1700000000.000100"}')


def api_error(word, headers=None):
    return ("status", 200, dict({"Content-Type": "application/json"}, **(headers or {})),
            '{"ok":false,"error":"%s"}' % word)


class WebApi(unittest.TestCase):
    """Web API mode (KAIZEN_SLACK_BOT_TOKEN): chat.postMessage to a fake Slack API."""

    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.slack = FakeReceiver()
        self.slack.set_default("/api/chat.postMessage", API_OK)
        self.gw = Gateway(self.redis.url, KAIZEN_DRY_RUN="0", KAIZEN_SLACK_BOT_TOKEN="xoxb-test",
                          KAIZEN_SLACK_CHANNEL="C0SRE", KAIZEN_SLACK_API_URL=self.slack.url + "/api/",
                          KAIZEN_OUTBOX_MAX_ATTEMPTS="3")

    def tearDown(self):
        rc, log = self.gw.close()
        self.assertEqual(rc, 0, log[-3000:])
        self.assertNotIn("AddressSanitizer", log)
        self.slack.close()
        self.redis.close()

    def digest(self):
        open_ticket(self.gw, 1)
        self.assertEqual(admin(self.gw, "POST", "/api/digest"), {"messages": 1})

    def test_posts_with_the_bot_token_and_keeps_channel_and_ts(self):
        self.digest()
        [req] = self.slack.wait_for(1, "/api/chat.postMessage", timeout=30)
        self.assertEqual(req["headers"]["authorization"], "Bearer xoxb-test")
        self.assertTrue(req["headers"]["content-type"].startswith("application/json"))
        self.assertEqual(req["json"]["channel"], "C0SRE")
        self.assertTrue(req["json"]["blocks"] and req["json"]["text"])
        status = wait_for(lambda: admin(self.gw, "GET", "/api/outbox")["recent"] and
                          admin(self.gw, "GET", "/api/outbox"), what="history")
        self.assertEqual(status["recent"][0]["result"], "sent")
        msg = status["recent"][0]["id"]
        key = "{kz}:slack:posted:" + msg
        self.assertEqual(self.redis.command("GET", key), "C0SRE 1700000000.000100")
        self.assertGreater(self.redis.command("TTL", key), 6 * DAY)

    def test_breach_notices_go_in_the_thread_of_the_latest_digest(self):
        self.gw.close()
        self.gw = Gateway(self.redis.url, KAIZEN_DRY_RUN="0", KAIZEN_SLACK_BOT_TOKEN="xoxb-test",
                          KAIZEN_SLACK_CHANNEL="C0SRE", KAIZEN_SLACK_API_URL=self.slack.url + "/api",
                          KAIZEN_CHECK_EVERY="1s")
        posts = lambda: self.slack.received("/api/chat.postMessage")
        # No digest yet: the notice is top-level.
        open_ticket(self.gw, 1, title="Breached first", created=rfc3339(OLD))
        first = wait_for(lambda: [r for r in posts() if "Breached first" in slack_texts(r)],
                         timeout=30, what="the first breach notice")[0]
        self.assertNotIn("thread_ts", first["json"])
        # A digest opens the channel's thread; the next notice goes in it.
        self.assertEqual(admin(self.gw, "POST", "/api/digest"), {"messages": 1})
        wait_for(lambda: self.redis.command("GET", "{kz}:slack:thread:C0SRE"), timeout=30,
                 what="the digest's thread")
        self.assertGreater(self.redis.command("TTL", "{kz}:slack:thread:C0SRE"), 23 * 3600)
        open_ticket(self.gw, 2, title="Breached second", created=rfc3339(OLD))
        second = wait_for(lambda: [r for r in posts() if "Breached second" in slack_texts(r)],
                          timeout=30, what="the second breach notice")[0]
        self.assertEqual(second["json"].get("thread_ts"), "1700000000.000100")
        self.assertEqual(second["json"]["channel"], "C0SRE")

    def test_ok_false_ratelimited_is_retried_without_using_attempts(self):
        self.slack.script("/api/chat.postMessage",
                          *[api_error("ratelimited", {"Retry-After": "2"})] * 4)
        self.digest()
        reqs = self.slack.wait_for(5, "/api/chat.postMessage", timeout=60)
        self.assertGreaterEqual(reqs[1]["at"] - reqs[0]["at"], 1.9)   # not the 1 s backoff
        wait_for(lambda: self.gw.metric("kaizen_notifications_total", sink="slack",
                                        result="sent") == 1, what="sent")
        self.assertEqual(admin(self.gw, "GET", "/api/outbox")["dead"], 0)

    def test_permanent_errors_are_dead_letters_with_slacks_word(self):
        self.slack.script("/api/chat.postMessage", api_error("channel_not_found"))
        self.digest()
        self.slack.wait_for(1, "/api/chat.postMessage", timeout=30)
        status = wait_for(lambda: admin(self.gw, "GET", "/api/outbox")["dead"] == 1 and
                          admin(self.gw, "GET", "/api/outbox"), what="dead letter")
        self.assertEqual(status["recent"][0]["result"], "dead")
        self.assertIn("channel_not_found", status["recent"][0]["error"])
        time.sleep(1.5)
        self.assertEqual(len(self.slack.received("/api/chat.postMessage")), 1)

    def test_5xx_and_ok_false_internal_error_are_retried(self):
        self.slack.script("/api/chat.postMessage", ("status", 500), api_error("internal_error"))
        self.digest()
        self.slack.wait_for(3, "/api/chat.postMessage", timeout=30)
        wait_for(lambda: self.gw.metric("kaizen_notifications_total", sink="slack",
                                        result="sent") == 1, what="sent")


class Templates(unittest.TestCase):
    def test_syntax_error_fails_start_up_with_file_and_line(self):
        d = tempfile.mkdtemp(prefix="kz-tpl-")
        try:
            for name in os.listdir(os.path.join(SOURCE_DIR, "templates")):
                if name.endswith(".mustache"):
                    shutil.copy(os.path.join(SOURCE_DIR, "templates", name), d)
            with open(os.path.join(d, "digest_ticket.mustache"), "w") as f:
                f.write("line one\n{{#broken}}\nno close\n")
            env = {"PATH": os.environ["PATH"], "KAIZEN_TEMPLATES_DIR": d}
            for args in ([BIN, "--check-config"], [BIN]):
                p = subprocess.run(args, env=env, capture_output=True, timeout=20)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertRegex(p.stderr.decode(), r"digest_ticket\.mustache:2: ")
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    main()
