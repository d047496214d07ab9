-- The digest's tickets: the open ones most urgent first (earliest deadline),
-- at most ARGV[1], and every open count, so the digest can say how many it
-- left out per component.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua)
-- Returns {counts as field/value pairs, row, row, ...}.
--! include rows
--! include ticket
local T = ticket_keys(1)
local out = {redis.call('HGETALL', T.counts)}
for _, row in ipairs(ticket_rows(T, redis.call('ZRANGE', T.sla, 0, tonumber(ARGV[1]) - 1))) do
  if row then out[#out + 1] = row end
end
return out
