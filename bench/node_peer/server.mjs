// The Node peer of bench/github.sh: what a team would write with the usual
// packages. Per POST /webhooks/github: verify X-Hub-Signature-256 with
// @octokit/webhooks, parse the JSON, then with ioredis SET the delivery id
// NX EX (seen before: 200 duplicate), HSET the issue's fields and ZADD it to
// an index by update time (202 accepted). Other events: 202 ignored.
//
// usage: KAIZEN_GITHUB_SECRET=s node server.mjs PORT REDIS_PORT
import http from "node:http";
import { Webhooks } from "@octokit/webhooks";
import Redis from "ioredis";

const [port, redisPort] = process.argv.slice(2).map(Number);
const webhooks = new Webhooks({ secret: process.env.KAIZEN_GITHUB_SECRET });
const redis = new Redis({ host: "127.0.0.1", port: redisPort, enableAutoPipelining: true });

function reply(res, code, body) {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body) + "\n");
}

async function handle(req, res, body) {
  if (!(await webhooks.verify(body, req.headers["x-hub-signature-256"] || ""))) {
    return reply(res, 401, { error: "bad signature" });
  }
  const event = req.headers["x-github-event"];
  if (event !== "issues") return reply(res, 202, { status: "ignored" });
  const p = JSON.parse(body);
  const id = `gh:${p.repository.full_name}#${p.issue.number}`;
  const fresh = await redis.set(`peer:delivery:${req.headers["x-github-delivery"]}`, "1",
                                "EX", 7 * 86400, "NX");
  if (fresh === null) return reply(res, 200, { status: "duplicate" });
  await Promise.all([
    redis.hset(`peer:ticket:${id}`, "title", p.issue.title, "url", p.issue.html_url,
               "state", p.issue.state, "updated_at", p.issue.updated_at,
               "labels", p.issue.labels.map((l) => l.name).join(",")),
    redis.zadd("peer:tickets", Date.parse(p.issue.updated_at) / 1000, id),
  ]);
  reply(res, 202, { status: "accepted" });
}

http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((e) =>
      reply(res, 400, { error: String(e.message || e) }));
  });
}).listen(port, "127.0.0.1");
