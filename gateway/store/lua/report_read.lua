-- What a Kaizen report is built from (core/report.h): the aggregates of the
-- weeks asked for, and per group the tickets open now and the oldest of them.
-- Costs O(groups * log n + the weeks' fields), never a read of tickets.
-- KEYS: 1 the since index (lib/ticket.lua), then the weeks (lib/report.lua)
-- Returns {groups, week...}: groups flat as group, open count, since of the
-- oldest, its id; each week its hash (HGETALL).
local since = KEYS[1]
local groups, from = {}, '-'
while true do
  local first = redis.call('ZRANGEBYLEX', since, from, '+', 'LIMIT', 0, 1)[1]
  if not first then break end
  local group, at, id = string.match(first, '^([^%z]*%z[^%z]*%z[^%z]*)%z(%x+)%z(.*)$')
  if not group then break end
  groups[#groups + 1] = group
  groups[#groups + 1] = redis.call('ZLEXCOUNT', since, '[' .. group .. '\0', '(' .. group .. '\1')
  groups[#groups + 1] = tostring(tonumber(at, 16))
  groups[#groups + 1] = id
  from = '[' .. group .. '\1'   -- the next group: one seek per group
end
local out = {groups}
for i = 2, #KEYS do out[#out + 1] = redis.call('HGETALL', KEYS[i]) end
return out
