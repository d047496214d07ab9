-- An Acknowledge click on an SLA-breach notice: recorded once (Slack
-- retries a click it got no answer to; N replicas may each get one), with
-- the edit of the notice that lists it in the same step.
-- The first ack of an opening (a ticket's creation, or a reopening) gives
-- its time to acknowledge, counted in the Kaizen measures (lib/ticket.lua).
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua), then the notice keys
--       (lib/notice.lua), outbox seq, bodies, dests, pending
--       [ack: the breach queue of the notice's destination]
-- ARGV: 1 op  2 id
--   read: returns the destination of the ticket's notice ('' when none)
--   ack:  3 KEYS index of that queue (0: no edit)  4 that destination
--         5 acked_at (Unix seconds)  6 acked_by  7 now (ms)  8 the prefix of
--         an edit's id (core/wire.h)  9 KEYS index of the weeks kept
--         (lib/report.lua; 0: none)  10 the week of acked_at (lib/report.lua);
--         returns 'acked',
--         'duplicate' (acked before) or 'unknown' (no such open ticket)
--! include rows
--! include ticket
--! include report
--! include enqueue
--! include notice
local T, N = ticket_keys(1), notice_keys(TICKET_KEYS + 1)
local op, id = ARGV[1], ARGV[2]
if op == 'read' then
  local nid = redis.call('HGET', N.of, id)
  local raw = nid and redis.call('HGET', N.msg, nid)
  return raw and cjson.decode(raw).dest or ''
end
local at, by, now = ARGV[5], ARGV[6], ARGV[7]
local row = redis.call('HGET', T.ticket, id)
if not row or ticket_head(row) ~= 'open' then return 'unknown' end
if redis.call('HSETNX', T.ack, id, by .. '\0' .. at) == 0 then return 'duplicate' end
ticket_changed(T, at)
local _, component, severity = ticket_head(row)
local measure = component .. '\0' .. severity .. '\0tta'
local seconds = math.max(0, tonumber(at) - ticket_since(T, id, row))
redis.call('HINCRBY', T.measures, measure .. ':sum', seconds)
redis.call('HINCRBY', T.measures, measure .. ':count', 1)
measure_bucket(T, component .. '\0' .. severity, 'tta', seconds)
if tonumber(ARGV[9]) > 0 then
  local R = report_context(KEYS[tonumber(ARGV[9])], ARGV[10], {'acked'})
  R.add(ticket_group(row), 'acked', 'tta:sum', seconds)
  R.add(ticket_group(row), 'acked', 'tta:count', 1)
end
timeline_add(T, id, at, 'acknowledged', by)
if tonumber(ARGV[3]) > 0 then
  local o = TICKET_KEYS + 3
  notice_edit(N, T, {seq = KEYS[o], bodies = KEYS[o + 1], dests = KEYS[o + 2], pending = KEYS[o + 3],
                     queue = KEYS[tonumber(ARGV[3])], dest = ARGV[4], edit = ARGV[8]},
              id, 'acked', now)
end
return 'acked'
