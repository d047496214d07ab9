-- Pending and dead message counts and the newest history entries.
-- KEYS: 1 pending  2 dead  3 history
-- ARGV: 1 how many history entries
local recent = {}
if tonumber(ARGV[1]) > 0 then recent = redis.call('LRANGE', KEYS[3], 0, tonumber(ARGV[1]) - 1) end
return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('ZCARD', KEYS[2]), recent}
