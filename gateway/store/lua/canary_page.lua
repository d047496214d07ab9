-- One page for a canary over budget: enqueued only while the canary is
-- active and not paged, and marked paged in the same step, so each canary
-- is paged once however many replicas check. Where it went (its Slack
-- destination and PagerDuty routing key) is kept for its resolve,
-- acknowledge and edits.
-- KEYS: 1 canary  2 due  3 pages, then the outbox keys (see outbox_enqueue_argv)
-- ARGV: 1 id  2 "<Slack destination>\n<routing key>", then the messages
--       (see outbox_enqueue_argv)
-- Returns 1 when enqueued, else 0.
--! include enqueue
local id = ARGV[1]
local row = redis.call('HGET', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
if not row or string.sub(row, 1, 1) ~= '0' then return 0 end
redis.call('HSET', KEYS[1], id, '1' .. string.sub(row, 2))
redis.call('HSET', KEYS[3], id, ARGV[2])
outbox_enqueue_argv(3)
return 1
