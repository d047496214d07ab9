#!/usr/bin/env python3
"""Checks the user documentation against itself and the code.

  * every relative link in README.md, CHANGELOG.md, docs/*.md and the other
    READMEs resolves: the file exists, and a #fragment names a heading of
    that file (GitHub's heading ids);
  * README.md is at most 300 lines;
  * no issue numbers ("(#12)", "issue #12"), "(ours)" markers, or mentions
    of a contract outside the repository (SPEC.md, ../shared) in the docs;
  * a fenced block right after `<!-- file: PATH -->` is PATH's content,
    exactly (one configuration, shown where it is explained);
  * the Redis key table of docs/architecture.md names exactly the keys of
    gateway/store/keys.h and keys.c.

Usage: check_docs.py [SOURCE_DIR] | --self-test. Exit 0 ok, 1 a check
failed. Standard library only.
"""

import glob
import os
import re
import shutil
import sys
import tempfile

README_MAX_LINES = 300
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FORBIDDEN = [
    (re.compile(r"\(#\d+\)"), "an issue number"),
    (re.compile(r"\bissues? #\d+", re.I), "an issue number"),
    (re.compile(r"(?<![\w/&])#\d+\b(?![\w-])"), "an issue number"),
    (re.compile(r"\(ours\)"), "an \"(ours)\" marker"),
    (re.compile(r"SPEC\.md|\.\./shared|\bSPEC\b"), "a contract outside the repository"),
]
FILE_BLOCK = re.compile(r"^<!-- file: (\S+) -->$")


def doc_files(src):
    """The user docs: every Markdown file the links and rules apply to."""
    files = ["README.md", "CHANGELOG.md"]
    files += sorted(os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "docs", "*.md")))
    files += ["bench/README.md", "templates/README.md", "deploy/README.md",
              "deploy/kubernetes/README.md"]
    return [f for f in files if os.path.exists(os.path.join(src, f))]


def prose_lines(text):
    """(line number, line) of the lines outside fenced code blocks."""
    out, fenced = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((n, line))
    return out


def strip_code_spans(line):
    return re.sub(r"(`+)(.+?)\1", "", line)


def slug(heading):
    """GitHub's id of a heading: the rendered text, lower case, without
    punctuation, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)    # links: their text
    text = re.sub(r"<[^>]+>", "", text)                         # inline HTML
    text = text.replace("`", "").replace("*", "")
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    ids, seen = set(), {}
    with open(path, encoding="utf-8") as f:
        for _, line in prose_lines(f.read()):
            m = HEADING.match(line)
            if not m:
                continue
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            ids.add(base if n == 0 else "%s-%d" % (base, n))
    return ids


def check_links(src, name, text, errors):
    here = os.path.dirname(os.path.join(src, name))
    for n, line in prose_lines(text):
        for target in LINK.findall(strip_code_spans(line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue    # https:, mailto:, ...
            path, _, fragment = target.partition("#")
            full = os.path.normpath(os.path.join(here, path)) if path else os.path.join(src, name)
            if not os.path.exists(full):
                errors.append("%s:%d: link to %s: no such file" % (name, n, target))
                continue
            if fragment:
                if os.path.isdir(full) or not full.endswith(".md"):
                    errors.append("%s:%d: link to %s: a #fragment of a file without headings"
                                  % (name, n, target))
                elif fragment not in anchors(full):
                    errors.append("%s:%d: link to %s: no heading with that id in %s"
                                  % (name, n, target, os.path.relpath(full, src)))


def check_words(name, text, errors):
    for n, line in prose_lines(text):
        if line.startswith("<!--"):
            continue
        for pattern, what in FORBIDDEN:
            m = pattern.search(line)
            if m:
                errors.append("%s:%d: %s: %r" % (name, n, what, m.group(0)))


def check_file_blocks(src, name, text, errors):
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = FILE_BLOCK.match(line)
        if not m:
            continue
        path = os.path.join(src, m.group(1))
        if i + 1 >= len(lines) or not FENCE.match(lines[i + 1]):
            errors.append("%s:%d: <!-- file: %s --> is not followed by a code block"
                          % (name, i + 1, m.group(1)))
            continue
        end = i + 2
        while end < len(lines) and not FENCE.match(lines[end]):
            end += 1
        shown = "\n".join(lines[i + 2:end]) + "\n"
        if not os.path.exists(path):
            errors.append("%s:%d: %s does not exist" % (name, i + 1, m.group(1)))
        elif open(path, encoding="utf-8").read() != shown:
            errors.append("%s:%d: the block differs from %s: show the file as it is"
                          % (name, i + 1, m.group(1)))


def code_keys(src):
    """Every key name and key prefix the store builds: the GW_KEY("…") literals."""
    keys = set()
    for f in ("gateway/store/keys.h", "gateway/store/keys.c"):
        with open(os.path.join(src, f), encoding="utf-8") as fh:
            keys.update("{kz}:" + k for k in re.findall(r'GW_KEY\("([^"]+)"\)', fh.read()))
    return keys


def documented_keys(text):
    """The keys of the table between <!-- keys: begin --> and <!-- keys: end -->:
    a key with a variable part counts as its prefix ({kz}:tomb:<id> is {kz}:tomb:)."""
    m = re.search(r"<!-- keys: begin -->(.*?)<!-- keys: end -->", text, re.S)
    if not m:
        return None
    keys = set()
    for row in m.group(1).splitlines():
        if not row.startswith("| `{kz}"):
            continue
        for key in re.findall(r"`(\{kz\}[^`]*)`", row.split("|")[1]):
            keys.add(key.split("<", 1)[0])
    return keys


def check_keys(src, errors):
    with open(os.path.join(src, "docs", "architecture.md"), encoding="utf-8") as f:
        documented = documented_keys(f.read())
    if documented is None:
        errors.append("docs/architecture.md: no <!-- keys: begin --> table")
        return
    code = code_keys(src)
    for k in sorted(code - documented):
        errors.append("docs/architecture.md: key %s (gateway/store/keys.[ch]) is not in the table" % k)
    for k in sorted(documented - code):
        errors.append("docs/architecture.md: key %s is in the table but not in gateway/store/keys.[ch]" % k)


def check(src):
    errors = []
    for name in doc_files(src):
        with open(os.path.join(src, name), encoding="utf-8") as f:
            text = f.read()
        check_links(src, name, text, errors)
        check_words(name, text, errors)
        check_file_blocks(src, name, text, errors)
    with open(os.path.join(src, "README.md"), encoding="utf-8") as f:
        n = len(f.read().splitlines())
    if n > README_MAX_LINES:
        errors.append("README.md: %d lines, more than %d: move the detail into docs/"
                      % (n, README_MAX_LINES))
    check_keys(src, errors)
    return errors


def self_test():
    """The checks on a small fixed tree: clean, then with one fault at a time."""
    tmp = tempfile.mkdtemp(prefix="check-docs-")
    try:
        def write(path, text):
            full = os.path.join(tmp, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)

        readme = ("# Tool\n\nSee [the API](docs/api.md#apitickets-filters-and-pages), "
                  "[ops](docs/ops.md#upgrading-from-01) and [here](#tool).\n"
                  "Ticket gh:octo-org/api#42, channel #payments.\n"
                  "```sh\n[not a link](nowhere.md) (#1)\n```\n"
                  "<!-- file: conf/a.yml -->\n```yaml\nx: 1\n```\n")
        write("README.md", readme)
        write("docs/api.md", "# API\n\n## `/api/tickets`: filters and pages\n\n## Errors\n\n## Errors\n")
        write("docs/ops.md", "# Ops\n\n## Upgrading from 0.1\n\n[errors](api.md#errors-1)\n")
        write("conf/a.yml", "x: 1\n")
        write("docs/architecture.md", "<!-- keys: begin -->\n| key | what |\n|---|---|\n"
              "| `{kz}:ticket`, `{kz}:sla` | x |\n| `{kz}:tomb:<id>` | y |\n<!-- keys: end -->\n")
        write("gateway/store/keys.h", '#define A GW_KEY("ticket")\n#define B GW_KEY("sla")\n'
              '#define GW_KEY(name) "{kz}:" name\n')
        write("gateway/store/keys.c", 'static const char *p[] = {GW_KEY("tomb:")};\n')
        clean = check(tmp)
        assert clean == [], clean

        faults = [
            ("README.md", readme.replace("#tool)", "#nope)"), "no heading with that id"),
            ("README.md", readme.replace("docs/api.md#", "docs/apis.md#"), "no such file"),
            ("docs/ops.md", "# Ops\n\n## Upgrading from 0.1\n\n[errors](api.md#errors-2)\n",
             "no heading with that id"),
            ("README.md", readme + "Fixed in (#12).\n", "an issue number"),
            ("README.md", readme + "See issue #7.\n", "an issue number"),
            ("README.md", readme + "| `x` | *(ours)* y |\n", "(ours)"),
            ("README.md", readme + "As SPEC.md says.\n", "outside the repository"),
            ("README.md", readme + "x\n" * 300, "more than 300"),
            ("conf/a.yml", "x: 2\n", "differs from conf/a.yml"),
            ("gateway/store/keys.c", 'GW_KEY("tomb:") GW_KEY("probe")\n', "{kz}:probe"),
            ("docs/architecture.md", "<!-- keys: begin -->\n| `{kz}:ticket`, `{kz}:sla` | x |\n"
             "<!-- keys: end -->\n", "{kz}:tomb:"),
        ]
        for path, text, want in faults:
            full = os.path.join(tmp, path)
            with open(full, encoding="utf-8") as f:
                good = f.read()
            write(path, text)
            errors = check(tmp)
            assert any(want in e for e in errors), (path, want, errors)
            write(path, good)
            print("ok  caught: %s" % next(e for e in errors if want in e))
        assert check(tmp) == []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert slug("`/-/reload`") == "-reload"
    assert slug("What Slack's errors mean") == "what-slacks-errors-mean"
    assert slug("Acknowledge clicks (`slack_clicks.sh`)") == "acknowledge-clicks-slack_clickssh"
    print("ok  check_docs self-test")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    src = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "..")
    errors = check(os.path.abspath(src))
    for e in errors:
        print("FAIL: " + e, file=sys.stderr)
    if errors:
        return 1
    print("ok  %d docs: links and anchors resolve, README.md within %d lines, no issue numbers, "
          "shown files and the key table match" % (len(doc_files(os.path.abspath(src))),
                                                   README_MAX_LINES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
