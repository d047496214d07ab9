#!/usr/bin/env python3
"""Redis memory per remembered delivery id, through the gateway itself.

A throwaway redis-server (no persistence) and the gateway; one GitHub issue
is opened, then redelivered unchanged BENCH_DELIVERIES times (default
200 000), each under a new X-GitHub-Delivery UUID as GitHub sends them. An
unchanged redelivery writes nothing but its delivery id (the apply script
stops after comparing the row), so Redis's used_memory growth over the
redeliveries, divided by their number, is what one remembered id costs:
its key, its value, its expiry entry and its share of the hash tables.
MEMORY USAGE of a sample of the keys is printed beside it (it leaves out
the expiry entry and the tables' slots). Prints figures, asserts nothing.

    cmake -S . -B build && cmake --build build --target kaizen-gateway
    python3 bench/delivery_ids.py          # ~1 min
"""
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

N = int(os.environ.get("BENCH_DELIVERIES", "200000"))
THREADS = 4


def used_memory(r):
    return int(re.search(r"used_memory:(\d+)", r("INFO", "memory").decode()).group(1))


def main():
    tmp = tempfile.mkdtemp(prefix="kz-bench-ids-")
    port = benchlib.free_port()
    redis = benchlib.start_redis(tmp, port)
    gw = None
    try:
        gw = benchlib.Gateway(port, tmp, KAIZEN_CHECK_EVERY="3600s")
        r = benchlib.Redis(port)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        body = json.dumps({
            "action": "opened",
            "issue": {"number": 1, "title": "Delivery ids", "state": "open",
                      "html_url": "https://github.com/octo-org/api/issues/1",
                      "created_at": now, "updated_at": now, "closed_at": None,
                      "labels": [{"name": "severity:high"}]},
            "repository": {"full_name": "octo-org/api", "name": "api"}}).encode()
        sig = "sha256=" + hmac.new(benchlib.SECRET.encode(), body, hashlib.sha256).hexdigest()

        def send(count, answers):
            conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
            for _ in range(count):
                conn.request("POST", "/webhooks/github", body=body, headers={
                    "Content-Type": "application/json", "X-GitHub-Event": "issues",
                    "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sig})
                resp = conn.getresponse()
                answers.append((resp.status, resp.read()))
            conn.close()

        first = []
        send(1, first)
        before_keys = r("DBSIZE")
        before = used_memory(r)
        answers = []
        threads = [threading.Thread(target=send, args=(N // THREADS, answers)) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = used_memory(r)
        sent = len(answers)
        ids = r("DBSIZE") - before_keys
        sample = r("SCAN", "0", "MATCH", "{kz}:delivery:*", "COUNT", "1000")[1][:200]
        usage = statistics.median(r("MEMORY", "USAGE", k) for k in sample)
        version = re.search(r"redis_version:(\S+)", r("INFO", "server").decode()).group(1)
        print("first delivery: %s" % (first[0],))
        print("redeliveries sent: %d, answered 202: %d, new keys: %d"
              % (sent, sum(1 for s, _ in answers if s == 202), ids))
        print("| Redis %s | bytes per remembered delivery id |" % version)
        print("|---|---:|")
        print("| used_memory growth / new keys | %.0f |" % ((after - before) / max(ids, 1)))
        print("| MEMORY USAGE, median of %d keys | %d |" % (len(sample), usage))
    finally:
        if gw is not None:
            gw.stop()
        redis.terminate()
        redis.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
