-- Open tickets per component and severity, breached ones per component, and
-- resolutions per component and severity with their total seconds.
-- KEYS: 1 counts  2 sla  3 ticket  4 mttr_sum  5 mttr_count
-- ARGV: 1 now
-- Returns {counts, breached (component/count pairs), resolution seconds,
-- resolutions} (field/value pairs).
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
return {redis.call('HGETALL', KEYS[1]), flat, redis.call('HGETALL', KEYS[4]),
        redis.call('HGETALL', KEYS[5])}
