"""RSS feeds through the real binary: parsed by Debian's python3-feedparser,
matched against /api/tickets, conditional GETs, tokens, bad filters."""

import json
import time
import unittest

import feedparser   # Debian package python3-feedparser; missing means a broken setup

from harness import HOUR, MINUTE, GatewayTest, at, issue, main


def parse(data):
    d = feedparser.parse(data)
    assert not d.bozo, d.get("bozo_exception")
    return d


class Feeds(GatewayTest):
    gateway_env = {"KAIZEN_PUBLIC_URL": "https://kaizen.example.com/"}

    def feed(self, path, headers=None):
        status, hdrs, data = self.gw.request("GET", path, headers=headers)
        return status, hdrs, data

    def seed(self):
        gw = self.gw
        gw.github("issues", issue("opened", number=1, title='Checkout <fails> & "burns" \x01',
                                  labels=["sev:high", "area:checkout"], updated=at()))
        gw.github("issues", issue("opened", number=2, title="Café ☕ latency",
                                  labels=["sev:low", "area:web"], updated=at(5 * MINUTE)))
        gw.github("issues", issue("closed", number=3, title="Old outage", labels=["sev:critical", "area:db"],
                                  state="closed", closed=at(HOUR),
                                  updated=at(HOUR)))

    def test_tickets_feed_parses_and_matches_the_api(self):
        self.seed()
        status, headers, data = self.feed("/feeds/tickets.rss")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/rss+xml; charset=utf-8")
        self.assertTrue(headers["ETag"].startswith('W/"'))
        self.assertIn("GMT", headers["Last-Modified"])
        d = parse(data)
        self.assertEqual(d.version, "rss20")
        self.assertEqual(d.feed.link, "https://kaizen.example.com")
        self.assertTrue(d.feed.title and d.feed.description)
        self.assertIn("ttl", d.feed)
        api = self.gw.tickets()
        self.assertEqual([e.id for e in d.entries], [t["id"] for t in api])  # newest change first
        by_id = {e.id: e for e in d.entries}
        e = by_id["gh:octo-org/api#1"]
        self.assertIn('Checkout <fails> & "burns"', e.title)
        self.assertNotIn("\x01", e.title)
        self.assertEqual(e.link, "https://github.com/octo-org/api/issues/1")
        self.assertEqual([t.term for t in e.tags], ["checkout"])
        self.assertEqual(e.guidislink, False)
        self.assertEqual(time.strftime("%Y-%m-%dT%H:%M:%SZ", e.published_parsed), at())  # created_at
        self.assertIn("high", e.description)
        self.assertIn("Café ☕ latency", by_id["gh:octo-org/api#2"].title)
        self.assertIn(b'<atom:link href="https://kaizen.example.com/feeds/tickets.rss"', data)

    def test_filters_match_the_api(self):
        self.seed()
        for query in ("?state=open", "?state=resolved", "?state=all", "?component=web",
                      "?severity=critical&state=all", "?component=nope", "?route=default"):
            d = parse(self.feed("/feeds/tickets.rss" + query)[2])
            self.assertEqual([e.id for e in d.entries], [t["id"] for t in self.gw.tickets(query)], query)
        # without a routes file every ticket takes the default route, the only one
        self.assertEqual(len(self.gw.tickets("?route=default&state=all")), len(self.gw.tickets("?state=all")))
        for bad in ("?state=closed", "?severity=urgent", "?limit=5", "?colour=red", "?component=",
                    "?route=payments"):
            status, _, data = self.feed("/feeds/tickets.rss" + bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("error", json.loads(data))

    def test_conditional_get_gives_304_without_rebuilding(self):
        self.seed()
        status, headers, _ = self.feed("/feeds/tickets.rss")
        etag, modified = headers["ETag"], headers["Last-Modified"]
        built = self.gw.read_log().count('"feed built"')
        status, h304, body = self.feed("/feeds/tickets.rss", {"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(h304["ETag"], etag)
        status, _, body = self.feed("/feeds/tickets.rss", {"If-None-Match": 'W/"other", ' + etag})
        self.assertEqual(status, 304)
        status, _, body = self.feed("/feeds/tickets.rss", {"If-Modified-Since": modified})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(self.gw.read_log().count('"feed built"'), built)  # 304s built nothing
        # Another filter is another representation.
        self.assertEqual(self.feed("/feeds/tickets.rss?state=all", {"If-None-Match": etag})[0], 200)
        # A change moves the validator; an identical replay does not.
        self.gw.github("issues", issue("labeled", number=2, title="Café ☕ latency",
                                       labels=["sev:high", "area:web"], updated=at(2 * HOUR)))
        status, headers, _ = self.feed("/feeds/tickets.rss", {"If-None-Match": etag})
        self.assertEqual(status, 200)
        self.assertNotEqual(headers["ETag"], etag)

    def test_digests_feed(self):
        self.seed()
        status, body = self.gw.json("POST", "/api/digest")
        self.assertEqual(status, 202)
        status, headers, data = self.feed("/feeds/digests.rss")
        self.assertEqual(status, 200)
        d = parse(data)
        self.assertGreaterEqual(len(d.entries), 1)
        entry = d.entries[0]
        self.assertIn("open tickets", entry.title)
        self.assertIn("Checkout &lt;fails&gt;", entry.description)   # readable HTML
        self.assertIn('href="https://github.com/octo-org/api/issues/1"', entry.description)
        self.assertEqual([t.term for t in entry.tags], ["digest"])
        # an item links to the tickets it was about (those open now), not back to this feed
        self.assertEqual(entry.link, "https://kaizen.example.com/feeds/tickets.rss?state=open")
        self.assertEqual(self.feed("/feeds/digests.rss", {"If-None-Match": headers["ETag"]})[0], 304)
        self.gw.json("POST", "/api/digest")
        self.assertEqual(self.feed("/feeds/digests.rss", {"If-None-Match": headers["ETag"]})[0], 200)
        self.assertEqual(self.feed("/feeds/digests.rss?state=open")[0], 400)


class FeedToken(GatewayTest):
    gateway_env = {"KAIZEN_FEED_TOKEN": "f33d-t0ken"}

    def test_token_rules(self):
        self.gw.github("issues", issue())
        for path, headers in (("/feeds/tickets.rss", None), ("/feeds/tickets.rss?token=wrong", None),
                              ("/feeds/digests.rss", {"Authorization": "Bearer nope"})):
            status, hdrs, data = self.gw.request("GET", path, headers=headers)
            self.assertEqual(status, 401, path)
            self.assertNotIn(b"f33d-t0ken", data)
        status, _, data = self.gw.request("GET", "/feeds/tickets.rss?token=f33d-t0ken")
        self.assertEqual(status, 200)
        self.assertNotIn(b"f33d-t0ken", data)   # the self link never carries the token
        self.assertEqual(len(parse(data).entries), 1)
        status, _, _ = self.gw.request("GET", "/feeds/digests.rss",
                                       headers={"Authorization": "Bearer f33d-t0ken"})
        self.assertEqual(status, 200)


if __name__ == "__main__":
    main()
