-- What ending or acknowledging canaries needs to know first: their rows and
-- where their pages went, so the caller can build the resolve, acknowledge
-- and edit messages for the same destinations.
-- KEYS: 1 canary  2 page  3 sha
-- ARGV: 1 'id' (2: the id) or 'sha' (2: "repo@sha": every canary of that commit)
-- Returns {id, row, page, id, row, page, ...} ('' for a page not sent;
-- an id of the commit whose row is gone is left out).
local ids
if ARGV[1] == 'sha' then
  local prefix = ARGV[2] .. '\0'
  ids = {}
  for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[3], '[' .. prefix, '(' .. prefix .. '\255')) do
    ids[#ids + 1] = string.sub(m, #prefix + 1)
  end
else
  ids = {ARGV[2]}
end
local out = {}
for _, id in ipairs(ids) do
  local row = redis.call('HGET', KEYS[1], id)
  if row then
    out[#out + 1] = id
    out[#out + 1] = row
    out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
  end
end
return out
