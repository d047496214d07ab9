"""Shared by the bench/*.py drivers (standard library only): free ports, a
small RESP client, the gateway's scripts by SHA, a gateway process, wrk runs
and process CPU/RSS readings."""
import hashlib
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.environ.get("KAIZEN_BIN", os.path.join(ROOT, "build", "kaizen-gateway"))
SECRET = "bench-secret"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a small RESP client ------------------------------------------------------

class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.f = self.sock.makefile("rb")

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.f.readline()
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def __call__(self, *args):
        self.sock.sendall(self.encode(*args))
        return self.read()

    def pipeline(self, commands, window=64):
        """Sends commands keeping at most window unanswered; returns the replies."""
        replies, sent = [], 0
        while sent < len(commands) or len(replies) < len(commands):
            batch = commands[sent:sent + window - (sent - len(replies))]
            if batch:
                self.sock.sendall(b"".join(batch))
                sent += len(batch)
            replies.append(self.read())
        return replies


def script(name):
    """Text and SHA1 of one of the gateway's scripts as the build assembled it
    (cmake/embed_lua.cmake writes each beside the binary, in generated/lua/)."""
    with open(os.path.join(os.path.dirname(BIN), "generated", "lua", name + ".lua")) as f:
        body = f.read()
    return body, hashlib.sha1(body.encode()).hexdigest()


def ticket_keys():
    """The keys every ticket script takes first, in order: GW_TICKET_KEYS of
    gateway/store/keys.h, the one list of them."""
    with open(os.path.join(ROOT, "gateway", "store", "keys.h")) as f:
        text = f.read()
    names = dict(re.findall(r'#define (GW_KEY_\w+)\s+GW_KEY\("([^"]+)"\)', text))
    block = text[text.index("#define GW_TICKET_KEYS(X)"):]
    block = block[:block.index("\n\n")]
    return ["{kz}:" + names[key] for key in re.findall(r"X\(\w+, (GW_KEY_\w+)\)", block)]


def start_redis(tmp, port, cpus=None, extra=()):
    """A throwaway redis-server (no persistence) on port; returns the process once it answers."""
    cmd = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", tmp,
           *extra]
    if cpus is not None:
        cmd = ["taskset", "-c", cpus] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            Redis(port)("PING")
            return proc
        except (OSError, RuntimeError):
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def wait_http(port, path="/healthz", timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("nothing answered on port %d" % port)


class Gateway:
    """The gateway (dry run, warn logs, timers every second) on a free port; ready on return."""

    def __init__(self, redis_port, tmp, cpus=None, **env):
        self.port = free_port()
        self.env = {"PATH": os.environ["PATH"], "KAIZEN_LISTEN": "127.0.0.1:%d" % self.port,
                    "KAIZEN_REDIS_URL": "redis://127.0.0.1:%d" % redis_port,
                    "KAIZEN_GITHUB_SECRET": SECRET, "KAIZEN_DRY_RUN": "1",
                    "KAIZEN_LOG_LEVEL": "warn", "KAIZEN_CHECK_EVERY": "1s",
                    "KAIZEN_TEMPLATES_DIR": os.path.join(ROOT, "templates")}
        self.env.update(env)
        self.log = open(os.path.join(tmp, "gateway-%d.log" % self.port), "ab")
        cmd = [BIN] if cpus is None else ["taskset", "-c", cpus, BIN]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gateway did not become ready")

    def request(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        t = time.perf_counter()
        c.request(method, path, body=body)
        resp = c.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - t
        c.close()
        return resp.status, data, elapsed

    def get(self, path):
        return self.request("GET", path)

    def peak_rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)



def wrk(url, script_args, conns, duration, threads=1, cpus=None, script="wrk_github.lua"):
    """One wrk run; returns (requests, req/s, p50 ms, p99 ms). Fails on errors or 4xx/5xx."""
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % duration, "--timeout", "5s",
           "-s", os.path.join(HERE, script), url, "--", *script_args]
    if cpus is not None:
        cmd = ["taskset", "-c", cpus] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r"BENCH requests=(\d+) rps=([\d.]+) p50_us=(\d+) p99_us=(\d+) errors=(\d+) "
                  r"status=(\d+)", out)
    if not m or int(m.group(5)) or int(m.group(6)):
        raise RuntimeError("wrk: " + out)
    return int(m.group(1)), float(m.group(2)), int(m.group(3)) / 1000, int(m.group(4)) / 1000
