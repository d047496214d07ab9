-- A page of tickets, newest change first, read from the indexes only.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua)
-- ARGV: 1 state (open|resolved|all|default)  2 component ('' = any)
--       3 severity digit ('' = any)  4 cursor: the "<age>\0id" after which
--       the page starts ('' = the first page)  5 limit
--       6 for default: the <age> of the oldest change of a resolved ticket
--         still listed (open tickets are listed whatever their age)
-- Returns {next cursor ('' on the last page), row, row, ...}.
--! include rows
--! include ticket
local T = ticket_keys(1)
local state, component, severity, cursor = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])

-- The ranges to merge: {key, prefix, upper bound of the tail or nil}.
local ranges = {}
local function add(open)
  local key, prefix
  if component ~= '' then
    key = open and T.c_open or T.c_resolved
    local severities = severity ~= '' and {severity} or {'0', '1', '2', '3'}
    for _, s in ipairs(severities) do
      prefix = component .. '\0' .. s .. '\0'
      ranges[#ranges + 1] = {key, prefix}
    end
    return
  end
  if severity ~= '' then
    ranges[#ranges + 1] = {open and T.s_open or T.s_resolved, severity .. '\0'}
  else
    ranges[#ranges + 1] = {open and T.open or T.resolved, ''}
  end
end
if state ~= 'resolved' then add(true) end
local first_resolved = #ranges + 1
if state ~= 'open' then add(false) end
if state == 'default' then
  for i = first_resolved, #ranges do ranges[i][3] = ARGV[6] end
end

-- Up to limit + 1 tails from each range past the cursor, merged.
local tails = {}
for _, r in ipairs(ranges) do
  local key, prefix, upto = r[1], r[2], r[3]
  local min = cursor ~= '' and '(' .. prefix .. cursor or '[' .. prefix
  local max = upto and '[' .. prefix .. upto .. '\0\255' or '(' .. prefix .. '\255'
  for _, member in ipairs(redis.call('ZRANGEBYLEX', key, min, max, 'LIMIT', 0, limit + 1)) do
    tails[#tails + 1] = string.sub(member, #prefix + 1)
  end
end
table.sort(tails)
local next_cursor, ids = '', {}
for i = 1, math.min(#tails, limit) do ids[i] = string.sub(tails[i], 14) end
if #tails > limit then next_cursor = tails[limit] end
local out = {next_cursor}
for _, row in ipairs(ticket_rows(T, ids)) do out[#out + 1] = row end
return out
