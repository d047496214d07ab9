-- Retention: deletes at most ARGV[2] dead letters dead-lettered before
-- ARGV[1] (ms), with their bodies, attempts and errors; one command per
-- key for the whole batch.
-- KEYS: 1 dead  2 bodies  3 attempts  4 errors
-- Returns the number deleted.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return 0 end
for k = 2, 4 do redis.call('HDEL', KEYS[k], unpack(ids)) end
redis.call('ZREM', KEYS[1], unpack(ids))
return #ids
