-- Open tickets per component and severity, and breached ones per component.
-- KEYS: 1 counts  2 sla  3 ticket
-- ARGV: 1 now
-- Returns {counts as field/value pairs, breached as component/count pairs}.
--! include rows
local breached, flat = {}, {}
for _, row in ipairs(hmget_many(KEYS[3], redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1]))) do
  local component = row and string.match(row, '^[^%z]*%z([^%z]*)%z')
  if component then breached[component] = (breached[component] or 0) + 1 end
end
for component, count in pairs(breached) do
  flat[#flat + 1] = component
  flat[#flat + 1] = count
end
return {redis.call('HGETALL', KEYS[1]), flat}
