-- Ticket rows and their indexes (shared by apply and migration).
-- A row is the ticket's fields joined by NUL bytes, in this order:
--   state component severity updated_at sla_deadline created_at resolved_at
--   source id url title
-- The first five are what the indexes need, so a script reads only those.
-- T names the keys: ticket (hash id -> row), tickets (zset by updated_at),
-- sla (zset of open tickets by deadline), pending (open, breach not yet
-- notified), notified (hash id -> deadline notified), counts (hash
-- "component\0severity" -> open tickets), version and changed (feed ETags),
-- and, where resolutions are observed, mttr_sum and mttr_count (hashes
-- "component\0severity" -> seconds and resolutions: kaizen_ticket_seconds,
-- recorded by the script that resolves, so each resolution counts once).
local function ticket_head(row)
  return string.match(row, '^([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z')
end

local function ticket_count(T, state, component, severity, by)
  if state ~= 'open' then return end
  local field = component .. '\0' .. severity
  if redis.call('HINCRBY', T.counts, field, by) <= 0 then redis.call('HDEL', T.counts, field) end
end

local function ticket_changed(T, now)
  redis.call('INCR', T.version)
  redis.call('SET', T.changed, now)
end

-- Removes ticket id (whose stored row is old) and its index entries.
local function ticket_delete(T, id, old, now)
  local state, component, severity = ticket_head(old)
  ticket_count(T, state, component, severity, -1)
  ticket_changed(T, now)
  redis.call('HDEL', T.ticket, id)
  redis.call('ZREM', T.tickets, id)
  redis.call('ZREM', T.sla, id)
  redis.call('ZREM', T.pending, id)
  redis.call('HDEL', T.notified, id)
end

-- Stores row for id over old (nil for a new ticket). Returns 1 when this
-- resolved a ticket that was not resolved before (then also the new
-- resolution totals of its component and severity, when T observes them),
-- else 0.
local function ticket_write(T, id, row, old, now)
  local state, component, severity, updated, deadline = ticket_head(row)
  local ostate, ocomponent, oseverity, _, odeadline
  if old then ostate, ocomponent, oseverity, _, odeadline = ticket_head(old) end
  if old ~= row then ticket_changed(T, now) end
  if ostate ~= state or ocomponent ~= component or oseverity ~= severity then
    if old then ticket_count(T, ostate, ocomponent, oseverity, -1) end
    ticket_count(T, state, component, severity, 1)
  end
  -- A new deadline, or a reopen, arms a new breach notice.
  if old and (ostate ~= state or odeadline ~= deadline) then redis.call('HDEL', T.notified, id) end
  redis.call('HSET', T.ticket, id, row)
  redis.call('ZADD', T.tickets, updated, id)
  if state == 'open' then
    redis.call('ZADD', T.sla, deadline, id)
    if redis.call('HGET', T.notified, id) ~= deadline then
      redis.call('ZADD', T.pending, deadline, id)
    else
      redis.call('ZREM', T.pending, id)
    end
  else
    redis.call('ZREM', T.sla, id)
    redis.call('ZREM', T.pending, id)
  end
  if state ~= 'resolved' or ostate == 'resolved' then return 0 end
  if not T.mttr_sum then return 1 end
  local created, resolved = string.match(row, '^[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z([^%z]*)%z([^%z]*)%z')
  local seconds = math.max(0, (tonumber(resolved) or 0) - (tonumber(created) or 0))
  local field = component .. '\0' .. severity
  return 1, redis.call('HINCRBY', T.mttr_sum, field, seconds), redis.call('HINCRBY', T.mttr_count, field, 1)
end
