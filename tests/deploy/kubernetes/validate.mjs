// Validates Kubernetes manifests (multi-document YAML) for kaizen-gateway.
//
//   node validate.mjs schema   FILE...   every object against the Kubernetes
//                                        OpenAPI schema, strictly
//   node validate.mjs contract BASE.yaml [OVERLAY.yaml]
//                                        the deployment contract of
//                                        deploy/kubernetes (docs/deploy.md)
//   node validate.mjs layout   DIR...    each kustomization.yaml lists files
//                                        that exist, and every manifest of its
//                                        directory (but *.example.yaml)
//   node validate.mjs same     A.yaml B.yaml
//                                        two renderings hold the same objects
//                                        (generated-name hashes ignored)
//
// Schema validation has two independent parts, because neither library alone
// rejects misspelled field names:
//   1. kubernetes-models (JSON schema compiled from the Kubernetes OpenAPI
//      spec): types, formats, required fields, int-or-string, ...;
//      @kubernetes-models/prometheus-operator for the ServiceMonitor CRD.
//   2. unknown fields, as `kubectl apply --validate=strict` would report them:
//      built-in kinds are walked along the attribute type maps of the official
//      client (@kubernetes/client-node, generated from the same OpenAPI spec);
//      for the CRD, every key the CRD schema validator never looks at is
//      unknown (the schema lists its properties, so the generated validator
//      reads each known one; maps are enumerated as a whole).
// Exit status: 0 all good, 1 a check failed, 2 usage or I/O error.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import * as k8s from "@kubernetes/client-node";

const require = createRequire(import.meta.url);
const failures = [];
const fail = (where, msg) => failures.push(`${where}: ${msg}`);

function loadObjects(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    console.error(`cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
  const out = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      fail(file, `YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // empty document
    out.push(obj);
  }
  return out;
}

// JSON with sorted keys, to compare objects whatever their key order
const canon = (v) =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x);

const idOf = (o) => `${o?.apiVersion ?? "?"}/${o?.kind ?? "?"} ${o?.metadata?.name ?? "?"}`;

// ---------------------------------------------------------------- schema ---

// kubernetes-models module of an apiVersion: "v1" -> kubernetes-models/v1,
// "apps/v1" -> kubernetes-models/apps/v1, CRDs from their own packages.
const CRD_MODELS = {
  "monitoring.coreos.com/v1": { models: "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1" },
};

function modelFor(apiVersion, kind) {
  const crd = CRD_MODELS[apiVersion];
  const mod = crd ? crd.models : `kubernetes-models/${apiVersion}`;
  try {
    return require(mod)[kind];
  } catch {
    return undefined;
  }
}

// Class of @kubernetes/client-node for a built-in kind: apps/v1 Deployment ->
// V1Deployment, autoscaling/v2 HorizontalPodAutoscaler -> V2Horizontal...
function clientClassFor(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  const name = version[0].toUpperCase() + version.slice(1) + kind;
  return typeof k8s[name]?.getAttributeTypeMap === "function" ? name : undefined;
}

const SCALARS = new Set(["string", "number", "boolean", "Date", "IntOrString", "any", "object"]);

// Walks value along client-node's type `type`, reporting fields the type lacks.
function strictWalk(value, type, path, where) {
  if (value === null || value === undefined || SCALARS.has(type)) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (Array.isArray(value)) value.forEach((v, i) => strictWalk(v, m[1], `${path}[${i}]`, where));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) strictWalk(v, m[1], `${path}.${k}`, where);
    return;
  }
  const cls = k8s[type];
  if (typeof cls?.getAttributeTypeMap !== "function") {
    fail(where, `internal: no client model for type ${type} at ${path || "."}`);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return; // type errors: the JSON schema part reports them
  const attrs = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!attrs.has(k)) fail(where, `unknown field "${path ? path + "." : ""}${k}" (not in ${type})`);
    else strictWalk(v, attrs.get(k), path ? `${path}.${k}` : k, where);
  }
}

// Runs the model's ajv-compiled schema validator on a proxy of `obj` and
// returns the paths of keys the validator never read (unknown to the schema).
function unreadKeys(Model, obj) {
  const reads = new Map(); // path -> Set of keys read
  const enumerated = new Set(); // paths whose keys were all iterated (maps)
  const wrap = (v, path) => {
    if (v === null || typeof v !== "object") return v;
    if (!reads.has(path)) reads.set(path, new Set());
    return new Proxy(v, {
      get(t, k, r) {
        if (typeof k !== "string") return Reflect.get(t, k, r);
        reads.get(path).add(k);
        return wrap(Reflect.get(t, k, r), `${path}.${k}`);
      },
      ownKeys(t) {
        enumerated.add(path);
        return Reflect.ownKeys(t);
      },
    });
  };
  try {
    Model.prototype.validate.call(wrap(obj, "")); // schema errors: reported by schemaCheck
  } catch {
    /* ignored */
  }
  const unknown = [];
  const visit = (v, path) => {
    if (v === null || typeof v !== "object") return;
    for (const [k, child] of Object.entries(v)) {
      const seen = enumerated.has(path) || reads.get(path)?.has(k);
      if (!seen) unknown.push(`${path}.${k}`.slice(1));
      else visit(child, `${path}.${k}`);
    }
  };
  visit(obj, "");
  return unknown;
}

function schemaCheck(obj, file) {
  const where = `${file}: ${idOf(obj)}`;
  if (typeof obj !== "object" || Array.isArray(obj)) return fail(file, "a document is not a mapping");
  for (const f of ["apiVersion", "kind"]) if (typeof obj[f] !== "string") return fail(where, `missing ${f}`);
  if (typeof obj.metadata?.name !== "string" || obj.metadata.name === "") fail(where, "missing metadata.name");

  const Model = modelFor(obj.apiVersion, obj.kind);
  if (!Model) return fail(where, `no schema known for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
  try {
    new Model(JSON.parse(JSON.stringify(obj))).validate();
  } catch (e) {
    const errs = e.errors ?? [{ instancePath: "", message: e.message }];
    for (const er of errs) {
      const extra = er.params?.missingProperty ? ` (${er.params.missingProperty})` : er.params?.allowedValues ? ` (${er.params.allowedValues.join(", ")})` : "";
      fail(where, `schema: ${er.instancePath || "/"} ${er.message}${extra}`);
    }
  }

  const crd = CRD_MODELS[obj.apiVersion];
  if (crd) {
    for (const p of unreadKeys(Model, JSON.parse(JSON.stringify(obj))))
      fail(where, `unknown field "${p}" (not in the ${obj.kind} CRD schema)`);
    return;
  }
  const cls = clientClassFor(obj.apiVersion, obj.kind);
  if (!cls) return fail(where, `no field list known for ${obj.apiVersion} ${obj.kind}`);
  strictWalk(obj, cls, "", where);
}

// -------------------------------------------------------------- contract ---

function contract(baseFile, overlayFile) {
  const base = loadObjects(baseFile);
  const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
  const need = (objs, kind, name) => {
    const o = find(objs, kind, name);
    if (!o) fail(baseFile, `missing ${kind} ${name}`);
    return o;
  };
  const eq = (where, what, got, want) => {
    if (canon(got) !== canon(want)) fail(where, `${what} is ${canon(got)}, want ${canon(want)}`);
  };
  const subset = (small, big) => small && big && Object.entries(small).every(([k, v]) => big[k] === v);

  for (const o of base)
    if (!o.metadata?.labels?.["app.kubernetes.io/name"]) fail(idOf(o), "no app.kubernetes.io/name label");
  for (const o of base) if (o.kind === "Secret") fail(idOf(o), "a Secret is rendered: secrets are created out of band");

  // Deployment
  const dep = need(base, "Deployment", "kaizen-gateway");
  const podLabels = dep?.spec?.template?.metadata?.labels;
  if (dep) {
    const w = "Deployment kaizen-gateway";
    const s = dep.spec, pod = s.template.spec;
    eq(w, "replicas", s.replicas, 2);
    eq(w, "strategy", s.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    if (!subset(s.selector?.matchLabels, podLabels)) fail(w, "selector does not match the pod labels");
    const c = pod.containers?.find((x) => x.name === "gateway");
    if (!c) fail(w, "no container named gateway");
    else {
      eq(w, "image", c.image, "kaizen-gateway:0.2.0");
      eq(w, "ports", c.ports?.map((p) => [p.name, p.containerPort]), [["http", 8080]]);
      eq(w, "livenessProbe", [c.livenessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.port], ["/healthz", "http"]);
      eq(w, "readinessProbe", [c.readinessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.port], ["/readyz", "http"]);
      eq(w, "resources", c.resources, { requests: { cpu: "50m", memory: "40Mi" }, limits: { cpu: "500m", memory: "128Mi" } });
      const sc = { ...pod.securityContext, ...c.securityContext };
      eq(w, "runAsNonRoot", sc.runAsNonRoot, true);
      eq(w, "runAsUser", sc.runAsUser, 10001);
      eq(w, "runAsGroup", sc.runAsGroup, 10001);
      eq(w, "readOnlyRootFilesystem", c.securityContext?.readOnlyRootFilesystem, true);
      eq(w, "allowPrivilegeEscalation", c.securityContext?.allowPrivilegeEscalation, false);
      eq(w, "capabilities.drop", c.securityContext?.capabilities?.drop, ["ALL"]);
      eq(w, "seccompProfile", sc.seccompProfile?.type, "RuntimeDefault");
      const pre = c.lifecycle?.preStop?.exec?.command;
      // ["/usr/local/bin/kaizen-gateway", "sleep", N]: the image has no /bin/sleep
      const preSec = Array.isArray(pre) && pre[0] === "/usr/local/bin/kaizen-gateway" &&
        pre[1] === "sleep" ? Number(pre[2]) : NaN;
      if (!(preSec > 0)) fail(w, "no preStop sleep (kaizen-gateway sleep N)");
      // gateway drain is at most 10 s (docs/operations.md): preStop + 10 s must fit the grace period
      if (!(pod.terminationGracePeriodSeconds >= preSec + 10))
        fail(w, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < preStop ${preSec}s + 10s drain`);
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
      eq(w, "KAIZEN_LISTEN", env.KAIZEN_LISTEN, "0.0.0.0:8080");
      eq(w, "KAIZEN_REDIS_URL", env.KAIZEN_REDIS_URL, "redis://kaizen-redis:6379/0");
      if (!env.KAIZEN_PUBLIC_URL) fail(w, "KAIZEN_PUBLIC_URL not set");
      // secrets only through *_FILE, from the read-only secret mount
      const mount = c.volumeMounts?.find((m) => m.mountPath === "/etc/kaizen/secrets");
      if (!mount?.readOnly) fail(w, "no read-only mount at /etc/kaizen/secrets");
      const vol = pod.volumes?.find((v) => v.name === mount?.name);
      eq(w, "secret volume", vol?.secret?.secretName, "kaizen-gateway-secrets");
      const paths = new Set((vol?.secret?.items ?? []).map((i) => `/etc/kaizen/secrets/${i.path}`));
      for (const name of ["GITHUB_SECRET", "ALERTMANAGER_TOKEN", "ADMIN_TOKEN", "SLACK_WEBHOOK_URL", "PAGER_ROUTING_KEY"]) {
        const v = env[`KAIZEN_${name}_FILE`];
        if (!v) fail(w, `KAIZEN_${name}_FILE not set`);
        else if (!paths.has(v)) fail(w, `KAIZEN_${name}_FILE=${v} is not a file of the secret volume`);
      }
      for (const e of c.env ?? [])
        if (/(SECRET|TOKEN|KEY|PASSWORD|WEBHOOK_URL)$/.test(e.name) && !e.name.endsWith("_FILE"))
          fail(w, `secret ${e.name} passed as a plain variable; use ${e.name}_FILE`);
      const cmRef = c.envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
      const cm = base.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmRef);
      if (!cm) fail(w, `envFrom ConfigMap ${cmRef} is not rendered`);
      else for (const k of ["KAIZEN_SLA", "KAIZEN_DIGEST_AT", "KAIZEN_CHECK_EVERY"]) if (!(k in (cm.data ?? {}))) fail(idOf(cm), `no ${k}`);
      if (cm) for (const k of Object.keys(cm.data ?? {})) if (/SECRET|TOKEN|WEBHOOK_URL|ROUTING_KEY/.test(k)) fail(idOf(cm), `secret ${k} in a ConfigMap`);
    }
    const aff = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
    if (aff?.topologyKey !== "kubernetes.io/hostname" || !subset(aff.labelSelector?.matchLabels, podLabels))
      fail(w, "no preferred pod anti-affinity across nodes");
  }

  // Service
  const svc = need(base, "Service", "kaizen-gateway");
  if (svc) {
    const w = "Service kaizen-gateway";
    eq(w, "type", svc.spec.type ?? "ClusterIP", "ClusterIP");
    eq(w, "ports", svc.spec.ports?.map((p) => [p.name, p.port]), [["http", 8080]]);
    if (!subset(svc.spec.selector, podLabels)) fail(w, "selector does not match the gateway pods");
  }

  // Ingress: only /webhooks/ and /feeds/, never /api or /metrics
  const ing = need(base, "Ingress", "kaizen-gateway");
  if (ing) {
    const w = "Ingress kaizen-gateway";
    if (ing.spec.defaultBackend) fail(w, "has a defaultBackend (would expose every path)");
    const paths = (ing.spec.rules ?? []).flatMap((r) => r.http?.paths ?? []);
    for (const p of paths) {
      const path = p.path ?? "/";
      if (/^\/(api|metrics)(\/|$)/.test(path)) fail(w, `exposes ${path}`);
      else if (!/^\/(webhooks|feeds)\//.test(path)) fail(w, `path ${path} is neither under /webhooks/ nor /feeds/`);
      if (p.pathType === "ImplementationSpecific") fail(w, `path ${path}: pathType ImplementationSpecific (may be a regex)`);
      if (p.backend?.service?.name !== "kaizen-gateway") fail(w, `path ${path} does not go to Service kaizen-gateway`);
    }
    const got = new Set(paths.map((p) => p.path));
    for (const want of ["/webhooks/", "/feeds/"]) if (!got.has(want)) fail(w, `no path ${want}`);
  }

  const pdb = need(base, "PodDisruptionBudget", "kaizen-gateway");
  if (pdb) {
    eq("PodDisruptionBudget", "minAvailable", pdb.spec.minAvailable, 1);
    if (!subset(pdb.spec.selector?.matchLabels, podLabels)) fail("PodDisruptionBudget", "selector does not match the gateway pods");
  }
  const hpa = need(base, "HorizontalPodAutoscaler", "kaizen-gateway");
  if (hpa) {
    const w = "HorizontalPodAutoscaler";
    eq(w, "scaleTargetRef", hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "kaizen-gateway" });
    eq(w, "min/max", [hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 6]);
    eq(w, "metrics", hpa.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
  }

  // Redis
  const sts = need(base, "StatefulSet", "kaizen-redis");
  const rsvc = need(base, "Service", "kaizen-redis");
  if (sts) {
    const w = "StatefulSet kaizen-redis";
    const pod = sts.spec.template.spec, c = pod.containers?.[0] ?? {};
    eq(w, "replicas", sts.spec.replicas, 1);
    eq(w, "serviceName", sts.spec.serviceName, "kaizen-redis");
    eq(w, "image", c.image, "redis:7");
    const argv = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
    if (!/--appendonly yes/.test(argv)) fail(w, "AOF is not on (--appendonly yes)");
    for (const p of ["livenessProbe", "readinessProbe"])
      if (!/redis-cli ping/.test((c[p]?.exec?.command ?? []).join(" "))) fail(w, `${p} is not redis-cli ping`);
    const sc = { ...pod.securityContext, ...c.securityContext };
    eq(w, "runAsNonRoot", sc.runAsNonRoot, true);
    eq(w, "runAsUser", sc.runAsUser, 999);
    const vct = sts.spec.volumeClaimTemplates?.[0];
    eq(w, "PVC size", vct?.spec?.resources?.requests?.storage, "1Gi");
    if (!c.volumeMounts?.some((m) => m.name === vct?.metadata?.name && m.mountPath === "/data")) fail(w, "PVC not mounted at /data");
    if (rsvc) {
      eq("Service kaizen-redis", "clusterIP", rsvc.spec.clusterIP, "None");
      if (!subset(rsvc.spec.selector, sts.spec.template.metadata.labels)) fail("Service kaizen-redis", "selector does not match the Redis pod");
      eq("Service kaizen-redis", "port", rsvc.spec.ports?.map((p) => p.port), [6379]);
    }
    const np = base.find((o) => o.kind === "NetworkPolicy" && subset(o.spec.podSelector?.matchLabels, sts.spec.template.metadata.labels));
    if (!np) fail(w, "no NetworkPolicy selects the Redis pod");
    else {
      const rules = np.spec.ingress ?? [];
      if (!np.spec.policyTypes?.includes("Ingress")) fail(idOf(np), "policyTypes lacks Ingress");
      for (const r of rules) {
        if (!r.from?.length || !r.from.every((f) => f.podSelector && !f.namespaceSelector && !f.ipBlock && subset(f.podSelector.matchLabels, podLabels)))
          fail(idOf(np), "admits peers other than the gateway pods");
        eq(idOf(np), "ports", r.ports?.map((p) => [p.protocol ?? "TCP", p.port]), [["TCP", 6379]]);
      }
      if (!rules.length) fail(idOf(np), "no ingress rule for the gateway");
    }
  }

  if (overlayFile) {
    const ov = loadObjects(overlayFile);
    const sm = ov.find((o) => o.kind === "ServiceMonitor");
    if (!sm) fail(overlayFile, "no ServiceMonitor");
    else {
      const w = "ServiceMonitor";
      eq(w, "apiVersion", sm.apiVersion, "monitoring.coreos.com/v1");
      eq(w, "endpoints", sm.spec.endpoints?.map((e) => [e.port, e.path]), [["http", "/metrics"]]);
      const osvc = find(ov, "Service", "kaizen-gateway");
      if (!osvc || !subset(sm.spec.selector?.matchLabels, osvc.metadata.labels)) fail(w, "selector does not match Service kaizen-gateway");
      if (sm.metadata.namespace !== osvc?.metadata?.namespace) fail(w, "not in the namespace of the Service");
    }
    // the overlay is the base plus the ServiceMonitor
    eq(overlayFile, "objects", ov.filter((o) => o !== sm).map((o) => `${o.kind}/${o.metadata.name}`).sort(),
       base.map((o) => `${o.kind}/${o.metadata.name}`).sort());
  }
}

// ---------------------------------------------------------------- layout ---

function layout(dir) {
  const kfile = join(dir, "kustomization.yaml");
  const [k] = loadObjects(kfile);
  if (!k) return fail(kfile, "missing or empty");
  const want = { Kustomization: "kustomize.config.k8s.io/v1beta1", Component: "kustomize.config.k8s.io/v1alpha1" };
  if (want[k.kind] !== k.apiVersion) fail(kfile, `apiVersion/kind ${k.apiVersion} ${k.kind}`);
  const listed = new Set();
  for (const field of ["resources", "components"])
    for (const r of k[field] ?? []) {
      if (!existsSync(join(dir, r))) fail(kfile, `${field}: ${r} does not exist`);
      listed.add(r);
    }
  for (const p of k.patches ?? [])
    if (p.path) {
      if (!existsSync(join(dir, p.path))) fail(kfile, `patches: ${p.path} does not exist`);
      listed.add(p.path);
    }
  for (const f of readdirSync(dir))
    if (/\.ya?ml$/.test(f) && f !== "kustomization.yaml" && !/\.example\.ya?ml$/.test(f) && !listed.has(f))
      fail(kfile, `${f} is not listed in resources`);
  for (const f of ["bases", "commonLabels", "patchesStrategicMerge", "patchesJson6902", "vars"])
    if (f in k) fail(kfile, `uses deprecated field ${f}`);
}

// ------------------------------------------------------------------ same ---

function same(a, b) {
  const norm = (file) =>
    loadObjects(file)
      .map((o) => canon(o).replace(/(kaizen-gateway-config)-[a-z0-9]{10}\b/g, "$1-HASH"))
      .sort();
  const A = norm(a), B = norm(b);
  if (A.length !== B.length) fail(`${a} vs ${b}`, `${A.length} objects vs ${B.length}`);
  A.forEach((x, i) => {
    if (x !== B[i]) fail(`${a} vs ${b}`, `objects differ:\n  ${x}\n  ${B[i]}`);
  });
}

// ------------------------------------------------------------------ main ---

const [mode, ...files] = process.argv.slice(2);
if (!["schema", "contract", "layout", "same"].includes(mode) || files.length === 0) {
  console.error("usage: validate.mjs schema FILE... | contract BASE [OVERLAY] | layout DIR... | same A B");
  process.exit(2);
}
let count = 0;
if (mode === "schema") {
  for (const f of files) {
    const objs = loadObjects(f);
    if (objs.length === 0) fail(f, "no objects");
    for (const o of objs) {
      schemaCheck(o, f);
      count++;
    }
  }
} else if (mode === "layout") {
  files.forEach(layout);
} else if (mode === "contract") {
  contract(files[0], files[1]);
} else {
  same(files[0], files[1]);
}
for (const f of failures) console.error(`FAIL ${f}`);
if (failures.length) process.exit(1);
console.log(mode === "schema" ? `ok: ${count} objects valid` : `ok: ${mode}`);
