-- Adds the open tickets stored before the since index existed (an upgrade)
-- to it, ARGV[1] at a time, walking the open listing from where the last
-- batch stopped; tickets changed since are there already (lib/ticket.lua).
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua), then the cursor
-- ARGV: 1 batch size
-- Returns how many were looked at, or -1 once every ticket is in.
--! include rows
--! include ticket
local T, cursor = ticket_keys(1), KEYS[TICKET_KEYS + 1]
local from = redis.call('GET', cursor)
if from == 'done' then return -1 end
local members = redis.call('ZRANGEBYLEX', T.open, from and '(' .. from or '-', '+', 'LIMIT', 0,
                           tonumber(ARGV[1]))
for _, member in ipairs(members) do
  local id = string.sub(member, 14)
  local row = redis.call('HGET', T.ticket, id)
  if row and ticket_head(row) == 'open' then
    redis.call('ZADD', T.since, 0, since_member(ticket_group(row), ticket_since(T, id, row), id))
  end
end
if #members < tonumber(ARGV[1]) then
  redis.call('SET', cursor, 'done')
  return -1
end
redis.call('SET', cursor, members[#members])
return #members
