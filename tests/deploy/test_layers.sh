#!/usr/bin/env bash
# The layers of docs/architecture.md hold: every project include is allowed
# by the table there (tests/deploy/check_layers.py), and the checker catches
# a broken one.
set -euo pipefail
src="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
python3 "$src/tests/deploy/check_layers.py" --self-test --root "$src"
python3 "$src/tests/deploy/check_layers.py" --root "$src"
echo "PASS: layers"
