#!/usr/bin/env python3
"""Validate a Grafana dashboard against the metrics kaizen-gateway exports.

Checks that the file is a dashboard (JSON object, panels, targets with a
PromQL expr, datasource variables that exist), extracts every metric name used
in any expr (and in templating queries), and checks each one against the
metric families the gateway exports, read from a live scrape of its /metrics
(--metrics-url URL or env KAIZEN_METRICS_URL): the `# TYPE name type` lines of
the Prometheus text format. Every metric selector of every panel must filter
on each query variable that lists a label of its own name ($job with
`job=~"$job"`, $namespace ...). With --require-samples, every family the
dashboard uses must also have at least one sample in the scrape (not only a
TYPE line), so a panel cannot be empty for want of data the gateway never
exports.

`name_bucket` resolves to a histogram `name`; `name_sum` / `name_count` to a
histogram or summary `name` (the family's type comes from its TYPE line).
Exit status: 0 ok, 1 check failed, 2 usage.
Standard library only.
"""

import argparse
import json
import os
import re
import sys
import urllib.request

IDENT_START = re.compile(r"[A-Za-z_:]")
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")

# PromQL words that are never metric names when they stand alone.
KEYWORDS = {
    # aggregation operators
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
    "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    # binary operators and modifiers
    "and", "or", "unless", "atan2", "by", "without", "on", "ignoring",
    "group_left", "group_right", "bool", "offset",
    # literals and @ modifiers
    "inf", "nan", "start", "end",
}
# Keywords followed by a parenthesised list of label names.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}


class PromQLError(ValueError):
    pass


def _skip_string(s, i):
    """s[i] is a quote; return the index just past the closing quote."""
    quote = s[i]
    i += 1
    while i < len(s):
        if s[i] == "\\" and quote != "`":
            i += 2
            continue
        if s[i] == quote:
            return i + 1
        i += 1
    raise PromQLError(f"unterminated string in {s!r}")


def _skip_ws(s, i):
    while i < len(s) and s[i].isspace():
        i += 1
    return i


def _scan_braces(s, i, found):
    """s[i] is '{'; skip the label matchers, recording {__name__="x"} as x."""
    i += 1
    while i < len(s):
        c = s[i]
        if c in "\"'`":
            i = _skip_string(s, i)
        elif c == "}":
            return i + 1
        elif s.startswith("__name__", i):
            j = _skip_ws(s, i + len("__name__"))
            if j < len(s) and s[j] == "=":
                j = _skip_ws(s, j + 1)
                if j < len(s) and s[j] in "\"'":
                    end = _skip_string(s, j)
                    found.append(s[j + 1:end - 1])
                    i = end
                    continue
            i += len("__name__")
        else:
            i += 1
    raise PromQLError(f"unterminated '{{' in {s!r}")


def _skip_until(s, i, close):
    """Skip a bracketed group ([...] or a label list (...)) starting at s[i]."""
    i += 1
    while i < len(s):
        if s[i] in "\"'`":
            i = _skip_string(s, i)
        elif s[i] == close:
            return i + 1
        else:
            i += 1
    raise PromQLError(f"unterminated '{s[i - 1]}' in {s!r}")


def _skip_grafana_variable(s, i):
    """s[i] is '$': skip $var, ${var}, ${var:fmt}, $__range."""
    i += 1
    if i < len(s) and s[i] == "{":
        end = s.find("}", i)
        if end < 0:
            raise PromQLError(f"unterminated '${{' in {s!r}")
        return end + 1
    while i < len(s) and (s[i].isalnum() or s[i] == "_"):
        i += 1
    return i


def metric_names(expr):
    """Return the metric names an (optionally Grafana-templated) PromQL uses."""
    return [name for name, _ in metric_selectors(expr)]


def metric_selectors(expr):
    """Return (metric name, its label matchers as written, '' when none) for
    every metric selector of an (optionally Grafana-templated) PromQL."""
    found = []
    s = expr
    i = 0
    while i < len(s):
        c = s[i]
        if c.isspace():
            i += 1
        elif c in "\"'`":
            i = _skip_string(s, i)
        elif c == "#":  # comment to end of line
            nl = s.find("\n", i)
            i = len(s) if nl < 0 else nl + 1
        elif c == "{":
            names = []
            end = _scan_braces(s, i, names)
            found += [(name, s[i:end]) for name in names]
            i = end
        elif c == "[":
            if s.startswith("[[", i):  # legacy Grafana [[var]]
                end = s.find("]]", i)
                if end < 0:
                    raise PromQLError(f"unterminated '[[' in {s!r}")
                i = end + 2
            else:
                i = _skip_until(s, i, "]")
        elif c == "$":
            i = _skip_grafana_variable(s, i)
        elif c.isdigit() or (c == "." and i + 1 < len(s) and s[i + 1].isdigit()):
            # numbers, durations (5m, 1h30m), hex, exponents
            while i < len(s) and (s[i].isalnum() or s[i] in "._"):
                if s[i] in "eE" and i + 1 < len(s) and s[i + 1] in "+-":
                    i += 1
                i += 1
        elif IDENT_START.match(c):
            word = IDENT.match(s, i).group(0)
            i += len(word)
            j = _skip_ws(s, i)
            nxt = s[j] if j < len(s) else ""
            lower = word.lower()
            if lower in LABEL_LIST_KEYWORDS:
                if nxt == "(":
                    i = _skip_until(s, j, ")")
            elif lower in KEYWORDS:
                pass
            elif nxt == "(":
                pass  # function call
            elif nxt == "{":
                end = _skip_until(s, j, "}")
                found.append((word, s[j:end]))
                i = end
            else:
                found.append((word, ""))
        else:
            i += 1
    return found


def _expr_of_template_query(query):
    """PromQL inside a Grafana Prometheus variable query, or None."""
    if isinstance(query, dict):
        query = query.get("query", "")
    if not isinstance(query, str):
        return None
    q = query.strip()
    m = re.fullmatch(r"label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", q, re.S)
    if m:
        return m.group(1)
    if re.fullmatch(r"label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", q):
        return None
    m = re.fullmatch(r"query_result\((.*)\)", q, re.S)
    if m:
        return m.group(1)
    if q.startswith(("label_names(", "metrics(")) or not q:
        return None
    return q


# ------------------------------------------------------------- exported names

class Exported:
    """Metric families with their type ('untyped' when unknown)."""

    def __init__(self, source):
        self.source = source
        self.families = {}
        # families with at least one sample line (live scrapes only; None: unknown)
        self.sampled = None

    def add(self, name, mtype="untyped"):
        if self.families.get(name, "untyped") == "untyped":
            self.families[name] = mtype

    def resolve(self, name):
        """The family `name` belongs to, or None."""
        if name in self.families:
            return name
        for suffix, types in (("_bucket", {"histogram"}),
                              ("_sum", {"histogram", "summary"}),
                              ("_count", {"histogram", "summary"})):
            if name.endswith(suffix):
                base = name[: -len(suffix)]
                if self.families.get(base) in types:
                    return base
        # OpenMetrics exposition names counter families without `_total`.
        if name.endswith("_total") and self.families.get(name[:-6]) == "counter":
            return name[:-6]
        return None


def exported_from_scrape(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        text = resp.read().decode("utf-8", "replace")
    return exported_from_text(text, f"live scrape of {url}")


def exported_from_text(text, source):
    exp = Exported(source)
    sampled = set()
    for line in text.splitlines():
        m = re.match(r"#\s*TYPE\s+([A-Za-z_:][A-Za-z0-9_:]*)\s+(\w+)", line)
        if m:
            exp.add(m.group(1), m.group(2))
            continue
        m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)[\s{]", line)
        if m and not line.startswith("#"):
            sampled.add(m.group(1))
    # Samples of families without a TYPE line are untyped families.
    for name in sampled:
        if exp.resolve(name) is None:
            exp.add(name)
    if not exp.families:
        raise ValueError(f"{source}: no metrics found")
    exp.sampled = {exp.resolve(name) for name in sampled} - {None}
    return exp


# ------------------------------------------------------------- the dashboard

def walk_panels(panels):
    for p in panels:
        yield p
        if isinstance(p.get("panels"), list):  # collapsed rows nest panels
            yield from walk_panels(p["panels"])


def check_dashboard(dash, errors):
    """Structural checks; return [(where, expr)] of every PromQL found."""
    exprs = []
    if not isinstance(dash, dict):
        errors.append("top level is not a JSON object")
        return exprs
    for key in ("title", "uid", "panels", "schemaVersion", "templating"):
        if key not in dash:
            errors.append(f"missing top-level key {key!r}")
    if not isinstance(dash.get("schemaVersion"), int) or dash.get("schemaVersion", 0) < 36:
        errors.append(f"schemaVersion {dash.get('schemaVersion')!r}: want an integer >= 36")
    templ = dash.get("templating", {}).get("list", []) if isinstance(dash.get("templating"), dict) else []
    variables = {v.get("name"): v for v in templ if isinstance(v, dict)}
    ds_vars = {n for n, v in variables.items() if v.get("type") == "datasource" and v.get("query") == "prometheus"}
    if not ds_vars:
        errors.append("no Prometheus datasource templating variable")
    panels = dash.get("panels")
    if not isinstance(panels, list) or not panels:
        errors.append("'panels' is not a non-empty list")
        return exprs

    def check_ds(where, ds):
        uid = ds.get("uid") if isinstance(ds, dict) else ds
        if not isinstance(uid, str):
            errors.append(f"{where}: datasource has no uid")
            return
        m = re.fullmatch(r"\$\{?([A-Za-z0-9_]+)\}?", uid)
        if not m or m.group(1) not in ds_vars:
            errors.append(f"{where}: datasource {uid!r} is not a Prometheus datasource variable ({sorted(ds_vars)})")

    ids = set()
    queried = 0
    for p in walk_panels(panels):
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            errors.append(f"{where}: duplicate panel id")
        ids.add(p.get("id"))
        gp = p.get("gridPos")
        if not (isinstance(gp, dict) and all(isinstance(gp.get(k), int) for k in ("x", "y", "w", "h"))):
            errors.append(f"{where}: missing or invalid gridPos")
        if p.get("type") == "row":
            continue
        if not p.get("title"):
            errors.append(f"{where}: no title")
        targets = p.get("targets")
        if not isinstance(targets, list) or not targets:
            errors.append(f"{where}: no targets")
            continue
        check_ds(where, p.get("datasource"))
        refids = set()
        for t in targets:
            if t.get("refId") in refids:
                errors.append(f"{where}: duplicate refId {t.get('refId')!r}")
            refids.add(t.get("refId"))
            if "datasource" in t:
                check_ds(f"{where} target {t.get('refId')}", t["datasource"])
            expr = t.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                errors.append(f"{where} target {t.get('refId')}: no expr")
                continue
            exprs.append((f"{where} target {t.get('refId')}", expr))
            queried += 1
    for name, v in variables.items():
        if v.get("type") == "query":
            expr = _expr_of_template_query(v.get("query"))
            if expr:
                exprs.append((f"variable ${name}", expr))
    if not queried:
        errors.append("no panel has a PromQL target")
    check_filters(exprs, label_variables(variables), errors)
    return exprs


def label_variables(variables):
    """The query variables that list the values of a label of their own name
    (label_values(..., job) for $job): every panel must filter on them."""
    out = []
    for name, v in variables.items():
        query = v.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query
        if v.get("type") == "query" and isinstance(query, str) and \
                re.fullmatch(r"label_values\((.*,)?\s*%s\s*\)" % re.escape(name), query.strip(), re.S):
            out.append(name)
    return out


def check_filters(exprs, names, errors):
    """Every metric selector of every panel target filters on each variable
    of names (`name=~"$name"`), so that a panel shows the deployment chosen."""
    for where, expr in exprs:
        if where.startswith("variable "):
            continue
        try:
            selectors = metric_selectors(expr)
        except PromQLError:
            continue   # reported with the metric names
        for metric, matchers in selectors:
            for name in names:
                if not re.search(r'[{,]\s*%s\s*=~?\s*"\$\{?%s\}?"' % (name, name), matchers):
                    errors.append(f"{where}: {metric} does not filter on ${name} "
                                  f"({name}=~\"${name}\")")


SELF_TESTS = [
    ("sum by (component)(rate(kaizen_ticket_seconds_sum[$__range])) / sum by (component)(rate(kaizen_ticket_seconds_count[$__range]))",
     ["kaizen_ticket_seconds_sum", "kaizen_ticket_seconds_count"]),
    ("histogram_quantile(0.95, sum by (le)(rate(kaizen_http_request_duration_seconds_bucket[5m])))",
     ["kaizen_http_request_duration_seconds_bucket"]),
    ("time() - canary_deployment_start_time > 7200", ["canary_deployment_start_time"]),
    ('sum(rate(x_total{code=~"5..", route!="/a{b}"}[1h:5m] offset 1d)) without (pod) / on (job) group_left(version) info',
     ["x_total", "info"]),
    ('{__name__="named_metric", job="j"} and bool 1e3 or nan', ["named_metric"]),
    ("max(foo) by (instance) unless ignoring(pod) bar @ end()", ["foo", "bar"]),
    ('count(up{job="$job"} == 1) or vector(0)  # a comment with fake_metric', ["up"]),
    ("sum(rate(a[${__rate_interval}])) / sum(rate(b[[[interval]]]))", ["a", "b"]),
    ('label_replace(m, "dst", "$1", "src", "(.*)")', ["m"]),
    ('sum(rate(a{job=~"$job",x="}"}[5m])) / b {namespace=~"$namespace"}', ["a", "b"]),
]


def self_test():
    ok = True
    for expr, want in SELF_TESTS:
        got = metric_names(expr)
        status = "ok " if got == want else "BAD"
        ok &= got == want
        print(f"  {status} {expr!r} -> {got}" + ("" if got == want else f" (want {want})"))
    exposition = (
        "# TYPE kaizen_webhooks_total counter\nkaizen_webhooks_total{result=\"accepted\"} 1\n"
        "# TYPE kaizen_ticket_seconds summary\nkaizen_ticket_seconds_sum 1\nkaizen_ticket_seconds_count 1\n"
        "# TYPE kaizen_lat histogram\nkaizen_lat_bucket{le=\"+Inf\"} 1\nkaizen_lat_sum 1\nkaizen_lat_count 1\n"
        "# TYPE kaizen_redis_up gauge\n"
        "untyped_sample 3\n"
    )
    exp = exported_from_text(exposition, "self-test")
    checks = [("kaizen_webhooks_total", True),
              ("kaizen_ticket_seconds_sum", True), ("kaizen_ticket_seconds_bucket", False),
              ("kaizen_lat_bucket", True), ("kaizen_lat_count", True), ("kaizen_redis_up", True),
              ("kaizen_redis_up_bucket", False), ("kaizen_redis_up_sum", False),
              ("untyped_sample", True), ("kaizen_nope", False)]
    for name, want in checks:
        got = exp.resolve(name) is not None
        ok &= got == want
        print(f"  {'ok ' if got == want else 'BAD'} exposition: {name} exported={got}")
    sampled_ok = exp.sampled == {"kaizen_webhooks_total", "kaizen_ticket_seconds", "kaizen_lat", "untyped_sample"}
    ok &= sampled_ok
    print(f"  {'ok ' if sampled_ok else 'BAD'} exposition: sampled families {sorted(exp.sampled)}")
    filters = [
        ('sum(rate(a{job=~"$job",namespace=~"$namespace"}[5m]))', 0),
        ('sum(rate(a{namespace=~"${namespace}", job=~"$job"}[5m])) / b{job="$job",namespace="$namespace"}', 0),
        ('sum(rate(a{job=~"$job"}[5m]))', 1),
        ('max(a{job=~"$job",namespace=~"$namespace"}) / max(b)', 2),
        ('a{xjob=~"$job",namespace=~"$namespace"}', 1),
    ]
    for expr, want in filters:
        errors = []
        check_filters([("panel", expr)], ["job", "namespace"], errors)
        good = len(errors) == want
        ok &= good
        print(f"  {'ok ' if good else 'BAD'} filters: {expr!r} -> {len(errors)} missing (want {want})")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dashboard", nargs="?")
    ap.add_argument("--metrics-url", default=os.environ.get("KAIZEN_METRICS_URL") or None,
                    help="live /metrics to take exported names from (default: $KAIZEN_METRICS_URL)")
    ap.add_argument("--require-expr", action="append", default=[],
                    help="an expr that must appear verbatim (whitespace-normalised) in some target")
    ap.add_argument("--require-metric", action="append", default=[],
                    help="a metric (family) that some expr must use")
    ap.add_argument("--require-samples", action="store_true",
                    help="live scrape only: every family the dashboard uses must have a sample, not just a TYPE line")
    ap.add_argument("--self-test", action="store_true", help="test the PromQL tokeniser")
    args = ap.parse_args(argv)

    if args.self_test:
        print("== check_dashboard.py self-test")
        if not self_test():
            print("FAIL: self-test", file=sys.stderr)
            return 1
        print("PASS: self-test")
        return 0
    if not args.dashboard:
        ap.error("dashboard path required")

    errors = []
    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL: {args.dashboard}: not valid JSON: {e}", file=sys.stderr)
        return 1
    exprs = check_dashboard(dash, errors)
    print(f"dashboard {args.dashboard}: {len(list(walk_panels(dash.get('panels') or [])))} panels, {len(exprs)} queries")

    try:
        if not args.metrics_url:
            print("FAIL: no metric source: pass --metrics-url or set KAIZEN_METRICS_URL "
                  "(a live /metrics of the gateway)", file=sys.stderr)
            return 1
        exported = exported_from_scrape(args.metrics_url)
    except (OSError, ValueError) as e:
        print(f"FAIL: cannot load exported metric names: {e}", file=sys.stderr)
        return 1
    print(f"exported metric names from: {exported.source}")
    print(f"  {len(exported.families)} families: {', '.join(f'{n} ({t})' for n, t in sorted(exported.families.items()))}")

    used_families = {}
    for where, expr in exprs:
        try:
            names = metric_names(expr)
        except PromQLError as e:
            errors.append(f"{where}: {e}")
            continue
        if not names:
            errors.append(f"{where}: expr uses no metric: {expr!r}")
        for name in names:
            family = exported.resolve(name)
            if family is None:
                errors.append(f"{where}: metric {name!r} is not exported ({exported.source})")
            else:
                used_families.setdefault(family, []).append(where)
                print(f"  ok  {name:<45} {where}")

    all_exprs = {" ".join(e.split()) for _, e in exprs}
    for req in args.require_expr:
        if " ".join(req.split()) in all_exprs:
            print(f"  ok  required expr present: {req}")
        else:
            errors.append(f"required expr not found in any target: {req!r}")
    for req in args.require_metric:
        family = exported.resolve(req) or req
        if family in used_families:
            print(f"  ok  required metric used: {req}")
        else:
            errors.append(f"required metric not used by any panel: {req!r}")

    if exported.sampled is not None:
        for family in sorted(f for f in used_families if f not in exported.sampled):
            panels = sorted({w.split(" target ")[0] for w in used_families[family]})
            msg = f"metric {family!r} has a TYPE line but no sample in the scrape; used by {', '.join(panels)}"
            if args.require_samples:
                errors.append(msg)
            else:
                print(f"  note: {msg}")
    elif args.require_samples:
        errors.append("--require-samples needs a live scrape (--metrics-url or KAIZEN_METRICS_URL)")

    if errors:
        for e in errors:
            print(f"FAIL: {e}", file=sys.stderr)
        return 1
    print(f"PASS: {len(exprs)} queries use {len(used_families)} exported metric families")
    return 0


if __name__ == "__main__":
    sys.exit(main())
