"""The weekly report's HTML page in a real browser: headless Chromium (the
Debian package) loads GET /reports/weekly from the gateway; the DOM it
builds has one chart per component (and one for all of them), hostile
ticket titles and component names stay text (no element, no script), the
console stays silent (a page that breaks its CSP is shown to be caught by
the same check), and a screenshot is not blank. xmllint --html finds no
error in the page. Bounded: every browser run has a time limit."""

import html.parser
import os
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
import zlib

from harness import DAY, HOUR, Gateway, Redis, close_gateways, issue, main, rfc3339

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = ['<img src=x onerror=alert(1)>', '"quoted" & <b>bold</b>', "checkout"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--enable-logging=stderr", "--v=0", "--window-size=412,1600"]


def chromium(args, timeout=180):
    """Runs the browser with a fresh profile; returns (stdout, console lines)."""
    if CHROMIUM is None:
        raise AssertionError("chromium is needed (scripts/deps.sh installs it)")
    profile = tempfile.mkdtemp(prefix="kz-chromium-")
    try:
        proc = subprocess.run([CHROMIUM] + FLAGS + ["--user-data-dir=" + profile] + args,
                              capture_output=True, timeout=timeout)
        console = [l for l in proc.stderr.decode("utf-8", "replace").splitlines() if ":CONSOLE" in l]
        return proc.stdout.decode("utf-8", "replace"), console
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Dom(html.parser.HTMLParser):
    """What the test reads of the DOM: components, their charts, scripts."""

    def __init__(self):
        super().__init__()
        self.components, self.charts, self.scripts, self.stack = [], {}, 0, []
        self.totals_charts = 0
        self.in_totals = False
        self.current = None
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "script":
            self.scripts += 1
        if tag == "div" and a.get("class") == "component":
            self.current = a.get("data-component")
            self.components.append(self.current)
            self.charts[self.current] = 0
        if tag == "div" and a.get("class") == "totals":
            self.in_totals = True
        if tag == "img" and a.get("class") == "chart":
            if self.current is not None:
                self.charts[self.current] += 1
            elif self.in_totals:
                self.totals_charts += 1


def png_pixels_distinct(path):
    """How many distinct byte values the PNG's (filtered) pixel data holds."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat = 8, b""
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + n]
        at += 12 + n
    return len(set(zlib.decompress(idat)))


class ReportPage(unittest.TestCase):
    def setUp(self):
        self.redis = Redis(appendonly=False)
        self.gw = Gateway(self.redis.url, KAIZEN_REPORT_AT="off", KAIZEN_FEED_TOKEN="feed-secret")
        self.dir = tempfile.mkdtemp(prefix="kz-page-")

    def tearDown(self):
        close_gateways(self, [self.gw])
        self.redis.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_the_page_renders_in_chromium_with_one_chart_per_component(self):
        now = int(time.time())
        for n, component in enumerate(HOSTILE * 3, start=1):
            created = now - (7 + n) * DAY
            labels = ("component:" + component, "severity:high")
            title = '</td><script>alert("t%d")</script>' % n
            self.assertEqual(self.gw.github("issues", issue(
                "opened", number=n, title=title, labels=labels, created=rfc3339(created),
                updated=rfc3339(created)))[0], 202)
            if n % 3:
                closed = created + n * HOUR
                self.assertEqual(self.gw.github("issues", issue(
                    "closed", number=n, title=title, labels=labels, created=rfc3339(created),
                    updated=rfc3339(closed), closed=rfc3339(closed), state="closed"))[0], 202)
        status, headers, body = self.gw.request("GET", "/reports/weekly?token=feed-secret")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(self.gw.request("GET", "/reports/weekly")[0], 401)

        page = os.path.join(self.dir, "page.html")
        with open(page, "wb") as f:
            f.write(body)
        lint = subprocess.run(["xmllint", "--html", "--noout", page], capture_output=True, timeout=60)
        self.assertEqual((lint.returncode, lint.stderr.decode()), (0, ""))

        url = "http://127.0.0.1:%d/reports/weekly?token=feed-secret" % self.gw.port
        dom_text, console = chromium(["--dump-dom", url])
        self.assertEqual(console, [])
        dom = Dom()
        dom.feed(dom_text)
        self.assertEqual(sorted(dom.components), sorted(HOSTILE))
        self.assertEqual(dom.charts, dict.fromkeys(HOSTILE, 1))
        self.assertEqual(dom.totals_charts, 1)
        self.assertEqual(dom.scripts, 0)
        self.assertNotIn("b", dom.tags)   # '<b>' in a name stayed text
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", dom_text)

        shot = os.path.join(self.dir, "page.png")
        _, console = chromium(["--screenshot=" + shot, url])
        self.assertEqual(console, [])
        distinct = png_pixels_distinct(shot)
        print("chromium: %d components, one chart each; screenshot %d bytes, %d distinct values"
              % (len(dom.components), os.path.getsize(shot), distinct))
        self.assertGreater(distinct, 20)

    def test_the_console_check_catches_a_page_that_breaks_its_policy(self):
        bad = os.path.join(self.dir, "bad.html")
        with open(bad, "w") as f:
            f.write('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                    'content="default-src \'none\'"></head><body><img src="http://127.0.0.1:9/x.png">'
                    '</body></html>')
        _, console = chromium(["--dump-dom", "file://" + bad])
        self.assertNotEqual(console, [])


if __name__ == "__main__":
    main()
