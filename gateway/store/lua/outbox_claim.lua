-- Claims the head of a destination's queues for one sender: only when
-- nobody holds the destination's lease and its next-allowed time (rate
-- limit, backoff) has passed; pages first, then digests, then breach notices.
-- An edit (its id starts with ARGV[6]) also waits for the edits' method tier: with a
-- spacing, the edits of every destination together are that far apart
-- (Slack's chat.update is rate-limited per workspace, not per channel).
-- KEYS: 1 lock  2 bodies  3 attempts  4 dests  5 the edits' next-allowed time
--       6.. queues, in priority order
-- ARGV: 1 now (ms)  2 lease (ms)  3 token of this replica  4 destination
--       5 the edits' spacing (ms, 0: none)  6 the prefix of an edit's id (core/wire.h)
-- Returns {'msg', id, body, attempts, queue number} | {'busy'} | {'empty'} | {'wait', ms}.
local now, lease, token, dest = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local edit_spacing, edit_prefix = tonumber(ARGV[5]), ARGV[6]
if redis.call('EXISTS', KEYS[1]) == 1 then return {'busy'} end
local nxt = tonumber(redis.call('ZSCORE', KEYS[4], dest) or '0')
if now < nxt then return {'wait', tostring(nxt - now)} end
for q = 6, #KEYS do
  local head = redis.call('ZRANGE', KEYS[q], 0, 0)[1]
  while head do
    local body = redis.call('HGET', KEYS[2], head)
    if body then
      if edit_spacing > 0 and string.sub(head, 1, #edit_prefix) == edit_prefix then
        -- Redis's clock, not the replicas': they may disagree by more than the spacing.
        local t = redis.call('TIME')
        local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local tier = tonumber(redis.call('GET', KEYS[5]) or '0')
        if clock < tier then
          redis.call('ZADD', KEYS[4], now + tier - clock, dest)
          return {'wait', tostring(tier - clock)}
        end
        redis.call('SET', KEYS[5], clock + edit_spacing, 'PX', edit_spacing)
      end
      redis.call('SET', KEYS[1], token .. ' ' .. head, 'PX', lease)
      return {'msg', head, body, tostring(redis.call('HINCRBY', KEYS[3], head, 1)), tostring(q - 5)}
    end
    redis.call('ZREM', KEYS[q], head)
    head = redis.call('ZRANGE', KEYS[q], 0, 0)[1]
  end
end
redis.call('ZREM', KEYS[4], dest)   -- nothing left: out of the index until the next enqueue
return {'empty'}
