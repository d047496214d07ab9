#!/usr/bin/env python3
"""Real-payload benchmark (bench/github.sh runs it): signed GitHub
deliveries of real size against the gateway, two evhttp ceilings and a Node
peer, in one run with the same pinning.

Servers (each with its own fresh redis-server where it needs one):
  ceiling        bench/ceiling.c: evhttp reads the body and answers 202
  ceiling+hmac   the same after checking X-Hub-Signature-256
  node peer      bench/node_peer: @octokit/webhooks verify, ioredis SET NX +
                 HSET + ZADD
  gateway        kaizen-gateway (KAIZEN_DRY_RUN=1, warn logs)
  gateway rediss the same over TLS to its Redis (rediss://, redis-server
                 --tls-port, a CA made by openssl here), when the binary has
                 TLS (a Debian 13 build): what TLS costs
The server and its Redis share CPU BENCH_SERVER_CPU (0); wrk runs on
BENCH_CLIENT_CPU (1), one thread, BENCH_CONNS (32) connections. Cases:
  opened   the 11.6 KB issues.opened example (as 4 000 issues, each a
           distinct delivery). A first pass, reported on its own, creates
           them; the measured runs are later passes: unchanged issues under
           new delivery ids, the redelivery path the issue measured
  large    the same at ~25 KB (long body, 30 labels)
  push     the 7 KB push example: an event the gateway ignores
and, for the gateway alone, 1 000-alert Alertmanager notifications.
The two gateways run as one group: both started, their runs taking turns
(plain, TLS, plain, ...), so the TLS comparison does not ride on a drift of
the machine between them.
Per server and case: median req/s, p50, p99 of BENCH_RUNS x BENCH_DURATION s,
CPU microseconds per webhook (server + its Redis, from /proc), peak RSS;
for the gateway, Redis's own time per apply script (INFO commandstats).
Prints figures and ratios; asserts nothing.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payloads  # noqa: E402
from benchlib import (BIN, HERE, ROOT, SECRET, Gateway, Redis, cpu_seconds, free_port,  # noqa: E402
                      peak_rss_kib, start_redis, wait_http, wrk)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from certs import CA  # noqa: E402

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CONNS = int(os.environ.get("BENCH_CONNS", "32"))
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0")
CLIENT_CPU = os.environ.get("BENCH_CLIENT_CPU", "1")
POOL = int(os.environ.get("BENCH_POOL", "4000"))
ALERTS = int(os.environ.get("BENCH_ALERTS", "1000"))
NOTIFICATIONS = int(os.environ.get("BENCH_NOTIFICATIONS", "20"))
CASES = [("opened", "issues"), ("large", "issues"), ("push", "push")]
TLS = "(tls: yes" in subprocess.run([BIN, "--version"], stdout=subprocess.PIPE).stdout.decode()
ALL = ["ceiling", "ceiling+hmac", "node peer", "gateway"] + (["gateway rediss"] if TLS else [])
SERVERS = os.environ.get("BENCH_SERVERS", ",".join(ALL)).split(",")


class Server:
    """One server under test, its Redis (if any) and their pids."""

    def __init__(self, name, tmp, start, tls=None):
        self.name, self.tmp = name, tmp
        self.redis_port = free_port()
        # With tls ({"cert", "key", "ca"}) Redis also listens with TLS on tls_port:
        # the gateway's traffic goes there; the bench's own questions (stats) stay plain.
        self.tls, self.tls_port = tls, free_port() if tls else None
        extra = ["--tls-port", str(self.tls_port), "--tls-cert-file", tls["cert"],
                 "--tls-key-file", tls["key"], "--tls-ca-cert-file", tls["ca"],
                 "--tls-auth-clients", "no"] if tls else []
        self.redis = start_redis(tmp, self.redis_port, SERVER_CPU, extra) if name != "ceiling" and \
            name != "ceiling+hmac" else None
        self.port, self.proc, self.gw = start(self)

    def pids(self):
        return [self.proc.pid] + ([self.redis.pid] if self.redis else [])

    def cpu(self):
        return sum(cpu_seconds(p) for p in self.pids())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        if self.redis:
            self.redis.terminate()
            self.redis.wait()


def start_ceiling(hmac):
    def start(s):
        port = free_port()
        args = [os.path.join(s.tmp, "ceiling"), str(port)] + ([SECRET] if hmac else [])
        proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + args)
        wait_http(port)
        return port, proc, None
    return start


def start_node(s):
    port = free_port()
    env = dict(os.environ, KAIZEN_GITHUB_SECRET=SECRET)
    proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, "node",
                             os.path.join(HERE, "node_peer", "server.mjs"), str(port),
                             str(s.redis_port)], env=env)
    wait_http(port)
    return port, proc, None


def start_gateway(s):
    tls = {"KAIZEN_REDIS_URL": "rediss://127.0.0.1:%d" % s.tls_port,
           "KAIZEN_REDIS_TLS_CA_FILE": s.tls["ca"]} if s.tls else {}
    gw = Gateway(s.redis_port, s.tmp, cpus=SERVER_CPU, KAIZEN_CHECK_EVERY="30s",
                 KAIZEN_ALERTMANAGER_TOKEN="am", KAIZEN_MAX_BODY="8MiB", **tls)
    return gw.port, gw.proc, gw


def apply_usec(r):
    """Redis's usec_per_call of EVALSHA since the last CONFIG RESETSTAT (0 if none)."""
    info = r("INFO", "commandstats").decode()
    m = re.search(r"cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)", info)
    return (float(m.group(3)), int(m.group(1))) if m else (0.0, 0)


def run_cases(group, pool, event, nonce):
    """The figures of each server of group for one case. Their measured runs
    alternate (a, b, a, b, ...), so a drift in the machine's speed falls on
    all of them alike: the gateway over redis:// and over rediss:// run as one
    group."""
    stats = {}
    for server in group:
        r = Redis(server.redis_port) if server.redis else None
        first = None
        if r:
            # The first pass over the pool creates every issue; it is measured on
            # its own, so that the runs below all see the same steady state
            # (unchanged issues under new delivery ids, as in a redelivery storm).
            r("CONFIG", "RESETSTAT")
            n, rate, _, _ = wrk("http://127.0.0.1:%d/webhooks/github" % server.port,
                                [pool, nonce + server.name.replace(" ", "") + "-first", event], CONNS, DURATION,
                                cpus=CLIENT_CPU)
            first = {"req/s": rate, "script": apply_usec(r) if server.gw is not None else (0.0, 0)}
        stats[server.name] = (r, first, [], [], [], [])
    for run in range(RUNS):
        for server in group:
            r, _, rps, p50, p99, cpu = stats[server.name]
            if r:
                r("CONFIG", "RESETSTAT")
            before = server.cpu()
            n, rate, a, b = wrk("http://127.0.0.1:%d/webhooks/github" % server.port,
                                [pool, "%s%s-%d" % (nonce, server.name.replace(" ", ""), run), event], CONNS,
                                DURATION, cpus=CLIENT_CPU)
            cpu.append((server.cpu() - before) / n * 1e6)
            rps.append(rate)
            p50.append(a)
            p99.append(b)
    figures = {}
    for server in group:
        r, first, rps, p50, p99, cpu = stats[server.name]
        fig = {"req/s": statistics.median(rps), "p50 ms": statistics.median(p50),
               "p99 ms": statistics.median(p99), "CPU us/webhook": statistics.median(cpu)}
        if server.gw is not None:
            fig["apply script us (Redis)"], fig["scripts"] = apply_usec(r)
        fig["first"] = first
        figures[server.name] = fig
    return figures


def alert_notifications(group):
    """Per server of group: median ms and server+Redis CPU us per alert of
    1 000-alert notifications, the servers taking turns."""
    times = {s.name: [] for s in group}
    cpu = {s.name: [] for s in group}
    for k in range(NOTIFICATIONS):
        alerts = [{"status": "firing", "fingerprint": "b%02d%05d" % (k, i),
                   "labels": {"alertname": "HighLatency", "severity": "warning",
                              "service": "svc%02d" % (i % 20), "instance": "10.0.%d.%d" % (i // 250, i % 250)},
                   "annotations": {"summary": "p99 latency above 2s on instance %d" % i,
                                   "description": "The 99th percentile latency has been above "
                                                  "2 s for 5 minutes."},
                   "generatorURL": "http://prometheus.example:9090/graph?g0.expr=histogram_quantile",
                   "startsAt": payloads.rfc3339(int(time.time()) - 600),
                   "endsAt": "0001-01-01T00:00:00Z"} for i in range(ALERTS)]
        body = json.dumps({"version": "4", "groupKey": "{}:{alertname=\"HighLatency\"}",
                           "truncatedAlerts": 0, "status": "firing", "receiver": "kaizen",
                           "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                           "externalURL": "http://alertmanager.example:9093",
                           "alerts": alerts}).encode()
        for server in group:
            req = urllib.request.Request("http://127.0.0.1:%d/webhooks/alertmanager" % server.port,
                                         data=body, headers={"Authorization": "Bearer am",
                                                             "Content-Type": "application/json"})
            before = server.cpu()
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=60) as resp:
                resp.read()
            times[server.name].append((time.perf_counter() - t) * 1000)
            cpu[server.name].append((server.cpu() - before) / ALERTS * 1e6)
    return {s.name: (statistics.median(times[s.name]), statistics.median(cpu[s.name]), len(body),
                     peak_rss_kib(s.proc.pid) / 1024) for s in group}


def print_tls_cost(results, extra):
    """What TLS to Redis costs the gateway, per case: rediss against redis, same run."""
    print()
    print("| TLS to Redis (same run) | " + " | ".join(k for k, _ in CASES) + " | 1 000 alerts |")
    print("|---|" + "---:|" * (len(CASES) + 1))
    print("| gateway rediss / gateway req/s | %s | ms ×%.2f |" % (" | ".join(
        "×%.2f" % (results[("gateway rediss", k)]["req/s"] / results[("gateway", k)]["req/s"])
        for k, _ in CASES), extra["gateway rediss"][0] / extra["gateway"][0]))
    print("| TLS cost, %% of plaintext throughput | %s | |" % " | ".join(
        "%.1f %%" % (100 * (1 - results[("gateway rediss", k)]["req/s"] /
                            results[("gateway", k)]["req/s"])) for k, _ in CASES))
    print("| CPU µs/webhook, rediss − redis (server + Redis) | %s | |" % " | ".join(
        "%+.1f" % (results[("gateway rediss", k)]["CPU us/webhook"] -
                   results[("gateway", k)]["CPU us/webhook"]) for k, _ in CASES))


def main():
    tmp = tempfile.mkdtemp(prefix="kz-github-")
    servers = []
    ca = None
    try:
        tls = None
        if "gateway rediss" in SERVERS:
            ca = CA(root=tmp)
            cert, key = ca.issue("redis")
            tls = {"cert": cert, "key": key, "ca": ca.cert}
        elif not TLS:
            print("(no gateway rediss row: %s has no TLS; build it on Debian 13)" % BIN, flush=True)
        subprocess.run(["cc", "-O2", "-o", os.path.join(tmp, "ceiling"),
                        os.path.join(HERE, "ceiling.c"), "-levent", "-lcrypto"], check=True)
        pools = {}
        for kind, _ in CASES:
            pools[kind] = os.path.join(tmp, kind + ".pool")
            payloads.write_pool(kind, SECRET, POOL if kind != "push" else 1, 1, pools[kind])
        sizes = {k: len(open(p, "rb").readline().split(b"\t", 1)[1]) - 1 for k, p in pools.items()}
        print("kaizen-gateway real-payload benchmark: wrk 1 thread x %d connections on CPU %s, "
              "servers and their Redis on CPU %s, %d x %d s per case" %
              (CONNS, CLIENT_CPU, SERVER_CPU, RUNS, DURATION), flush=True)
        print("bodies: " + ", ".join("%s %.1f KB" % (k, v / 1000) for k, v in sizes.items()),
              flush=True)
        results, rss, extra = {}, {}, {}
        starts = {"ceiling": start_ceiling(False), "ceiling+hmac": start_ceiling(True),
                  "node peer": start_node, "gateway": start_gateway, "gateway rediss": start_gateway}
        for names in (["ceiling"], ["ceiling+hmac"], ["node peer"], ["gateway", "gateway rediss"]):
            group = [Server(name, tmp, starts[name], tls if name == "gateway rediss" else None)
                     for name in names if name in SERVERS]
            if not group:
                continue
            servers.extend(group)
            for kind, event in CASES:
                for name, fig in run_cases(group, pools[kind], event, kind).items():
                    results[(name, kind)] = fig
                    print("  %s %s: %.0f req/s" % (name, kind, fig["req/s"]), flush=True)
            for server in group:
                rss[server.name] = peak_rss_kib(server.proc.pid) / 1024   # under webhook load only
            if group[0].gw is not None:
                extra.update(alert_notifications(group))
            for server in group:
                server.stop()
                servers.remove(server)

        if SERVERS != ALL:
            for (name, kind), f in results.items():
                print(name, kind, {k: (round(v, 2) if isinstance(v, float) else v) for k, v in f.items()})
            for name, figures in extra.items():
                print(name, "alerts", figures)
            if "gateway" in SERVERS and "gateway rediss" in SERVERS:
                print_tls_cost(results, extra)
            return
        print()
        print("| case | server | req/s | p50 ms | p99 ms | CPU µs/webhook (server + Redis) | peak RSS MiB |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for kind, _ in CASES:
            for name in ALL:
                f = results[(name, kind)]
                print("| %s | %s | %.0f | %.2f | %.2f | %.1f | %.1f |" %
                      (kind, name, f["req/s"], f["p50 ms"], f["p99 ms"], f["CPU us/webhook"],
                       rss[name]))
        print()
        print("| ratio | opened | large | push |")
        print("|---|---:|---:|---:|")
        for label, other in (("gateway / ceiling+hmac req/s", "ceiling+hmac"),
                             ("gateway / node peer req/s", "node peer"),
                             ("gateway / ceiling req/s", "ceiling")):
            print("| %s | %s |" % (label, " | ".join(
                "×%.2f" % (results[("gateway", k)]["req/s"] / results[(other, k)]["req/s"])
                for k, _ in CASES)))
        print()
        for kind, _ in CASES[:2]:
            f = results[("gateway", kind)]
            print("gateway %s: apply script %.1f µs of Redis time per call (%d calls in the last run)"
                  % (kind, f["apply script us (Redis)"], f["scripts"]))
            fg, fn = f["first"], results[("node peer", kind)]["first"]
            print("  first pass over %d new issues (creates, then unchanged): gateway %.0f req/s, "
                  "apply script %.1f µs per call; node peer %.0f req/s" %
                  (POOL, fg["req/s"], fg["script"][0], fn["req/s"]))
        for name in ALL[3:]:
            ms, cpu, size, peak = extra[name]
            print("%s: %d-alert Alertmanager notification (%.0f KB): median %.1f ms, "
                  "%.1f µs CPU per alert (server + Redis), %d notifications, peak RSS after them "
                  "%.1f MiB" % (name, ALERTS, size / 1000, ms, cpu, NOTIFICATIONS, peak))
        if TLS:
            print_tls_cost(results, extra)
    finally:
        if ca is not None:
            ca.close()
        for s in servers:
            s.proc.kill()
            if s.redis:
                s.redis.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if not os.path.isdir(os.path.join(HERE, "node_peer", "node_modules")):
        sys.exit("github.py: run bench/github.sh (it installs the Node peer's packages)")
    main()
