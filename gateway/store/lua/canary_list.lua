-- Canary rows: every active one by start time, or (ARGV[1] = 'due') those
-- not paged whose budget ran out by ARGV[2], at most ARGV[3]; each row is
-- followed by its ack ("<acked_at> <acked_by>", or '' when not acked).
-- KEYS: 1 canaries  2 due  3 canary  4 acks
--! include rows
local ids
if ARGV[1] == 'due' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
else
  ids = redis.call('ZRANGE', KEYS[1], 0, -1)
end
local rows, acks, out = hmget_many(KEYS[3], ids), hmget_many(KEYS[4], ids), {}
for i = 1, #ids do
  if rows[i] then
    out[#out + 1] = rows[i]
    out[#out + 1] = acks[i] or ''
  end
end
return out
