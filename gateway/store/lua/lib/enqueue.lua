-- Outbox enqueue (shared): adds message id with payload body at the tail of
-- queue unless a message with that id is pending or dead already, so
-- enqueueing is idempotent. seq orders every queue; bodies holds payloads.
local function outbox_enqueue(seq, bodies, queue, id, body)
  if redis.call('HSETNX', bodies, id, body) == 0 then return false end
  redis.call('ZADD', queue, redis.call('INCR', seq), id)
  return true
end

-- Enqueues ARGV[first ..] = n, then n triples {id, queue key index, body};
-- the queue of each message is KEYS[index]. Returns the ARGV index after them.
local function outbox_enqueue_argv(seq, bodies, first)
  local n = tonumber(ARGV[first])
  for i = 0, n - 1 do
    local at = first + 1 + 3 * i
    outbox_enqueue(seq, bodies, KEYS[tonumber(ARGV[at + 1])], ARGV[at], ARGV[at + 2])
  end
  return first + 1 + 3 * n
end
