#!/usr/bin/env bash
# Fresh-install check: the README's `scripts/run` on a pristine Debian 13
# (trixie, the primary platform; Debian 12 is proven by the suite itself,
# which CI runs on a Debian 12 host).
#
# A copy of a debootstrap minbase root (see debian.sh) gets a clone of the
# checkout (its tracked files as they are in the working tree) and nothing
# else, and `scripts/run` runs in it (chroot, host network): it must install what it
# needs itself, build, start its Redis and print its ready line. From the
# host: /healthz and /readyz 200, a signed GitHub webhook 202 accepted. The
# README's "Try it" block runs as it is written. Then what scripts/run
# promises: a second run on the same port refuses, a run on
# another port has its own Redis, Ctrl-C exits 0 and stops Redis, and a bad
# configuration, a port already taken or a crash of the gateway leave no
# Redis behind. Last, every package in the root was installed by the
# scripts' own apt-get command. It prints the time the install and build
# took and the disk they used.
#
# Needs root, network to the Debian mirror this machine's apt uses, and the
# Debian packages debootstrap curl openssl iproute2 python3 (and git, to clone
# the checkout with its history).
#
# Environment (optional): KAIZEN_SOURCE_DIR (default: two levels above this
# script), and the debootstrap settings of debian.sh.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${KAIZEN_SOURCE_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}
SECRET=fresh-install-secret
# shellcheck source=tests/deploy/debian.sh
. "$SCRIPT_DIR/debian.sh"

# ---------------------------------------------------------------- cleanup
WORK="" ROOT="" HOLDER=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
  debian_root_remove
  report "$rc" "fresh install"
}
on_exit cleanup

# ---------------------------------------------------------------- 1. tools
step "1. checking tools"
require_root_and "debootstrap, chroot, mount" debootstrap curl openssl ss python3 tar chroot mount setsid timeout
WORK=$(mktemp -d /var/tmp/kaizen-fresh.XXXXXX)

# ---------------------------------------------------------------- 2. root
step "2. pristine Debian 13 root with the checkout in /src/kaizen-gateway"
debian_root trixie
du_mb() { du -sxm "$ROOT" | cut -f1; }
pristine_mb=$(du_mb)
chroot "$ROOT" dpkg-query -W -f '${Package}\n' | sort >"$WORK/pkgs.before"
info "root with the checkout: $pristine_mb MB, $(wc -l <"$WORK/pkgs.before") packages;" \
     "checkout: $(du -sm "$ROOT/src/kaizen-gateway" | cut -f1) MB; $(. "$ROOT/etc/os-release" && echo "$PRETTY_NAME")"

# ---------------------------------------------------------------- helpers
# `scripts/run` in the root, in the background, in a session of its own (so
# that `kill -INT -- -PID` is a Ctrl-C in its terminal), with a clean
# environment plus the given variables. SIGINT reset to its default: a
# background job of a script would otherwise start with it ignored.
start_run() {  # $1 = log file, then VAR=value...
  local log=$1; shift
  setsid env --default-signal=INT chroot "$ROOT" "${CLEAN_ENV[@]}" "$@" /src/kaizen-gateway/scripts/run >"$log" 2>&1 &
  RUN=$!
}
# Runs scripts/run in the foreground; sets RC and OUT (its output).
run_once() {  # VAR=value...
  OUT=$(timeout 300 chroot "$ROOT" "${CLEAN_ENV[@]}" "$@" /src/kaizen-gateway/scripts/run 2>&1) && RC=0 || RC=$?
}
wait_ready() {  # $1 = pid, $2 = log, $3 = bound in seconds
  local t=$SECONDS
  while ! grep -q '^ready: ' "$2"; do
    kill -0 "$1" 2>/dev/null || { tail -n 40 "$2" >&2; fail "scripts/run exited before its ready line"; }
    [ $((SECONDS - t)) -lt "$3" ] || { tail -n 40 "$2" >&2; fail "no ready line within $3 s"; }
    sleep 0.5
  done
}
wait_exit() {  # $1 = pid, $2 = bound in seconds; sets RC
  local t=$SECONDS
  while kill -0 "$1" 2>/dev/null; do
    [ $((SECONDS - t)) -lt "$2" ] || fail "pid $1 still running $2 s after it was asked to stop"
    sleep 0.2
  done
  wait "$1" && RC=0 || RC=$?
}
redis_of() { cat "$ROOT/src/kaizen-gateway/var/redis-$1/redis.pid"; }  # $1 = port
alive() { kill -0 "$1" 2>/dev/null; }
no_redis_in_root() {  # $1 = what just happened
  local p
  for p in $(procs_in_root); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = redis-server ] && fail "$1, but redis-server $p still runs"
  done
  return 0
}
code() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@" || true; }

# ---------------------------------------------------------------- 3. install, build, run
PORT=$(free_port) || fail "no free port"
BASE="http://127.0.0.1:$PORT"
step "3. scripts/run in the root: install, build, start on 127.0.0.1:$PORT"
t=$SECONDS
start_run "$WORK/run.log" KAIZEN_LISTEN="127.0.0.1:$PORT" KAIZEN_GITHUB_SECRET="$SECRET"
MAIN=$RUN
wait_ready "$MAIN" "$WORK/run.log" 1200
install_s=$((SECONDS - t))
installed_mb=$(du_mb)
grep -v '^{' "$WORK/run.log" | sed 's/^/      | /'
info "install + build + start took ${install_s} s; the root grew from $pristine_mb MB to $installed_mb MB" \
     "(+$((installed_mb - pristine_mb)) MB: packages, build/ $(du -sm "$ROOT/src/kaizen-gateway/build" | cut -f1) MB)"
grep -qx "ready: $BASE" "$WORK/run.log" || fail "the ready line is not 'ready: $BASE'"

step "4. from the host: /healthz, /readyz, a signed GitHub webhook"
# Debian 13's hiredis has TLS: the build scripts/run made speaks rediss://.
ver=$(chroot "$ROOT" /src/kaizen-gateway/build/kaizen-gateway --version)
info "$ver"
grep -qF '(tls: yes,' <<<"$ver" || fail "the build on Debian 13 has no Redis TLS: $ver"
for path in /healthz /readyz; do
  c=$(code "$BASE$path"); info "GET $path -> $c"
  [ "$c" = 200 ] || fail "GET $path answered $c, want 200"
done
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
body="$ROOT/tmp/issue.json"
printf '%s' '{"action":"opened","issue":{"number":7,"title":"Fresh install works","state":"open","html_url":"https://github.com/octo-org/api/issues/7","created_at":"'"$now"'","updated_at":"'"$now"'","closed_at":null,"labels":[{"name":"severity:high"}]},"repository":{"full_name":"octo-org/api","name":"api"}}' >"$body"
sig="sha256=$(openssl dgst -sha256 -hmac "$SECRET" -r "$body" | cut -d' ' -f1)"
mine=$(chroot "$ROOT" /src/kaizen-gateway/build/kaizen-gateway sign --secret "$SECRET" /tmp/issue.json)
[ "$mine" = "$sig" ] || fail "kaizen-gateway sign printed '$mine', openssl computed '$sig'"
c=$(curl -sS -m 10 -o "$WORK/resp.json" -w '%{http_code}' "$BASE/webhooks/github" \
  -H 'Content-Type: application/json' -H 'X-GitHub-Event: issues' \
  -H "X-GitHub-Delivery: $(cat /proc/sys/kernel/random/uuid)" -H "X-Hub-Signature-256: $sig" \
  --data-binary "@$body") || fail "POST /webhooks/github failed"
resp=$(cat "$WORK/resp.json")
info "POST /webhooks/github -> $c $resp"
[ "$c $resp" = '202 {"status":"accepted"}' ] || fail "the webhook was not accepted: $c $resp"
curl -fsS -m 10 "$BASE/api/tickets" | grep -qF '"gh:octo-org/api#7"' || fail "the ticket is not listed"

step "5. a second scripts/run on the same port refuses"
run_once KAIZEN_LISTEN="127.0.0.1:$PORT"
info "exit $RC: $OUT"
[ "$RC" = 1 ] || fail "the second run exited $RC, want 1"
grep -q "already serves port $PORT" <<<"$OUT" || fail "the second run does not say the port is served"
[ "$(code "$BASE/readyz")" = 200 ] || fail "the first run is not ready any more"

step "6. a run on another port has its own Redis"
PORT2=$(free_port) || fail "no free port"
start_run "$WORK/run2.log" KAIZEN_LISTEN="127.0.0.1:$PORT2"
OTHER=$RUN
wait_ready "$OTHER" "$WORK/run2.log" 120
r1=$(redis_of "$PORT") r2=$(redis_of "$PORT2")
info "redis-server $r1 (port $PORT), $r2 (port $PORT2)"
[ "$r1" != "$r2" ] && alive "$r1" && alive "$r2" || fail "the two runs do not have a Redis each"

step "7. Ctrl-C: exit 0, its Redis stopped, the other run untouched"
kill -INT -- "-$MAIN"
wait_exit "$MAIN" 60
info "exit $RC; $(grep -v '^{' "$WORK/run.log" | tail -n 1)"
[ "$RC" = 0 ] || fail "Ctrl-C: scripts/run exited $RC, want 0"
! alive "$r1" || fail "Ctrl-C: redis-server $r1 still runs"
alive "$r2" && [ "$(code "http://127.0.0.1:$PORT2/readyz")" = 200 ] || fail "the run on port $PORT2 lost its Redis"
kill -TERM "$OTHER"
wait_exit "$OTHER" 60
[ "$RC" = 0 ] || fail "SIGTERM: scripts/run exited $RC, want 0"
! alive "$r2" || fail "SIGTERM: redis-server $r2 still runs"
info "SIGTERM to the other run: exit 0, redis-server $r2 stopped"

step "8. the README's \"Try it\" block, as it is (on port $PORT instead of 8080)"
awk '/^<!-- try-it -->$/ { f = 1; next } f && /^```sh$/ { g = 1; next } g && /^```$/ { exit } g' \
  "$ROOT/src/kaizen-gateway/README.md" | sed "s/127\.0\.0\.1:8080/127.0.0.1:$PORT/g" >"$ROOT/tmp/try-it.sh"
[ -s "$ROOT/tmp/try-it.sh" ] || fail "no <!-- try-it --> sh block in README.md"
# A reader who tries it twice has the last run's log: its ready line must not count.
echo "ready: http://127.0.0.1:$PORT" >"$ROOT/tmp/kaizen-run.log"
OUT=$(timeout 300 chroot "$ROOT" "${CLEAN_ENV[@]}" KAIZEN_LISTEN="127.0.0.1:$PORT" \
  bash -c 'cd /src/kaizen-gateway && bash /tmp/try-it.sh' 2>&1) && RC=0 || RC=$?
sed 's/^/      | /' <<<"$OUT"
[ "$RC" = 0 ] || fail "the block exited $RC"
for want in '{"status":"accepted"}' '"id":"gh:octo-org/api#42"' '"severity":"high"' \
            'kaizen_webhooks_total{source="github",event="issues",result="accepted"} 1'; do
  grep -qF "$want" <<<"$OUT" || fail "the block's output lacks $want"
done
python3 "$SRC/tests/deploy/check_try_it.py" "$SRC/README.md" <<<"$OUT" || fail "the block's output is not what README.md shows"
no_redis_in_root "the block stopped its scripts/run"

step "9. the gateway ends by itself: no Redis left behind"
run_once KAIZEN_LISTEN="127.0.0.1:$PORT" KAIZEN_SLA=critical=soon
info "bad configuration: exit $RC: $OUT"
[ "$RC" = 2 ] || fail "a bad configuration exited $RC, want 2"
[ "$OUT" = "kaizen-gateway: invalid configuration: KAIZEN_SLA: bad duration 'soon' for critical" ] \
  || fail "a bad configuration printed more or other than the gateway's one line"
no_redis_in_root "a bad configuration exited"

python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$PORT" &
HOLDER=$!
for _ in $(seq 100); do ss -Htln "sport = :$PORT" | grep -q . && break; sleep 0.1; done
ss -Htln "sport = :$PORT" | grep -q . || fail "could not take port $PORT"
run_once KAIZEN_LISTEN="127.0.0.1:$PORT"
info "port taken: exit $RC, $(grep -v '^{' <<<"$OUT" | tail -n 1)"
[ "$RC" != 0 ] || fail "a run on a taken port exited 0"
no_redis_in_root "the gateway could not listen"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true; HOLDER=""

start_run "$WORK/run3.log" KAIZEN_LISTEN="127.0.0.1:$PORT"
wait_ready "$RUN" "$WORK/run3.log" 120
gw=""
for p in $(procs_in_root); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = kaizen-gateway ] && gw=$p; done
[ -n "$gw" ] || fail "cannot find the gateway process in the root"
kill -SEGV "$gw"
wait_exit "$RUN" 60
info "gateway crashed (SIGSEGV): scripts/run exit $RC"
[ "$RC" = 139 ] || fail "after a crash scripts/run exited $RC, want the gateway's 139"
no_redis_in_root "the gateway crashed"

step "10. nothing installed but by the project's scripts"
[ -z "$(procs_in_root)" ] || fail "processes left in the root: $(procs_in_root | tr '\n' ' ')"
chroot "$ROOT" dpkg-query -W -f '${Package}\n' | sort >"$WORK/pkgs.after"
comm -13 "$WORK/pkgs.before" "$WORK/pkgs.after" >"$WORK/pkgs.new"
history="$ROOT/var/log/apt/history.log"
[ -s "$history" ] || fail "no apt history in the root"
grep '^Commandline: ' "$history" | sed 's/^/      | /'
bad=$(grep '^Commandline: ' "$history" | grep -v '^Commandline: apt-get install -y -qq --no-install-recommends ' || true)
[ -z "$bad" ] || fail "apt ran other than as scripts/deps.sh runs it: $bad"
# The packages in the Install: lines of apt's history (name:arch (version), ...).
grep '^Install: ' "$history" | sed 's/^Install: //; s/ ([^)]*)//g; s/, /\n/g' | sed 's/:.*//' | sort -u >"$WORK/pkgs.apt"
stray=$(comm -23 "$WORK/pkgs.new" "$WORK/pkgs.apt")
[ -z "$stray" ] || fail "packages installed outside the scripts' apt-get: $stray"
info "$(wc -l <"$WORK/pkgs.before") packages before, $(wc -l <"$WORK/pkgs.after") after:" \
     "the $(wc -l <"$WORK/pkgs.new") new ones all installed by the scripts' apt-get --no-install-recommends"

step "done: install + build ${install_s} s, +$((installed_mb - pristine_mb)) MB on a $pristine_mb MB root"
