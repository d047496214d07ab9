"""A scriptable fake Slack/PagerDuty webhook receiver for integration tests.
Standard library only: a ThreadingHTTPServer on 127.0.0.1, port 0, served
from a background thread.

    rx = FakeReceiver()
    rx.script("/slack", ("status", 429, {"Retry-After": "2"}), "ok")
    ... point the gateway at rx.url + "/slack" ...
    first, second = rx.wait_for(2, path="/slack")
    rx.close()

Responses, one per request, taken in order from a path's queue:
    "ok"                                  200, body "ok"
    ("status", code)                      that status, body "status <code>"
    ("status", code, {headers})           ... with extra headers
    ("status", code, {headers}, body)     ... and that body (str or bytes)
    "hang"                                never answers; the connection is
                                          dropped, unanswered, at close()
    ("delay", seconds)                    "ok" after a pause
    ("delay", seconds, response)          any other response after a pause
    "slack"                               the Slack Web API's success: 200
                                          {"ok":true,"channel","ts"}, the channel
                                          of the request, a new ts per
                                          chat.postMessage (chat.update: its ts),
                                          kept as the request's "ts"
When a path's queue is empty its default answers ("ok" unless set_default).
Paths are matched without their query string.
"""

import http.client
import http.server
import json
import socket
import threading
import time
from collections import deque
from urllib.parse import urlsplit


def _check_response(response):
    """Rejects a malformed script entry when it is queued, not when it is used."""
    if response in ("ok", "hang", "slack"):
        return response
    if isinstance(response, tuple) and response:
        kind = response[0]
        if kind == "status" and 2 <= len(response) <= 4 and isinstance(response[1], int):
            return response
        if kind == "delay" and len(response) in (2, 3) and isinstance(response[1], (int, float)):
            if len(response) == 3:
                _check_response(response[2])
            return response
    raise ValueError("unknown scripted response: %r" % (response,))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as the real services do

    def setup(self):
        super().setup()
        self.server.receiver._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.receiver._track(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass   # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self):
        rx = self.server.receiver
        body = self._read_body()
        try:
            parsed = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            parsed = None
        path = urlsplit(self.path).path
        record = {
            "method": self.command,
            "path": path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "json": parsed,
            "at": time.monotonic(),
        }
        rx._record(record)
        self._respond(rx, rx._next_response(path), parsed, record)

    def _respond(self, rx, response, request=None, record=None):
        if response == "hang":
            rx._closing.wait()
            self.close_connection = True
            return
        if response == "ok":
            response = ("status", 200, {}, "ok")
        if response == "slack":
            request = request if isinstance(request, dict) else {}
            ts = request.get("ts") or rx._next_ts()
            if record is not None:
                record["ts"] = ts      # what this request was answered: its message's ts
            response = ("status", 200, {"Content-Type": "application/json"},
                        json.dumps({"ok": True, "channel": request.get("channel", ""), "ts": ts}))
        if response[0] == "delay":
            if rx._closing.wait(response[1]):
                self.close_connection = True
                return
            self._respond(rx, response[2] if len(response) == 3 else "ok", request, record)
            return
        code = response[1]
        headers = response[2] if len(response) > 2 else {}
        body = response[3] if len(response) > 3 else ("ok" if code == 200 else "status %d" % code)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-type" for name in headers):
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle


class FakeReceiver:
    def __init__(self):
        self._lock = threading.Condition()
        self._requests = []
        self._scripts = {}
        self._defaults = {}
        self._ts = 0
        self._conns = set()
        self._closing = threading.Event()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.receiver = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-receiver", daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def script(self, path, *responses):
        """Queues responses for path, answered one per request, in order."""
        checked = [_check_response(r) for r in responses]
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(checked)

    def set_default(self, path, response):
        """What path answers once its queue is empty (initially "ok")."""
        response = _check_response(response)
        with self._lock:
            self._defaults[path] = response

    @property
    def requests(self):
        """A snapshot of every request received so far, oldest first."""
        return self.received()

    def received(self, path=None):
        with self._lock:
            return [r for r in self._requests if path is None or r["path"] == path]

    def wait_for(self, count, path=None, timeout=30):
        """Waits until at least count requests (to path) arrived; returns them all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [r for r in self._requests if path is None or r["path"] == path]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("fake receiver: %d of %d requests%s within %ss"
                                         % (len(got), count,
                                            "" if path is None else " to " + path, timeout))
                self._lock.wait(left)

    def close(self):
        """Stops serving; parked "hang"/"delay" requests are dropped unanswered."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:   # wake keep-alive handlers blocked reading
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def _track(self, conn, alive):
        with self._lock:
            if alive:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _record(self, request):
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()

    def _next_ts(self):
        with self._lock:
            self._ts += 1
            return "1700000000.%06d" % self._ts

    def _next_response(self, path):
        with self._lock:
            queue = self._scripts.get(path)
            if queue:
                return queue.popleft()
            return self._defaults.get(path, "ok")


def _self_test():
    def post(conn, path, payload, headers=None):
        body = json.dumps(payload).encode()
        conn.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})
        res = conn.getresponse()
        return res.status, dict(res.getheaders()), res.read()

    with FakeReceiver() as rx:
        assert rx.url.startswith("http://127.0.0.1:"), rx.url
        port = rx.port
        rx.script("/slack", ("status", 429, {"Retry-After": "2"}), ("status", 500), "ok",
                  ("status", 404), ("status", 201, {"X-Id": "7"}, b"created"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)   # one keep-alive connection
        status, headers, body = post(conn, "/slack?x=1", {"text": "one"}, {"X-Token": "t"})
        assert (status, headers.get("Retry-After")) == (429, "2"), (status, headers)
        assert post(conn, "/slack", {"text": "two"})[0] == 500
        assert post(conn, "/slack", {"text": "three"})[::2] == (200, b"ok")
        assert post(conn, "/slack", {})[0] == 404
        status, headers, body = post(conn, "/slack", {})
        assert (status, headers.get("X-Id"), body) == (201, "7", b"created")
        assert post(conn, "/slack", {})[::2] == (200, b"ok")     # queue empty: default
        got = rx.wait_for(6, path="/slack", timeout=1)
        assert [r["json"] for r in got[:3]] == [{"text": "one"}, {"text": "two"}, {"text": "three"}]
        assert got[0]["path"] == "/slack" and got[0]["headers"]["x-token"] == "t"
        assert got[0]["body"] == b'{"text": "one"}' and got[0]["method"] == "POST"
        assert got[0]["at"] <= got[1]["at"]

        rx.set_default("/pd", ("status", 503))
        assert post(conn, "/pd", {"x": 1})[0] == 503
        assert post(conn, "/pd", {"x": 2})[0] == 503
        assert len(rx.received("/pd")) == 2 and len(rx.requests) == 8
        conn.close()

        rx.script("/slow", ("delay", 0.3), ("delay", 0.1, ("status", 202)))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        started = time.monotonic()
        assert post(conn, "/slow", {})[0] == 200
        assert time.monotonic() - started >= 0.3
        assert post(conn, "/slow", {})[0] == 202
        conn.close()

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/raw", b"not json", {"Content-Type": "text/plain"})
        assert conn.getresponse().read() == b"ok"
        assert rx.received("/raw")[0]["json"] is None
        conn.close()

        try:
            rx.wait_for(1, path="/never", timeout=0.1)
            raise RuntimeError("wait_for did not time out")
        except AssertionError:
            pass
        try:
            rx.script("/x", ("bogus",))
            raise RuntimeError("bad script accepted")
        except ValueError:
            pass

        rx.script("/hang", "hang")
        hung = http.client.HTTPConnection("127.0.0.1", port, timeout=0.3)
        try:
            post(hung, "/hang", {})
            raise RuntimeError("hang answered")
        except socket.timeout:
            pass
        hung.close()
        # A hang parked until close, and an idle keep-alive connection.
        parked = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        rx.script("/hang", "hang")
        result = {}

        def park():
            try:
                post(parked, "/hang", {})
                result["outcome"] = "answered"
            except (http.client.HTTPException, OSError) as e:
                result["outcome"] = type(e).__name__
        waiter = threading.Thread(target=park)
        waiter.start()
        rx.wait_for(2, path="/hang", timeout=5)
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        post(idle, "/ok", {})
    started = time.monotonic()
    waiter.join(timeout=5)
    assert not waiter.is_alive() and result["outcome"] != "answered", result
    assert time.monotonic() - started < 2
    rx.close()   # idempotent
    idle.close()
    parked.close()
    print("fake_receiver self-test ok")


if __name__ == "__main__":
    _self_test()


def slack_web_api():
    """A fake Slack Web API: chat.postMessage and chat.update answer ok with a new ts."""
    peer = FakeReceiver()
    peer.set_default("/api/chat.postMessage", "slack")
    peer.set_default("/api/chat.update", "slack")
    return peer
