#!/usr/bin/env bash
# The generated reference docs are fresh: docs/configuration.md and the man
# page docs/kaizen-gateway.1 are what the built binary prints from its
# configuration table (--help-markdown, --help-man), and --help lists every
# variable the reference does. Regenerate with:
#   build/kaizen-gateway --help-markdown > docs/configuration.md
#   build/kaizen-gateway --help-man > docs/kaizen-gateway.1
set -euo pipefail
src="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
bin="${KAIZEN_BIN:-$src/build/kaizen-gateway}"
# shellcheck source=tests/deploy/lib.sh
. "$src/tests/deploy/lib.sh"

"$bin" --help-markdown >"$tmp/configuration.md"
if ! diff -u "$src/docs/configuration.md" "$tmp/configuration.md"; then
  fail "docs/configuration.md is stale: regenerate it with kaizen-gateway --help-markdown"
fi
echo "ok  docs/configuration.md matches --help-markdown"
"$bin" --help-man >"$tmp/kaizen-gateway.1"
if ! diff -u "$src/docs/kaizen-gateway.1" "$tmp/kaizen-gateway.1"; then
  fail "docs/kaizen-gateway.1 is stale: regenerate it with kaizen-gateway --help-man"
fi
echo "ok  docs/kaizen-gateway.1 matches --help-man"

"$bin" --help >"$tmp/help.txt"
grep -o '^| `KAIZEN_[A-Z0-9_]*`' "$src/docs/configuration.md" | tr -d '|` ' | sort >"$tmp/documented"
grep -oE '^  KAIZEN_[A-Z0-9_]+' "$tmp/help.txt" | tr -d ' ' | sort >"$tmp/helped"
diff -u "$tmp/documented" "$tmp/helped" || fail "--help and docs/configuration.md list different variables"
echo "ok  --help lists the $(wc -l <"$tmp/documented") documented variables"
echo "PASS: docs"
