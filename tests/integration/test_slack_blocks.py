"""Every Block Kit message the gateway posts, checked against Slack's own
typings: a run in Web API mode makes each kind of message (a digest over
several components, a single and a grouped SLA-breach notice, a canary page
with its Acknowledge button, its acknowledged and resolved edits, a weekly
Kaizen report), the fake
Web API records them, and `tsc --strict` type-checks them as
@slack/types KnownBlock[] (tests/slack_types pins the versions). A message
with a misspelt block is refused by the same check, so it can fail.

npm installs the pinned packages on the first run (the registry must be
reachable); without npm the test fails rather than skips."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from fake_receiver import slack_web_api
from harness import (DAY, NOW, SOURCE_DIR, Gateway, Redis, close_gateways, issue, main, rfc3339,
                     wait_for)
from test_slack_app import click_payload, form, menu_payload, signed, SIGNING_SECRET

TYPES_DIR = os.path.join(SOURCE_DIR, "tests", "slack_types")
OLD = NOW - 10 * DAY


def tsc():
    """The pinned tsc, installed with npm ci when missing."""
    path = os.path.join(TYPES_DIR, "node_modules", ".bin", "tsc")
    if not os.path.exists(path):
        npm = shutil.which("npm")
        if npm is None:
            raise AssertionError("npm is needed for the @slack/types check (scripts/test installs it)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=TYPES_DIR,
                       check=True, timeout=600)
    return path


def type_check(messages):
    """Runs tsc --strict over messages typed as Slack messages; returns (rc, output)."""
    out = tempfile.mkdtemp(prefix="kz-tsc-", dir=TYPES_DIR)
    try:
        lines = ['import type { KnownBlock } from "@slack/types";',
                 "type Message = { channel: string; text: string; blocks: KnownBlock[];"
                 " thread_ts?: string; ts?: string };"]
        for i, msg in enumerate(messages):
            lines.append("export const m%d: Message = %s;" % (i, json.dumps(msg, ensure_ascii=False)))
        src = os.path.join(out, "messages.ts")
        with open(src, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        proc = subprocess.run([tsc(), "--strict", "--noEmit", "--skipLibCheck", "--target", "es2020",
                               "--moduleResolution", "node", src], cwd=TYPES_DIR,
                              capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr
    finally:
        shutil.rmtree(out, ignore_errors=True)


class SlackBlocks(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        self.gw = None

    def tearDown(self):
        close_gateways(self, [self.gw] if self.gw is not None else [])
        self.peer.close()
        self.redis.close()

    def gateway(self, **env):
        base = dict(KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_CHANNEL="C0SRE",
                    KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                    KAIZEN_SLACK_SIGNING_SECRET=SIGNING_SECRET, KAIZEN_DRY_RUN="0",
                    KAIZEN_CHECK_EVERY="3600s")
        base.update(env)
        if self.gw is not None:
            self.gw.close()
        self.gw = Gateway(self.redis.url, **base)
        return self.gw

    def open(self, number, title, labels, created):
        status, body = self.gw.github("issues", issue("opened", number=number, title=title,
                                                      labels=labels, created=created,
                                                      updated=created))
        self.assertEqual(status, 202, body)

    def test_every_posted_message_type_checks_with_slack_types(self):
        self.gateway()
        # Four breached tickets before any check (one grouped notice), two fresh ones.
        for n, comp in enumerate(("checkout", "search", "checkout", "billing"), start=1):
            self.open(n, "Breached <%d> & \"quoted\" 🚨" % n,
                      ("severity:critical", "component:" + comp), rfc3339(OLD))
        self.open(5, "Fresh one", ("severity:low", "component:search"), rfc3339(NOW))
        self.open(6, "No component", ("severity:high",), rfc3339(NOW))
        posts = lambda: self.peer.received("/api/chat.postMessage")
        # The digest first: the notices then go in its thread.
        self.assertEqual(self.gw.json("POST", "/api/digest")[1], {"messages": 1})
        wait_for(lambda: self.redis.command("GET", "{kz}:slack:thread:C0SRE"), timeout=30,
                 what="the digest")
        gw = self.gateway(KAIZEN_CHECK_EVERY="1s", KAIZEN_CANARY_BUDGET="1s",
                          KAIZEN_REPORT_EVERY="5s")
        wait_for(lambda: any("4 SLA breaches" in json.dumps(p["json"], ensure_ascii=False)
                             for p in posts()), timeout=30, what="the grouped notice")
        self.open(7, "Breached alone", ("severity:high", "component:search"), rfc3339(OLD))
        wait_for(lambda: any("Breached alone" in json.dumps(p["json"]) for p in posts()),
                 timeout=30, what="the single notice")
        # A canary page with its button, acknowledged, then resolved.
        gw.json("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                body=b'{"id":"c1","service":"checkout","environment":"prod","budget_seconds":1}')
        wait_for(lambda: any("canary:c1" in json.dumps(p["json"]) for p in posts()), timeout=30,
                 what="the canary page")
        body = form(click_payload())
        self.assertEqual(gw.json("POST", "/webhooks/slack", body=body, headers=signed(body))[1],
                         {"status": "acked"})
        self.peer.wait_for(1, "/api/chat.update", timeout=30)
        self.assertEqual(gw.request("DELETE", "/api/canaries/c1")[0], 204)
        self.peer.wait_for(2, "/api/chat.update", timeout=30)
        # A ticket acknowledged from the grouped notice's menu: that notice is edited.
        body = form(menu_payload("ticket:gh:octo-org/api#1"))
        self.assertEqual(gw.json("POST", "/webhooks/slack", body=body, headers=signed(body))[1],
                         {"status": "acked"})
        self.peer.wait_for(3, "/api/chat.update", timeout=30)

        # A weekly Kaizen report (a 5-second "week" here).
        wait_for(lambda: any("Kaizen report" in json.dumps(p["json"], ensure_ascii=False)
                             for p in posts()), timeout=30, what="a Kaizen report")
        messages = [r["json"] for r in self.peer.received() if r["path"].startswith("/api/chat.")]
        kinds = {"digest": any(b["type"] == "header" and "open" in b["text"]["text"]
                               for m in messages for b in m["blocks"]),
                 "button": any(e["type"] == "button" for m in messages for b in m["blocks"]
                               if b["type"] == "actions" for e in b["elements"]),
                 "menu": any(e["type"] == "static_select" for m in messages for b in m["blocks"]
                             if b["type"] == "actions" for e in b["elements"]),
                 "thread": any("thread_ts" in m for m in messages),
                 "edit": any("ts" in m for m in messages),
                 "report": any(b["type"] == "header" and "Kaizen report" in b["text"]["text"]
                               for m in messages for b in m["blocks"])}
        self.assertEqual(kinds, dict.fromkeys(kinds, True), messages)
        rc, out = type_check(messages)
        print("@slack/types: %d messages (%d blocks) type-checked: tsc rc=%d"
              % (len(messages), sum(len(m["blocks"]) for m in messages), rc))
        self.assertEqual(rc, 0, out)

        # The same check refuses a misspelt text type and an unknown block.
        bad = dict(messages[0], blocks=[{"type": "section", "text": {"type": "mrkdown", "text": "x"}}])
        rc, out = type_check([bad])
        self.assertNotEqual(rc, 0, out)
        rc, out = type_check([dict(messages[0], blocks=[{"type": "sektion"}])])
        self.assertNotEqual(rc, 0, out)


if __name__ == "__main__":
    main()
