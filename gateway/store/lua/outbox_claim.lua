-- Claims the head of a sink's queue for one sender: only when nobody holds
-- the sink's lease and its next-allowed time (rate limit, backoff) passed.
-- KEYS: 1 lock  2 queue  3 next  4 bodies  5 attempts
-- ARGV: 1 now (ms)  2 lease (ms)  3 token of this replica
-- Returns {'msg', id, body, attempts} | {'busy'} | {'empty'} | {'wait', ms}.
local now, lease, token = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 1 then return {'busy'} end
local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if not head then return {'empty'} end
local nxt = tonumber(redis.call('GET', KEYS[3]) or '0')
if now < nxt then return {'wait', tostring(nxt - now)} end
local body = redis.call('HGET', KEYS[4], head)
if not body then
  redis.call('ZREM', KEYS[2], head)
  return {'busy'}
end
redis.call('SET', KEYS[1], token .. ' ' .. head, 'PX', lease)
return {'msg', head, body, tostring(redis.call('HINCRBY', KEYS[5], head, 1))}
