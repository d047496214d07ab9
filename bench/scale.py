#!/usr/bin/env python3
"""Scale benchmark (bench/scale.sh runs it): the gateway's costs on an
empty store and on a store of a year's tickets, measured in the same run.

It loads BENCH_TICKETS tickets (default 1 000 000: 95 % resolved inside
the retention, 5 % open of which a fifth breached) through the gateway's
own ticket_apply script, 100 per call, straight into Redis. Then, for the
empty and the full store alike, it prints:
  - webhook p50/p99 under load (wrk, 11.6 KB `issues.opened` bodies);
  - /api/tickets?limit=100, a filtered page, the tickets feed, a
    digest build (POST /api/digest) and the weekly report
    (/api/reports/weekly): medians of BENCH_REQUESTS requests;
  - Redis time of one stats tick and of one breach check (SLOWLOG with a
    0 threshold over an idle window, attributed to each script by its SHA);
  - Redis bytes per ticket, the gateway's peak RSS;
and for the full store: the grouped breach round of the breached tickets,
a retention pass (KAIZEN_RETENTION shortened so BENCH_EXPIRE tickets
expire: the longest script of it, and Redis PING round trips meanwhile),
and every Redis command over 10 ms in the whole run (SLOWLOG). The report is
also measured on a store of BENCH_SMALL tickets of the same components and
severities (the same groups): the ratio of its cost at TICKETS to that is
what "it follows the groups and weeks, never the tickets" means.
Asserts nothing: it prints figures. Standard library plus wrk.
"""
import datetime
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payloads  # noqa: E402
from benchlib import SECRET, Gateway, Redis, free_port, script, ticket_keys, wrk  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
EXPIRE = int(os.environ.get("BENCH_EXPIRE", "100000"))
SMALL = int(os.environ.get("BENCH_SMALL", "2000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CONNS = int(os.environ.get("BENCH_CONNS", "8"))
POOL = int(os.environ.get("BENCH_POOL", "4000"))
DAY = 86400
NOW = int(time.time())
COMPONENTS = ["comp%02d" % i for i in range(50)]
SEVERITIES = ["critical", "high", "medium", "low"]
SLA = {"critical": 4 * 3600, "high": DAY, "medium": 3 * DAY, "low": 7 * DAY}
TICKET_KEYS = ticket_keys()


# --- loading tickets through ticket_apply -------------------------------------

def row(n):
    """Ticket n: 95 % resolved over the last 29 days, else open; a fifth of the open breached."""
    component, severity = COMPONENTS[n % 50], SEVERITIES[n // 50 % 4]
    open_share = TICKETS // 20
    if n < open_share:
        breached = n < open_share // 5
        created = NOW - SLA[severity] - 3600 - n % 3600 if breached else NOW - 600 - n % 3000
        state, resolved, updated = "open", 0, created
    else:
        resolved = NOW - 3600 - (n * 7919) % (29 * DAY)
        created = resolved - 1800 - n % 7200
        state, updated = "resolved", resolved
    fields = [state, component, severity, str(updated), str(created + SLA[severity]),
              str(created), str(resolved), "github", "gh:octo-org/api#%d" % n,
              "https://github.com/octo-org/api/issues/%d" % n,
              "Checkout fails for EU cards (bench issue %d)" % n]
    return "\0".join(fields).encode()


def week(t):
    """The ISO week of t in UTC (the gateway's default KAIZEN_TIMEZONE): label and start."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).date()
    monday = d - datetime.timedelta(days=d.weekday())
    y, w, _ = d.isocalendar()
    start = int(datetime.datetime(monday.year, monday.month, monday.day,
                                  tzinfo=datetime.timezone.utc).timestamp())
    return "%04d-W%02d" % (y, w), start


def load(r, numbers, per_call=100):
    """The tickets numbered numbers through ticket_apply, with their weekly aggregates
    (a ticket stored already is a re-send: nothing changes)."""
    _, sha = script("ticket_apply")
    commands = []
    numbers = list(numbers)
    for first in range(0, len(numbers), per_call):
        ids = numbers[first:first + per_call]
        keys = TICKET_KEYS + ["{kz}:tomb:gh:octo-org/api#%d" % n for n in ids]
        keys.append("{kz}:report:weeks")
        # no delivery key, no notice edits; the weeks kept
        argv = [NOW, 7 * DAY, len(ids), 0, 0, 0, "edit:", len(keys)]
        for n in ids:
            f = row(n).split(b"\0")
            spec = []
            for t in (int(f[5]), int(f[6]), int(f[3])):   # created, resolved, updated
                if t <= 0:
                    spec.append("0 0 -")
                    continue
                label, start = week(t)
                key = "{kz}:report:week:" + label
                if key not in keys:
                    keys.append(key)
                spec.append("%d %d %s" % (keys.index(key) + 1, start, label))
            # a new ticket: its row's deadline (0: no restart)
            argv += ["upsert", "gh:octo-org/api#%d" % n, row(n), 0, "", 0, " ".join(spec)]
        commands.append(Redis.encode("EVALSHA", sha, len(keys), *keys, *argv))
    for reply in r.pipeline(commands):
        if not isinstance(reply, list):
            raise RuntimeError("ticket_apply: %r" % reply)


def median_ms(gw, method, path, n=REQUESTS):
    times = []
    for _ in range(n):
        status, data, elapsed = gw.request(method, path)
        if status >= 400:
            raise RuntimeError("%s %s: %d %s" % (method, path, status, data[:200]))
        times.append(elapsed * 1000)
    return statistics.median(times), len(data)


def wrk_webhooks(gw, pool_file, nonce):
    p50, p99, rps = [], [], []
    for run in range(RUNS):
        _, r, a, b = wrk("http://127.0.0.1:%d/webhooks/github" % gw.port,
                         [pool_file, "%s-%d" % (nonce, run)], CONNS, DURATION, threads=2)
        rps.append(r)
        p50.append(a)
        p99.append(b)
    return statistics.median(p50), statistics.median(p99), statistics.median(rps)


SLOW = []   # every command over 10 ms seen by slowlog(), for the summary


def slowlog(r):
    """SLOWLOG entries as (microseconds, [args]) and a reset; those over 10 ms are kept in SLOW."""
    entries = r("SLOWLOG", "GET", "-1") or []
    r("SLOWLOG", "RESET")
    out = [(e[2], [a.decode(errors="replace") if isinstance(a, bytes) else a for a in e[3]])
           for e in entries]
    SLOW.extend((u, a[:2]) for u, a in out if u > 10000 and a[:1] != ["SLOWLOG"])
    return out


def tick_costs(r, seconds=12):
    """Redis microseconds per call of the stats and breach-check scripts over an idle window."""
    shas = {script(name)[1]: name for name in ("ticket_stats", "breach_round")}
    r("CONFIG", "SET", "slowlog-log-slower-than", "0")
    r("SLOWLOG", "RESET")
    time.sleep(seconds)
    entries = slowlog(r)
    r("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    per = {name: [] for name in shas.values()}
    for usec, args in entries:
        if args and args[0].upper() == "EVALSHA" and len(args) > 1 and args[1] in shas:
            per[shas[args[1]]].append(usec)
    return {name: (statistics.median(v) if v else 0, len(v)) for name, v in per.items()}


def measure(label, gw, r, pool_file, nonce):
    """Every per-store figure, as a dict."""
    fig = {}
    fig["webhook p50 ms"], fig["webhook p99 ms"], fig["webhook req/s"] = wrk_webhooks(gw, pool_file, nonce)
    fig["/api/tickets?limit=100 ms"], _ = median_ms(gw, "GET", "/api/tickets?state=all&limit=100")
    fig["filtered page ms"], _ = median_ms(
        gw, "GET", "/api/tickets?state=all&component=comp07&severity=high&limit=100")
    fig["tickets feed ms"], size = median_ms(gw, "GET", "/feeds/tickets.rss?state=all")
    fig["tickets feed KB"] = size / 1024
    fig["digest build ms"], _ = median_ms(gw, "POST", "/api/digest", n=max(5, REQUESTS // 3))
    costs = tick_costs(r)
    fig["stats tick Redis us"] = costs["ticket_stats"][0]
    fig["breach check Redis us"] = costs["breach_round"][0]
    fig["gateway peak RSS MiB"] = gw.peak_rss_kib() / 1024
    print("  measured %s" % label, flush=True)
    return fig


def used_memory(r):
    info = r("INFO", "memory").decode()
    return int(re.search(r"used_memory:(\d+)", info).group(1))


def ping_probe(port, stop, out):
    """PING round trips (ms) until stop is set: how long Redis was blocked at a time."""
    r = Redis(port)
    while not stop.is_set():
        t = time.perf_counter()
        r("PING")
        out.append((time.perf_counter() - t) * 1000)
        time.sleep(0.002)


def main():
    tmp = tempfile.mkdtemp(prefix="kz-scale-")
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly",
                              "no", "--dir", tmp, "--slowlog-max-len", "100000",
                              "--slowlog-log-slower-than", "10000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gws = []
    try:
        time.sleep(0.3)
        r = Redis(port)
        for _ in range(50):
            try:
                r("PING")
                break
            except (OSError, RuntimeError):
                time.sleep(0.1)
        print("kaizen-gateway scale benchmark: %d tickets, wrk %d x %ds at %d connections, "
              "%d requests per read" % (TICKETS, RUNS, DURATION, CONNS, REQUESTS), flush=True)
        empty_pool = os.path.join(tmp, "empty.pool")
        full_pool = os.path.join(tmp, "full.pool")
        payloads.write_pool("opened", SECRET, POOL, 10_000_001, empty_pool)
        payloads.write_pool("opened", SECRET, POOL, 20_000_001, full_pool)

        gw = Gateway(port, tmp)
        gws.append(gw)
        base_memory = used_memory(r)
        empty = measure("empty store", gw, r, empty_pool, "empty")
        gw.stop()
        gws.remove(gw)
        r("FLUSHALL")
        base_memory = used_memory(r)

        _, sha = script("ticket_apply")
        r("SCRIPT", "LOAD", script("ticket_apply")[0])
        # The report on a small store of the same groups, then on the full one.
        # A sample of every kind: a step coprime with the 200 groups' period reaches them all.
        step = max(1, TICKETS // SMALL)
        while math.gcd(step, 200) != 1:
            step -= 1
        load(r, range(0, TICKETS, step)[:SMALL])
        gw = Gateway(port, tmp)
        gws.append(gw)
        report_small, _ = median_ms(gw, "GET", "/api/reports/weekly")
        report_week, _ = median_ms(gw, "GET", "/api/reports/weekly?week=" + week(NOW - 8 * DAY)[0])
        gw.stop()
        gws.remove(gw)
        t = time.time()
        load(r, range(TICKETS))
        load_s = time.time() - t
        memory = used_memory(r) - base_memory
        print("  loaded %d tickets in %.0f s through ticket_apply" % (TICKETS, load_s), flush=True)
        r("SLOWLOG", "RESET")   # the loader's own calls are not the gateway's

        r("CONFIG", "SET", "slowlog-log-slower-than", "0")
        r("SLOWLOG", "RESET")
        gw = Gateway(port, tmp)
        gws.append(gw)
        # The breached tickets breach at once: one grouped round.
        t = time.time()
        while r("EXISTS", "{kz}:breach:round") or int(r("ZCOUNT", "{kz}:sla_pending", "-inf", NOW)):
            if time.time() - t > 300:
                raise RuntimeError("breach round not over after 300 s")
            time.sleep(0.2)
        round_s = time.time() - t
        round_sha = script("breach_round")[1]
        round_steps = [u for u, a in slowlog(r) if len(a) > 1 and a[1] == round_sha]
        r("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        breach_msgs = int(r("ZCARD", "{kz}:outbox:queue:slack:breach")) + sum(
            1 for e in r("LRANGE", "{kz}:outbox:history", 0, -1) if b'"breach:' in e)
        # The report before the webhooks of measure() add tickets (and components).
        report_full, _ = median_ms(gw, "GET", "/api/reports/weekly")
        report_full_week, _ = median_ms(gw, "GET", "/api/reports/weekly?week=" + week(NOW - 8 * DAY)[0])
        full = measure("full store", gw, r, full_pool, "full")
        gw.stop()
        gws.remove(gw)

        # Retention shortened so that about EXPIRE resolved tickets are past it.
        days = 29 - 29 * EXPIRE / (TICKETS * 0.95)
        before = int(r("HLEN", "{kz}:ticket"))
        r("CONFIG", "SET", "slowlog-log-slower-than", "0")
        r("SLOWLOG", "RESET")
        stop, pings = threading.Event(), []
        probe = threading.Thread(target=ping_probe, args=(port, stop, pings))
        probe.start()
        gw = Gateway(port, tmp, KAIZEN_RETENTION="%dh" % int(days * 24 + 1))
        gws.append(gw)
        t = time.time()
        last, still = before, 0
        while time.time() - t < 300:
            time.sleep(1)
            now_n = int(r("HLEN", "{kz}:ticket"))
            still = still + 1 if now_n == last else 0
            last = now_n
            if now_n < before and still >= 3:
                break
        stop.set()
        probe.join()
        retention_sha = script("ticket_retention")[1]
        entries = slowlog(r)
        r("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        steps = [u for u, a in entries if len(a) > 1 and a[1] == retention_sha]
        expired = before - last
        gw.stop()
        gws.remove(gw)

        print()
        print("| figure | empty store | %d tickets | ratio |" % TICKETS)
        print("|---|---|---|---|")
        for k in empty:
            a, b = empty[k], full[k]
            print("| %s | %.2f | %.2f | %s |" % (k, a, b, "×%.2f" % (b / a) if a else "-"))
        print()
        print("| figure | value |")
        print("|---|---|")
        print("| Redis bytes per ticket (used_memory delta / tickets) | %.0f |" % (memory / TICKETS))
        sample = r("SCAN", "0", "MATCH", "{kz}:delivery:*", "COUNT", "1000")[1][:100]
        usage = [r("MEMORY", "USAGE", k) for k in sample]
        if usage:
            print("| Redis bytes per delivery id (MEMORY USAGE, median of %d) | %d |"
                  % (len(usage), statistics.median(usage)))
        print("| load through ticket_apply | %.0f s (%.0f tickets/s) |" % (load_s, TICKETS / load_s))
        print("| weekly report, %d tickets / %d tickets of the same 200 groups (last week; the "
              "week before) | %.2f ms / %.2f ms = ×%.2f; %.2f ms / %.2f ms = ×%.2f |"
              % (TICKETS, SMALL, report_full, report_small,
                 report_full / report_small, report_full_week, report_week,
                 report_full_week / report_week))
        print("| breach round of %d breached tickets | %.1f s, %d messages, %d steps; longest step "
              "%.1f ms, median %.1f ms |" % (TICKETS // 100, round_s, breach_msgs, len(round_steps),
                                           max(round_steps or [0]) / 1000,
                                           statistics.median(round_steps or [0]) / 1000))
        print("| retention pass | %d tickets in %d steps; longest step %.1f ms, median %.1f ms |"
              % (expired, len(steps), max(steps or [0]) / 1000,
                 statistics.median(steps or [0]) / 1000))
        print("| Redis PING during the retention pass | median %.2f ms, max %.2f ms (%d pings) |"
              % (statistics.median(pings or [0]), max(pings or [0]), len(pings)))
        slowlog(r)
        print("| Redis commands over 10 ms in the whole run but the load (SLOWLOG) | %d %s |"
              % (len(SLOW), SLOW[:3] if SLOW else ""))
    finally:
        for gw in gws:
            gw.proc.kill()
        redis.terminate()
        redis.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
