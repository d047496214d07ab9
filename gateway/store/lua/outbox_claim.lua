-- Claims the head of a destination's queues for one sender: only when
-- nobody holds the destination's lease and its next-allowed time (rate
-- limit, backoff) has passed; pages first, then digests, then breach notices.
-- KEYS: 1 lock  2 bodies  3 attempts  4 dests  5.. queues, in priority order
-- ARGV: 1 now (ms)  2 lease (ms)  3 token of this replica  4 destination
-- Returns {'msg', id, body, attempts, queue number} | {'busy'} | {'empty'} | {'wait', ms}.
local now, lease, token, dest = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 1 then return {'busy'} end
local nxt = tonumber(redis.call('ZSCORE', KEYS[4], dest) or '0')
if now < nxt then return {'wait', tostring(nxt - now)} end
for q = 5, #KEYS do
  local head = redis.call('ZRANGE', KEYS[q], 0, 0)[1]
  while head do
    local body = redis.call('HGET', KEYS[2], head)
    if body then
      redis.call('SET', KEYS[1], token .. ' ' .. head, 'PX', lease)
      return {'msg', head, body, tostring(redis.call('HINCRBY', KEYS[3], head, 1)), tostring(q - 4)}
    end
    redis.call('ZREM', KEYS[q], head)
    head = redis.call('ZRANGE', KEYS[q], 0, 0)[1]
  end
end
redis.call('ZREM', KEYS[4], dest)   -- nothing left: out of the index until the next enqueue
return {'empty'}
