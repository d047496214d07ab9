-- An Acknowledge click on an SLA-breach notice: recorded once in the
-- ticket's row (Slack retries a click it got no answer to; N replicas may
-- each get one), with the edit of the notice that lists it in the same step.
-- KEYS: 1..16 the ticket keys (lib/ticket.lua)  17, 18 the notice keys
--       (lib/notice.lua)  19 outbox seq  20 bodies  21 dests  22 pending
--       [ack: the breach queue of the notice's destination]
-- ARGV: 1 op  2 id
--   read: returns the destination of the ticket's notice ('' when none)
--   ack:  3 KEYS index of that queue (0: no edit)  4 that destination
--         5 acked_at (Unix seconds)  6 acked_by  7 now (ms); returns 'acked',
--         'duplicate' (acked before) or 'unknown' (no such open ticket)
--! include ticket
--! include enqueue
--! include notice
local T, N = ticket_keys(1), notice_keys(17)
local op, id = ARGV[1], ARGV[2]
if op == 'read' then
  local nid = redis.call('HGET', N.of, id)
  local raw = nid and redis.call('HGET', N.msg, nid)
  return raw and cjson.decode(raw).dest or ''
end
local at, by, now = ARGV[5], ARGV[6], ARGV[7]
local row = redis.call('HGET', T.ticket, id)
if not row or ticket_head(row) ~= 'open' then return 'unknown' end
local base, ack = ticket_split_ack(row)
if ack ~= '' then return 'duplicate' end
redis.call('HSET', T.ticket, id, base .. '\0' .. by .. '\0' .. at)
ticket_changed(T, at)
if tonumber(ARGV[3]) > 0 then
  notice_edit(N, T, {seq = KEYS[19], bodies = KEYS[20], dests = KEYS[21], pending = KEYS[22],
                     queue = KEYS[tonumber(ARGV[3])], dest = ARGV[4]}, id, 'acked', now)
end
return 'acked'
