#!/usr/bin/env bash
# `cmake --install` of the tested build into a temporary prefix: the binary,
# its templates, the man page and the systemd unit; `man kaizen-gateway`
# renders every variable; `systemd-analyze verify` accepts the unit (and
# rejects a broken copy); the installed binary checks its configuration with
# the installed templates.
set -euo pipefail
src="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
bin="${KAIZEN_BIN:-$src/build/kaizen-gateway}"
build=$(cd "$(dirname "$bin")" && pwd)
# shellcheck source=tests/deploy/lib.sh
. "$src/tests/deploy/lib.sh"

prefix="$tmp/root/usr/local"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"
echo "== installed into $prefix:"
(cd "$tmp/root" && find . -type f | sort | sed 's/^\./   /')
[ -x "$prefix/bin/kaizen-gateway" ] || fail "no binary installed"
for t in "$src"/templates/*.mustache; do
  [ -f "$prefix/share/kaizen-gateway/templates/$(basename "$t")" ] || fail "template $(basename "$t") not installed"
done
unit="$prefix/lib/systemd/system/kaizen-gateway.service"
[ -f "$unit" ] || fail "no systemd unit installed"
[ -f "$prefix/share/man/man1/kaizen-gateway.1" ] || fail "no man page installed"

echo "== man kaizen-gateway"
MANPATH="$prefix/share/man" MANWIDTH=100 man -P cat kaizen-gateway >"$tmp/man.txt" 2>"$tmp/man.err" \
  || { cat "$tmp/man.err"; fail "man kaizen-gateway failed"; }
sed -n 1,8p "$tmp/man.txt"
"$bin" --help | awk '/^  KAIZEN_/ { print $1 }' >"$tmp/vars"
missing=$(while read -r v; do grep -q -- "$v" "$tmp/man.txt" || echo "$v"; done <"$tmp/vars")
[ -z "$missing" ] || fail "the man page lacks: $missing"
echo "   ok  all $(wc -l <"$tmp/vars") variables are in the man page"
groff -man -Tutf8 -ww -z "$prefix/share/man/man1/kaizen-gateway.1" 2>"$tmp/groff.err" || true
[ ! -s "$tmp/groff.err" ] || { cat "$tmp/groff.err"; fail "groff warns about the man page"; }

echo "== systemd-analyze verify"
grep -qx "ExecStart=/usr/local/bin/kaizen-gateway" "$unit" || fail "the unit does not start the installed binary"
for want in 'EnvironmentFile=/etc/kaizen-gateway/env' 'ExecReload=/bin/kill -HUP $MAINPID' \
            'DynamicUser=yes' 'ProtectSystem=strict' 'NoNewPrivileges=yes'; do
  grep -qxF "$want" "$unit" || fail "the unit lacks $want"
done
# verify wants the binary where ExecStart says: point it at this prefix
sed "s#/usr/local/bin/kaizen-gateway#$prefix/bin/kaizen-gateway#" "$unit" >"$tmp/kaizen-gateway.service"
# clean: no error and not one warning
MANPATH="$prefix/share/man" systemd-analyze verify "$tmp/kaizen-gateway.service" 2>"$tmp/verify.err" \
  || { cat "$tmp/verify.err"; fail "systemd-analyze verify rejected the unit"; }
[ ! -s "$tmp/verify.err" ] || { cat "$tmp/verify.err"; fail "systemd-analyze verify warns about the unit"; }
echo "   ok  verified, no warning"
systemd-analyze security --offline=yes "$tmp/kaizen-gateway.service" 2>/dev/null | tail -n 1 | sed 's/^/   /' || true
mkdir -p "$tmp/bad"
sed 's/^ProtectSystem=strict$/ProtectSystem=sometimes/' "$tmp/kaizen-gateway.service" >"$tmp/bad/kaizen-gateway.service"
MANPATH="$prefix/share/man" systemd-analyze verify "$tmp/bad/kaizen-gateway.service" 2>"$tmp/bad.err" || true
grep -qi "protect system" "$tmp/bad.err" || fail "systemd-analyze verify said nothing of a broken unit"
echo "   ok  a broken copy is caught: $(sed -n 1p "$tmp/bad.err")"

echo "== the installed binary with the installed templates"
env -i PATH="$PATH" KAIZEN_TEMPLATES_DIR="$prefix/share/kaizen-gateway/templates" \
  "$prefix/bin/kaizen-gateway" --check-config >"$tmp/check.txt" || { cat "$tmp/check.txt"; fail "--check-config failed"; }
grep -q "templates ok" "$tmp/check.txt" || fail "--check-config did not load the templates"
echo "PASS: install"
