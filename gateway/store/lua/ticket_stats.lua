-- The gauges: open tickets per component and severity, breached ones per
-- component (counted in the c_sla index, never by reading tickets), and the
-- Kaizen measures of every component and severity (lib/ticket.lua) that has
-- had a ticket: all zeros until something is counted.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua)
-- ARGV: 1 now
-- Returns {counts (field/value pairs), breached (component/count pairs),
-- measures}: per component and severity, "component\0severity", then
-- resolution seconds and count, the resolutions in each bucket of
-- TICKET_BUCKETS, acknowledgement seconds and count, the first acks in each
-- bucket, SLA met, SLA breached, reopened.
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

-- Every pair with a ticket: a count field (from its first ticket), or open
-- tickets (written before the count fields existed).
local order, values = {}, {}
local function pair(name)
  local v = values[name]
  if not v then
    v = {}
    values[name] = v
    order[#order + 1] = name
  end
  return v
end
local function load(key, prefix)
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do pair(flat[i])[prefix] = tonumber(flat[i + 1]) end
end
load(T.mttr_count, 'ttr:count')
load(T.mttr_sum, 'ttr:sum')
for i = 1, #counts, 2 do pair(counts[i]) end
local flat = redis.call('HGETALL', T.measures)
for i = 1, #flat, 2 do
  local name, measure = string.match(flat[i], '^(.*)%z([^%z]*)$')
  if name then pair(name)[measure] = tonumber(flat[i + 1]) end
end

local measures = {}
local function put(v, measure) measures[#measures + 1] = v[measure] or 0 end
for _, name in ipairs(order) do
  local v = values[name]
  measures[#measures + 1] = name
  for _, h in ipairs({'ttr', 'tta'}) do
    put(v, h .. ':sum')
    put(v, h .. ':count')
    for _, bound in ipairs(TICKET_BUCKETS) do put(v, h .. ':' .. bound) end
  end
  put(v, 'met')
  put(v, 'breached')
  put(v, 'reopened')
end
return {counts, breached, measures}
