"""The shipped dashboard and rules on a REAL Prometheus (Debian's `prometheus`).

Three gateway replicas on loopback: two in namespace "prod" (one Redis), one
in "staging" (another Redis), all scraped by one job every second with a
static namespace label per target group, as Kubernetes service discovery
labels them. The rule files are loaded verbatim. The test sends known
traffic (tickets opened, resolved, reopened and acknowledged, alerts,
canaries, refused webhooks, a Redis outage, a refused reload, dead letters)
and keeps its own account of it, then asks Prometheus's HTTP API every
query of every dashboard panel (with $job/$namespace set to prod, staging
and All) and every rule's expression, and compares each answer with the
truth it computed itself. Every series that matters is born before its
first event is sent, so the first resolution, reopen or 5xx of each must be
in the answer.

What cannot be exact, and why:
* increase()/rate() extrapolate to the end of their window, by at most one
  scrape interval past the last sample: a count is between the truth and
  the truth times (1 + interval/span of the samples), never below it.
* a time to acknowledge is taken by the gateway's clock when the click
  arrives: it lies between the seconds before and after the click.
* latency is the gateway's to measure: its truth is each replica's own
  /metrics histogram, summed as the panel sums it.
* series born at different scrapes (one ticket pair's, one replica's) are
  extrapolated by different factors, each within that bound: a mean or an
  attainment over several is within the factor either way, and a quantile
  is within the least and the most it can be when each series' counts are
  scaled by any factor in the bound (histogram_quantile interpolates inside
  a bucket, so a few per cent of weight moves it further than that).
"""
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import harness
from fake_receiver import FakeReceiver
from harness import SOURCE_DIR, Gateway, Redis, free_port, issue, rfc3339, samples, wait_for
from test_slack_app import click_payload, form, signed

PROMETHEUS = shutil.which("prometheus")
DASHBOARD = os.path.abspath(os.path.join(SOURCE_DIR, "deploy", "grafana", "kaizen-gateway.json"))
RULES = os.path.abspath(os.path.join(SOURCE_DIR, "deploy", "prometheus", "rules"))
JOB = "kaizen-gateway"
AM_TOKEN = "am-token"
SLACK_SECRET = "slack-signing-secret"
PROBES = ("/metrics", "/healthz", "/readyz", "/-/healthy", "/-/ready")
SLA = {"critical": 4 * 3600, "high": 24 * 3600, "medium": 72 * 3600, "low": 168 * 3600}
BOUNDS = [300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200, 604800]
SCRAPE = 1.0


def route_of(path):
    path = path.split("?")[0]
    return "/api/canaries/{id}" if path.startswith("/api/canaries/") else path


def result_of(status, body):
    """The webhook result word a response stands for (SPEC "Webhook responses")."""
    if isinstance(body, dict) and body.get("status"):
        return body["status"]
    return {401: "unauthorized", 413: "too_large", 503: "error"}.get(status, "invalid")


class Replica(Gateway):
    """A gateway whose requests (but probes and scrapes) are counted by route and code."""

    def __init__(self, redis_url, namespace, requests, **env):
        self.namespace = namespace
        self.requests = requests
        self.started = time.time()
        super().__init__(redis_url, **env)
        self.instance = "127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, timeout=10):
        status, hdrs, data = super().request(method, path, body=body, headers=headers,
                                             timeout=timeout)
        route = route_of(path)
        if route not in PROBES:
            key = (self.namespace, self.instance, route, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
        return status, hdrs, data


class Truth:
    """What the test sent, per namespace, and what every query must answer."""

    def __init__(self):
        self.pairs = {}        # (ns, component, severity) -> {"resolve", "met", "ack", ...}
        self.tickets = {}      # (ns, id) -> (component, severity, deadline) of open tickets
        self.canaries = {}     # (ns, id) -> (environment, start, budget)
        self.webhooks = {}     # (ns, source, result) -> count
        self.requests = {}     # (ns, instance, route, code) -> count
        self.sent = {}         # ns -> Slack messages answered 200
        self.dead = {}         # ns -> Slack messages answered 404 (dead letters)
        self.reload_failed = set()   # instances whose last reload failed

    def pair(self, ns, component, severity):
        return self.pairs.setdefault((ns, component, severity), {
            "resolve": [], "met": 0, "breached": 0, "ack": [], "reopened": 0})

    def open_counts(self, nss, by):
        """Open tickets of the namespaces nss by component (by=0) or severity (by=1)."""
        out = {}
        for (ns, _), ticket in self.tickets.items():
            if ns in nss:
                out[(ticket[by],)] = out.get((ticket[by],), 0) + 1
        return out

    def breached(self, nss, at):
        """Open tickets past their deadline at `at`, by namespace and component."""
        out = {}
        for (ns, _), (component, _, deadline) in self.tickets.items():
            if ns in nss and deadline < at:
                out[(ns, component)] = out.get((ns, component), 0) + 1
        return out


class Maybe:
    """A truth on the edge of a threshold: the series may be there (with this
    value) or not."""

    def __init__(self, value):
        self.value = value


def histogram_quantile(q, counts, bounds=BOUNDS):
    """Prometheus's histogram_quantile over per-bucket counts (bounds, then +Inf):
    interpolated inside the bucket the rank falls in, from 0 in the first; a rank
    in the +Inf bucket answers the last finite bound."""
    total = sum(counts)
    if total == 0:
        return None
    rank, cumulative, lower = q * total, 0, 0.0
    for i, bound in enumerate(bounds):
        if cumulative + counts[i] >= rank and counts[i] > 0:
            return lower + (bound - lower) * (rank - cumulative) / counts[i]
        cumulative += counts[i]
        lower = bound
    return bounds[-1]


def extrapolated_range(q, vectors, factor, bounds=BOUNDS):
    """(least, most) histogram_quantile(q, sum of f_i * vectors[i]) over every
    f_i in [1, factor]: each vector (per-bucket counts, bounds then +Inf) is a
    series extrapolated by its own factor. None when nothing was counted.

    The quantile is where the interpolated share at or below x, F(x), first
    reaches q. For a fixed x the share is a ratio of sums, least (most) when the
    vectors with the smallest (largest) shares at x are scaled up: so the most
    quantile is where min F first reaches q, the least where max F does, each
    found by bisection. Widened by a relative 1e-9 for rounding; it holds
    Prometheus's own formula over the counts as they are (every f_i 1)."""
    vectors = [v for v in vectors if sum(v)]
    if not vectors:
        return None

    def below(v, x):
        total, lower = 0.0, 0.0
        for count, bound in zip(v, bounds):
            if x < bound:
                return total + count * (x - lower) / (bound - lower)
            total, lower = total + count, bound
        return total

    def shares(x):
        pts = sorted(((below(v, x), sum(v)) for v in vectors), key=lambda p: p[0] / p[1])
        out = []
        for t in range(len(pts) + 1):
            for fs in ([factor] * t + [1] * (len(pts) - t), [1] * t + [factor] * (len(pts) - t)):
                out.append(sum(f * a for f, (a, _) in zip(fs, pts)) / sum(f * n for f, (_, n) in zip(fs, pts)))
        return out

    def reaches(pick):
        lo, hi = 0.0, bounds[-1]
        if pick(shares(hi)) < q:
            return hi
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if pick(shares(mid)) >= q else (mid, hi)
        return hi

    least, most = reaches(max) * (1 - 1e-9), reaches(min) * (1 + 1e-9)
    plain = histogram_quantile(q, [sum(counts) for counts in zip(*vectors)], bounds)
    assert least <= plain <= most, (least, plain, most)
    return least, most


def buckets_of(seconds):
    out = [0] * (len(BOUNDS) + 1)
    for s in seconds:
        out[next((i for i, b in enumerate(BOUNDS) if s <= b), len(BOUNDS))] += 1
    return out


class RealPrometheus(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(PROMETHEUS, "prometheus is not installed (scripts/deps.sh installs it)")
        self.t0 = int(time.time())
        self.truth = Truth()
        self.dir = tempfile.mkdtemp(prefix="kz-prom-")
        self.redis = {"prod": Redis(), "staging": Redis()}
        self.slack = {"prod": FakeReceiver(), "staging": FakeReceiver()}
        self.slack["staging"].set_default("/slack", ("status", 404))   # a wrong URL: dead letters
        for ns, r in self.redis.items():
            k = int(time.time()) // 3600       # no scheduled digest joins the traffic
            for w in (k, k + 1):
                r.command("SET", "{kz}:digest:window:every3600-%d" % w, "1", "EX", 7200)
        self.templates = os.path.join(self.dir, "templates")
        shutil.copytree(os.path.join(SOURCE_DIR, "templates"), self.templates)
        self.gws = []
        for ns, n in (("prod", 2), ("staging", 1)):
            for _ in range(n):
                self.gws.append(Replica(
                    self.redis[ns].url, ns, self.truth.requests,
                    KAIZEN_ALERTMANAGER_TOKEN=AM_TOKEN, KAIZEN_SLACK_SIGNING_SECRET=SLACK_SECRET,
                    KAIZEN_SLACK_WEBHOOK_URL=self.slack[ns].url + "/slack", KAIZEN_DRY_RUN="0",
                    KAIZEN_CHECK_EVERY="1s", KAIZEN_DIGEST_EVERY="3600s", KAIZEN_LOG_LEVEL="info",
                    KAIZEN_TEMPLATES_DIR=self.templates if ns == "staging"
                    else os.path.join(SOURCE_DIR, "templates")))
        self.prod, self.prod2, self.staging = self.gws
        self.version = subprocess.run([harness.BIN, "--version"], capture_output=True, text=True,
                                      check=True).stdout.split()[1]
        self.prom_port = free_port()
        self.prom = self.start_prometheus()

    def tearDown(self):
        self.prom.terminate()
        try:
            self.prom.wait(15)
        except subprocess.TimeoutExpired:
            self.prom.kill()
            self.prom.wait()
        self.prom_log.close()
        harness.close_gateways(self, self.gws)
        for r in self.redis.values():
            r.close()
        for rx in self.slack.values():
            rx.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ Prometheus

    def start_prometheus(self):
        targets = lambda ns: ", ".join('"%s"' % g.instance for g in self.gws if g.namespace == ns)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %s/*.yml
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: [%s]
        labels: {namespace: prod}
      - targets: [%s]
        labels: {namespace: staging}
""" % (RULES, JOB, targets("prod"), targets("staging")))
        self.prom_log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        proc = subprocess.Popen([PROMETHEUS, "--config.file=" + config,
                                 "--storage.tsdb.path=" + os.path.join(self.dir, "tsdb"),
                                 "--web.listen-address=127.0.0.1:%d" % self.prom_port],
                                stdout=self.prom_log, stderr=self.prom_log)
        wait_for(lambda: urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.prom_port,
                                                timeout=2).status == 200,
                 timeout=60, what="prometheus ready")
        return proc

    def rule_groups(self):
        """The rule groups the shipped files define (`- name:` at group level)."""
        names = []
        for f in sorted(os.listdir(RULES)):
            with open(os.path.join(RULES, f)) as rules:
                names += re.findall(r"^  - name: (\S+)", rules.read(), re.M)
        return names

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (self.prom_port, path, urllib.parse.urlencode(params))
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = json.load(resp)
        self.assertEqual(body["status"], "success", body)
        return body["data"]

    def query(self, expr, at=None):
        """An instant query: [(labels, value)] (NaN as float nan)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = "%.3f" % at
        data = self.api("query", **params)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def scraped_after(self, t):
        """Every target's last scrape began after t (and succeeded)."""
        got = self.query('timestamp(up{job="%s"} == 1)' % JOB)
        return len(got) == len(self.gws) and min(v for _, v in got) > t

    # ------------------------------------------------------------ traffic

    def github(self, gw, payload, event="issues", **kw):
        status, body = gw.github(event, payload, **kw)
        self.truth.webhooks[(gw.namespace, "github", result_of(status, body))] = \
            self.truth.webhooks.get((gw.namespace, "github", result_of(status, body)), 0) + 1
        return status, body

    def issue(self, gw, action, number, component, severity, created, updated, closed=None):
        """An issues delivery; the ticket is open from `updated` (its creation or
        reopening) unless closed, which resolves it."""
        state = "closed" if closed is not None else "open"
        status, body = self.github(gw, issue(
            action, number=number, state=state, labels=("component:" + component,
                                                        "severity:" + severity),
            created=rfc3339(created), updated=rfc3339(updated),
            closed=rfc3339(closed) if closed is not None else None))
        self.assertEqual(status, 202, body)
        self.track(gw.namespace, "gh:%d" % number, component, severity, updated, closed)
        if closed is not None:
            self.resolve(gw.namespace, component, severity, closed - created)

    def track(self, ns, tid, component, severity, since, closed=None):
        self.truth.pair(ns, component, severity)
        if closed is None:
            self.truth.tickets[(ns, tid)] = (component, severity, since + SLA[severity])
        else:
            self.truth.tickets.pop((ns, tid), None)

    def alerts(self, gw, alerts):
        body = json.dumps({"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
                           "status": alerts[0]["status"], "receiver": "kaizen",
                           "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                           "externalURL": "http://am", "alerts": alerts}).encode()
        status, _, data = gw.request("POST", "/webhooks/alertmanager", body=body, headers={
            "Content-Type": "application/json", "Authorization": "Bearer " + AM_TOKEN})
        word = result_of(status, json.loads(data))
        self.truth.webhooks[(gw.namespace, "alertmanager", word)] = \
            self.truth.webhooks.get((gw.namespace, "alertmanager", word), 0) + 1
        self.assertEqual(status, 202, data)
        for a in alerts:
            labels, starts = a["labels"], self.times[a["fingerprint"]]
            ends = self.times.get(a["fingerprint"] + "/end") if a["status"] == "resolved" else None
            self.track(gw.namespace, "am:" + a["fingerprint"], labels["component"],
                       {"critical": "critical"}[labels["severity"]], starts, ends)
            if ends is not None:
                self.resolve(gw.namespace, labels["component"], "critical", ends - starts)

    def alert(self, fingerprint, component, severity, starts, ends=None):
        self.times[fingerprint] = starts
        if ends is not None:
            self.times[fingerprint + "/end"] = ends
        return {"status": "resolved" if ends is not None else "firing", "fingerprint": fingerprint,
                "labels": {"alertname": "A" + fingerprint, "component": component,
                           "severity": severity},
                "annotations": {"summary": fingerprint}, "generatorURL": "http://prom/graph",
                "startsAt": rfc3339(starts),
                "endsAt": rfc3339(ends) if ends is not None else harness.GO_ZERO_TIME}

    def click(self, gw, tid):
        body = form(click_payload(value="ticket:" + tid))
        lo = int(time.time())
        status, answer = gw.json("POST", "/webhooks/slack", body=body, headers=signed(body, secret=SLACK_SECRET))
        hi = int(time.time())
        self.assertEqual(status, 200)
        key = (gw.namespace, "slack", answer["status"])
        self.truth.webhooks[key] = self.truth.webhooks.get(key, 0) + 1
        return answer["status"], lo, hi

    def canary(self, gw, cid, environment, start, budget):
        status, _ = gw.json("POST", "/api/canaries", headers={"Content-Type": "application/json"},
                            body=json.dumps({"id": cid, "service": "api", "environment": environment,
                                             "started_at": rfc3339(start),
                                             "budget_seconds": budget}).encode())
        self.assertEqual(status, 201)
        self.truth.canaries[(gw.namespace, cid)] = (environment, start, budget)

    def resolve(self, ns, component, severity, seconds):
        p = self.truth.pair(ns, component, severity)
        p["resolve"].append(seconds)
        p["met" if seconds <= SLA[severity] else "breached"] += 1

    def test_every_panel_and_rule_against_the_truth(self):
        T = self.t0
        t = self.truth
        # Every target scraped (twice) before anything happens: every first event is a change.
        first = time.time() + 1.5
        wait_for(lambda: self.scraped_after(first), timeout=60, what="first scrapes")
        # the rule files loaded verbatim, every group of them
        self.assertEqual(sorted(g["name"] for g in self.api("rules")["groups"]),
                         sorted(self.rule_groups()))
        traffic_start = time.time()

        # --- phase 1: the first ticket of every component and severity, canaries
        prod, prod2, staging = self.prod, self.prod2, self.staging
        self.times = {}
        self.issue(prod, "opened", 1, "checkout", "high", T - 3000, T - 3000)
        self.issue(prod, "opened", 2, "checkout", "high", T - 1200, T - 1200)
        self.issue(prod2, "opened", 3, "checkout", "high", T - 900, T - 900)
        self.issue(prod, "opened", 4, "search", "low", T - 5000, T - 5000)
        self.issue(prod2, "opened", 5, "checkout", "critical", T - 5 * 3600, T - 5 * 3600)
        six = T - 6 * 3600      # five alerts fired 6h ago (critical: a 4h SLA)
        self.alerts(prod, [self.alert("ab-" + x, "checkout", "critical", six) for x in "abcde"])
        self.issue(staging, "opened", 1, "checkout", "critical", T - 10 * 3600, T - 10 * 3600)
        self.issue(staging, "opened", 2, "checkout", "critical", T - 7 * 3600, T - 7 * 3600)
        self.issue(staging, "opened", 3, "checkout", "medium", T - 100000, T - 100000)
        self.canary(prod, "prod-long", "prod-canary", T - 3 * 3600, 6 * 3600)
        self.canary(prod2, "prod-quick", "prod-canary", T - 30 * 60, 10 * 60)
        self.canary(staging, "stg-soak", "staging-canary", T - 2 * 3600, 3 * 3600)
        # Prometheus has every pair's series, at 0, from every replica before they count.
        wait_for(lambda: self.every_replica_has_zero_series(set(t.pairs)), timeout=60,
                 what="every pair's series at 0 on every replica")
        born = time.time()      # every series the queries read has a sample from before this
        # staging's breach notices dead-lettered (its Slack URL answers 404) before its Redis goes
        wait_for(lambda: self.slack["staging"].received("/slack") and
                 staging.json("GET", "/api/outbox")[1]["pending"] == 0, timeout=60,
                 what="staging's breach notices dead-lettered", interval=0.5)

        # --- phase 2: resolutions, reopens, acknowledgements, errors, dead letters
        self.issue(prod, "closed", 1, "checkout", "high", T - 3000, T - 600, closed=T - 600)
        self.issue(prod2, "closed", 2, "checkout", "high", T - 1200, T - 600, closed=T - 600)
        self.issue(prod, "closed", 4, "search", "low", T - 5000, T - 1000, closed=T - 1000)
        ends = {"a": six + 21540, "b": six + 600, "c": six + 16000, "d": six + 18000, "e": six + 20000}
        self.alerts(prod2, [self.alert("ab-" + x, "checkout", "critical", six, ends[x]) for x in "abcde"])
        # the same fingerprint fires again after its end: reopened, its SLA from then on
        self.alerts(prod, [self.alert("ab-a", "checkout", "critical", T - 30)])
        t.pair("prod", "checkout", "critical")["reopened"] += 1
        self.issue(staging, "closed", 3, "checkout", "medium", T - 100000, T - 100, closed=T - 100)
        self.issue(staging, "reopened", 3, "checkout", "medium", T - 100000, T - 50)
        t.pair("staging", "checkout", "medium")["reopened"] += 1
        # acknowledgements: once, whichever replica and retry
        word, lo, hi = self.click(prod2, "gh:octo-org/api#3")
        self.assertEqual(word, "acked")
        t.pair("prod", "checkout", "high")["ack"].append((lo - (T - 900), hi - (T - 900)))
        self.assertEqual(self.click(prod, "gh:octo-org/api#3")[0], "duplicate")
        word, lo, hi = self.click(staging, "gh:octo-org/api#1")
        self.assertEqual(word, "acked")
        t.pair("staging", "checkout", "critical")["ack"].append((lo - (T - 10 * 3600), hi - (T - 10 * 3600)))
        # slow requests: prod's Redis paused 400 ms under each of five webhooks (re-sends
        # of #3, changing nothing), so user traffic is slower than probes and scrapes
        for _ in range(5):
            self.redis["prod"].command("CLIENT", "PAUSE", 400, "WRITE")
            self.issue(prod, "edited", 3, "checkout", "high", T - 900, T - 900)
        # refused webhooks: a bad signature, and staging's Redis down for a moment (503s);
        # its probes answer 503 meanwhile (asked as Prometheus's tools do: /-/ready)
        status, body = self.github(prod, issue("edited", number=1), secret="wrong")
        self.assertEqual(status, 401)
        self.redis["staging"].stop()
        wait_for(lambda: staging.request("GET", "/-/ready")[0] == 503, timeout=30, what="not ready")
        for n in (11, 12, 13):
            status, body = self.github(staging, issue("opened", number=n))
            self.assertEqual(status, 503, body)
        # meanwhile Prometheus sees that replica's Redis down: KaizenRedisDown's expression
        redis_down = [r for r in self.rule_list() if r.get("name") == "KaizenRedisDown"
                      and "== 0" in r["query"]]
        self.assertEqual(len(redis_down), 1)
        wait_for(lambda: {m["instance"] for m, _ in self.query(redis_down[0]["query"])}
                 == {staging.instance}, timeout=30, what="KaizenRedisDown for staging's replica")
        self.redis["staging"].start()
        wait_for(lambda: staging.request("GET", "/-/ready")[0] == 200, timeout=60, what="ready again",
                 interval=0.2)
        # a reload refused: staging's templates broken
        with open(os.path.join(self.templates, "digest_header.mustache"), "w") as f:
            f.write("{{#unclosed}}\n")
        self.assertEqual(staging.request("POST", "/-/reload")[0], 500)
        t.reload_failed.add(staging.instance)
        # a digest to staging's wrong Slack URL: dead-lettered too
        before = len(self.slack["staging"].received("/slack"))
        self.assertEqual(staging.json("POST", "/api/digest")[0], 202)
        self.slack["staging"].wait_for(before + 1, "/slack")

        # --- quiet: the outbox drained, every replica's last counts scraped
        wait_for(lambda: all(g.json("GET", "/api/outbox")[1]["pending"] == 0 for g in (prod, staging))
                 and self.slack["prod"].received("/slack"), timeout=60, what="the outboxes drained",
                 interval=0.5)
        t.sent = {"prod": len(self.slack["prod"].received("/slack")), "staging": 0}
        t.dead = {"prod": 0, "staging": len(self.slack["staging"].received("/slack"))}
        done = time.time()
        wait_for(lambda: self.scraped_after(done + 0.2) and self.redis_state_scraped(),
                 timeout=60, what="the final state scraped from every replica")
        # increase() extrapolates by at most 1.1 scrape intervals past the last
        # sample: over a span of 15 s or more, by at most 1.1/13.9 (8 %).
        while time.time() < born + 15:
            time.sleep(0.2)
        at = round(time.time(), 3)
        self.factor = 1 + 1.1 * SCRAPE / (at - born - 1.1 * SCRAPE)
        self.latency = {g.instance: samples(g.metrics()) for g in self.gws}
        self.check_dashboard(at)
        self.check_rules(at)
        self.check_alerts()
        print("real Prometheus: %.0f s of traffic, %d queries checked, factor %.4f"
              % (at - traffic_start, self.checked, self.factor))

    # ------------------------------------------------------------ waits

    def every_replica_has_zero_series(self, pairs):
        got = self.query('kaizen_ticket_seconds_count == 0')
        seen = {}
        for m, _ in got:
            key = (m["namespace"], m["component"], m["severity"])
            seen[key] = seen.get(key, 0) + 1
        need = {"prod": 2, "staging": 1}
        return all(seen.get(p, 0) == need[p[0]] for p in pairs)

    def redis_state_scraped(self):
        """Every replica's last scrape shows the final Redis totals."""
        want = {}
        for (ns, c, s), p in self.truth.pairs.items():
            want[(ns, c, s, "kaizen_ticket_seconds_count")] = len(p["resolve"])
            want[(ns, c, s, "kaizen_ticket_ack_seconds_count")] = len(p["ack"])
            want[(ns, c, s, "kaizen_ticket_reopened_total")] = p["reopened"]
        got = {}
        for name in ("kaizen_ticket_seconds_count", "kaizen_ticket_ack_seconds_count",
                     "kaizen_ticket_reopened_total"):
            for m, v in self.query(name):
                got.setdefault((m["namespace"], m["component"], m["severity"], name), set()).add(v)
        if any(got.get(k) != {float(v)} for k, v in want.items()):
            return False
        dead = {m["namespace"]: v for m, v in self.query("max by (namespace) (kaizen_outbox_dead)")}
        return dead == {ns: float(n) for ns, n in self.truth.dead.items()}

    def rule_list(self):
        return [r for g in self.api("rules")["groups"] for r in g["rules"]]

    # ------------------------------------------------------------ comparing

    def compare(self, where, got, want, kind, strict=False):
        """got: [(labels, value)]; want: {key: truth} with key the label values the
        panel groups by. kind: exact | count (extrapolated, never below) | within
        (truth is a (lo, hi) pair) | ratio (within the extrapolation factor either
        way). Keys not in want must be 0, or with strict
        (a rule: a series is an alert) not be there at all."""
        self.checked += 1
        keys = lambda labels: tuple(labels.get(k, "") for k in self.key_labels)
        values = {}
        for labels, v in got:
            self.assertNotIn(keys(labels), values, "%s: two series for %r" % (where, keys(labels)))
            values[keys(labels)] = v
        for key, truth in want.items():
            if isinstance(truth, Maybe):
                if key not in values:
                    continue
                truth = truth.value
            self.assertIn(key, values, "%s: no series %r (got %r)" % (where, key, values))
            v = values[key]
            if truth is None:
                self.assertTrue(math.isnan(v), "%s %r: %r, want no value (NaN)" % (where, key, v))
            elif kind == "exact":
                self.assertAlmostEqual(v, truth, delta=1e-9 * max(1, abs(truth)) + 1e-9,
                                       msg="%s %r" % (where, key))
            elif kind == "count":
                self.assertTrue(truth - 1e-9 <= v <= truth * self.factor + 1e-9,
                                "%s %r: %r, want %r (to %r)" % (where, key, v, truth, truth * self.factor))
            elif kind == "ratio":
                self.assertTrue(truth / self.factor - 1e-9 <= v <= truth * self.factor + 1e-9,
                                "%s %r: %r, want %r" % (where, key, v, truth))
            elif kind == "within":
                self.assertTrue(truth[0] - 1e-9 <= v <= truth[1] + 1e-9,
                                "%s %r: %r, want within %r" % (where, key, v, truth))
        for key, v in values.items():
            if key not in want:
                self.assertTrue(not strict and (v == 0 or math.isnan(v)),
                                "%s: unexpected %r = %r" % (where, key, v))

    # ------------------------------------------------------------ the dashboard

    def selection(self, namespace):
        return [ns for ns in ("prod", "staging") if namespace in (ns, ".*")]

    def per_component(self, nss, fn):
        out = {}
        for (ns, c, s), p in self.truth.pairs.items():
            if ns in nss:
                out.setdefault(c, []).append(p)
        return {(c,): fn(ps) for c, ps in out.items()}

    def mean(self, ps, key):
        xs = [x for p in ps for x in p[key]]
        return sum(xs) / len(xs) if xs else None

    def ack_bounds(self, ps):
        xs = [x for p in ps for x in p["ack"]]
        if not xs:
            return None
        return (sum(lo for lo, _ in xs) / len(xs), sum(hi for _, hi in xs) / len(xs))

    def attainment(self, ps):
        met, breached = sum(p["met"] for p in ps), sum(p["breached"] for p in ps)
        return met / (met + breached) if met + breached else None

    def quantile(self, q):
        """A component's time-to-resolve quantile: each ticket pair's buckets are
        extrapolated by their own factor (born at their own scrape; the panel takes
        the max over a namespace's replicas)."""
        return lambda ps: extrapolated_range(q, [buckets_of(p["resolve"]) for p in ps], self.factor)

    def panel_truth(self, title, ref, namespace):
        """(labels the answer is keyed by, {key: truth}, kind[, routes left out of the
        comparison]) of one panel target."""
        t, nss = self.truth, self.selection(namespace)
        gws = [g for g in self.gws if g.namespace in nss]
        insts = {g.instance for g in gws}
        comp = lambda fn, kind: (["component"], self.per_component(nss, fn), kind)
        reqs = {}
        for (ns, inst, route, code), n in t.requests.items():
            if ns in nss:
                reqs[(route, code)] = reqs.get((route, code), 0) + n
        user = {k: n for k, n in reqs.items()}
        errors = sum(n for (route, code), n in user.items() if code.startswith("5"))
        canaries = {k: v for k, v in t.canaries.items() if k[0] in nss}
        # A component's pairs were born at different scrapes: their extrapolation
        # factors differ a little, so a mean over several pairs is a ratio within them.
        if title == "MTTA by component" or title.startswith("MTTA trend"):
            widen = lambda b: b and (b[0] / self.factor, b[1] * self.factor)
            return (["component"], {k: widen(v) for k, v in self.per_component(nss, self.ack_bounds).items()},
                    "within")
        if title == "MTTR by component" or title.startswith("MTTR trend"):
            return comp(lambda ps: self.mean(ps, "resolve"), "ratio")
        if title.startswith("SLA attainment"):
            return comp(self.attainment, "ratio")
        if title in ("Reopened tickets by component", "Reopened tickets per day"):
            return comp(lambda ps: sum(p["reopened"] for p in ps), "count")
        if title == "MTTR p50 and p90 by component":
            return comp(self.quantile({"A": 0.5, "B": 0.9}[ref]), "within")
        if title == "Open tickets by component":
            return ["component"], t.open_counts(nss, 0), "exact"
        if title == "Open tickets by severity":
            return ["severity"], t.open_counts(nss, 1), "exact"
        if title == "SLA breaches by component":
            out = {}
            for (ns, c), n in t.breached(nss, self.at).items():
                out[(c,)] = out.get((c,), 0) + n
            return ["component"], out, "exact"
        if title == "Active canaries":
            return [], {(): len(canaries)}, "exact"
        if title == "Canary age":
            return (["deployment", "environment"],
                    {(cid, env): self.at - start for (ns, cid), (env, start, _) in canaries.items()},
                    "exact")
        if title == "Canary budget used":
            return (["deployment", "environment"],
                    {(cid, env): (self.at - start) / budget
                     for (ns, cid), (env, start, budget) in canaries.items()}, "exact")
        if title == "Canary pages":
            pages = sum(1 for (ns, cid), (env, start, budget) in canaries.items()
                        if self.at - start > budget)
            return [], {(): pages}, "count"
        if title == "Webhooks by result":
            out = {}
            for (ns, source, result), n in t.webhooks.items():
                if ns in nss:
                    out[(source, result)] = out.get((source, result), 0) + n / self.window
            return ["source", "result"], out, "count"
        if title == "Notifications by sink and result":
            return (["sink", "result"], {("slack", "sent"): sum(t.sent[ns] for ns in nss) / self.window,
                                         ("slack", "dead"): sum(t.dead[ns] for ns in nss) / self.window},
                    "count")
        if title == "Outbox pending and dead letters":
            return [], {(): sum(t.dead[ns] for ns in nss) if ref == "B" else 0}, "exact"
        if title == "Dead letters":
            return [], {(): sum(t.dead[ns] for ns in nss)}, "exact"
        if title == "Outbox pending":
            return [], {(): 0}, "exact"
        if title == "p95 request latency":
            p95 = self.latency_quantile(0.95, insts)
            if "prod" in nss:   # the slow webhooks make the route filter tell
                everything = self.latency_quantile(0.95, insts, probes=True)
                self.assertTrue(everything[1] < p95[0] * 0.9 or everything[0] > p95[1] * 1.1,
                                (everything, p95))
            return [], {(): p95}, "within"
        if title == "Requests by route and code":   # scrapes and probes are Prometheus's, not ours
            return ["route", "code"], {k: n / self.window for k, n in user.items()}, "count", PROBES
        if title == "5xx error ratio":
            return [], {(): errors / sum(user.values())}, "ratio"
        if title == "Redis up":
            return [], {(): 1}, "exact"
        if title == "Redis up per replica":
            return ["instance"], {(i,): 1 for i in insts}, "exact"
        if title == "Replicas":
            if ref == "A":
                return ["instance", "version"], {(i, self.version): 1 for i in insts}, "exact"
            if ref == "B":
                return ["instance"], {(g.instance,): (1 << 20, 1 << 31) for g in gws}, "within"
            return ["instance"], {(g.instance,): (math.floor(g.started) * 1000, g.started * 1000 + 30000)
                                  for g in gws}, "within"
        return None

    def latency_quantile(self, q, insts, probes=False):
        """(least, most) histogram_quantile of the user routes' latency buckets (with
        probes: every route's), summed over replicas as the replicas' /metrics have
        them, each replica's route extrapolated by its own factor."""
        series = {}     # (replica, labels but le) -> {le: cumulative count}
        for inst in insts:
            for (name, labels), v in self.latency[inst].items():
                d = dict(labels)
                if name == "kaizen_http_request_duration_seconds_bucket" and \
                        (probes or d["route"] not in PROBES):
                    key = (inst, tuple(kv for kv in labels if kv[0] != "le"))
                    series.setdefault(key, {})[float(d["le"])] = v
        les = sorted(next(iter(series.values())))
        vectors = []
        for cum in series.values():
            self.assertEqual(sorted(cum), les, "one set of latency buckets")
            vectors.append([cum[le] - (cum[les[i - 1]] if i else 0) for i, le in enumerate(les)])
        return extrapolated_range(q, vectors, self.factor, les[:-1])

    def substitute(self, expr, job, namespace):
        return (expr.replace("$__rate_interval", "10m").replace("$__range", "1h")
                .replace("$job", job).replace("$namespace", namespace))

    def check_dashboard(self, at):
        self.at, self.window, self.checked = at, 600.0, 0
        with open(DASHBOARD, encoding="utf-8") as f:
            dash = json.load(f)
        targets = [(p["title"], tg["refId"], tg["expr"]) for p in dash["panels"]
                   for tg in p.get("targets", [])]
        self.assertGreater(len(targets), 25)
        for job, namespace in ((JOB, "prod"), (JOB, "staging"), (".*", ".*")):
            for title, ref, expr in targets:
                truth = self.panel_truth(title, ref, namespace)
                self.assertIsNotNone(truth, "no truth for panel %r: add one to this test" % title)
                self.key_labels, want, kind = truth[:3]
                got = self.query(self.substitute(expr, job, namespace), at=at)
                if len(truth) > 3:
                    got = [(m, v) for m, v in got if m.get("route") not in truth[3]]
                self.compare("panel %r %s ($namespace=%s)" % (title, ref, namespace), got, want, kind)

    # ------------------------------------------------------------ the rules

    def slo_ratio(self, ns, errors):
        """The SLI of ns from the test's own request log (errors) or from its
        replicas' histograms (slow: not in the le=0.5 bucket)."""
        if errors:
            user = {k: n for k, n in self.truth.requests.items() if k[0] == ns}
            return sum(n for k, n in user.items() if k[3].startswith("5")) / sum(user.values())
        fast = total = 0
        for g in self.gws:
            if g.namespace != ns:
                continue
            for (name, labels), v in self.latency[g.instance].items():
                d = dict(labels)
                if d.get("route") in PROBES or d.get("route") is None:
                    continue
                if name == "kaizen_http_request_duration_seconds_bucket" and d["le"] == "0.5":
                    fast += v
                if name == "kaizen_http_request_duration_seconds_count":
                    total += v
        return 1 - fast / total

    def rule_truth(self, rule):
        """(labels the answer is keyed by, {key: truth}, kind) of one rule's expression."""
        t, name = self.truth, rule["name"]
        if name.startswith("job:kaizen_http_request_errors:"):
            return ["job", "namespace"], {(JOB, ns): self.slo_ratio(ns, True) for ns in ("prod", "staging")}, "ratio"
        if name.startswith("job:kaizen_http_request_slow:"):
            return ["job", "namespace"], {(JOB, ns): self.slo_ratio(ns, False) for ns in ("prod", "staging")}, "ratio"
        if name in ("KaizenAvailabilityBudgetBurn", "KaizenLatencyBudgetBurn"):
            rate, budget = map(float, re.search(r"\(\s*([\d.]+)\s*\*\s*([\d.]+)\s*\)",
                                                 rule["query"]).groups())
            errors = name == "KaizenAvailabilityBudgetBurn"
            ratios = {ns: self.slo_ratio(ns, errors) for ns in ("prod", "staging")}
            # a ratio within the extrapolation factor of the threshold may fall either side
            return (["job", "namespace"],
                    {(JOB, ns): r if r > rate * budget * self.factor else Maybe(r)
                     for ns, r in ratios.items() if r * self.factor > rate * budget}, "ratio")
        if name == "KaizenRedisDown":
            return ["instance"], {}, "exact"       # every replica's Redis is up again
        if name == "KaizenOutboxDeadLettersGrowing":
            return ["job", "namespace"], {(JOB, ns): n for ns, n in t.dead.items() if n}, "exact"
        if name == "KaizenOutboxBacklog":
            return ["job", "namespace"], {}, "exact"
        if name == "KaizenSLABreachesRising":
            return (["job", "namespace", "component"],
                    {(JOB, ns, c): n for (ns, c), n in t.breached(("prod", "staging"), self.at).items()},
                    "exact")
        if name == "KaizenSLAAttainmentLow":
            out = {}
            for ns in ("prod", "staging"):
                for (c,), ps in self.group_pairs(ns).items():
                    a, n = self.attainment(ps), sum(len(p["resolve"]) for p in ps)
                    if n >= 5 and a < 0.9:
                        out[(JOB, ns, c)] = a
            return ["job", "namespace", "component"], out, "ratio"
        if name == "KaizenConfigReloadFailed":
            return ["instance"], {(i,): 0 for i in t.reload_failed}, "exact"
        if name == "CanaryDeploymentTimeout":
            return (["namespace", "deployment", "environment"],
                    {(ns, cid, env): self.at - start for (ns, cid), (env, start, budget)
                     in t.canaries.items() if self.at - start > budget}, "exact")
        return None

    def group_pairs(self, ns):
        out = {}
        for (n, c, s), p in self.truth.pairs.items():
            if n == ns:
                out.setdefault((c,), []).append(p)
        return out

    def check_rules(self, at):
        rules = self.rule_list()
        self.assertGreaterEqual(len(rules), 20)
        records = {r["name"]: r["query"] for r in rules if r["type"] == "recording"}
        for rule in rules:
            self.assertNotEqual(rule.get("health"), "err", rule)
            truth = self.rule_truth(rule)
            self.assertIsNotNone(truth, "no truth for rule %r: add one to this test" % rule["name"])
            self.key_labels, want, kind = truth
            expr = rule["query"]
            # an alert reads recordings of its group: asked here with their definitions
            for record, definition in records.items():
                expr = re.sub(r"(?<![\w:])%s(?![\w:])" % re.escape(record), "(%s)" % definition, expr)
            got = self.query(expr, at=at)
            self.compare("rule %s %r" % (rule["name"], rule["query"][:60]), got, want, kind,
                         strict=True)

    def check_alerts(self):
        """Prometheus's own evaluation (the 1 s groups): what is pending or firing
        now is what the truth says, with its deployment's labels."""
        want = set()
        for (ns, c) in self.truth.breached(("prod", "staging"), time.time()):
            want.add(("KaizenSLABreachesRising", ns, c))
        for ns, n in self.truth.dead.items():
            if n:
                want.add(("KaizenOutboxDeadLettersGrowing", ns, ""))
        for (ns, cid), (env, start, budget) in self.truth.canaries.items():
            if time.time() - start > budget:
                want.add(("CanaryDeploymentTimeout", ns, cid))
        for ns in ("prod", "staging"):
            for (c,), ps in self.group_pairs(ns).items():
                if sum(len(p["resolve"]) for p in ps) >= 5 and self.attainment(ps) < 0.9:
                    want.add(("KaizenSLAAttainmentLow", ns, c))
        for inst in self.truth.reload_failed:
            want.add(("KaizenConfigReloadFailed", "staging", ""))
        slow = {"KaizenAvailabilityBudgetBurn", "KaizenLatencyBudgetBurn"}   # 1m groups

        def alerts():
            return {(a["labels"]["alertname"], a["labels"].get("namespace", ""),
                     a["labels"].get("component") or a["labels"].get("deployment") or "")
                    for a in self.api("alerts")["alerts"] if a["labels"]["alertname"] not in slow}
        wait_for(lambda: alerts() == want, timeout=30,
                 what="Prometheus's alerts %r == %r" % (alerts(), want))


if __name__ == "__main__":
    harness.main()
