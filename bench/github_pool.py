#!/usr/bin/env python3
"""Helpers for bench/webhooks.sh (standard library only).

  github_pool.py gen SECRET N OUT   write N signed GitHub `issues` bodies, one
                                    per line as "sha256=<hex>\t<json>" (issues
                                    1..N, mixed severities and components)
  github_pool.py seed URL POOL      POST every body of POOL once to URL
                                    (…/webhooks/github) over one keep-alive
                                    connection; fails unless all answer 2xx
  github_pool.py big SECRET URL BYTES N
                                    POST N signed `issues` bodies of about
                                    BYTES each (a long issue body) at once,
                                    one connection each: memory per large
                                    delivery in flight
"""
import hashlib
import hmac
import http.client
import json
import sys
import threading
import urllib.parse
import uuid

SEVERITIES = ["critical", "high", "medium", "low"]
COMPONENTS = ["checkout", "payments", "search", "auth", "api", "web", "billing", "infra"]


def body(n):
    return {
        "action": "opened",
        "issue": {
            "number": n, "title": "Bench issue %d: checkout fails for EU cards" % n, "state": "open",
            "html_url": "https://github.com/octo-org/api/issues/%d" % n,
            "created_at": "2026-11-22T09:00:00Z", "updated_at": "2026-11-22T09:00:00Z", "closed_at": None,
            "labels": [{"name": "severity:" + SEVERITIES[n % 4]},
                       {"name": "component:" + COMPONENTS[n % len(COMPONENTS)]}],
            "user": {"login": "octocat"}, "body": "Steps to reproduce: pay with a card issued in the EU.",
        },
        "repository": {"full_name": "octo-org/api", "name": "api", "private": False},
        "sender": {"login": "octocat"},
    }


def gen(secret, n, out):
    with open(out, "w") as f:
        for i in range(1, n + 1):
            raw = json.dumps(body(i), separators=(",", ":")).encode()
            sig = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            f.write(sig + "\t" + raw.decode() + "\n")


def seed(url, pool):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    with open(pool) as f:
        for line in f:
            sig, raw = line.rstrip("\n").split("\t", 1)
            conn.request("POST", u.path, body=raw.encode(), headers={
                "Content-Type": "application/json", "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sig})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status // 100 != 2:
                sys.exit("seed: %s answered %d %s" % (url, resp.status, data[:200]))
    conn.close()


def big(secret, url, size, n):
    p = body(1000000)
    p["issue"]["body"] = "x" * max(0, size - len(json.dumps(p)) - 16)
    raw = json.dumps(p).encode()
    sig = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    u = urllib.parse.urlsplit(url)
    codes = []

    def post():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        conn.request("POST", u.path, body=raw, headers={
            "Content-Type": "application/json", "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sig})
        resp = conn.getresponse()
        resp.read()
        codes.append(resp.status)
        conn.close()

    threads = [threading.Thread(target=post) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if any(c // 100 != 2 for c in codes):
        sys.exit("big: %s answered %s" % (url, sorted(codes)))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "big":
        big(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
