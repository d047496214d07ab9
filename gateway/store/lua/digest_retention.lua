-- Retention: deletes the digest records kept before ARGV[1] (ms); at most
-- 30 are kept anyway.
-- KEYS: 1 digests  2 digests version
local n = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if n > 0 then redis.call('INCR', KEYS[2]) end
return n
