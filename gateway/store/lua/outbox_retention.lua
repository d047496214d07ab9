-- Retention: deletes at most ARGV[2] dead letters dead-lettered before
-- ARGV[1] (ms), with their bodies, attempts and errors.
-- KEYS: 1 dead  2 bodies  3 attempts  4 errors
-- Returns the number deleted.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZREM', KEYS[1], id)
end
return #ids
