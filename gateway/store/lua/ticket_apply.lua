-- Applies n ticket changes atomically, with the delivery that carried them.
-- KEYS: 1..16 the ticket keys (lib/ticket.lua)  17..16+n tomb of each change
--       [17+n delivery: absent when the source has no delivery ids]
-- ARGV: 1 now  2 ttl  3 n  4 retention cutoff (a resolved ticket last changed
--       before it is not stored: retention would delete it), then per
--       change: op (upsert|drop|remove), id, row
-- Returns {status, resolved, seconds, resolutions} per change (status
-- accepted|stale|ignored; the last two are the new resolution totals of the
-- ticket's component and severity when it resolved, else 0), or
-- {'duplicate', 0, 0, 0} when the delivery was applied before.
--! include dedup
--! include ticket
local T   -- the ticket keys, built only when a change is written
local now, ttl, n, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local delivery = KEYS[TICKET_KEYS + 1 + n]
if not delivery_claim(delivery, ttl) then return {'duplicate', 0, 0, 0} end

local function apply(tomb, op, id, row)
  local old = redis.call('HGET', KEYS[1], id)   -- KEYS[1] is the ticket hash
  if old == row and op == 'upsert' then return 'accepted', 0 end   -- a re-send: nothing changes
  T = T or ticket_keys(1)
  local state, _, _, updated = ticket_head(row)
  updated = tonumber(updated)
  if old then
    local _, _, _, oupdated = ticket_head(old)
    if updated < tonumber(oupdated) then return 'stale', 0 end
  else
    local gone = redis.call('GET', tomb)
    if gone and updated <= tonumber(gone) then return 'stale', 0 end
    if op == 'upsert' and state == 'resolved' and updated < cutoff then return 'stale', 0 end
  end
  if op ~= 'upsert' then
    -- deleted, transferred or no longer labelled: remembered, so that a late
    -- delivery older than this stays stale
    redis.call('SET', tomb, updated, 'EX', ttl)
    if not old then return 'ignored', 0 end
    ticket_delete(T, id, old, now)
    return 'accepted', 0
  end
  if not old then redis.call('DEL', tomb) end
  return 'accepted', ticket_write(T, id, row, old, now, true)
end

local out = {}
for i = 0, n - 1 do
  local status, resolved, seconds, resolutions =
    apply(KEYS[TICKET_KEYS + 1 + i], ARGV[5 + 3 * i], ARGV[6 + 3 * i], ARGV[7 + 3 * i])
  out[#out + 1] = status
  out[#out + 1] = resolved
  out[#out + 1] = seconds or 0
  out[#out + 1] = resolutions or 0
end
return out
