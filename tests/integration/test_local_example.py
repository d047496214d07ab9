"""The README's complete local example, as written: the gateway runs with
examples/local.env and examples/routes.json (only Slack's and PagerDuty's
URLs point at a fake receiver instead of slack.com and PagerDuty, and Redis
is a throwaway one), and each `<!-- local-example: NAME -->` block of
README.md runs in bash as the README shows it (on the test's port, with the
built binary). Each block must print what its closing comment says, and
each message must arrive where the README says: the issue's digest in
#payments, the alert's in #search, nothing in #sre, the canary's page in
#payments and the payments PagerDuty service, the click's acknowledge and
edit, the end's resolve and edit. Like every test, it moves the daily
digest and the weekly report away from now (harness.timers_away), so what
arrives does not depend on the day and hour it runs."""

import json
import os
import re
import subprocess
import unittest

from fake_receiver import slack_web_api
from harness import BIN, SOURCE_DIR, Gateway, Redis, clean_env, close_gateways, main

README = os.path.join(SOURCE_DIR, "README.md")
LOCAL_ENV = os.path.join(SOURCE_DIR, "examples", "local.env")
README_URL = "http://127.0.0.1:8080"
README_BIN = "build/kaizen-gateway"


def readme_blocks():
    """name -> (commands, expected output) of every local-example block, in order."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    blocks = {}
    for name, body in re.findall(r"<!-- local-example: (\S+) -->\n```sh\n(.*?)\n```", text, re.S):
        lines = body.split("\n")
        expected = []
        while lines and lines[-1].startswith("# "):
            expected.insert(0, lines.pop()[2:])
        blocks[name] = ("\n".join(lines) + "\n", expected)
    return blocks


def local_env():
    """The variables examples/local.env sets, read the way the README loads it."""
    out = subprocess.run(["bash", "-c", 'set -a; . "$1"; set +a; env -0', "bash", LOCAL_ENV],
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                         capture_output=True, check=True).stdout.decode()
    return dict(v.split("=", 1) for v in out.split("\0") if v.startswith("KAIZEN_"))


def text(request):
    return json.dumps(request["json"], ensure_ascii=False)


class LocalExample(unittest.TestCase):
    def setUp(self):
        self.blocks = readme_blocks()
        self.assertEqual(list(self.blocks), ["setup", "github", "alertmanager", "digest", "canary",
                                             "click", "end"])
        self.env = local_env()
        with open(os.path.join(SOURCE_DIR, self.env["KAIZEN_ROUTES_FILE"]), encoding="utf-8") as f:
            self.routes = json.load(f)
        self.redis = Redis(appendonly=False)
        self.peer = slack_web_api()
        env = dict(self.env)
        env.update(KAIZEN_SLACK_API_URL=self.peer.url + "/api",
                   KAIZEN_PAGER_URL=self.peer.url + "/pager",
                   KAIZEN_ROUTES_FILE=os.path.join(SOURCE_DIR, self.env["KAIZEN_ROUTES_FILE"]),
                   KAIZEN_DRY_RUN="0")
        self.gw = Gateway(self.redis.url, **env)

    def tearDown(self):
        close_gateways(self, [self.gw])
        self.peer.close()
        self.redis.close()

    def run_block(self, name):
        """Runs the setup block and then block name, as a reader pastes them."""
        setup, _ = self.blocks["setup"]
        commands, expected = self.blocks[name]
        script = (setup + commands).replace(README_URL, "http://127.0.0.1:%d" % self.gw.port)
        script = script.replace(README_BIN, BIN)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=SOURCE_DIR,
                              env=clean_env(), capture_output=True, timeout=60)
        out = done.stdout.decode()
        print("block %s printed: %s" % (name, out.strip()))
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        self.assertEqual(out.splitlines(), expected, "block %s" % name)

    def admin(self, path):
        status, body = self.gw.json("GET", path, headers={
            "Authorization": "Bearer " + self.env["KAIZEN_ADMIN_TOKEN"]})
        self.assertEqual(status, 200, body)
        return body

    def route(self, name):
        return next(r for r in self.routes["routes"] if r["name"] == name)

    def pager(self, action, count):
        events = [r["json"] for r in self.peer.wait_for(count, path="/pager", timeout=60)]
        event = events[count - 1]
        self.assertEqual(event["event_action"], action, events)
        self.assertEqual(event["dedup_key"], "checkout-v2")
        self.assertEqual(event["routing_key"], self.route("payments")["pager_routing_key"])
        return event

    def test_every_block_arrives_where_the_readme_says(self):
        payments = self.route("payments")["slack_channel"]
        search = self.route("search")["slack_channel"]
        default = self.routes["default"]["slack_channel"]
        posts_path, edits_path = "/api/chat.postMessage", "/api/chat.update"

        # The first terminal's check: the example's configuration is valid, routes and all.
        check = subprocess.run([BIN, "--check-config"], cwd=SOURCE_DIR, capture_output=True,
                               env=clean_env(KAIZEN_TEMPLATES_DIR="templates", **self.env))
        self.assertEqual(check.returncode, 0, check.stdout.decode() + check.stderr.decode())
        self.assertIn("payments", check.stdout.decode())
        self.assertIn("search", check.stdout.decode())

        self.run_block("github")
        self.assertEqual([t["id"] for t in self.admin("/api/tickets?route=payments")["tickets"]],
                         ["gh:octo-org/shop#7"])
        self.run_block("alertmanager")
        self.assertEqual([t["title"] for t in self.admin("/api/tickets?route=search")["tickets"]],
                         ["Search p99 above 2 s"])

        self.run_block("digest")
        digests = self.peer.wait_for(2, path=posts_path, timeout=60)
        by_channel = {r["json"]["channel"]: text(r) for r in digests}
        self.assertEqual(set(by_channel), {payments, search})
        self.assertIn("Card payments time out", by_channel[payments])
        self.assertIn("Search p99 above 2 s", by_channel[search])
        self.assertNotIn("Search p99", by_channel[payments])

        self.run_block("canary")
        trigger = self.pager("trigger", 1)
        self.assertEqual(trigger["payload"]["source"], "checkout")
        posts = self.peer.wait_for(3, path=posts_path, timeout=60)
        page = posts[2]
        self.assertEqual(page["json"]["channel"], payments)
        self.assertIn("canary:checkout-v2", text(page))    # the Acknowledge button's value

        self.run_block("click")
        self.pager("acknowledge", 2)
        edit = self.peer.wait_for(1, path=edits_path, timeout=60)[0]
        self.assertEqual(edit["json"]["ts"], page["ts"])
        self.assertIn("@alice", text(edit))
        self.assertEqual(self.admin("/api/canaries")["canaries"][0]["acked_by"], "@alice")

        self.run_block("end")
        self.pager("resolve", 3)
        edits = self.peer.wait_for(2, path=edits_path, timeout=60)
        self.assertEqual(edits[1]["json"]["ts"], page["ts"])
        self.assertIn("resolved", text(edits[1]))

        self.assertNotIn(default, [r["json"]["channel"] for r in self.peer.received(posts_path)])
        outbox = self.admin("/api/outbox")
        self.assertEqual(outbox["dead"], 0, outbox)
        self.assertEqual({m["dest"] for m in outbox["recent"]},
                         {"slack:" + payments, "slack:" + search, "pager"})
        self.assertEqual({m["result"] for m in outbox["recent"]}, {"sent"})


if __name__ == "__main__":
    main()
