-- Ticket rows and their indexes (shared by apply, retention and migration).
--
-- A row is the ticket's fields joined by NUL bytes, in this order:
--   state component severity updated_at sla_deadline created_at resolved_at
--   source id url title
-- The first five are what the indexes need, so a script reads only those.
-- Every field is stored once: the indexes hold only ids and sort keys.
--
-- The ticket keys, KEYS[first .. first + 16] in this order (ticket_keys):
--   ticket       hash id -> row
--   open, resolved                        lex zsets "<age>\0id"
--   c_open, c_resolved                    lex zsets "component\0<sev>\0<age>\0id"
--   s_open, s_resolved                    lex zsets "<sev>\0<age>\0id"
--   c_sla        lex zset "component\0<deadline>\0id" of open tickets
--   sla          zset id -> deadline, open tickets (most urgent first)
--   pending      zset id -> deadline, open, breach not yet notified
--   notified     hash id -> the deadline whose breach was notified
--   counts       hash "component\0severity" -> open tickets
--   version, changed_at                   feed ETag and Last-Modified
--   mttr_sum, mttr_count                  hash "component\0severity" ->
--                seconds to resolution and resolutions (kaizen_ticket_seconds)
--   ack          hash id -> "acked_by\0acked_at": acknowledged from Slack
--                (ticket_ack.lua), while open; kept apart from the row so that
--                a replica of an older version reads every row unchanged.
--                Listings return an acked ticket's row with the two appended.
-- <age> is 12 hex digits of 2^48-1-updated_at, so lex order is newest change
-- first; <sev> is 0-3 (critical..low); <deadline> is 12 hex digits. Every
-- listing, filter and page is a ZRANGEBYLEX over one prefix: O(page + log n).
-- TICKET_KEYS and ticket_keys(first), the keys by name from KEYS[first] on:
-- written by the build from the one list, GW_TICKET_KEYS in store/keys.h.
--! ticket_keys

local SEVERITY_DIGIT = {critical = '0', high = '1', medium = '2', low = '3'}

local function ticket_head(row)
  return string.match(row, '^([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z([^%z]*)%z')
end

-- 12 hex digits of t clamped to [0, 2^48-1].
local function hex48(t)
  t = math.max(0, math.min(tonumber(t) or 0, 281474976710655))
  return string.format('%012x', t)
end

local function ticket_age(updated)
  return hex48(281474976710655 - math.max(0, tonumber(updated) or 0))
end

-- The members of a ticket in its state's three listing indexes: {by age,
-- by component, by severity}.
local function ticket_members(id, component, severity, updated)
  local tail = ticket_age(updated) .. '\0' .. id
  local sev = SEVERITY_DIGIT[severity] or '2'
  return tail, component .. '\0' .. sev .. '\0' .. tail, sev .. '\0' .. tail
end

-- Adds (by = 1) or removes (by = -1) the index entries of a ticket.
local function ticket_index(T, id, state, component, severity, updated, deadline, by)
  local by_age, by_component, by_severity = ticket_members(id, component, severity, updated)
  local op = by > 0 and 'ZADD' or 'ZREM'
  local function put(key, member)
    if by > 0 then redis.call(op, key, 0, member) else redis.call(op, key, member) end
  end
  if state == 'open' then
    put(T.open, by_age)
    put(T.c_open, by_component)
    put(T.s_open, by_severity)
    put(T.c_sla, component .. '\0' .. hex48(deadline) .. '\0' .. id)
    local field = component .. '\0' .. severity
    if redis.call('HINCRBY', T.counts, field, by) <= 0 then redis.call('HDEL', T.counts, field) end
  else
    put(T.resolved, by_age)
    put(T.c_resolved, by_component)
    put(T.s_resolved, by_severity)
  end
end

-- The rows of ids (false where absent), each acknowledged one with
-- "\0acked_by\0acked_at" appended: what the C side decodes. (Needs
-- lib/rows.lua: the scripts that include this one include it first.)
local function ticket_rows(T, ids)
  local rows, acks = hmget_many(T.ticket, ids), hmget_many(T.ack, ids)
  for i = 1, #ids do
    if rows[i] and acks[i] then rows[i] = rows[i] .. '\0' .. acks[i] end
  end
  return rows
end

local function ticket_changed(T, now)
  redis.call('INCR', T.version)
  redis.call('SET', T.changed, now)
end

-- Removes ticket id (whose stored row is old) and its index entries.
local function ticket_delete(T, id, old, now)
  local state, component, severity, updated, deadline = ticket_head(old)
  ticket_index(T, id, state, component, severity, updated, deadline, -1)
  ticket_changed(T, now)
  redis.call('HDEL', T.ticket, id)
  redis.call('ZREM', T.sla, id)
  redis.call('ZREM', T.pending, id)
  redis.call('HDEL', T.notified, id)
  redis.call('HDEL', T.ack, id)
end

-- Stores row for id over old (false for a new ticket). Returns 1 when this
-- resolved a ticket that was not resolved before (then also the new
-- resolution totals of its component and severity, when observe is set),
-- else 0.
local function ticket_write(T, id, row, old, now, observe)
  local state, component, severity, updated, deadline = ticket_head(row)
  local ostate, ocomponent, oseverity, oupdated, odeadline
  if old then
    ostate, ocomponent, oseverity, oupdated, odeadline = ticket_head(old)
  end
  if old == row then return 0 end
  if old then
    -- An acknowledgement lasts until the ticket reopens.
    if ostate == 'resolved' and state == 'open' then redis.call('HDEL', T.ack, id) end
    ticket_index(T, id, ostate, ocomponent, oseverity, oupdated, odeadline, -1)
  end
  ticket_changed(T, now)
  ticket_index(T, id, state, component, severity, updated, deadline, 1)
  -- A new deadline, or a reopen, arms a new breach notice.
  if old and (ostate ~= state or odeadline ~= deadline) then redis.call('HDEL', T.notified, id) end
  redis.call('HSET', T.ticket, id, row)
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
  if not observe then return 1 end
  local created, resolved = string.match(row, '^[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z([^%z]*)%z([^%z]*)%z')
  local seconds = math.max(0, (tonumber(resolved) or 0) - (tonumber(created) or 0))
  local field = component .. '\0' .. severity
  return 1, redis.call('HINCRBY', T.mttr_sum, field, seconds), redis.call('HINCRBY', T.mttr_count, field, 1)
end
