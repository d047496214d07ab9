-- Retention: deletes at most ARGV[2] resolved tickets whose last change is
-- older than the cutoff (oldest first), with their index entries. Each
-- index is updated with one command for the whole batch, so a batch costs
-- a handful of commands, not a handful per ticket.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua)
-- ARGV: 1 the <age> of the cutoff  2 limit  3 now
-- Returns the number deleted (less than the limit: nothing older is left).
--! include rows
--! include ticket
local T = ticket_keys(1)
local old = redis.call('ZREVRANGEBYLEX', T.resolved, '+', '(' .. ARGV[1] .. '\0\255', 'LIMIT', 0, tonumber(ARGV[2]))
if #old == 0 then return 0 end
local ids = {}
for i, tail in ipairs(old) do ids[i] = string.sub(tail, 14) end
local rows = redis.call('HMGET', T.ticket, unpack(ids))
local gone, by_component, by_severity = {}, {}, {}
for i, id in ipairs(ids) do
  local row = rows[i]
  if row then
    local state, component, severity, updated = ticket_head(row)
    if state == 'resolved' then
      local _, c, s = ticket_members(id, component, severity, updated)
      gone[#gone + 1] = id
      by_component[#by_component + 1] = c
      by_severity[#by_severity + 1] = s
    end
  end
end
redis.call('ZREM', T.resolved, unpack(old))
if #gone > 0 then
  redis.call('ZREM', T.c_resolved, unpack(by_component))
  redis.call('ZREM', T.s_resolved, unpack(by_severity))
  redis.call('HDEL', T.ticket, unpack(gone))
  redis.call('HDEL', T.notified, unpack(gone))
  redis.call('HDEL', T.ack, unpack(gone))
  redis.call('HDEL', T.reopen, unpack(gone))
  redis.call('HDEL', T.timeline, unpack(gone))
  ticket_changed(T, ARGV[3])
end
return #old
