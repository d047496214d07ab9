// Baseline for bench/webhooks.sh: a minimal GitHub webhook receiver in
// Node.js, standing in for the small "Node tools" a team would otherwise run.
// No npm packages: node:http, node:crypto (HMAC-SHA256, constant-time compare)
// and a tiny pipelined RESP client over node:net.
//
// Per POST /webhooks/github it does what the gateway does, minus templates,
// metrics and logging: verify X-Hub-Signature-256, parse the JSON, derive
// severity/component from labels, SET kz:delivery:github:<id> NX EX (duplicate
// -> 200), then HSET the ticket and ZADD it to the index (-> 202).
// GET /healthz answers 200.
//
// usage: KAIZEN_GITHUB_SECRET=s node bench/baseline_receiver.mjs PORT REDIS_PORT
import crypto from "node:crypto";
import http from "node:http";
import net from "node:net";

const [port, redisPort] = process.argv.slice(2).map(Number);
const secrets = (process.env.KAIZEN_GITHUB_SECRET || "").split(",").filter(Boolean);
if (!port || !redisPort || secrets.length === 0) {
  console.error("usage: KAIZEN_GITHUB_SECRET=s node baseline_receiver.mjs PORT REDIS_PORT");
  process.exit(2);
}
const TTL = 7 * 24 * 3600;
const SLA = { critical: 4 * 3600, high: 24 * 3600, medium: 72 * 3600, low: 168 * 3600 };

// ------------------------------------------------------------ RESP client
const redis = net.createConnection({ host: "127.0.0.1", port: redisPort });
redis.setNoDelay(true);
const waiting = [];
let buf = Buffer.alloc(0);

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const s = String(a);
    out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  }
  return out;
}

function command(...args) {
  return new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    redis.write(encode(args));
  });
}

// Parses one reply at buf[i]; returns [value, next] or null when incomplete.
function parse(i) {
  const eol = buf.indexOf("\r\n", i);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString("utf8", i + 1, eol);
  if (type === "+") return [line, eol + 2];
  if (type === "-") return [new Error(line), eol + 2];
  if (type === ":") return [Number(line), eol + 2];
  if (type === "$") {
    const n = Number(line);
    if (n < 0) return [null, eol + 2];
    if (buf.length < eol + 2 + n + 2) return null;
    return [buf.toString("utf8", eol + 2, eol + 2 + n), eol + 2 + n + 2];
  }
  if (type === "*") {
    const n = Number(line);
    const out = [];
    let j = eol + 2;
    for (let k = 0; k < n; k++) {
      const r = parse(j);
      if (!r) return null;
      out.push(r[0]);
      j = r[1];
    }
    return [out, j];
  }
  throw new Error(`bad RESP type ${type}`);
}

redis.on("data", (chunk) => {
  buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
  let i = 0;
  for (;;) {
    const r = i < buf.length ? parse(i) : null;
    if (!r) break;
    const w = waiting.shift();
    if (r[0] instanceof Error) w.reject(r[0]);
    else w.resolve(r[0]);
    i = r[1];
  }
  buf = buf.subarray(i);
});
redis.on("error", (e) => {
  console.error(`redis: ${e.message}`);
  process.exit(1);
});

// ------------------------------------------------------------ webhook logic
function verify(body, header) {
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  const got = Buffer.from(header.slice(7), "hex");
  return secrets.some((s) => {
    const want = crypto.createHmac("sha256", s).update(body).digest();
    return got.length === want.length && crypto.timingSafeEqual(got, want);
  });
}

function labelValue(labels, prefixes) {
  for (const l of labels) {
    for (const p of prefixes) if (l.name.startsWith(p)) return l.name.slice(p.length);
  }
  return null;
}

function reply(res, code, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

async function github(req, res, body) {
  if (!verify(body, req.headers["x-hub-signature-256"])) return reply(res, 401, { error: "bad signature" });
  const event = req.headers["x-github-event"];
  const delivery = req.headers["x-github-delivery"];
  if (!event || !delivery) return reply(res, 400, { error: "missing X-GitHub-Event or X-GitHub-Delivery" });
  let p;
  try {
    p = JSON.parse(body.toString("utf8"));
  } catch {
    return reply(res, 400, { error: "malformed JSON" });
  }
  if (event !== "issues") return reply(res, 202, { status: "ignored" });
  const issue = p.issue, repo = p.repository;
  if (!issue || !repo || typeof issue.number !== "number" || typeof repo.full_name !== "string")
    return reply(res, 400, { error: "missing issue or repository" });
  const labels = Array.isArray(issue.labels) ? issue.labels : [];
  const severity = labelValue(labels, ["severity:", "severity/", "sev:", "sev/"]) || "medium";
  const component = labelValue(labels, ["component:", "component/", "area:", "area/"]) || repo.name;
  const created = Date.parse(issue.created_at) / 1000;
  const updated = Date.parse(issue.updated_at) / 1000;
  const id = `gh:${repo.full_name}#${issue.number}`;
  try {
    const fresh = await command("SET", `{kz}:delivery:github:${delivery}`, "1", "NX", "EX", TTL);
    if (fresh === null) return reply(res, 200, { status: "duplicate" });
    await Promise.all([
      command("HSET", `{kz}:ticket:${id}`, "id", id, "source", "github", "title", String(issue.title),
        "url", String(issue.html_url), "component", component, "severity", severity,
        "state", issue.state === "closed" ? "resolved" : "open", "created_at", created,
        "resolved_at", issue.closed_at ? Date.parse(issue.closed_at) / 1000 : "",
        "sla_deadline", created + (SLA[severity] || SLA.medium), "updated_at", updated),
      command("ZADD", "{kz}:tickets", updated, id),
    ]);
  } catch (e) {
    return reply(res, 503, { error: "redis unavailable" });
  }
  return reply(res, 202, { status: "accepted" });
}

http
  .createServer((req, res) => {
    if (req.method === "GET" && req.url === "/healthz") return reply(res, 200, { status: "ok" });
    if (req.method !== "POST" || req.url !== "/webhooks/github") return reply(res, 404, { error: "not found" });
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => github(req, res, Buffer.concat(chunks)));
  })
  .listen(port, "127.0.0.1");
