-- Outbox enqueue (shared). A message goes to the queue of its destination
-- (a Slack webhook or channel, a PagerDuty routing key) and kind (page,
-- breach, digest: senders take pages first), unless a message with that id
-- is pending or dead already, so enqueueing is idempotent. The destination
-- joins the index of destinations with something to send.
local function outbox_enqueue(seq, bodies, dests, pending, queue, dest, id, body, now)
  if redis.call('HSETNX', bodies, id, body) == 0 then return false end
  redis.call('ZADD', queue, redis.call('INCR', seq), id)
  redis.call('ZADD', dests, 'NX', now, dest)
  redis.call('INCR', pending)
  return true
end

-- Enqueues what store/outbox.c's gw_outbox_args put at ARGV[first ..]:
-- the KEYS index of seq, bodies, dests and pending, now (ms), n, then n
-- {id, KEYS index of its queue, destination, body}. Returns how many were new.
local function outbox_enqueue_argv(first)
  local seq, bodies = KEYS[tonumber(ARGV[first])], KEYS[tonumber(ARGV[first + 1])]
  local dests, pending = KEYS[tonumber(ARGV[first + 2])], KEYS[tonumber(ARGV[first + 3])]
  local now, n, added = ARGV[first + 4], tonumber(ARGV[first + 5]), 0
  for i = 0, n - 1 do
    local at = first + 6 + 4 * i
    if outbox_enqueue(seq, bodies, dests, pending, KEYS[tonumber(ARGV[at + 1])], ARGV[at + 2],
                      ARGV[at], ARGV[at + 3], now) then
      added = added + 1
    end
  end
  return added
end
