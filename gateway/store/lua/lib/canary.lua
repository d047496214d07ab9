-- Canary rows and their indexes (shared by apply and migration).
-- A row is the canary's fields joined by NUL bytes, in this order:
--   paged started_at budget_seconds updated_at source repo sha environment service id
-- paged ('0' or '1') comes first so a page flips one byte.
-- C names the keys: canary (hash id -> row), canaries (zset by started_at),
-- due (active and not paged, by started_at + budget), sha (zset of
-- "repo@sha\0id" members, 0 scores, for promotions by commit) and, where
-- the script is passed them, ack (hash id -> "<acked_at> <acked_by>") and
-- page (hash id -> "<Slack destination>\n<PagerDuty routing key>" of the
-- page sent: its resolve, acknowledge and edits go where it went).
local function canary_head(row)
  return string.match(row, '^([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z')
end

local function canary_write(C, id, row)
  local paged, started, budget, _, _, repo, sha = canary_head(row)
  redis.call('HSET', C.canary, id, row)
  redis.call('ZADD', C.canaries, started, id)
  if paged == '0' then redis.call('ZADD', C.due, tonumber(started) + tonumber(budget), id) end
  if repo ~= '' then redis.call('ZADD', C.sha, 0, repo .. '@' .. sha .. '\0' .. id) end
end

-- Every field of a row by name.
local function canary_fields(row)
  local f = {}
  for v in string.gmatch(row .. '\0', '([^%z]*)%z') do f[#f + 1] = v end
  return {paged = f[1], started_at = tonumber(f[2]), budget_seconds = tonumber(f[3]),
          source = f[5], environment = f[8], service = f[9], id = f[10]}
end

-- The body of an edit of the canary's Slack page (page: its outbox id, named
-- by the caller, core/wire.h), rendered when it is sent (jobs/delivery.c):
-- state "resolved" or "acked", at (Unix seconds), and who acknowledged it,
-- if anyone.
local function canary_edit(c, page, state, at, ack)
  local by, acked_at = cjson.null, cjson.null
  if ack then
    local t, who = string.match(ack, '^(%d+) (.*)$')
    if t then acked_at, by = tonumber(t), who end
  end
  return cjson.encode({edit = page, state = state, at = at,
                       canary = {id = c.id, service = c.service, environment = c.environment,
                                 started_at = c.started_at, budget_seconds = c.budget_seconds},
                       acked_by = by, acked_at = acked_at})
end

-- Removes canary id and its index entries; returns its row (nil if absent).
local function canary_delete(C, id)
  local row = redis.call('HGET', C.canary, id)
  if not row then return nil end
  local _, _, _, _, _, repo, sha = canary_head(row)
  redis.call('HDEL', C.canary, id)
  redis.call('ZREM', C.canaries, id)
  redis.call('ZREM', C.due, id)
  if C.ack then redis.call('HDEL', C.ack, id) end
  if C.page then redis.call('HDEL', C.page, id) end
  if repo ~= '' then redis.call('ZREM', C.sha, repo .. '@' .. sha .. '\0' .. id) end
  return row
end
