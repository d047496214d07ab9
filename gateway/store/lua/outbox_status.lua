-- Pending and dead message counts and the newest history entries.
-- KEYS: 1 dead  2 history  3.. queues
-- ARGV: 1 how many history entries
local pending = 0
for i = 3, #KEYS do pending = pending + redis.call('ZCARD', KEYS[i]) end
local recent = {}
if tonumber(ARGV[1]) > 0 then recent = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1) end
return {pending, redis.call('ZCARD', KEYS[1]), recent}
