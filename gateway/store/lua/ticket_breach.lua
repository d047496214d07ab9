-- One SLA-breach notice: enqueued only while the ticket is open with this
-- deadline and no notice was sent for it, and marked sent in the same step,
-- so each breach is noticed once however many replicas check.
-- KEYS: 1 ticket  2 notified  3 pending  4 outbox seq  5 outbox bodies  6.. queues
-- ARGV: 1 id  2 deadline, then the messages (see outbox_enqueue_argv)
-- Returns 1 when enqueued, 0 when there was nothing (more) to notice.
--! include enqueue
--! include ticket
local id, deadline = ARGV[1], ARGV[2]
local row = redis.call('HGET', KEYS[1], id)
local state, _, _, _, current
if row then state, _, _, _, current = ticket_head(row) end
if state ~= 'open' or redis.call('HGET', KEYS[2], id) == deadline then
  redis.call('ZREM', KEYS[3], id)
  return 0
end
if current ~= deadline then return 0 end
redis.call('HSET', KEYS[2], id, deadline)
redis.call('ZREM', KEYS[3], id)
outbox_enqueue_argv(KEYS[4], KEYS[5], 3)
return 1
