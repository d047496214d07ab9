"""The outbox against a Slack that fails every way in turn: 500s, then a
long run of 429s, then requests that hang, then recovery. Every message is
delivered exactly once and none is dead-lettered. Bounded: a fixed script
of answers, every wait with a deadline; prints what it measured."""

import json
import time
import unittest

from fake_receiver import FakeReceiver
from harness import DAY, Gateway, Redis, issue, main, rfc3339, wait_for

MESSAGES = 5
ERRORS, THROTTLED, HANGS = 2, 20, 3


class SlackFaults(unittest.TestCase):
    def test_500_then_429s_then_hangs_then_recovery_delivers_each_once(self):
        redis = Redis(appendonly=False)
        slack = FakeReceiver()
        # Block the daily window: these digests are triggered by hand.
        for offset in (-DAY, 0, DAY):
            day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + offset))
            redis.command("SET", "{kz}:digest:window:" + day, "1", "EX", 3600)
        # 6 attempts (2 errors + 3 hangs use 5): the 20 rate-limited answers would use them up
        # many times over if a 429 counted.
        gw = Gateway(redis.url, KAIZEN_SLACK_WEBHOOK_URL=slack.url + "/slack", KAIZEN_DRY_RUN="0",
                     KAIZEN_OUTBOX_MAX_ATTEMPTS="6", KAIZEN_HTTP_TIMEOUT="2s",
                     KAIZEN_LOG_LEVEL="info")
        slack.script("/slack", *([("status", 500)] * ERRORS +
                                 [("status", 429, {"Retry-After": "1"})] * THROTTLED +
                                 ["hang"] * HANGS))
        try:
            now = rfc3339(time.time())
            for m in range(MESSAGES):
                status, body = gw.github("issues", issue(number=m + 1, title="Message %d" % m,
                                                         created=now, updated=now))
                self.assertEqual(status, 202, body)
                status, body = gw.json("POST", "/api/digest")
                self.assertEqual((status, body), (202, {"messages": 1}))
            scripted = ERRORS + THROTTLED + HANGS
            reqs = slack.wait_for(scripted + MESSAGES, "/slack", timeout=240)

            def settled():
                st = gw.json("GET", "/api/outbox")[1]
                return st["pending"] == 0 and st
            status = wait_for(settled, timeout=120, what="the outbox to empty")
            time.sleep(2)   # nothing more may come
            reqs = slack.received("/slack")
            delivered = [r["body"] for r in reqs[scripted:]]   # answered 200
            distinct = len(set(delivered))
            sent = gw.metric("kaizen_notifications_total", sink="slack", result="sent")
            dead = gw.metric("kaizen_notifications_total", sink="slack", result="dead")
            print("Slack 500 x%d, 429 x%d, hang x%d, then up: %d requests, %d messages "
                  "delivered (%d distinct), sent %d, dead %d, pending %d, dead letters %d" %
                  (ERRORS, THROTTLED, HANGS, len(reqs), len(delivered), distinct, sent, dead,
                   status["pending"], status["dead"]))
            self.assertEqual(len(delivered), MESSAGES)
            self.assertEqual(distinct, MESSAGES)
            self.assertEqual((status["dead"], dead), (0, 0))
            self.assertEqual(sent, MESSAGES)
            texts = " ".join(json.dumps(json.loads(b)) for b in delivered)
            for m in range(MESSAGES):
                self.assertIn("Message %d" % m, texts)
        finally:
            rc, log = gw.close()
            slack.close()
            redis.close()
        self.assertEqual(rc, 0, log[-2000:])


if __name__ == "__main__":
    main()
