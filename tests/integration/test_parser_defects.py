"""Defects a fuzzing campaign found in the parsers (docs/fuzzing.md), each
through the real binary: what was read wrong is now refused with a 4xx JSON
answer, and nothing else happens."""

import json
import re
import socket
import time
import urllib.parse

from harness import GatewayTest, issue, main


def exchange(port, data, quiet=3.0, bound=20.0):
    """Sends data on one connection and reads until the gateway closes it, or
    until nothing more came for `quiet` seconds (a connection kept open)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=quiet)
    got, deadline = b"", time.monotonic() + bound
    try:
        s.sendall(data)
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    return got


def answers(raw):
    """The status codes of the HTTP answers in raw, in order."""
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


class HeadReading(GatewayTest):
    # A second request hidden in what the guard counted as the first one's body.
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n"

    def check_refused_alone(self, head, reason):
        raw = exchange(self.gw.port, head + self.smuggled)
        self.assertEqual(answers(raw), [400], raw)
        body = raw.split(b"\r\n\r\n", 1)[1]
        self.assertEqual(json.loads(body), {"error": reason})

    def test_a_header_line_starting_with_nul_hides_no_request(self):
        # libevent ends a head at a line that starts with NUL: it would answer
        # the POST without a body, then the "body" as a request of its own.
        head = (b"POST /webhooks/github HTTP/1.1\r\nHost: gw\r\n\0:\r\n"
                b"Content-Length: %d\r\n\r\n" % len(self.smuggled))
        self.check_refused_alone(head, "control character in the request head")

    def test_a_body_on_a_get_hides_no_request(self):
        # libevent reads no body for GET: the bytes after its head are the next request.
        head = b"GET /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: %d\r\n\r\n" % len(self.smuggled)
        self.check_refused_alone(head, "a body on a request method that has none")

    def test_what_the_guard_accepts_is_served_as_sent(self):
        raw = exchange(self.gw.port, b"GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        self.assertEqual(answers(raw), [200], raw)


class Filters(GatewayTest):
    def test_a_component_filter_is_whole_or_refused(self):
        # The tickets feed cut the filter at 255 bytes (here inside "é") and
        # filtered on what was left; /api/tickets refuses the same filter.
        too_long = urllib.parse.quote("a" * 254 + "\u00e9")
        longest = "b" * 255
        for path in ("/feeds/tickets.rss", "/api/tickets"):
            status, _, data = self.gw.request("GET", path + "?component=" + too_long)
            self.assertEqual(status, 400, (path, data[:200]))
            self.assertEqual(json.loads(data), {"error": "component must be at most 255 bytes"})
            status, _, data = self.gw.request("GET", path + "?component=" + longest)
            self.assertEqual(status, 200, data)


class GitHubIds(GatewayTest):
    def test_an_issue_id_that_does_not_fit_is_refused_whole(self):
        # "gh:<repo>#42" was cut at 511 bytes, here inside an "é": the ticket
        # JSON then had no "id". It is refused, and nothing is stored.
        status, body = self.gw.github("issues", issue(repo="oo/" + "\u00e9" * 253))
        self.assertEqual(status, 400, body)
        self.assertEqual(body, {"error": "repository.full_name: too long for a ticket id "
                                         "(511 bytes at most)"})
        self.assertEqual(self.gw.tickets("?state=all"), [])
        status, body = self.gw.github("issues", issue(repo="oo/" + "\u00e9" * 251))
        self.assertEqual(status, 202, body)
        self.assertEqual([t["id"] for t in self.gw.tickets("?state=all")],
                         ["gh:oo/" + "\u00e9" * 251 + "#42"])


if __name__ == "__main__":
    main()
