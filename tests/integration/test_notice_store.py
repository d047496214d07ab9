"""The breach-notice bookkeeping (store/lua/lib/notice.lua) against a real
Redis, step by step where a replica can be overtaken: a round's page is
read, then one of its tickets resolves and another is acknowledged before
the page is emitted. The notice must not keep the resolved ticket (it would
stay in {kz}:breach:notice_of forever), and its post must be followed by an
edit showing both as they are. Then the last ticket resolves and the
hashes are empty. The scripts are the gateway's own, run with EVAL."""

import json
import os
import sys
import time
import unittest

from harness import SOURCE_DIR, Gateway, Redis, issue, main, rfc3339

sys.path.insert(0, os.path.join(SOURCE_DIR, "bench"))
from benchlib import script, ticket_keys  # noqa: E402  (the gateway's scripts and keys)

TICKET_KEYS = ticket_keys()
NOTICE_KEYS = ["{kz}:breach:notice_of", "{kz}:breach:notices"]
OUTBOX_KEYS = ["{kz}:outbox:seq", "{kz}:outbox:body", "{kz}:outbox:dests", "{kz}:outbox:pending"]
QUEUE = "{kz}:outbox:queue:slack:breach"
IDS = ["gh:octo-org/api#1", "gh:octo-org/api#2", "gh:octo-org/api#3"]
# The prefix of an edit's outbox id, which C passes to the scripts (gateway/core/wire.h).
EDIT_PREFIX = "edit:"


class NoticeStore(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)

    def tearDown(self):
        self.redis.close()

    def eval(self, name, keys, argv):
        body, _ = script(name)
        return self.redis.command("EVAL", body, len(keys), *keys, *argv)

    def round(self, op, *argv):
        keys = TICKET_KEYS + ["{kz}:breach:round", "{kz}:breach:listed"] + NOTICE_KEYS
        return keys, ["emit" if op == "emit" else op, "tok", int(time.time() * 1000), 15000, *argv]

    def resolve(self, tid, notices):
        """ticket_apply of tid's row as resolved now, with notice edits when notices is set."""
        row = self.redis.command("HGET", "{kz}:ticket", tid).split("\0")
        now = int(time.time())
        row[0], row[3], row[6] = "resolved", str(now), str(now)
        keys = TICKET_KEYS + ["{kz}:tomb:" + tid]
        first = len(keys) + 1
        keys += NOTICE_KEYS + OUTBOX_KEYS + [QUEUE]
        argv = [now, 86400, 1, 0, 0, first if notices else 0, EDIT_PREFIX, 0,
                "upsert", tid, "\0".join(row), row[4], "slack", len(keys), "0 0 - 0 0 - 0 0 -"]
        return self.eval("ticket_apply", keys, argv)

    def test_a_ticket_resolved_between_rows_and_emit_is_not_kept(self):
        gw = Gateway(self.redis.url, KAIZEN_SLA="critical=3600s", KAIZEN_CHECK_EVERY="3600s")
        created = rfc3339(time.time() - 3 * 3600)
        for n in (1, 2, 3):
            status, _ = gw.github("issues", issue("opened", number=n, title="T%d" % n,
                                                  created=created, updated=created,
                                                  labels=("severity:critical",)))
            self.assertEqual(status, 202)
        gw.close()

        # A replica takes the round and reads its page.
        keys, argv = self.round("take", int(time.time()), 200)
        self.assertEqual(self.eval("breach_round", keys, argv)[0], "took")
        self.assertEqual(self.eval("breach_round", keys, argv)[0], "ready")
        keys, argv = self.round("rows", 0, 50)
        self.assertEqual(len(self.eval("breach_round", keys, argv)), 3)
        # Meanwhile #1 resolves and #3 is acknowledged (no notice is known yet).
        self.assertEqual(self.resolve(IDS[0], notices=True), ["accepted"])
        self.redis.command("HSET", "{kz}:ticket_ack", IDS[2], "@bob\0%d" % int(time.time()))
        # Then the page, listing the three as they were read, is emitted.
        nid = "breach:r1:1.1"
        descriptor = json.dumps({"dest": "slack", "checked_at": int(time.time()), "count": 3,
                                 "first": 1, "buttons": True, "ids": IDS})
        keys, argv = self.round("emit", 0, 50)
        keys += OUTBOX_KEYS + [QUEUE]
        queue = len(keys)
        argv += [EDIT_PREFIX, 1, nid, descriptor, queue,
                 queue - 4, queue - 3, queue - 2, queue - 1, int(time.time() * 1000), 1,
                 nid, queue, "slack", '{"text":"3 SLA breaches"}']
        self.assertEqual(self.eval("breach_round", keys, argv), 2)

        # Only the tickets still open point at the notice...
        of = self.redis.command("HGETALL", "{kz}:breach:notice_of")
        self.assertEqual(dict(zip(of[::2], of[1::2])), {IDS[1]: nid, IDS[2]: nid})
        self.assertEqual(self.redis.command("HGET", "{kz}:breach:notices", nid + "#"), "2")
        # ...and right behind the post, an edit shows #1 resolved and #3 acked.
        self.assertEqual(self.redis.command("ZRANGE", QUEUE, 0, -1),
                         [nid, "edit:changed:" + nid])
        edit = json.loads(self.redis.command("HGET", "{kz}:outbox:body", "edit:changed:" + nid))
        states = {t["id"]: (t["state"], t["acked_by"]) for t in edit["tickets"]}
        self.assertEqual(states, {IDS[0]: ("resolved", None), IDS[1]: ("open", None),
                                  IDS[2]: ("open", "@bob")})
        self.assertEqual((edit["edit"], edit["first"], edit["count"]), (nid, 1, 3))

        # The others resolve in one delivery each: one edit each, then nothing is kept.
        for tid in IDS[1:]:
            self.assertEqual(self.resolve(tid, notices=True), ["accepted"])
        self.assertEqual(self.redis.command("ZRANGE", QUEUE, 0, -1),
                         [nid, "edit:changed:" + nid, "edit:resolved:%s:%s" % (IDS[1], nid),
                          "edit:resolved:%s:%s" % (IDS[2], nid)])
        self.assertEqual(self.redis.command("HLEN", "{kz}:breach:notice_of"), 0)
        self.assertEqual(self.redis.command("HLEN", "{kz}:breach:notices"), 0)

    def test_an_old_notice_is_not_edited(self):
        gw = Gateway(self.redis.url, KAIZEN_SLA="critical=3600s", KAIZEN_CHECK_EVERY="3600s")
        created = rfc3339(time.time() - 3 * 3600)
        status, _ = gw.github("issues", issue("opened", number=1, created=created, updated=created,
                                              labels=("severity:critical",)))
        self.assertEqual(status, 202)
        gw.close()
        # A notice checked 6 days and a minute ago: Slack's ts of its post is about to go.
        nid = "breach:old:1.1"
        old = int(time.time()) - 6 * 86400 - 60
        self.redis.command("HSET", "{kz}:breach:notice_of", IDS[0], nid)
        self.redis.command("HSET", "{kz}:breach:notices", nid, json.dumps(
            {"dest": "slack", "checked_at": old, "count": 1, "first": 1, "buttons": False,
             "ids": [IDS[0]]}), nid + "#", 1)
        self.assertEqual(self.resolve(IDS[0], notices=True), ["accepted"])
        self.assertEqual(self.redis.command("ZCARD", QUEUE), 0)   # no edit to dead-letter
        self.assertEqual(self.redis.command("HLEN", "{kz}:breach:notices"), 0)


if __name__ == "__main__":
    main()
