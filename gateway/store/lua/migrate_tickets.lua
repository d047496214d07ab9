-- Upgrade: carries tickets written under the first release's key names
-- (one hash per ticket) over to the ticket rows, then removes them.
-- Idempotent; a ticket already stored at least as new wins.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua), then: legacy tickets,
--       legacy sla, legacy sla_pending, the legacy hash of each id
-- ARGV: 1 now  2 n, then n ids
-- Returns the number of tickets written.
--! include rows
--! include ticket
local T = ticket_keys(1)
local now, n, written = ARGV[1], tonumber(ARGV[2]), 0
for i = 1, n do
  local id, legacy = ARGV[2 + i], KEYS[TICKET_KEYS + 3 + i]
  local f = redis.call('HMGET', legacy, 'state', 'component', 'severity', 'updated_at',
    'sla_deadline', 'created_at', 'resolved_at', 'source', 'id', 'url', 'title', 'breach_notified')
  if f[1] and f[4] then
    local old = redis.call('HGET', T.ticket, id)
    local oupdated
    if old then oupdated = select(4, ticket_head(old)) end
    if not old or tonumber(oupdated) < tonumber(f[4]) then
      local row = table.concat({f[1], f[2], f[3], f[4], f[5], f[6], f[7] or '0', f[8] or '',
                                f[9] or id, f[10] or '', f[11] or ''}, '\0')
      if f[1] == 'open' and f[12] == f[5] then redis.call('HSET', T.notified, id, f[12]) end
      ticket_write(T, id, row, old, now, false)
      written = written + 1
    end
  end
  redis.call('DEL', legacy)
  redis.call('ZREM', KEYS[TICKET_KEYS + 1], id)
  redis.call('ZREM', KEYS[TICKET_KEYS + 2], id)
  redis.call('ZREM', KEYS[TICKET_KEYS + 3], id)
end
return written
