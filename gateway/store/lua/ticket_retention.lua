-- Retention: deletes at most ARGV[2] resolved tickets whose last change is
-- older than the cutoff (oldest first), with their index entries.
-- KEYS: 1..16 the ticket keys (lib/ticket.lua)
-- ARGV: 1 the <age> of the cutoff  2 limit  3 now
-- Returns the number deleted (less than the limit: nothing older is left).
--! include ticket
local T = ticket_keys(1)
local old = redis.call('ZREVRANGEBYLEX', T.resolved, '+', '(' .. ARGV[1] .. '\0\255', 'LIMIT', 0, tonumber(ARGV[2]))
for _, tail in ipairs(old) do
  local id = string.sub(tail, 14)
  local row = redis.call('HGET', T.ticket, id)
  if row then ticket_delete(T, id, row, ARGV[3]) else redis.call('ZREM', T.resolved, tail) end
end
return #old
