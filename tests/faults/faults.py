"""Fault campaign helpers: real server, Sentinel and Cluster processes of the
engine under test (redis-server or valkey-server, KAIZEN_TEST_ENGINE) on
loopback, in plaintext or TLS only, webhook load with every answer recorded,
and the figures each fault test prints (acknowledged, stored, 503s, lost,
recovery). Every loop is bounded in count and in time."""

import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from harness import (ENGINE, Gateway, Redis, _read_resp, engine_bin, free_port, issue,  # noqa: E402
                     tls_args, tls_client, wait_for)

UNKNOWN = "outcome unknown; redelivery is safe"


def command(port, *args, password=None, tls=None, timeout=5):
    """One command on a fresh connection (TLS with tls; AUTH first when password is set)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw, \
            (tls_client(tls).wrap_socket(raw) if tls else raw) as s:
        f = s.makefile("rb")
        for cmd in ([("AUTH", password)] if password else []) + [args]:
            out = b"*%d\r\n" % len(cmd)
            for a in cmd:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            reply = _read_resp(f)
        return reply


class Node:
    """A server of the engine of its own in a temp dir; with tls (see
    harness.tls_args) it listens, replicates and talks to its cluster over
    TLS only; acl: ACL SETUSER arguments applied at every start (ACL users
    are per node and not kept across a restart)."""

    def __init__(self, *extra, password=None, port=None, tls=None, acl=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="kz-node-")
        self.password = password
        self.tls = tls
        self.acl = acl
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        listen = ["--port", str(self.port)]
        if self.tls:
            listen = ["--port", "0", "--tls-port", str(self.port), "--tls-replication", "yes"] + \
                tls_args(self.tls)
            if "--cluster-enabled" in self.extra:
                listen += ["--tls-cluster", "yes"]
        args = [engine_bin("server")] + listen + [
            "--bind", "127.0.0.1", "--dir", self.dir,
            "--save", "", "--appendonly", "yes", "--protected-mode", "no"] + self.extra
        if self.password:
            args += ["--requirepass", self.password, "--masterauth", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, timeout=30, what="%s %d" % (ENGINE, self.port))
        if self.acl:
            self.cmd("ACL", "SETUSER", *self.acl)

    def answers(self):
        return self.cmd("PING") == "PONG"   # LOADING while it reads its AOF: wait_for retries

    def cmd(self, *args):
        return command(self.port, *args, password=self.password, tls=self.tls)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def close(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Sentinels:
    """A primary, a replica and three Sentinels monitoring them as `kzmain`.
    With tls every process speaks TLS only (replication and the Sentinels'
    own links too). user (name, password): the gateway's ACL user on the
    data nodes, with docs/redis.md's command list; sentinel_user likewise
    on the Sentinels, with SENTINEL_ACL's."""

    MASTER = "kzmain"
    # What the gateway asks a Sentinel: the primary's address, and +switch-master.
    SENTINEL_ACL = ["resetchannels", "&+switch-master", "-@all", "+ping",
                    "+sentinel|get-master-addr-by-name", "+subscribe"]

    def __init__(self, password=None, sentinel_password=None, tls=None, user=None,
                 sentinel_user=None):
        from harness import documented_acl
        self.password, self.sentinel_password = password, sentinel_password
        self.tls, self.user, self.sentinel_user = tls, user, sentinel_user
        acl = documented_acl(user[1], user[0]) if user else None
        self.primary = Node(password=password, tls=tls, acl=acl)
        self.replica = Node("--replicaof", "127.0.0.1", str(self.primary.port), password=password,
                            tls=tls, acl=acl)
        wait_for(lambda: "master_link_status:up" in self.replica.cmd("INFO", "replication"),
                 timeout=30, what="replica in sync")
        self.sentinels = []
        for _ in range(3):
            port = free_port()
            d = tempfile.mkdtemp(prefix="kz-sentinel-")
            conf = os.path.join(d, "sentinel.conf")
            listen = ["port %d" % port]
            if tls:
                listen = ["port 0", "tls-port %d" % port, "tls-replication yes",
                          "tls-cert-file %s" % tls["cert"], "tls-key-file %s" % tls["key"],
                          "tls-ca-cert-file %s" % tls["ca"], "tls-auth-clients no"]
            lines = listen + ["bind 127.0.0.1", "dir %s" % d, "protected-mode no",
                     "sentinel monitor %s 127.0.0.1 %d 2" % (self.MASTER, self.primary.port),
                     "sentinel down-after-milliseconds %s 1000" % self.MASTER,
                     "sentinel failover-timeout %s 10000" % self.MASTER,
                     "sentinel parallel-syncs %s 1" % self.MASTER]
            if password:
                lines.append("sentinel auth-pass %s %s" % (self.MASTER, password))
            if sentinel_password:
                lines.append("requirepass %s" % sentinel_password)
            if sentinel_user:
                lines.append("user %s on >%s %s" % (sentinel_user[0], sentinel_user[1],
                                                    " ".join(self.SENTINEL_ACL)))
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            proc = subprocess.Popen([engine_bin("sentinel"), conf], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            self.sentinels.append((port, proc, d))
        for port, _, _ in self.sentinels:
            wait_for(lambda: self.ask(port, "SENTINEL", "replicas", self.MASTER), timeout=30,
                     what="sentinel %d sees the replica" % port)
            wait_for(lambda: len(self.ask(port, "SENTINEL", "sentinels", self.MASTER)) == 2,
                     timeout=30, what="sentinel %d sees the others" % port)

    def ask(self, port, *args):
        return command(port, *args, password=self.sentinel_password, tls=self.tls)

    def url(self):
        hosts = ",".join("127.0.0.1:%d" % p for p, _, _ in self.sentinels)
        auth = "%s:%s@" % self.user if self.user else ":%s@" % self.password if self.password else ""
        return "%s://%s%s/0?master=%s" % ("rediss-sentinel" if self.tls else "redis-sentinel", auth,
                                          hosts, self.MASTER)

    def primary_port(self):
        return int(self.ask(self.sentinels[0][0], "SENTINEL", "get-master-addr-by-name",
                            self.MASTER)[1])

    def node(self, port):
        return self.primary if self.primary.port == port else self.replica

    def failover(self):
        """SENTINEL FAILOVER; returns when the Sentinels name the other node."""
        before = self.primary_port()
        self.ask(self.sentinels[0][0], "SENTINEL", "FAILOVER", self.MASTER)
        wait_for(lambda: self.primary_port() != before, timeout=60, what="failover")
        return time.monotonic()

    def close(self):
        for _, proc, d in self.sentinels:
            proc.terminate()
            proc.wait(20)
            shutil.rmtree(d, ignore_errors=True)
        self.replica.close()
        self.primary.close()


def cluster_port():
    """A free port whose cluster bus port (port + 10000) is free too."""
    import socket
    for _ in range(200):
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise AssertionError("no free port pair for a cluster node")


class Cluster:
    """Three primaries and three replicas made with the engine's cli --cluster
    create; with tls every node speaks TLS only (its bus too); user (name,
    password): the gateway's ACL user on every node, as docs/redis.md says."""

    def __init__(self, tls=None, user=None):
        from harness import documented_acl
        self.tls, self.user = tls, user
        acl = documented_acl(user[1], user[0]) if user else None
        self.nodes = [Node("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                           "--cluster-node-timeout", "2000", port=cluster_port(), tls=tls, acl=acl)
                      for _ in range(6)]
        cli_tls = ["--tls", "--cacert", tls["ca"]] if tls else []
        subprocess.run([engine_bin("cli")] + cli_tls + ["--cluster", "create"] +
                       ["127.0.0.1:%d" % n.port for n in self.nodes] +
                       ["--cluster-replicas", "1", "--cluster-yes"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        for n in self.nodes:
            wait_for(lambda: "cluster_state:ok" in n.cmd("CLUSTER", "INFO"), timeout=60,
                     what="cluster state ok on %d" % n.port)
        self.slot = self.nodes[0].cmd("CLUSTER", "KEYSLOT", "{kz}")
        wait_for(lambda: all(len(e) >= 4 for e in self.nodes[0].cmd("CLUSTER", "SLOTS")),
                 timeout=60, what="every primary has its replica")

    def url(self):
        # Two seeds only: the gateway finds the rest itself.
        auth = "%s:%s@" % self.user if self.user else ""
        return "%s://%s127.0.0.1:%d,127.0.0.1:%d" % ("rediss-cluster" if self.tls else "redis-cluster",
                                                     auth, self.nodes[0].port, self.nodes[1].port)

    def owner(self):
        """(primary, replicas) serving the {kz} slot."""
        for entry in self.nodes[0].cmd("CLUSTER", "SLOTS"):
            if entry[0] <= self.slot <= entry[1]:
                by_port = {n.port: n for n in self.nodes}
                return by_port[entry[2][1]], [by_port[r[1]] for r in entry[3:]]
        raise AssertionError("no owner of slot %d" % self.slot)

    def failover(self):
        primary, replicas = self.owner()
        wait_for(lambda: "master_link_status:up" in replicas[0].cmd("INFO", "replication"),
                 timeout=30, what="replica in sync")
        replicas[0].cmd("CLUSTER", "FAILOVER")
        wait_for(lambda: self.owner()[0] is replicas[0], timeout=60, what="cluster failover")
        return time.monotonic()

    def close(self):
        for n in self.nodes:
            n.close()


class Load:
    """Signed GitHub `issues` webhooks from a few threads, unique delivery ids,
    every answer recorded, until stop() (at most max_requests)."""

    def __init__(self, gw, threads=4, max_requests=200000, prefix="w"):
        self.gw, self.prefix, self.max = gw, prefix, max_requests
        self.lock, self.stopping = threading.Lock(), threading.Event()
        self.answers = {}          # number -> (status, body, delivery, monotonic time)
        self.sent = 0
        self.threads = [threading.Thread(target=self.run, args=(w,)) for w in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, worker):
        n = 0
        while not self.stopping.is_set():
            with self.lock:
                if self.sent >= self.max:
                    return
                self.sent += 1
            n += 1
            number = worker * 1000000 + n
            delivery = "%s%d-%d" % (self.prefix, worker, n)
            try:
                status, body = self.gw.github("issues", issue(number=number), delivery=delivery)
            except (OSError, http.client.HTTPException):
                status, body = 0, None
            with self.lock:
                self.answers[number] = (status, body, delivery, time.monotonic())

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)

    def acknowledged(self):
        return {n for n, (s, _, _, _) in self.answers.items() if s == 202}

    def unknown(self):
        return {n: a for n, a in self.answers.items()
                if a[0] == 503 and a[1] and a[1].get("error") == UNKNOWN}

    def recovery(self, since):
        """Seconds from `since` until the first 202 after the last non-202 that followed it."""
        after = sorted((t, s) for s, _, _, t in self.answers.values() if t >= since)
        last_bad = max((t for t, s in after if s != 202), default=None)
        if last_bad is None:
            return 0.0
        good = [t for t, s in after if s == 202 and t > last_bad]
        return round(good[0] - since, 2) if good else None


def stored_tickets(port, password=None, tls=None):
    ids = command(port, "HKEYS", "{kz}:ticket", password=password, tls=tls) or []
    return {int(i.rsplit("#", 1)[1]) for i in ids}


def report(name, load, stored, recovery=None, readyz_recovery=None, extra=None):
    """Prints the figures and returns the acknowledged-but-lost set (must be empty)."""
    acked = load.acknowledged()
    lost = acked - stored
    codes = {}
    for status, _, _, _ in load.answers.values():
        codes[status] = codes.get(status, 0) + 1
    figures = {"sent": len(load.answers), "acknowledged": len(acked), "stored": len(stored & set(load.answers)),
               "answered_503": codes.get(503, 0), "outcome_unknown": len(load.unknown()),
               "no_answer": codes.get(0, 0), "acknowledged_but_lost": len(lost)}
    if recovery is not None or readyz_recovery is not None:
        figures["writes_recovered_after_s"] = recovery
        figures["readyz_recovered_after_s"] = readyz_recovery
    figures.update(extra or {})
    print("FIGURES %s: %s" % (name, " ".join("%s=%s" % kv for kv in figures.items())), flush=True)
    return lost


def redeliver_unknown(gw, load):
    """Every 'outcome unknown' answer, redelivered: duplicate or accepted, never lost."""
    results = {}
    for number, (_, _, delivery, _) in load.unknown().items():
        status, body = gw.github("issues", issue(number=number), delivery=delivery)
        results[number] = (status, body and body.get("status"))
    return results


def readyz_recovery(gw, since, timeout=60):
    """Seconds from `since` until /readyz answers 200 (polled)."""
    wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, timeout=timeout, interval=0.05,
             what="readyz 200")
    return round(time.monotonic() - since, 2)


__all__ = ["Gateway", "Redis", "Node", "Sentinels", "Cluster", "Load", "stored_tickets", "report",
           "redeliver_unknown", "readyz_recovery", "command", "wait_for", "issue", "UNKNOWN"]
