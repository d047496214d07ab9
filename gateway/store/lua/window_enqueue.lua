-- Enqueues the messages of a digest or a Kaizen report in order, with its
-- feed record, in one step; with a window (a digest window, a report's
-- period), only if that window was not claimed yet (once per window across
-- replicas).
-- KEYS: 1 records by time  2 records version  3 records changed_at
--       4 window claim, then the outbox keys (see outbox_enqueue_argv)
-- ARGV: 1 window ttl (0: a manual digest, no claim)  2 now (ms)
--       3 record ('' = none)  4 how many records the feed keeps, then the
--       messages (see outbox_enqueue_argv)
-- Returns 1, or 0 if the window was claimed already.
--! include enqueue
local now = ARGV[2]
if ARGV[1] ~= '0' and not redis.call('SET', KEYS[4], now, 'NX', 'EX', ARGV[1]) then return 0 end
outbox_enqueue_argv(5)
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[4]))   -- the feed keeps the last ones
  redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[3], math.floor(tonumber(now) / 1000))
end
return 1
