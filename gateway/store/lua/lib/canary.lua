-- Canary rows and their indexes (shared by apply and migration).
-- A row is the canary's fields joined by NUL bytes, in this order:
--   paged started_at budget_seconds updated_at source repo sha environment service id
-- paged ('0' or '1') comes first so a page flips one byte.
-- C names the keys: canary (hash id -> row), canaries (zset by started_at),
-- due (active and not paged, by started_at + budget), sha (zset of
-- "repo@sha\0id" members, 0 scores, for promotions by commit).
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

-- Removes canary id and its index entries; returns its row (nil if absent).
local function canary_delete(C, id)
  local row = redis.call('HGET', C.canary, id)
  if not row then return nil end
  local _, _, _, _, _, repo, sha = canary_head(row)
  redis.call('HDEL', C.canary, id)
  redis.call('ZREM', C.canaries, id)
  redis.call('ZREM', C.due, id)
  if repo ~= '' then redis.call('ZREM', C.sha, repo .. '@' .. sha .. '\0' .. id) end
  return row
end
