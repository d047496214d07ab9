#!/usr/bin/env bash
# Checks deploy/alertmanager/alertmanager.yml (Debian package:
# prometheus-alertmanager, for amtool and the alertmanager binary; python3):
#  1. `amtool check-config` accepts it;
#  2. the kaizen-gateway receiver has the contract settings (URL, bearer
#     credentials_file, send_resolved);
#  3. `amtool config routes test`: gateway and canary alerts route to it;
#  4. live, on loopback only: a real Alertmanager runs a copy of the config
#     (URL and credentials file pointed at temp files, timers shortened) and
#     delivers a firing then a resolved alert to a stub receiver, which checks
#     the path, the bearer token and the version-4 payload.
set -euo pipefail

src="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cfg="$src/deploy/alertmanager/alertmanager.yml"
for tool in amtool prometheus-alertmanager python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (apt-get install prometheus-alertmanager python3)" >&2; exit 1; }
done
echo "== $(amtool --version 2>&1 | sed -n 1p)"

# shellcheck source=tests/deploy/lib.sh
. "$src/tests/deploy/lib.sh"

echo "== amtool check-config deploy/alertmanager/alertmanager.yml"
amtool check-config "$cfg"

echo "== receiver kaizen-gateway has the contract settings"
expect_line() {
  grep -Eq "$1" "$cfg" || fail "alertmanager.yml lacks: $2"
  echo "   ok  $2"
}
expect_line '^[[:space:]]*-[[:space:]]*name:[[:space:]]*"?kaizen-gateway"?[[:space:]]*$' 'receiver kaizen-gateway'
expect_line '^[[:space:]]*-?[[:space:]]*url:[[:space:]]*"?http://kaizen-gateway:8080/webhooks/alertmanager"?[[:space:]]*$' 'url http://kaizen-gateway:8080/webhooks/alertmanager'
expect_line '^[[:space:]]*send_resolved:[[:space:]]*true[[:space:]]*$' 'send_resolved: true'
expect_line '^[[:space:]]*credentials_file:[[:space:]]*"?/etc/alertmanager/secrets/kaizen-token"?[[:space:]]*$' 'credentials_file /etc/alertmanager/secrets/kaizen-token'
for key in group_by group_wait group_interval repeat_interval; do
  expect_line "^[[:space:]]*$key:" "route $key"
done

echo "== amtool config routes test"
for labels in "alertname=KaizenRedisDown severity=critical job=kaizen-gateway" \
              "alertname=CanaryDeploymentTimeout severity=warning deployment=d environment=canary" \
              "alertname=SomethingElse component=checkout"; do
  # shellcheck disable=SC2086 # labels are deliberately split into arguments
  got="$(amtool config routes test --config.file="$cfg" $labels)"
  [[ "$got" == "kaizen-gateway" ]] || fail "{$labels} routes to '$got', want kaizen-gateway"
  echo "   ok  {$labels} -> $got"
done

echo "== live delivery through a real Alertmanager (loopback)"
token="kaizen-test-$RANDOM$RANDOM"
printf '%s\n' "$token" >"$tmp/kaizen-token"
cat >"$tmp/receiver.py" <<'PY'
import http.server, json, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path,
                                "authorization": self.headers.get("Authorization"),
                                "content_type": self.headers.get("Content-Type"),
                                "body": body.decode()}) + "\n")
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status":"accepted"}')
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
PY
python3 "$tmp/receiver.py" "$tmp/requests.jsonl" "$tmp/receiver.port" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/receiver.port" ]] && break; sleep 0.1; done
[[ -s "$tmp/receiver.port" ]] || fail "stub receiver did not start"
rport="$(cat "$tmp/receiver.port")"
amport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

sed -e "s#http://kaizen-gateway:8080/webhooks/alertmanager#http://127.0.0.1:$rport/webhooks/alertmanager#" \
    -e "s#/etc/alertmanager/secrets/kaizen-token#$tmp/kaizen-token#" \
    -e 's#^\([[:space:]]*group_wait:\).*#\1 1s#' \
    -e 's#^\([[:space:]]*group_interval:\).*#\1 1s#' \
    "$cfg" >"$tmp/alertmanager.yml"
grep -q "127.0.0.1:$rport" "$tmp/alertmanager.yml" || fail "could not rewrite the receiver URL"
amtool check-config "$tmp/alertmanager.yml" >/dev/null

prometheus-alertmanager --config.file="$tmp/alertmanager.yml" --storage.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$amport" --cluster.listen-address= >"$tmp/am.log" 2>&1 &
pids+=($!)
am="http://127.0.0.1:$amport"
ready=0
for _ in $(seq 150); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]+'/-/ready', timeout=1)" "$am" 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.2
done
[[ $ready -eq 1 ]] || { cat "$tmp/am.log" >&2; fail "alertmanager did not become ready"; }

wait_for() { # wait_for <status>: until the receiver has a notification with that status
  for _ in $(seq 150); do
    if [[ -s "$tmp/requests.jsonl" ]] && python3 - "$tmp/requests.jsonl" "$1" <<'PY'
import json, sys
sys.exit(0 if any(json.loads(json.loads(l)["body"]).get("status") == sys.argv[2]
                  for l in open(sys.argv[1])) else 1)
PY
    then return 0; fi
    sleep 0.2
  done
  cat "$tmp/am.log" >&2
  fail "no '$1' notification reached the receiver within 30s"
}

labels=(alertname=KaizenDeployTest severity=warning component=checkout job=kaizen-gateway)
amtool alert add "${labels[@]}" --annotation=summary="deploy test alert" \
  --alertmanager.url="$am" --start="$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)"
wait_for firing
echo "   ok  firing notification delivered"
amtool alert add "${labels[@]}" --annotation=summary="deploy test alert" \
  --alertmanager.url="$am" --start="$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" \
  --end="$(date -u -d '-5 sec' +%Y-%m-%dT%H:%M:%SZ)"
wait_for resolved
echo "   ok  resolved notification delivered (send_resolved)"

python3 - "$tmp/requests.jsonl" "$token" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
token = sys.argv[2]
for r in reqs:
    assert r["path"] == "/webhooks/alertmanager", f"path {r['path']!r}"
    assert r["authorization"] == "Bearer " + token, \
        f"Authorization {r['authorization']!r}, want 'Bearer <token from credentials_file>'"
    assert (r["content_type"] or "").startswith("application/json"), f"Content-Type {r['content_type']!r}"
    p = json.loads(r["body"])
    assert p["version"] == "4", f"payload version {p['version']!r}"
    assert p["receiver"] == "kaizen-gateway", f"receiver {p['receiver']!r}"
    assert p["alerts"] and p["alerts"][0]["labels"]["alertname"] == "KaizenDeployTest"
    assert p["alerts"][0]["fingerprint"], "alert without fingerprint"
print(f"   ok  {len(reqs)} request(s): POST /webhooks/alertmanager, Bearer token, JSON version 4")
PY

echo "PASS: alertmanager config"
