#!/usr/bin/env bash
# Container check: builds the Dockerfile with buildah (no Docker engine, no
# container registry: the debian:trixie-slim base is made locally with
# debootstrap from the machine's Debian mirror), inspects the image (FROM
# scratch: its size, no shell, no package manager, no setuid file, only the
# binary, its libraries, CA certificates, templates and passwd), and runs the
# gateway from it against a throw-away redis-server that speaks TLS only, as
# an ACL user (docs/redis.md's), with a CA made by openssl: --version and
# kaizen_build_info say tls, --check-config reads the TLS files, /healthz,
# /readyz and /-/ready, one signed GitHub `issues` webhook, GET /api/tickets,
# an HTTPS delivery to a self-signed peer (refused for its certificate: TLS
# and the CA bundle work), POST /-/reload and SIGHUP, SIGTERM -> exit 0.
#
# Needs root and the Debian packages: buildah (and netavark on Debian 13)
# debootstrap redis-server redis-tools curl openssl (plus
# coreutils/iproute2/procps, present on any Debian).
#
# Environment (all optional):
#   KAIZEN_SOURCE_DIR              repo root (default: two levels above this script)
#   KAIZEN_DEBIAN_MIRROR           Debian mirror (default: the one apt uses here)
#   KAIZEN_DEBOOTSTRAP_CACHE       rootfs cache dir (default /var/cache/kaizen-debootstrap)
#   KAIZEN_DEBOOTSTRAP_MAX_AGE_DAYS  rebuild the cached rootfs when older (default 7)
#   KAIZEN_BUILDAH_STORAGE_DRIVER  force a storage driver (overlay|vfs); default:
#                                  the system one, falling back to vfs if it fails
#   KAIZEN_IMAGE                   tag of the built image (default localhost/kaizen-gateway:test)
#   KAIZEN_IMAGE_WARN_MB / KAIZEN_IMAGE_MAX_MB   size limits (default 28 / 30)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${KAIZEN_SOURCE_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}
IMAGE=${KAIZEN_IMAGE:-localhost/kaizen-gateway:test}
# The Dockerfile's own FROM, resolved locally (--pull=false): no registry is reached.
BASE_IMAGE=docker.io/library/debian:trixie-slim
WARN_MB=${KAIZEN_IMAGE_WARN_MB:-28}
MAX_MB=${KAIZEN_IMAGE_MAX_MB:-30}
ACL_PASSWORD=container-acl-pw
SECRET=testsecret

# shellcheck source=tests/deploy/debian.sh
. "$SCRIPT_DIR/debian.sh"

# ---------------------------------------------------------------- cleanup
WORK=""; CTRS=(); REDIS_PID=""; RUN_PID=""; GW_PID=""; MNT_CTR=""; TLS_PID=""

descendants() {  # all descendant pids of $1, breadth first
  local todo=("$1") p k
  while [ "${#todo[@]}" -gt 0 ]; do
    p=${todo[0]}; todo=("${todo[@]:1}")
    for k in $(cat /proc/"$p"/task/*/children 2>/dev/null || true); do echo "$k"; todo+=("$k"); done
  done
}
# The gateway process itself (a descendant of `buildah run`), to signal it directly.
find_gateway() {
  local p
  for p in $(descendants "$RUN_PID"); do
    if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "kaizen-gateway" ]; then echo "$p"; return 0; fi
  done
  return 1
}
cleanup() {
  local rc=$?
  set +e
  [ -n "$GW_PID" ] && kill -KILL "$GW_PID" 2>/dev/null
  if [ -n "$RUN_PID" ]; then
    local d; for d in $(descendants "$RUN_PID" | tac); do kill -KILL "$d" 2>/dev/null; done   # deepest first
    kill -KILL "$RUN_PID" 2>/dev/null; wait "$RUN_PID" 2>/dev/null
  fi
  [ -n "$REDIS_PID" ] && { kill -TERM "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; }
  [ -n "$TLS_PID" ] && { kill -TERM "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null; }
  [ -n "$MNT_CTR" ] && buildah umount "$MNT_CTR" >/dev/null 2>&1
  local c
  for c in "${CTRS[@]}"; do [ -n "$c" ] && buildah rm "$c" >/dev/null 2>&1; done
  [ -n "$WORK" ] && rm -rf "$WORK"
  report "$rc" "container checks"
}
on_exit cleanup

# ---------------------------------------------------------------- 1. tools
step "1. checking tools"
require_root_and "buildah bud + debootstrap" buildah debootstrap redis-server curl openssl timeout ss tar sha256sum
[ -f "$SRC/Dockerfile" ] || fail "no Dockerfile in $SRC"
info "buildah $(buildah --version | awk '{print $3}'), debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo '?'), source $SRC"
WORK=$(mktemp -d /tmp/kaizen-container.XXXXXX)

# Storage: the system default (overlay here) unless it does not work in this
# environment (e.g. overlay-on-overlay inside a CI container): then vfs with
# its own graph root, so the two never share one store.
use_vfs() {
  mkdir -p /var/lib/kaizen-buildah/vfs /run/kaizen-buildah/vfs
  cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "/var/lib/kaizen-buildah/vfs"
runroot = "/run/kaizen-buildah/vfs"
EOF
  export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
  unset STORAGE_DRIVER
}
probe_storage() {
  local c m
  c=$(buildah from scratch 2>"$WORK/probe.err") || return 1
  m=$(buildah mount "$c" 2>>"$WORK/probe.err") && [ -d "$m" ] || { buildah rm "$c" >/dev/null 2>&1; return 1; }
  buildah umount "$c" >/dev/null 2>&1; buildah rm "$c" >/dev/null 2>&1
}
case "${KAIZEN_BUILDAH_STORAGE_DRIVER:-}" in
  vfs) use_vfs ;;
  "") if ! probe_storage; then
        info "default storage does not work here ($(tail -1 "$WORK/probe.err")); falling back to vfs"
        use_vfs
        probe_storage || fail "buildah storage (vfs) does not work: $(cat "$WORK/probe.err")"
      fi ;;
  *) export STORAGE_DRIVER=$KAIZEN_BUILDAH_STORAGE_DRIVER ;;
esac
info "buildah storage driver: $(buildah info --format '{{.store.GraphDriverName}}' 2>/dev/null || echo '?'), root: $(buildah info --format '{{.store.GraphRoot}}' 2>/dev/null || echo '?')"

# ---------------------------------------------------------------- 2. base image
step "2. base image $BASE_IMAGE (debootstrap --variant=minbase trixie)"

debian_rootfs trixie

sum=$(sha256sum "$ROOTFS_TAR" | cut -c1-64)
have=$(buildah inspect --type image --format '{{index .ImageAnnotations "org.kaizen.rootfs.sha256"}}' "$BASE_IMAGE" 2>/dev/null || true)
if [ "$have" = "$sum" ]; then
  info "base image up to date (rootfs sha256 ${sum:0:12})"
else
  info "importing rootfs into $BASE_IMAGE"
  c=$(buildah from scratch); CTRS+=("$c")
  MNT_CTR=$c
  mnt=$(buildah mount "$c")
  tar --numeric-owner --xattrs -C "$mnt" -xpf "$ROOTFS_TAR"
  buildah umount "$c" >/dev/null; MNT_CTR=""
  buildah config --os linux --arch "$(dpkg --print-architecture)" --cmd bash \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --annotation "org.kaizen.rootfs.sha256=$sum" "$c"
  buildah commit -q --rm "$c" "$BASE_IMAGE" >/dev/null
  CTRS=("${CTRS[@]/$c}")
fi

# ---------------------------------------------------------------- 3. build
step "3. buildah bud -t $IMAGE (Dockerfile in $SRC)"
old_id=$(buildah images -q --no-trunc "$IMAGE" 2>/dev/null | sed -n 1p || true)
t=$SECONDS
( cd "$SRC" && timeout 900 buildah bud --pull=false --isolation chroot --layers=false \
    -t "$IMAGE" -f Dockerfile . ) >"$WORK/bud.log" 2>&1 \
  || { tail -n 60 "$WORK/bud.log" >&2; fail "buildah bud failed (log above)"; }
info "build took $((SECONDS - t)) s"
new_id=$(buildah images -q --no-trunc "$IMAGE" | sed -n 1p)
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  buildah rmi "$old_id" >/dev/null 2>&1 || true   # the previous run's image, now untagged
fi

# ---------------------------------------------------------------- 4. inspect
step "4. image configuration and size"
# Uncompressed size = sum of the layer sizes in the image manifest.
size=$(buildah inspect --type image --format '{{.Manifest}}' "$IMAGE" \
  | sed -e 's/.*"layers":\[//' -e 's/\].*//' | grep -o '"size":[0-9]*' | awk -F: '{ s += $2 } END { if (s > 0) print s }' || true)
[ -n "$size" ] || fail "cannot read the image size"
mb=$(( (size + 999999) / 1000000 ))
info "image $IMAGE: ${mb} MB (${size} bytes), id $(sed "s/^sha256://" <<<"$new_id" | cut -c1-12)"
if [ "$mb" -gt "$MAX_MB" ]; then fail "image is ${mb} MB, above the ${MAX_MB} MB limit"; fi
if [ "$mb" -gt "$WARN_MB" ]; then info "WARNING: image is ${mb} MB, above the ${WARN_MB} MB target"; fi

cfg() { buildah inspect --type image --format "$1" "$IMAGE"; }
user=$(cfg '{{.OCIv1.Config.User}}')
entry=$(cfg '{{range .OCIv1.Config.Entrypoint}}[{{.}}]{{end}}')
ports=$(cfg '{{range $p, $v := .OCIv1.Config.ExposedPorts}}{{$p}} {{end}}')
stopsig=$(cfg '{{.OCIv1.Config.StopSignal}}')
envs=$(cfg '{{range .OCIv1.Config.Env}}{{println .}}{{end}}')
info "User=$user Entrypoint=$entry ExposedPorts=$ports StopSignal=$stopsig"
[ "$user" = "10001:10001" ] || fail "image user is '$user', want 10001:10001"
[ "$entry" = '[/usr/local/bin/kaizen-gateway]' ] || fail "entrypoint is $entry, want exec form [\"/usr/local/bin/kaizen-gateway\"]"
case " $ports " in *' 8080/tcp '*) ;; *) fail "port 8080/tcp not exposed ($ports)";; esac
[ "$stopsig" = "SIGTERM" ] || fail "stop signal is '$stopsig', want SIGTERM"
grep -qx 'KAIZEN_LISTEN=0.0.0.0:8080' <<<"$envs" || fail "ENV KAIZEN_LISTEN=0.0.0.0:8080 missing"
grep -qx 'KAIZEN_TEMPLATES_DIR=/usr/local/share/kaizen-gateway/templates' <<<"$envs" \
  || fail "ENV KAIZEN_TEMPLATES_DIR=/usr/local/share/kaizen-gateway/templates missing"
if grep -E '^KAIZEN_[A-Z_]*(SECRET|TOKEN|ROUTING_KEY|PASSWORD|WEBHOOK_URL)[A-Z_]*=' <<<"$envs"; then
  fail "a secret is baked into the image environment (above)"
fi

CTR_NAME="kaizen-ct-$$"
CTR=$(buildah from --pull=false --name "$CTR_NAME" "$IMAGE"); CTRS+=("$CTR")
brun() { buildah run --isolation chroot "$@"; }

step "4b. filesystem (mounted on the host: the image has no shell to look with)"
MNT_CTR=$CTR
root=$(buildah mount "$CTR")
( cd "$root" && find . -xdev \( -type f -o -type l \) -printf '%s %M %u:%g %p\n' | sort -k4 ) >"$WORK/files.txt"
info "$(wc -l <"$WORK/files.txt") files; the largest:"
sort -rn "$WORK/files.txt" | sed -n 1,8p | sed 's/^/      /'
for f in bin/sh usr/bin/sh bin/bash usr/bin/apt usr/bin/apt-get usr/bin/dpkg usr/bin/busybox usr/bin/env; do
  [ ! -e "$root/$f" ] && [ ! -L "$root/$f" ] || fail "/$f is in the image (want no shell, no package manager)"
done
suid=$(find "$root" -xdev -type f -perm /6000 2>/dev/null || true)
[ -z "$suid" ] || fail "setuid/setgid files in the image: $suid"
writable=$(find "$root" -xdev ! -path "$root/tmp" \( ! -user 0 -o -perm /022 \) ! -type l 2>/dev/null || true)
[ -z "$writable" ] || fail "files not owned by root or writable by others: $writable"
grep -qx 'kaizen:x:10001:10001:kaizen-gateway:/nonexistent:/nonexistent' "$root/etc/passwd" \
  || fail "no passwd entry for uid 10001"
[ -s "$root/etc/ssl/certs/ca-certificates.crt" ] || fail "CA certificates missing"
[ -x "$root/usr/local/bin/kaizen-gateway" ] || fail "binary missing"
info "templates: $(ls "$root/usr/local/share/kaizen-gateway/templates" | tr '\n' ' ')"
[ -f "$root/usr/local/share/kaizen-gateway/templates/digest_header.mustache" ] || fail "templates missing"
# Only these kinds of file: the binary, shared libraries, certificates, templates, passwd, NSS.
others=$(grep -vE ' \./(usr/local/bin/kaizen-gateway|lib(64)?/.*\.so[.0-9]*|usr/local/share/kaizen-gateway/templates/.*|usr/share/zoneinfo/[A-Za-z0-9_+/-]+|etc/ssl/certs/ca-certificates\.crt|etc/(passwd|group|nsswitch\.conf))$' "$WORK/files.txt" || true)
[ -z "$others" ] || fail "unexpected files in the image: $others"
# Every command the Kubernetes manifests exec in the gateway's container exists in the image.
for cmd in $(grep -ho 'command: \["[^"]*"' "$SRC"/deploy/kubernetes/base/gateway-*.yaml | sed 's/.*\["//; s/"$//' | sort -u); do
  [ -x "$root$cmd" ] || fail "the manifests exec $cmd, which the image does not have"
  info "manifest exec command present: $cmd"
done
buildah umount "$CTR" >/dev/null; MNT_CTR=""
ok_libs=$(grep -c '\.so' "$WORK/files.txt")
info "$ok_libs shared libraries (the closure ldd found at build time)"

# ---------------------------------------------------------------- 5. run
step "5. kaizen-gateway --version (in the image)"
ver=$(brun "$CTR" -- /usr/local/bin/kaizen-gateway --version 2>&1) || fail "--version exited non-zero: $ver"
info "--version: $ver"
grep -q 'kaizen-gateway' <<<"$ver" || fail "--version output does not contain 'kaizen-gateway'"
grep -qF '(tls: yes,' <<<"$ver" || fail "the image's gateway has no Redis TLS: $ver"

brun "$CTR" -- /usr/local/bin/kaizen-gateway sleep 1 || fail "kaizen-gateway sleep (the preStop hook) failed"
info "kaizen-gateway sleep 1 (the preStop hook): exit 0"

step "5b. signed GitHub issues/opened webhook body; kaizen-gateway sign (in the image)"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$WORK/share"; chmod 755 "$WORK/share"   # readable by uid 10001 in the container
body="$WORK/share/issue.json"
printf '%s' '{"action":"opened","issue":{"number":42,"title":"Checkout fails with 500 on empty cart","html_url":"https://github.com/octo-org/api/issues/42","state":"open","labels":[{"name":"severity:high"},{"name":"component:checkout"}],"created_at":"'"$now"'","updated_at":"'"$now"'","closed_at":null,"user":{"login":"octocat"}},"repository":{"full_name":"octo-org/api","name":"api","html_url":"https://github.com/octo-org/api"},"sender":{"login":"octocat"}}' >"$body"
sig="sha256=$(openssl dgst -sha256 -hmac "$SECRET" -r "$body" | cut -d' ' -f1)"
info "signature (openssl): $sig"
# Cross-check with the gateway's own `sign` subcommand, run from the image.
chmod 644 "$body"
mysig=$(brun --volume "$WORK/share:/kaizen-test:ro" "$CTR" -- /usr/local/bin/kaizen-gateway sign --secret "$SECRET" /kaizen-test/issue.json 2>&1) \
  || fail "kaizen-gateway sign failed: $mysig"
[ "$mysig" = "$sig" ] || fail "kaizen-gateway sign printed '$mysig', openssl computed '$sig'"
info "kaizen-gateway sign agrees"

step "5c. redis-server on loopback: TLS only, an ACL user, a CA made here"
# The CA and the server's certificate (valid for a day, from now); the CA goes
# to the directory mounted into the container.
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=kaizen-test-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  -keyout "$WORK/redis-ca.key" -out "$WORK/share/redis-ca.crt"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=redis \
  -keyout "$WORK/redis.key" -out "$WORK/redis.csr"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/redis.ext"
ossl x509 -req -in "$WORK/redis.csr" -CA "$WORK/share/redis-ca.crt" -CAkey "$WORK/redis-ca.key" \
  -set_serial "$RANDOM$RANDOM" -days 1 -extfile "$WORK/redis.ext" -out "$WORK/redis.crt"
chmod 644 "$WORK/share/redis-ca.crt"
REDIS_PORT=$(free_port) || fail "no free port"
mkdir -p "$WORK/redis"
redis-server --bind 127.0.0.1 --port 0 --tls-port "$REDIS_PORT" --tls-cert-file "$WORK/redis.crt" \
  --tls-key-file "$WORK/redis.key" --tls-ca-cert-file "$WORK/share/redis-ca.crt" \
  --tls-auth-clients no --save "" --appendonly no \
  --dir "$WORK/redis" --daemonize no --logfile "$WORK/redis/redis.log" &
REDIS_PID=$!
rcli() { redis-cli --tls --cacert "$WORK/share/redis-ca.crt" -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
for i in $(seq 1 50); do
  [ "$(rcli ping 2>/dev/null)" = PONG ] && break
  kill -0 "$REDIS_PID" 2>/dev/null || fail "redis-server exited: $(tail -5 "$WORK/redis/redis.log")"
  sleep 0.1
done
[ "$(rcli ping)" = PONG ] || fail "redis does not answer PING over TLS"
# The ACL user docs/redis.md tells operators to create, word for word.
acl_line=$(sed -n '/<!-- acl: begin -->/,/<!-- acl: end -->/p' "$SRC/docs/redis.md" | grep '^ACL SETUSER kaizen ')
read -r -a acl <<<"${acl_line//>PASSWORD/>$ACL_PASSWORD}"
[ "$(rcli "${acl[@]}")" = OK ] || fail "ACL SETUSER (docs/redis.md) failed"
REDIS_URL="rediss://kaizen:$ACL_PASSWORD@127.0.0.1:$REDIS_PORT/0"
info "redis-server pid $REDIS_PID on 127.0.0.1:$REDIS_PORT (TLS only), ACL user kaizen"

step "5c2. kaizen-gateway --check-config (in the image): the TLS files"
chk=$(brun --volume "$WORK/share:/kaizen-test:ro" --env "KAIZEN_REDIS_URL=$REDIS_URL" \
      --env KAIZEN_REDIS_TLS_CA_FILE=/kaizen-test/redis-ca.crt --env "KAIZEN_GITHUB_SECRET=$SECRET" \
      "$CTR" -- /usr/local/bin/kaizen-gateway --check-config 2>&1) || fail "--check-config failed: $chk"
sed 's/^/      /' <<<"$chk"
grep -q 'templates ok' <<<"$chk" || fail "--check-config did not check the image's templates"
grep -qF 'CA file /kaizen-test/redis-ca.crt: 1 certificate(s)' <<<"$chk" || fail "--check-config did not read the CA file"
if grep -qE "$SECRET|$ACL_PASSWORD" <<<"$chk"; then fail "--check-config printed a secret"; fi
# Without a CA file: the image's system bundle (SSL_CERT_FILE).
chk=$(brun --env "KAIZEN_REDIS_URL=$REDIS_URL" "$CTR" -- /usr/local/bin/kaizen-gateway --check-config 2>&1) \
  || fail "--check-config with the system CA bundle failed: $chk"
grep -F 'CA: the system bundle /etc/ssl/certs/ca-certificates.crt' <<<"$chk" | sed 's/^/      /' | grep -q . \
  || fail "--check-config did not find the image's CA bundle: $chk"

step "5c2b. time zones from the image's tz database"
chk=$(brun --env KAIZEN_TIMEZONE=America/New_York --env KAIZEN_SLA_CLOCK=high=business \
      --env "KAIZEN_BUSINESS_HOURS=mon-fri 09:00-17:00" --env KAIZEN_HOLIDAYS=2030-07-04 \
      "$CTR" -- /usr/local/bin/kaizen-gateway --check-config 2>&1) \
  || fail "--check-config with KAIZEN_TIMEZONE=America/New_York failed: $chk"
grep -E '^  KAIZEN_(TIMEZONE|BUSINESS_HOURS|HOLIDAYS) ' <<<"$chk" | sed 's/^/      /'
grep -qE '^  KAIZEN_TIMEZONE +America/New_York$' <<<"$chk" || fail "the image did not load America/New_York"
if chk=$(brun --env KAIZEN_TIMEZONE=Mars/Base "$CTR" -- /usr/local/bin/kaizen-gateway --check-config 2>&1); then
  fail "an unknown time zone was accepted"
fi
grep -q "KAIZEN_TIMEZONE: unknown time zone 'Mars/Base'" <<<"$chk" || fail "no clear line for an unknown zone: $chk"
info "America/New_York loads in the image; Mars/Base is refused with one line"

step "5c3. an HTTPS peer with a self-signed certificate (openssl s_server on loopback)"
# The image's TLS stack and CA bundle at work: Slack messages go to this peer,
# which no public CA vouches for, so the gateway must refuse it for exactly
# that reason (not for a missing bundle or library).
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1 || fail "openssl req failed"
TLS_PORT=$(free_port) || fail "no free port"
openssl s_server -quiet -accept "127.0.0.1:$TLS_PORT" -cert "$WORK/tls.crt" -key "$WORK/tls.key" -www \
  >"$WORK/tls.log" 2>&1 </dev/null &
TLS_PID=$!
for i in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$TLS_PORT") 2>/dev/null && break; sleep 0.1; done
info "s_server pid $TLS_PID on 127.0.0.1:$TLS_PORT"

step "5d. gateway from the image (host network via chroot isolation)"
show_log() { echo "---- gateway log (last 40 lines) ----" >&2; tail -n 40 "$WORK/gateway.log" >&2; }
up=0
for attempt in 1 2 3; do   # another process may grab the port between the check and bind
  GW_PORT=$(free_port) || fail "no free port"
  BASE="http://127.0.0.1:$GW_PORT"
  brun --env "KAIZEN_LISTEN=127.0.0.1:$GW_PORT" --volume "$WORK/share:/kaizen-test:ro" \
       --env "KAIZEN_REDIS_URL=$REDIS_URL" --env KAIZEN_REDIS_TLS_CA_FILE=/kaizen-test/redis-ca.crt \
       --env "KAIZEN_GITHUB_SECRET=$SECRET" \
       --env KAIZEN_DRY_RUN=0 --env "KAIZEN_SLACK_WEBHOOK_URL=https://127.0.0.1:$TLS_PORT/hook" \
       --env KAIZEN_DIGEST_EVERY=3600s --env KAIZEN_LOG_LEVEL=debug \
       "$CTR" -- /usr/local/bin/kaizen-gateway >"$WORK/gateway.log" 2>&1 &
  RUN_PID=$!
  for i in $(seq 1 100); do   # ~20 s
    if ! kill -0 "$RUN_PID" 2>/dev/null; then
      wait "$RUN_PID" && rc=0 || rc=$?; RUN_PID=""
      if [ "$attempt" -lt 3 ] && grep -qi 'address already in use' "$WORK/gateway.log"; then
        info "port $GW_PORT taken meanwhile; retrying on another port"; continue 2
      fi
      show_log; fail "gateway exited (status $rc) before serving /healthz"
    fi
    if curl -fsS -m 2 -o /dev/null "$BASE/healthz" 2>/dev/null; then up=1; break 2; fi
    sleep 0.2
  done
  break
done
[ "$up" = 1 ] || { show_log; fail "GET /healthz did not answer 200 within 20 s"; }
GW_PID=$(find_gateway) || { show_log; fail "cannot find the gateway process under buildah run (pid $RUN_PID)"; }
info "GET /healthz -> 200 (gateway pid $GW_PID, uid $(awk '/^Uid:/ {print $2}' "/proc/$GW_PID/status"), $BASE)"
[ "$(awk '/^Uid:/ {print $2}' "/proc/$GW_PID/status")" = 10001 ] || fail "gateway does not run as uid 10001"

step "5d2. GET /readyz and /-/ready -> 200 (Redis reachable from the image, over TLS)"
ready=0
for i in $(seq 1 100); do   # ~20 s
  if curl -fsS -m 2 -o /dev/null "$BASE/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.2
done
[ "$ready" = 1 ] || { show_log; fail "GET /readyz did not answer 200 within 20 s"; }
for path in /readyz /-/ready /-/healthy; do
  code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "$BASE$path") || fail "GET $path failed"
  [ "$code" = 200 ] || { show_log; fail "GET $path answered $code, want 200"; }
done
info "GET /readyz, /-/ready, /-/healthy -> 200"

step "5e. POST /webhooks/github (issues/opened)"
delivery=$(cat /proc/sys/kernel/random/uuid)
code=$(curl -sS -m 10 -o "$WORK/resp.json" -w '%{http_code}' -X POST "$BASE/webhooks/github" \
  -H 'Content-Type: application/json' -H 'X-GitHub-Event: issues' \
  -H "X-GitHub-Delivery: $delivery" -H "X-Hub-Signature-256: $sig" \
  --data-binary "@$body") || { show_log; fail "POST /webhooks/github failed"; }
resp=$(cat "$WORK/resp.json")
info "POST /webhooks/github -> $code $resp"
[ "$code" = 202 ] || { show_log; fail "webhook answered $code, want 202"; }
grep -q '"accepted"' <<<"$resp" || { show_log; fail "webhook response lacks \"accepted\""; }

step "5f. GET /api/tickets (loopback, no admin token)"
tickets=$(curl -fsS -m 10 "$BASE/api/tickets") || { show_log; fail "GET /api/tickets failed"; }
info "GET /api/tickets -> ${tickets:0:400}"
grep -qF '"gh:octo-org/api#42"' <<<"$tickets" || { show_log; fail "ticket gh:octo-org/api#42 not listed"; }
[ "$(rcli --user kaizen --pass "$ACL_PASSWORD" --no-auth-warning hexists '{kz}:ticket' 'gh:octo-org/api#42')" = 1 ] \
  || fail "the ticket is not in Redis (read back over TLS as the ACL user)"
metrics=$(curl -fsS -m 5 "$BASE/metrics") || fail "GET /metrics failed"
grep -q '^kaizen_build_info{version="[^"]*",tls="yes"} 1$' <<<"$metrics" || fail "kaizen_build_info does not say tls=\"yes\""
grep -qx 'kaizen_redis_errors_total{kind="tls"} 0' <<<"$metrics" || fail "TLS errors counted on a good connection"
info "stored in Redis over TLS; $(grep '^kaizen_build_info' <<<"$metrics")"

step "5f1. HTTPS from the image: a digest to the self-signed peer is refused for its certificate"
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X POST "$BASE/api/digest") || fail "POST /api/digest failed"
[ "$code" = 200 ] || [ "$code" = 202 ] || { show_log; fail "POST /api/digest answered $code"; }
tls_err=""
for i in $(seq 1 100); do   # ~20 s
  tls_err=$(grep '"notification failed' "$WORK/gateway.log" | grep -o '"error":"[^"]*"' | sed -n 1p || true)
  [ -n "$tls_err" ] && break
  sleep 0.2
done
info "first delivery attempt: $tls_err"
grep -qi 'certificate' <<<"$tls_err" || { show_log; fail "no certificate error from the TLS peer: '$tls_err'"; }
if grep -qiE 'setting certificate|CAfile|CA file|ca-certificates|not found|could not load' <<<"$tls_err"; then
  fail "the image's CA bundle or TLS library is missing: $tls_err"
fi

step "5f2. reload in the image: POST /-/reload and SIGHUP"
code=$(curl -sS -m 10 -o "$WORK/reload.json" -w '%{http_code}' -X POST "$BASE/-/reload") || fail "POST /-/reload failed"
info "POST /-/reload -> $code $(cat "$WORK/reload.json")"
[ "$code" = 200 ] || { show_log; fail "POST /-/reload answered $code, want 200"; }
kill -HUP "$GW_PID"
for i in $(seq 1 50); do
  [ "$(grep -c 'configuration reloaded' "$WORK/gateway.log")" -ge 2 ] && break
  sleep 0.2
done
[ "$(grep -c 'configuration reloaded' "$WORK/gateway.log")" -ge 2 ] || { show_log; fail "SIGHUP did not reload"; }
kill -0 "$GW_PID" || fail "the gateway died on SIGHUP"
metrics=$(curl -fsS -m 5 "$BASE/metrics") || fail "GET /metrics failed"
grep -qx 'kaizen_config_last_reload_successful 1' <<<"$metrics" || fail "kaizen_config_last_reload_successful is not 1"
info "reloaded twice (endpoint, SIGHUP); kaizen_config_last_reload_successful 1"

step "5g. SIGTERM -> exit 0 within 10 s"
kill -TERM "$GW_PID"
t=$SECONDS
while kill -0 "$RUN_PID" 2>/dev/null && [ $((SECONDS - t)) -lt 10 ]; do sleep 0.1; done
if kill -0 "$RUN_PID" 2>/dev/null; then show_log; fail "gateway still running 10 s after SIGTERM"; fi
wait "$RUN_PID" && rc=0 || rc=$?
RUN_PID=""; GW_PID=""
info "exit status $rc after $((SECONDS - t)) s"
[ "$rc" = 0 ] || { show_log; fail "gateway exited with status $rc after SIGTERM, want 0"; }

step "done: image $IMAGE ${mb} MB"
