#!/usr/bin/env python3
"""Fallback baseline for bench/webhooks.sh when node is not installed: the
same minimal GitHub webhook receiver as baseline_receiver.mjs, in the Python
standard library (threaded http.server, hmac, a RESP client per thread).

usage: KAIZEN_GITHUB_SECRET=s python3 bench/baseline_receiver.py PORT REDIS_PORT
"""
import hashlib
import hmac
import http.server
import json
import os
import socket
import sys
import threading
from datetime import datetime

TTL = 7 * 24 * 3600
SLA = {"critical": 4 * 3600, "high": 24 * 3600, "medium": 72 * 3600, "low": 168 * 3600}
SECRETS = [s.encode() for s in os.environ.get("KAIZEN_GITHUB_SECRET", "").split(",") if s]
local = threading.local()


def command(*args):
    if not hasattr(local, "redis"):
        s = socket.create_connection(("127.0.0.1", REDIS_PORT))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local.redis, local.reader = s, s.makefile("rb")
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    local.redis.sendall(out)
    line = local.reader.readline()
    if line[:1] == b"$":
        n = int(line[1:-2])
        return None if n < 0 else local.reader.read(n + 2)[:-2]
    if line[:1] == b"-":
        raise OSError(line.decode())
    return line[1:-2]


def ts(s):
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()) if s else ""


def label(labels, prefixes):
    for lb in labels:
        for p in prefixes:
            if lb.get("name", "").startswith(p):
                return lb["name"][len(p):]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without this, Nagle holds
    # the body back until the client's delayed ACK (~40 ms per request)
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/webhooks/github":
            return self.reply(404, {"error": "not found"})
        sig = self.headers.get("X-Hub-Signature-256", "")
        if not any(hmac.compare_digest(sig, "sha256=" + hmac.new(s, body, hashlib.sha256).hexdigest())
                   for s in SECRETS):
            return self.reply(401, {"error": "bad signature"})
        event, delivery = self.headers.get("X-GitHub-Event"), self.headers.get("X-GitHub-Delivery")
        if not event or not delivery:
            return self.reply(400, {"error": "missing X-GitHub-Event or X-GitHub-Delivery"})
        try:
            p = json.loads(body)
        except ValueError:
            return self.reply(400, {"error": "malformed JSON"})
        if event != "issues":
            return self.reply(202, {"status": "ignored"})
        issue, repo = p["issue"], p["repository"]
        labels = issue.get("labels") or []
        severity = label(labels, ("severity:", "severity/", "sev:", "sev/")) or "medium"
        component = label(labels, ("component:", "component/", "area:", "area/")) or repo["name"]
        created, updated = ts(issue["created_at"]), ts(issue["updated_at"])
        tid = "gh:%s#%d" % (repo["full_name"], issue["number"])
        if command("SET", "{kz}:delivery:github:" + delivery, "1", "NX", "EX", TTL) is None:
            return self.reply(200, {"status": "duplicate"})
        command("HSET", "{kz}:ticket:" + tid, "id", tid, "source", "github", "title", issue["title"],
                "url", issue["html_url"], "component", component, "severity", severity,
                "state", "resolved" if issue["state"] == "closed" else "open", "created_at", created,
                "resolved_at", ts(issue.get("closed_at")), "sla_deadline", created + SLA.get(severity, SLA["medium"]),
                "updated_at", updated)
        command("ZADD", "{kz}:tickets", updated, tid)
        return self.reply(202, {"status": "accepted"})


if __name__ == "__main__":
    PORT, REDIS_PORT = int(sys.argv[1]), int(sys.argv[2])
    if not SECRETS:
        sys.exit("KAIZEN_GITHUB_SECRET is not set")
    http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
