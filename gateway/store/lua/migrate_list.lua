-- Upgrade: appends the first release's list (digest records, outbox
-- history; newest first) after the new one, keeps the newest ARGV[1], and
-- removes the old list; bumps version (when given) so feeds revalidate.
-- KEYS: 1 new list  2 legacy list  [3 version]
local old = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
for _, entry in ipairs(old) do redis.call('RPUSH', KEYS[1], entry) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('DEL', KEYS[2])
if KEYS[3] then redis.call('INCR', KEYS[3]) end
return #old
