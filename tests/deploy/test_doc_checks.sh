#!/usr/bin/env bash
# The user docs hold together: every relative link and #anchor of README.md
# and docs/ resolves, README.md stays within 300 lines with no issue
# numbers, files shown in the docs are shown as they are, and the Redis key
# table matches gateway/store/keys.[ch] (check_docs.py). The checkers test
# themselves on fixed samples first, including the comparison of the
# README's Try-it output (check_try_it.py; the fresh-install test runs the
# block itself). The example host environment passes --check-config.
set -euo pipefail
src="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
bin="${KAIZEN_BIN:-$src/build/kaizen-gateway}"
# shellcheck source=tests/deploy/lib.sh
. "$src/tests/deploy/lib.sh"
command -v python3 >/dev/null || fail "python3 not found"

echo "== check_docs.py self-test"
python3 "$src/tests/deploy/check_docs.py" --self-test
echo "== check_try_it.py self-test"
python3 "$src/tests/deploy/check_try_it.py" --self-test "$src/README.md"
echo "== the docs"
python3 "$src/tests/deploy/check_docs.py" "$src"
echo "== examples/host.env passes --check-config"
env -i PATH="$PATH" KAIZEN_TEMPLATES_DIR="$src/templates" bash -c 'set -a; . "$1"; set +a; exec "$2" --check-config' bash \
  "$src/examples/host.env" "$bin" >"$tmp/check.txt" 2>&1 \
  || { cat "$tmp/check.txt"; fail "examples/host.env does not pass --check-config"; }
sed -n 1p "$tmp/check.txt"
echo "PASS: doc checks"
