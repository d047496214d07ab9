-- Upgrade: carries messages of the first release's outbox (one hash per
-- message, one queue per sink) over, in their order, then removes them.
-- A message joins its destination's queue of its kind, told by its id
-- (page: / digest: / breach:, "resolve:" is a page). Idempotent.
-- KEYS: 1 seq  2 bodies  3 attempts  4 errors  5 dead  6 dests  7 pending
--       8 legacy seq  9 legacy queue (or the legacy dead list)
--       10 page queue  11 digest queue  12 breach queue  13.. legacy hash of each id
-- ARGV: 1 'queue' | 'dead'  2 now (ms)  3 destination  4 n, then n {id, legacy score}
-- New enqueues sort after every carried message: seq is raised past the legacy one.
local mode, now, dest, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local legacy_seq = tonumber(redis.call('GET', KEYS[8]) or '0')
if tonumber(redis.call('GET', KEYS[1]) or '0') < legacy_seq then redis.call('SET', KEYS[1], legacy_seq) end
local function queue_of(id)
  if string.sub(id, 1, 7) == 'digest:' then return KEYS[11] end
  if string.sub(id, 1, 7) == 'breach:' then return KEYS[12] end
  return KEYS[10]
end
for i = 0, n - 1 do
  local id, score, legacy = ARGV[5 + 2 * i], ARGV[6 + 2 * i], KEYS[13 + i]
  local f = redis.call('HMGET', legacy, 'body', 'attempts', 'last_error')
  if f[1] and redis.call('HSETNX', KEYS[2], id, f[1]) == 1 then
    if f[2] and f[2] ~= '0' then redis.call('HSET', KEYS[3], id, f[2]) end
    if f[3] then redis.call('HSET', KEYS[4], id, f[3]) end
    if mode == 'dead' then
      redis.call('ZADD', KEYS[5], now, id)
    else
      redis.call('ZADD', queue_of(id), score, id)
      redis.call('ZADD', KEYS[6], 'NX', now, dest)
      redis.call('INCR', KEYS[7])
    end
  end
  redis.call('DEL', legacy)
  if mode == 'dead' then redis.call('LREM', KEYS[9], 0, id) else redis.call('ZREM', KEYS[9], id) end
end
return n
