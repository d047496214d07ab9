-- Upgrade: carries canaries written under the first release's key names
-- over to the canary rows, then removes them. Idempotent.
-- KEYS: 1 canary  2 canaries  3 due  4 sha  5 legacy canaries
--       6 legacy canary_due  7.. legacy hash of each id
-- ARGV: 1 n, then n ids
-- Returns the number of canaries written.
--! include canary
local C = {canary = KEYS[1], canaries = KEYS[2], due = KEYS[3], sha = KEYS[4]}
local n, written = tonumber(ARGV[1]), 0
for i = 1, n do
  local id, legacy = ARGV[1 + i], KEYS[6 + i]
  local f = redis.call('HMGET', legacy, 'paged', 'started_at', 'budget_seconds', 'updated_at',
    'source', 'repo', 'sha', 'environment', 'service', 'id')
  if f[2] and redis.call('HEXISTS', C.canary, id) == 0 then
    canary_write(C, id, table.concat({f[1] or '0', f[2], f[3] or '0', f[4] or f[2], f[5] or 'api',
                                      f[6] or '', f[7] or '', f[8] or '', f[9] or '', f[10] or id}, '\0'))
    written = written + 1
  end
  redis.call('DEL', legacy)
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[6], id)
end
return written
