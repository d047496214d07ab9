"""Test harness: a real redis-server and the real gateway binary on free
loopback ports in a temp dir, driven over real HTTP. Standard library only."""

import faulthandler
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

BIN = os.environ.get("KAIZEN_BIN", "build/kaizen-gateway")
SOURCE_DIR = os.environ.get("KAIZEN_SOURCE_DIR", os.getcwd())
SECRET = "It's a Secret to Everybody"

# The server the suites run against: "redis" (redis-server, redis-cli,
# redis-sentinel) or "valkey" (valkey-server, ...). scripts/test runs the
# suites once per engine where both are packaged (Debian 13).
ENGINE = os.environ.get("KAIZEN_TEST_ENGINE", "redis")
if ENGINE not in ("redis", "valkey"):
    raise SystemExit("KAIZEN_TEST_ENGINE must be redis or valkey, not %r" % ENGINE)


def engine_bin(tool, engine=None):
    """The engine's program: tool is "server", "cli" or "sentinel"."""
    return "%s-%s" % (engine or ENGINE, tool)


def engines():
    """Every engine installed here, the suite's own first."""
    found = [e for e in ("redis", "valkey") if shutil.which(engine_bin("server", e))]
    return sorted(found, key=lambda e: e != ENGINE)


def tls_built(binary=None):
    """Whether the gateway binary speaks TLS to Redis (its --version says)."""
    out = subprocess.run([binary or BIN, "--version"], stdout=subprocess.PIPE, check=True,
                         timeout=30).stdout.decode()
    return "(tls: yes" in out


def documented_acl(password, user="kaizen"):
    """The arguments of docs/redis.md's ACL SETUSER line (between its acl
    markers) for user with password: the tests run on what users are told."""
    with open(os.path.join(SOURCE_DIR, "docs", "redis.md")) as f:
        text = f.read()
    block = text.split("<!-- acl: begin -->", 1)[1].split("<!-- acl: end -->", 1)[0]
    line = next(l for l in block.splitlines() if l.startswith("ACL SETUSER "))
    args = line.split()[2:]
    assert args[0] == "kaizen" and ">PASSWORD" in args, line
    return [user] + [">" + password if a == ">PASSWORD" else a for a in args[1:]]


def tls_client(tls):
    """An SSL context for the tests' own connections to a TLS server: encrypted,
    with the client certificate when the server wants one, but trusting any
    server certificate (what is tested is the gateway's checking, not ours)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if tls.get("client_cert"):
        ctx.load_cert_chain(tls["client_cert"], tls["client_key"])
    return ctx


def tls_args(tls):
    """A server's TLS options: tls = {"cert", "key", "ca", "auth_clients"}."""
    return ["--tls-cert-file", tls["cert"], "--tls-key-file", tls["key"],
            "--tls-ca-cert-file", tls["ca"],
            "--tls-auth-clients", "yes" if tls.get("auth_clients") else "no"]

# Watchdog: a hung test fails loudly instead of hanging CI.
faulthandler.dump_traceback_later(int(os.environ.get("KAIZEN_TEST_WATCHDOG", "300")), exit=True)

# Time. Every timestamp a test sends or expects is computed from the clock at
# the start of the test process, never written as a calendar date: the
# gateway compares them with its own clock (SLA deadlines, the 7-day default
# listing, retention), so a fixed date expires. T0, the fixtures' origin, is a
# day ago: offsets of hours from it stay in the past and inside the 7 days.
MINUTE, HOUR, DAY = 60, 3600, 86400
NOW = int(time.time())
T0 = NOW - DAY


# The one literal year left: Alertmanager sends Go's zero time as the endsAt
# of a firing alert. It is a protocol value, never compared with a clock.
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def rfc3339(t):
    """RFC 3339 (UTC, whole seconds) of a Unix time."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def at(offset=0):
    """RFC 3339 of T0 + offset seconds: the fixtures' clock."""
    return rfc3339(T0 + offset)


def now(offset=0):
    """RFC 3339 of the real clock + offset seconds, for times the gateway
    measures while the test runs (canary budgets, alert durations)."""
    return rfc3339(time.time() + offset)


def clean_env(**env):
    """An environment for the binary: PATH, the sanitizers' options, the
    faked clock of tests/calendar/at.sh and env, nothing else (the test
    runner's own KAIZEN_BIN, KAIZEN_SOURCE_DIR, ... are no gateway
    variables: --check-config would call them typos)."""
    out = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "LD_PRELOAD", "FAKETIME"):
        if k in os.environ:
            out[k] = os.environ[k]
    out.update(env)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisReplyError(RuntimeError):
    """An error reply from Redis. transient: one that goes away by itself
    (a server loading its data, busy with a script, or between primaries)."""

    TRANSIENT = ("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN")

    @property
    def transient(self):
        return str(self).split(" ", 1)[0] in self.TRANSIENT


def wait_for(predicate, timeout=30.0, interval=0.05, what="condition"):
    """Polls predicate until it is truthy (returned) or timeout seconds pass:
    a generous bound, since a loaded machine is slow but never wrong. A
    connection that fails, or a transient Redis error, counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, http.client.HTTPException):
            pass
        except RedisReplyError as e:
            if not e.transient:
                raise
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


class Redis:
    """A throwaway server of the engine (redis-server or valkey-server) with a
    minimal RESP client; with tls (see tls_args), it listens with TLS only."""

    def __init__(self, appendonly=True, engine=None, tls=None, port=None):
        self.dir = tempfile.mkdtemp(prefix="kz-redis-")
        self.port = port or free_port()
        self.appendonly = appendonly
        self.engine = engine or ENGINE
        self.tls = tls
        self.proc = None
        self.start()

    def start(self):
        listen = ["--port", str(self.port)]
        if self.tls:
            listen = ["--port", "0", "--tls-port", str(self.port)] + tls_args(self.tls)
        args = [engine_bin("server", self.engine)] + listen + [
            "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
            "--appendonly", "yes" if self.appendonly else "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.command("PING") == "PONG", what=self.engine)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return "%s://127.0.0.1:%d/0" % ("rediss" if self.tls else "redis", self.port)

    def command(self, *args):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw, \
                (tls_client(self.tls).wrap_socket(raw) if self.tls else raw) as s:
            out = b"*%d\r\n" % len(args)
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            return _read_resp(s.makefile("rb"))

    def snapshot(self, include_timers=False):
        """Every gateway key with its type, value and whether it expires.
        Digest-window claims and the outbox (written by timers on their
        own schedule) are left out unless include_timers is set."""
        state = {}
        for key in sorted(self.command("KEYS", "{kz}:*")):
            if not include_timers and key.startswith(("{kz}:digest", "{kz}:outbox:")):
                continue
            kind = self.command("TYPE", key)
            if kind == "hash":
                flat = self.command("HGETALL", key)
                value = sorted(zip(flat[::2], flat[1::2]))
            elif kind == "zset":
                value = self.command("ZRANGE", key, 0, -1, "WITHSCORES")
            elif kind == "string":
                value = self.command("GET", key)
            elif kind == "list":
                value = self.command("LRANGE", key, 0, -1)
            else:
                value = kind
            state[key] = (kind, value, self.command("TTL", key) >= 0)
        return state


def _read_resp(f):
    line = f.readline()
    if not line:
        raise OSError("redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisReplyError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_resp(f) for _ in range(n)]
    raise OSError("bad RESP line %r" % line)


def timers_away(tz="UTC", now=None):
    """KAIZEN_DIGEST_AT and KAIZEN_REPORT_AT as far from now as they go: the
    daily digest 12 h ahead and the weekly report 3.5 days ahead, in the time
    zone tz. A gateway started with them posts neither for 11 h, whatever the
    day and hour the suite runs (a fixed "00:00" or the default "mon 09:00"
    would post within its catch-up grace on some days and hours)."""
    t = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError, OSError):   # a test of a bad KAIZEN_TIMEZONE
        zone = timezone.utc
    digest = (t + timedelta(hours=12)).astimezone(zone)
    report = (t + timedelta(days=3, hours=12)).astimezone(zone)
    return {"KAIZEN_DIGEST_AT": digest.strftime("%H:%M"),
            "KAIZEN_REPORT_AT": "%s %s" % (("mon", "tue", "wed", "thu", "fri", "sat", "sun")[report.weekday()],
                                           report.strftime("%H:%M"))}


class Gateway:
    """The real binary, configured through its environment."""

    def __init__(self, redis_url, binary=None, **env):
        self.binary = binary or BIN
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="kz-gw-")
        self.log_path = os.path.join(self.dir, "gateway.log")
        self.env = clean_env(**{
            "KAIZEN_LISTEN": "127.0.0.1:%d" % self.port,
            "KAIZEN_REDIS_URL": redis_url,
            "KAIZEN_GITHUB_SECRET": SECRET,
            "KAIZEN_DRY_RUN": "1",
            "KAIZEN_TEMPLATES_DIR": os.path.join(SOURCE_DIR, "templates"),
            "KAIZEN_LOG_LEVEL": "debug",
            # Timers stay out of the way unless a test asks for them.
            "KAIZEN_CHECK_EVERY": "3600s",
            **timers_away(env.get("KAIZEN_TIMEZONE") or "UTC"),
        })
        self.env.update({k: str(v) for k, v in env.items() if v is not None})
        for k, v in env.items():
            if v is None:
                self.env.pop(k, None)
        self.proc = None
        self.start()

    def start(self, wait_ready=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary], env=self.env, stdout=self.log, stderr=self.log)
        try:
            wait_for(lambda: self.request("GET", "/healthz")[0] == 200, what="gateway /healthz")
            if wait_ready:
                wait_for(lambda: self.request("GET", "/readyz")[0] == 200, what="gateway /readyz")
        except AssertionError as e:
            raise AssertionError("%s; exit code %r; its log ends:\n%s"
                                 % (e, self.proc.poll(), self.read_log()[-3000:])) from None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the process; returns its exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
        self.proc = None
        return rc

    def close(self):
        rc = self.stop()
        log = self.read_log()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc, log

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), data
        finally:
            conn.close()

    def json(self, method, path, **kw):
        status, headers, data = self.request(method, path, **kw)
        return status, json.loads(data) if data else None

    def tickets(self, query="", timeout=10):
        status, body = self.json("GET", "/api/tickets" + query, timeout=timeout)
        assert status == 200, (status, body)
        return body["tickets"]

    def all_tickets(self, query="", limit=1000):
        """Every page of /api/tickets (following next_cursor); returns (tickets, pages)."""
        tickets, pages, cursor = [], 0, None
        while pages < 10000:
            sep = "&" if query else "?"
            path = "/api/tickets%s%slimit=%d" % (query, sep, limit)
            if cursor is not None:
                path += "&cursor=" + cursor
            status, body = self.json("GET", path)
            assert status == 200, (status, body)
            tickets += body["tickets"]
            pages += 1
            cursor = body.get("next_cursor")
            if cursor is None:
                return tickets, pages
        raise AssertionError("more than 10000 pages")

    def metrics(self):
        status, _, data = self.request("GET", "/metrics")
        assert status == 200
        return data.decode()

    def sample(self, name, **labels):
        """Value of the sample of /metrics with exactly these labels (in any
        order), or None if there is none."""
        return samples(self.metrics()).get((name, tuple(sorted(labels.items()))))

    def metric(self, name, **labels):
        """Value of one sample in /metrics, or 0 if absent."""
        value = self.sample(name, **labels)
        return 0.0 if value is None else value

    def wait_metric(self, name, value, timeout=30, **labels):
        """Waits until the sample exists with value. The families read from
        Redis (tickets, the Kaizen measures, canaries, the outbox) are
        refreshed on a timer (every 5 s), on every replica alike."""
        wait_for(lambda: self.sample(name, **labels) == value, timeout=timeout,
                 what="%s%r == %r (now %r)" % (name, labels, value, self.sample(name, **labels)))

    def github(self, event, payload, delivery=None, secret=SECRET, content_type="application/json",
               raw=None, extra_headers=None, timeout=10):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {
            "Content-Type": content_type,
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(body, secret),
        }
        headers.update(extra_headers or {})
        headers = {k: v for k, v in headers.items() if v is not None}
        status, _, data = self.request("POST", "/webhooks/github", body=body, headers=headers,
                                       timeout=timeout)
        return status, json.loads(data) if data else None


_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text):
    """The samples of a text exposition: {(name, sorted label pairs): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        name, _, labels = series.partition("{")
        pairs = tuple(sorted((k, re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v))
                             for k, v in _LABEL.findall(labels)))
        out[(name, pairs)] = float(value)
    return out


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def issue(action="opened", number=42, title="Checkout fails", labels=(), state="open",
          created=None, updated=None, closed=None, repo="octo-org/api"):
    """An `issues` delivery; created and updated default to T0."""
    created = created or at()
    updated = updated or at()
    return {
        "action": action,
        "issue": {
            "number": number, "title": title, "state": state,
            "html_url": "https://github.com/%s/issues/%d" % (repo, number),
            "created_at": created, "updated_at": updated, "closed_at": closed,
            "labels": [{"name": n} for n in labels],
        },
        "repository": {"full_name": repo, "name": repo.split("/")[1]},
        "sender": {"login": "octocat"},
    }


def close_gateways(test, gateways):
    """Closes every gateway of a test: each must have exited 0 (or been stopped by the
    test) with no sanitizer report."""
    for gw in gateways:
        rc, log = gw.close()
        test.assertIn(rc, (0, None), log[-3000:])
        test.assertNotIn("AddressSanitizer", log)


class GatewayTest(unittest.TestCase):
    """One Redis and one gateway per test class; more where a test needs them."""

    gateway_env = {}

    @classmethod
    def setUpClass(cls):
        cls.redis = Redis()
        cls.gw = Gateway(cls.redis.url, **cls.gateway_env)

    @classmethod
    def tearDownClass(cls):
        rc, log = cls.gw.close()
        cls.redis.close()
        if rc != 0:
            sys.stderr.write(log[-4000:])
        assert rc == 0, "gateway exited with %r" % rc
        assert "runtime error" not in log and "AddressSanitizer" not in log, log[-4000:]

    def setUp(self):
        self.redis.command("FLUSHDB")


def main():
    unittest.main(verbosity=2)
