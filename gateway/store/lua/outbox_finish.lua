-- Records the outcome of a claimed message. A replica whose lease expired
-- may still record a 2xx: the message is then removed (another replica may
-- be repeating it: delivery is at least once).
-- KEYS: 1 lock  2 queue  3 next  4 bodies  5 attempts  6 errors  7 dead  8 history
-- ARGV: 1 id  2 token  3 outcome (sent|dry_run|retry|dead)  4 next allowed (ms)
--       5 now (ms)  6 history entry (JSON)  7 error text
local id, token, outcome = ARGV[1], ARGV[2], ARGV[3]
local mine = redis.call('GET', KEYS[1]) == token .. ' ' .. id
if redis.call('HEXISTS', KEYS[4], id) == 1 then
  if outcome == 'retry' then
    redis.call('HSET', KEYS[6], id, ARGV[7])
    if mine then redis.call('SET', KEYS[3], ARGV[4]) end
  else
    redis.call('ZREM', KEYS[2], id)
    if outcome == 'dead' then
      redis.call('HSET', KEYS[6], id, ARGV[7])
      redis.call('ZADD', KEYS[7], ARGV[5], id)
    else
      redis.call('HDEL', KEYS[4], id)
      redis.call('HDEL', KEYS[5], id)
      redis.call('HDEL', KEYS[6], id)
    end
    redis.call('SET', KEYS[3], ARGV[4])
    redis.call('LPUSH', KEYS[8], ARGV[6])
    redis.call('LTRIM', KEYS[8], 0, 199)
  end
end
if mine then redis.call('DEL', KEYS[1]) end
return 1
