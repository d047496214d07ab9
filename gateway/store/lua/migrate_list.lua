-- Upgrade: carries the first release's list (digest records, outbox
-- history; newest first) over after what the new key holds, keeps the
-- newest ARGV[1], and removes the old list; bumps version (when given) so
-- feeds revalidate. With ARGV[2] (now, ms) the new key is a zset by time
-- (the digest records): the carried entries sort just before now, in order.
-- KEYS: 1 new list or zset  2 legacy list  [3 version]
local keep = tonumber(ARGV[1])
local old = redis.call('LRANGE', KEYS[2], 0, keep - 1)
if ARGV[2] then
  for i, entry in ipairs(old) do redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) - i, entry) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -keep - 1)
else
  for _, entry in ipairs(old) do redis.call('RPUSH', KEYS[1], entry) end
  redis.call('LTRIM', KEYS[1], 0, keep - 1)
end
redis.call('DEL', KEYS[2])
if KEYS[3] then redis.call('INCR', KEYS[3]) end
return #old
