-- The gauges: open tickets per component and severity, breached ones per
-- component (counted in the c_sla index, never by reading tickets), and
-- resolutions per component and severity with their total seconds.
-- KEYS: 1..17 the ticket keys (lib/ticket.lua)
-- ARGV: 1 now
-- Returns {counts, breached (component/count pairs), resolution seconds,
-- resolutions} (field/value pairs).
--! include rows
--! include ticket
local T = ticket_keys(1)
local counts = redis.call('HGETALL', T.counts)
local seen, breached = {}, {}
local due = hex48(ARGV[1])
for i = 1, #counts, 2 do
  local component = string.match(counts[i], '^([^%z]*)%z')
  if component and not seen[component] then
    seen[component] = true
    local n = redis.call('ZLEXCOUNT', T.c_sla, '[' .. component .. '\0', '(' .. component .. '\0' .. due)
    if n > 0 then
      breached[#breached + 1] = component
      breached[#breached + 1] = n
    end
  end
end
return {counts, breached, redis.call('HGETALL', T.mttr_sum), redis.call('HGETALL', T.mttr_count)}
