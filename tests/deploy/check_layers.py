#!/usr/bin/env python3
"""Checks the include rules docs/architecture.md states.

The table between `<!-- layers: begin -->` and `<!-- layers: end -->` names
each folder and the folders it may use ("everything", "nothing of the
project", or a list of backticked folders). Every `#include "..."` of a
project header in gateway/ and handlers/ must name the file's own folder or
one its row lists. Exit 0 when the code keeps the rules, 1 with one line per
broken include otherwise. Standard library only.

  check_layers.py [--root DIR]     check the checkout at DIR (default: ../..)
  check_layers.py --self-test      prove a broken include is caught
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

GENERATED = {"lua_scripts.h": "gateway/store/"}   # written by the build for the store


def rules(root):
    text = open(os.path.join(root, "docs", "architecture.md"), encoding="utf-8").read()
    m = re.search(r"<!-- layers: begin -->(.*?)<!-- layers: end -->", text, re.S)
    if not m:
        raise SystemExit("docs/architecture.md: no layers table")
    table = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        folder = cells[0].strip("`")
        may = cells[2]
        if may == "everything":
            table[folder] = None
        elif may == "nothing of the project":
            table[folder] = set()
        else:
            table[folder] = set(re.findall(r"`([^`]+/)`", may))
    if not table:
        raise SystemExit("docs/architecture.md: the layers table is empty")
    return table


def folder_of(path, folders):
    """The longest table folder path lies in (gateway/net/redis/x.c is in gateway/net/)."""
    best = None
    for f in folders:
        if path.startswith(f) and (best is None or len(f) > len(best)):
            best = f
    return best


def check(root):
    table = rules(root)
    errors = []
    files = 0
    for top in ("gateway", "handlers"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".c", ".h", ".cpp")):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                own = folder_of(path, table)
                if own is None:
                    errors.append(f"{path}: in no folder of the layers table")
                    continue
                files += 1
                for n, line in enumerate(open(os.path.join(root, path), encoding="utf-8"), 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    inc = m.group(1)
                    target = GENERATED.get(inc) or folder_of(inc, table)
                    if target is None:
                        errors.append(f"{path}:{n}: includes {inc}, which is in no folder of the table")
                    elif target != own and table[own] is not None and target not in table[own]:
                        errors.append(f"{path}:{n}: {own} may not use {target} (includes {inc})")
    return files, errors


def self_test(root):
    tmp = tempfile.mkdtemp(prefix="kz-layers-")
    try:
        for part in ("gateway", "handlers", "docs"):
            shutil.copytree(os.path.join(root, part), os.path.join(tmp, part))
        _, errors = check(tmp)
        if errors:
            print("\n".join(errors))
            return False
        victim = os.path.join(tmp, "gateway", "core", "ticket.h")
        with open(victim, "a", encoding="utf-8") as f:
            f.write('\n#include "gateway/app/config.h"\n')
        _, errors = check(tmp)
        caught = any("gateway/core/ticket.h" in e and "may not use gateway/app/" in e for e in errors)
        print(("ok " if caught else "BAD") + " a core header that includes the configuration is caught")
        return caught
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    if args.self_test:
        return 0 if self_test(root) else 1
    files, errors = check(root)
    for e in errors:
        print("FAIL: " + e, file=sys.stderr)
    if errors:
        return 1
    print(f"ok  {files} files keep the include rules of docs/architecture.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
