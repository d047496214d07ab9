-- HMGET of any number of fields, in chunks (unpack() takes a few thousand
-- values at most). Missing fields come back as false, in place.
local function hmget_many(key, fields)
  local out = {}
  for first = 1, #fields, 1000 do
    local chunk = {}
    for i = first, math.min(first + 999, #fields) do chunk[#chunk + 1] = fields[i] end
    local got = redis.call('HMGET', key, unpack(chunk))
    for i = 1, #chunk do out[first + i - 1] = got[i] end
  end
  return out
end
