-- Applies n ticket changes atomically, with the delivery that carried them.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua), then n: the tomb of
--       each change [the delivery, when ARGV[5] is 1] [from ARGV[6]: the notice keys
--       (lib/notice.lua), outbox seq, bodies, dests, pending, then the
--       breach queues of the changes' Slack destinations]
-- ARGV: 1 now  2 ttl  3 n  4 retention cutoff (a resolved ticket last changed
--       before it is not stored: retention would delete it)  5 1: a delivery
--       key is passed  6 KEYS index of the notice keys (0: notices are not
--       edited)  7 the prefix of an edit's id (core/wire.h)  8 KEYS index of
--       the weeks kept (lib/report.lua; 0: no weekly aggregates), then per
--       change: op (upsert|drop|remove), id, row, the deadline of an SLA
--       restarted at the row's updated_at (lib/ticket.lua ticket_sla_pick), its
--       Slack destination, the KEYS index of that destination's breach queue,
--       and the weeks of its creation, resolution and change (lib/report.lua,
--       after the ticket's tomb and the delivery in KEYS)
-- Returns the status of each change (accepted|stale|ignored), or
-- {'duplicate'} when the delivery was applied before. The Kaizen measures
-- (lib/ticket.lua), the ticket's timeline and the weekly aggregates
-- (lib/report.lua) are counted here, once, with the change.
--! include dedup
--! include rows
--! include ticket
--! include report
--! include enqueue
--! include notice
local T   -- the ticket keys, built only when a change is written
local now, ttl, n, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[5] == '1' and not delivery_claim(KEYS[TICKET_KEYS + 1 + n], ttl) then
  return {'duplicate'}
end
local notices = tonumber(ARGV[6])
local N = notices > 0 and notice_keys(notices)
local resolves = {}   -- tickets resolved here whose breach notice may need an edit

local weeks = tonumber(ARGV[8]) > 0 and KEYS[tonumber(ARGV[8])]
local ROLES = {'created', 'resolved', 'updated'}

local function apply(tomb, op, id, row, restart, dest, queue, spec)
  local old = redis.call('HGET', KEYS[1], id)   -- KEYS[1] is the ticket hash
  if old == row and op == 'upsert' then return 'accepted' end   -- a re-send: nothing changes
  T = T or ticket_keys(1)
  local R = weeks and report_context(weeks, spec, ROLES)
  local state, _, _, updated = ticket_head(row)
  updated = tonumber(updated)
  if old then
    local _, _, _, oupdated = ticket_head(old)
    if updated < tonumber(oupdated) then return 'stale' end
  else
    local gone = redis.call('GET', tomb)
    if gone and updated <= tonumber(gone) then return 'stale' end
    if op == 'upsert' and state == 'resolved' and updated < cutoff then return 'stale' end
  end
  if op ~= 'upsert' then
    -- deleted, transferred or no longer labelled: remembered, so that a late
    -- delivery older than this stays stale
    redis.call('SET', tomb, updated, 'EX', ttl)
    if not old then return 'ignored' end
    ticket_delete(T, id, old, now, R)
    if N then notice_forget(N, id) end
    return 'accepted'
  end
  if old then
    row = ticket_sla_pick(row, old, restart)
  else
    redis.call('DEL', tomb)
  end
  if ticket_write(T, id, row, old, now, true, R) == 1 and N then
    resolves[#resolves + 1] = {id = id, dest = dest, queue = queue}
  end
  return 'accepted'
end

local out = {}
for i = 0, n - 1 do
  local at = 9 + 7 * i
  out[#out + 1] = apply(KEYS[TICKET_KEYS + 1 + i], ARGV[at], ARGV[at + 1], ARGV[at + 2],
                        ARGV[at + 3], ARGV[at + 4], ARGV[at + 5], ARGV[at + 6])
end
-- One edit per notice however many of its tickets resolved here, then they
-- stop pointing at it.
local edited = {}
for _, r in ipairs(resolves) do
  local nid = redis.call('HGET', N.of, r.id)
  if nid and not edited[nid] then
    edited[nid] = true
    notice_edit(N, T, {seq = KEYS[notices + 2], bodies = KEYS[notices + 3],
                       dests = KEYS[notices + 4], pending = KEYS[notices + 5],
                       queue = KEYS[tonumber(r.queue)], dest = r.dest, edit = ARGV[7]},
                r.id, 'resolved', string.format('%d', tonumber(now) * 1000))
  end
end
for _, r in ipairs(resolves) do notice_forget(N, r.id) end
return out
