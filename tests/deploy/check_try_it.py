#!/usr/bin/env python3
"""Compares what the README's "Try it" block printed with what the README
says it prints (the code block after `<!-- try-it-output -->`), line by
line. Only what must vary between runs is normalised: RFC 3339 times, the
seconds left until a deadline, and UUIDs. Everything else (every field, its
order, every status word and metric line) must be as shown.

  check_try_it.py README.md [OUTPUT]   OUTPUT (default stdin): what the block printed
  check_try_it.py --self-test [README.md]

Exit 0 when they match, 1 with the first difference. Standard library only.
tests/deploy/test_fresh_install.sh runs the block in a fresh Debian root and
pipes its output here.
"""

import os
import re
import sys

MARKER = "<!-- try-it-output -->"
VARYING = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"), "<time>"),
    (re.compile(r'("sla_remaining_seconds":)-?\d+'), r"\1<seconds>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
]


def shown_output(readme_text):
    """The lines of the code block right after the marker."""
    lines = readme_text.splitlines()
    try:
        i = lines.index(MARKER)
    except ValueError:
        raise SystemExit("README.md: no %s line" % MARKER)
    if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
        raise SystemExit("README.md: %s is not followed by a code block" % MARKER)
    out = []
    for line in lines[i + 2:]:
        if line.startswith("```"):
            return out
        out.append(line)
    raise SystemExit("README.md: the block after %s never ends" % MARKER)


def normalise(line):
    for pattern, replacement in VARYING:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def compare(expected, actual):
    """None when the outputs match, else what differs."""
    want = [normalise(x) for x in expected]
    got = [normalise(x) for x in actual if x.strip()]
    for n, (w, g) in enumerate(zip(want, got), 1):
        if w != g:
            return "line %d differs:\n  README: %s\n  actual: %s" % (n, w, g)
    if len(got) != len(want):
        extra = got[len(want):] or want[len(got):]
        return "the README shows %d lines, the block printed %d; first unmatched: %s" % (
            len(want), len(got), extra[0])
    return None


def self_test(readme):
    sample = ["{\"status\":\"accepted\"}",
              "{\"tickets\":[{\"id\":\"gh:o/r#1\",\"created_at\":\"2026-12-01T20:51:51Z\","
              "\"sla_remaining_seconds\":82800,\"route\":\"default\"}]}",
              "kaizen_webhooks_total{source=\"github\",event=\"issues\",result=\"accepted\"} 1"]
    later = [sample[0], sample[1].replace("2026-12-01T20:51:51Z", "2031-03-04T05:06:07Z")
             .replace("82800", "82799"), sample[2], ""]
    assert compare(sample, later) is None, compare(sample, later)
    faults = {
        "a field missing": [sample[0], sample[1].replace(',"route":"default"', ""), sample[2]],
        "another value": [sample[0], sample[1].replace("gh:o/r#1", "gh:o/r#2"), sample[2]],
        "a line missing": sample[:2],
        "a line more": sample + ["curl: (7) Failed to connect"],
        "another counter": [sample[0], sample[1], sample[2].replace("} 1", "} 2")],
    }
    for what, actual in faults.items():
        diff = compare(sample, actual)
        assert diff is not None, what
        print("ok  %s is caught: %s" % (what, diff.splitlines()[0]))
    # The README's own block: present, and matched by a run at another time,
    # but not by one whose ticket lacks a field the README shows.
    with open(readme, encoding="utf-8") as f:
        shown = shown_output(f.read())
    assert shown, "the README's Try-it output block is empty"
    shifted = [re.sub(r"20\d\d-", "2040-", x).replace("82800", "82781") for x in shown]
    assert compare(shown, shifted) is None, compare(shown, shifted)
    for field in ('"acked_by":null,', '"route":"default"'):
        if any(field in x for x in shown):
            diff = compare(shown, [x.replace(field, "") for x in shown])
            assert diff is not None, field
            print("ok  README.md: an answer without %s is caught" % field)
    print("ok  check_try_it self-test (%d lines shown in README.md)" % len(shown))


def main(argv):
    if argv[1:2] == ["--self-test"]:
        here = os.path.dirname(os.path.abspath(__file__))
        self_test(argv[2] if len(argv) > 2 else os.path.join(here, "..", "..", "README.md"))
        return 0
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        expected = shown_output(f.read())
    if len(argv) == 3:
        with open(argv[2], encoding="utf-8") as f:
            actual = f.read().splitlines()
    else:
        actual = sys.stdin.read().splitlines()
    diff = compare(expected, actual)
    if diff is not None:
        print("FAIL: the Try-it block's output is not what README.md shows: " + diff,
              file=sys.stderr)
        return 1
    print("ok  the Try-it block printed the %d lines README.md shows" % len(expected))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
