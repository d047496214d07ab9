-- Open tickets past their deadline whose breach was not notified yet, at
-- most ARGV[2], earliest deadline first; stale index entries are dropped.
-- KEYS: 1 pending  2 ticket
-- ARGV: 1 now  2 limit
--! include rows
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local rows, out = hmget_many(KEYS[2], ids), {}
for i, id in ipairs(ids) do
  if rows[i] then out[#out + 1] = rows[i] else redis.call('ZREM', KEYS[1], id) end
end
return out
