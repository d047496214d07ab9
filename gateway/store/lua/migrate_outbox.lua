-- Upgrade: carries messages of the first release's outbox (one hash per
-- message) over, in their order, then removes them. Idempotent.
-- KEYS: 1 seq  2 bodies  3 attempts  4 errors  5 queue (or the dead letters)
--       6 legacy seq  7 legacy queue (or the legacy dead list)  8.. legacy hash of each id
-- ARGV: 1 'queue' | 'dead'  2 now (ms)  3 n, then n {id, legacy score}
-- New enqueues sort after every carried message: seq is raised past the legacy one.
local mode, now, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local legacy_seq = tonumber(redis.call('GET', KEYS[6]) or '0')
if tonumber(redis.call('GET', KEYS[1]) or '0') < legacy_seq then redis.call('SET', KEYS[1], legacy_seq) end
for i = 0, n - 1 do
  local id, score, legacy = ARGV[4 + 2 * i], ARGV[5 + 2 * i], KEYS[8 + i]
  local f = redis.call('HMGET', legacy, 'body', 'attempts', 'last_error')
  if f[1] and redis.call('HSETNX', KEYS[2], id, f[1]) == 1 then
    if f[2] and f[2] ~= '0' then redis.call('HSET', KEYS[3], id, f[2]) end
    if f[3] then redis.call('HSET', KEYS[4], id, f[3]) end
    if mode == 'dead' then redis.call('ZADD', KEYS[5], now, id) else redis.call('ZADD', KEYS[5], score, id) end
  end
  redis.call('DEL', legacy)
  if mode == 'dead' then redis.call('LREM', KEYS[7], 0, id) else redis.call('ZREM', KEYS[7], id) end
end
return n
