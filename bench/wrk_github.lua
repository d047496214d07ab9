-- wrk script for bench/webhooks.sh: POST /webhooks/github with pre-signed
-- `issues` bodies (bench/github_pool.py gen) and a unique X-GitHub-Delivery
-- per request: "<run nonce>-<thread>-<counter>". The signature covers only
-- the body, so reusing a body with a new delivery id is a valid new delivery.
-- usage: wrk -s bench/wrk_github.lua URL -- POOL_FILE RUN_NONCE [EVENT (default issues)]
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local pool, prefix, i, event = {}, nil, 0, "issues"
function init(args)
  for line in io.lines(args[1]) do
    local sig, body = line:match("^(%S+)\t(.*)$")
    pool[#pool + 1] = { sig, body }
  end
  assert(#pool > 0, "empty pool " .. args[1])
  prefix = (args[2] or "run") .. "-" .. tostring(tid or 0) .. "-"
  event = args[3] or event
  i = (tid or 0) * 7919 -- threads start at different issues
end

function request()
  i = i + 1
  local e = pool[i % #pool + 1]
  return wrk.format("POST", "/webhooks/github", {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = event,
    ["X-GitHub-Delivery"] = prefix .. i,
    ["X-Hub-Signature-256"] = e[1],
  }, e[2])
end
