"""Every ticket's timeline and its postmortem draft, through the real path:
a critical ticket opens (back-dated past its 4h SLA), the breach check
notices it and posts the notice (Web API mode, a fake Slack), it is
acknowledged with a signed Slack click, resolved, then reopened. GET
/api/timeline lists the events in order with who acknowledged; the
Markdown draft has the sections and the durations the test computes (time
to acknowledge, time to resolve, SLA breached by how much); the notice's
resolve edit links to the draft. An unknown ticket is a 404, a bad query a
400, and deleting the ticket deletes its timeline."""

import json
import re
import time
import unittest
import urllib.parse

from fake_receiver import slack_web_api
from harness import HOUR, Gateway, Redis, close_gateways, issue, main, rfc3339, wait_for
from test_slack_app import SIGNING_SECRET, click_payload, form, signed

TID = "gh:octo-org/api#1"
LABELS = ("component:checkout", "severity:critical")


def human(seconds):
    """gw_human_duration: the two largest units."""
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    out = []
    for name, size in units:
        if seconds >= size or (not out and name == "s"):
            out.append("%d%s" % (seconds // size, name))
            seconds %= size
            if len(out) == 2 or seconds == 0:
                break
        elif out:
            break
    return " ".join(out)


class Timeline(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        self.gw = Gateway(self.redis.url, KAIZEN_SLACK_BOT_TOKEN="xoxb-test", KAIZEN_SLACK_CHANNEL="C0SRE",
                          KAIZEN_SLACK_API_URL=self.peer.url + "/api", KAIZEN_DRY_RUN="0",
                          KAIZEN_SLACK_SIGNING_SECRET=SIGNING_SECRET, KAIZEN_CHECK_EVERY="1s",
                          KAIZEN_REPORT_AT="off",
                          KAIZEN_PUBLIC_URL="https://kaizen.example")

    def tearDown(self):
        close_gateways(self, [self.gw])
        self.peer.close()
        self.redis.close()

    def send(self, action, created, updated, closed=None):
        status, body = self.gw.github("issues", issue(
            action, number=1, title="Checkout | down", labels=LABELS, created=rfc3339(created),
            updated=rfc3339(updated), closed=rfc3339(closed) if closed else None,
            state="closed" if closed else "open"))
        self.assertEqual(status, 202, body)

    def timeline(self, fmt=""):
        return self.gw.request("GET", "/api/timeline?ticket=" + urllib.parse.quote(TID, safe="") + fmt)

    def test_open_ack_breach_resolve_reopen(self):
        created = int(time.time()) - 5 * HOUR
        deadline = created + 4 * HOUR
        self.send("opened", created, created)
        wait_for(lambda: any("SLA breached" in json.dumps(p["json"])
                             for p in self.peer.received("/api/chat.postMessage")),
                 timeout=60, what="the breach notice")
        body = form(click_payload(value="ticket:" + TID))
        self.assertEqual(self.gw.json("POST", "/webhooks/slack", body=body, headers=signed(body))[1],
                         {"status": "acked"})
        ticket = self.gw.tickets("?state=open")[0]
        acked_at = int(time.mktime(time.strptime(ticket["acked_at"], "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone
        resolved = acked_at + 5
        self.send("closed", created, resolved, closed=resolved)
        edit = wait_for(lambda: [u for u in self.peer.received("/api/chat.update")
                                 if "Postmortem draft" in json.dumps(u["json"])],
                        timeout=60, what="the resolve edit")
        # A mrkdwn link: Slack reads &amp; as &.
        draft = "<https://kaizen.example/api/timeline?ticket=%s&amp;format=markdown|Postmortem draft>" \
            % urllib.parse.quote(TID, safe="")
        self.assertIn(draft, edit[0]["json"]["text"])

        status, _, text = self.timeline("&format=markdown")
        self.assertEqual(status, 200)
        md = text.decode()
        print(md)
        for section in ("## Timeline", "## Summary", "## Impact", "## Root cause", "## Remediation",
                        "## Prevention", "## Lessons learned"):
            self.assertIn("\n" + section + "\n", md)
        self.assertIn("# Postmortem: Checkout | down", md)
        self.assertIn("**Component:** checkout", md)
        self.assertIn("**Severity:** critical", md)
        self.assertIn("**Time to acknowledge:** %s\n" % human(acked_at - created), md)
        self.assertIn("**Time to resolve:** %s\n" % human(resolved - created), md)
        self.assertIn("**SLA:** breached by %s\n" % human(resolved - deadline), md)
        # One row per event, by time (a 5-hour ticket may span two years: match the shape).
        rows = re.findall(r"^\| (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \|", md, re.M)
        self.assertEqual(len(rows), 5, md)
        self.assertEqual([rows[i] for i in (0, 1, 3, 4)],
                         [rfc3339(t) for t in (created, deadline, acked_at, resolved)])

        self.send("reopened", created, resolved + 10)
        status, got = self.gw.json("GET", "/api/timeline?ticket=" + urllib.parse.quote(TID, safe=""))
        self.assertEqual(status, 200, got)
        self.assertEqual(got["ticket"], TID)
        events = [(e["event"], e["at"], e.get("by")) for e in got["events"]]
        self.assertEqual([e[0] for e in events], ["opened", "sla_breached", "notified", "acknowledged",
                                                  "resolved", "reopened"])
        self.assertEqual(events[0][1:], (rfc3339(created), None))
        self.assertEqual(events[1][1:], (rfc3339(deadline), None))
        self.assertEqual(events[3][1:], (rfc3339(acked_at), ticket["acked_by"]))
        self.assertEqual(events[4][1], rfc3339(resolved))
        self.assertEqual(events[5][1], rfc3339(resolved + 10))
        self.assertTrue(ticket["acked_by"])

        # Bad queries change nothing; an unknown ticket is a 404.
        before = self.redis.snapshot()
        for query, code in (("", 400), ("?ticket=", 400), ("?ticket=x&format=pdf", 400),
                            ("?ticket=gh:nope%231", 404), ("?ticket=x&foo=1", 400)):
            status, r = self.gw.json("GET", "/api/timeline" + query)
            self.assertEqual(status, code, (query, r))
            self.assertIn("error", r)
        self.assertEqual(self.redis.snapshot(), before)
        # Deleted with the ticket.
        status, _ = self.gw.github("issues", issue("deleted", number=1, labels=LABELS,
                                                   created=rfc3339(created), updated=rfc3339(resolved + 20)))
        self.assertEqual(status, 202)
        self.assertEqual(self.timeline()[0], 404)
        self.assertEqual(self.redis.command("HLEN", "{kz}:ticket_timeline"), 0)


if __name__ == "__main__":
    main()
