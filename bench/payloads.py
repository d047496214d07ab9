#!/usr/bin/env python3
"""Real webhook bodies for the benchmarks (standard library only).

The bodies are GitHub's own examples (tests/fixtures/octokit, from
@octokit/webhooks-examples), changed only where a benchmark needs distinct
deliveries: the issue number (and ids, URLs and title that carry it), the
times (relative to now) and two labels the gateway reads (severity,
component). Sizes stay those of the originals:

  opened   the 11.6 KB `issues` `opened` example
  large    the same with a long body and 30 labels: ~25 KB
  push     the first `push` example, ~7 KB (an event the gateway ignores)

  payloads.py pool KIND SECRET N FIRST OUT   write N signed bodies (issue
                                             numbers FIRST..) to OUT, one per
                                             line as "sha256=<hex>\\t<json>"
"""
import copy
import hashlib
import hmac
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "tests", "fixtures", "octokit")
SEVERITIES = ["critical", "high", "medium", "low"]
COMPONENTS = ["checkout", "payments", "search", "auth", "api", "web", "billing", "infra"]


def fixture(event, action=None):
    with open(os.path.join(FIXTURES, event + ".jsonl")) as f:
        for line in f:
            p = json.loads(line)
            if action is None or p.get("action") == action:
                return p
    raise KeyError((event, action))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def label(base, name):
    lab = dict(base, name=name, id=base["id"] + len(name), default=False)
    lab["url"] = base["url"].rsplit("/", 1)[0] + "/" + name
    return lab


def issue(number, created, kind="opened", severity=None, component=None):
    """The `opened` example as issue `number`, created (and updated) at `created` (Unix)."""
    p = copy.deepcopy(ISSUE_OPENED)
    i = p["issue"]
    old = "/issues/%d" % i["number"]
    for k in ("url", "labels_url", "comments_url", "events_url", "html_url", "timeline_url"):
        if k in i:
            i[k] = i[k].replace(old, "/issues/%d" % number)
    i["number"] = number
    i["id"] = 444500041 + number
    i["title"] = "%s (#%d)" % (i["title"], number)
    i["created_at"] = i["updated_at"] = rfc3339(created)
    base = i["labels"][0]
    i["labels"] = [label(base, "severity:" + (severity or SEVERITIES[number % 4])),
                   label(base, "component:" + (component or COMPONENTS[number % len(COMPONENTS)]))]
    if kind == "large":
        i["labels"] += [label(base, "area/%02d" % k) for k in range(28)]
        i["body"] = ("Steps to reproduce: open the README, read the second paragraph, "
                     "see the misspelt word. ") * 80
    return p


def signed(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(kind, number, created):
    if kind == "push":
        return json.dumps(PUSH, separators=(",", ":")).encode()
    return json.dumps(issue(number, created, kind), separators=(",", ":")).encode()


def write_pool(kind, secret, n, first, out, created=None):
    created = created if created is not None else int(time.time()) - 3600
    with open(out, "wb") as f:
        for number in range(first, first + n):
            body = body_of(kind, number, created)
            f.write(signed(secret, body).encode() + b"\t" + body + b"\n")


ISSUE_OPENED = fixture("issues", "opened")
PUSH = fixture("push")

if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "pool":
        write_pool(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        sys.exit(__doc__)
