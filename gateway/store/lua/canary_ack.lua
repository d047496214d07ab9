-- An Acknowledge click on a canary's page: recorded once (Slack retries a
-- click it got no answer to; N replicas may each get one), and for a paged
-- canary the PagerDuty acknowledge and the edit of its Slack page are
-- enqueued in the same step.
-- KEYS: 1 canary  2 acks  3 outbox seq  4 outbox bodies  5 outbox dests
--       6 outbox pending  7 the acknowledge's queue  8 the Slack edit's queue
-- ARGV: 1 id  2 acked_at (Unix seconds)  3 acked_by  4 now (ms)
--       5 acknowledge's destination  6 its outbox id  7 its body ('': none)
--       8 the Slack destination to edit ('': none)  9 the edit's outbox id
--       10 the outbox id of the page it edits (core/wire.h)
-- Returns 'acked', 'duplicate' (acked before) or 'unknown' (no such active canary).
--! include enqueue
--! include canary
local id, at, by, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local row = redis.call('HGET', KEYS[1], id)
if not row then return 'unknown' end
local ack = at .. ' ' .. by
if redis.call('HSETNX', KEYS[2], id, ack) == 0 then return 'duplicate' end
if string.sub(row, 1, 1) == '1' then
  if ARGV[7] ~= '' then
    outbox_enqueue(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], ARGV[5], ARGV[6], ARGV[7], now)
  end
  if ARGV[8] ~= '' then
    local c = canary_fields(row)
    outbox_enqueue(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[8], ARGV[8],
                   ARGV[9], canary_edit(c, ARGV[10], 'acked', tonumber(at), ack), now)
  end
end
return 'acked'
