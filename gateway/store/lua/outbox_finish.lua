-- Records the outcome of a claimed message. A replica whose lease expired
-- may still record a 2xx: the message is then removed (another replica may
-- be repeating it: delivery is at least once).
-- KEYS: 1 lock  2 bodies  3 attempts  4 errors  5 dead  6 history  7 dests
--       8 pending  9 the queue it was claimed from  10 its Slack "posted" key
--       11 the Slack thread key of its channel
-- ARGV: 1 id  2 token  3 outcome (sent|dry_run|retry|throttled|dead)  4 next allowed (ms)
--       5 now (ms)  6 history entry (JSON)  7 error text  8 destination
--       9 "channel ts" of a Slack Web API post ('' otherwise)  10 its TTL (s)
--       11 ts of a digest's head post, the channel's thread ('' otherwise)  12 its TTL (s)
local id, token, outcome, dest = ARGV[1], ARGV[2], ARGV[3], ARGV[8]
local mine = redis.call('GET', KEYS[1]) == token .. ' ' .. id
if redis.call('HEXISTS', KEYS[2], id) == 1 then
  if outcome == 'retry' or outcome == 'throttled' then
    -- a rate limit (429) says nothing about the message: its attempt is given back
    if outcome == 'throttled' then redis.call('HINCRBY', KEYS[3], id, -1) end
    redis.call('HSET', KEYS[4], id, ARGV[7])
    if mine then redis.call('ZADD', KEYS[7], ARGV[4], dest) end
  else
    redis.call('ZREM', KEYS[9], id)
    redis.call('DECR', KEYS[8])
    if outcome == 'dead' then
      redis.call('HSET', KEYS[4], id, ARGV[7])
      redis.call('ZADD', KEYS[5], ARGV[5], id)
    else
      redis.call('HDEL', KEYS[2], id)
      redis.call('HDEL', KEYS[3], id)
      redis.call('HDEL', KEYS[4], id)
      if ARGV[9] ~= '' then redis.call('SET', KEYS[10], ARGV[9], 'EX', ARGV[10]) end
      if ARGV[11] ~= '' then redis.call('SET', KEYS[11], ARGV[11], 'EX', ARGV[12]) end
    end
    redis.call('ZADD', KEYS[7], ARGV[4], dest)
    redis.call('LPUSH', KEYS[6], ARGV[6])
    redis.call('LTRIM', KEYS[6], 0, 199)
  end
end
if mine then redis.call('DEL', KEYS[1]) end
return 1
