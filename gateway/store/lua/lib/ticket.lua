-- Ticket rows and their indexes (shared by apply, retention and migration).
--
-- A row is the ticket's fields joined by NUL bytes, in this order:
--   state component severity updated_at sla_deadline created_at resolved_at
--   source id url title
-- The first five are what the indexes need, so a script reads only those.
-- Every field is stored once: the indexes hold only ids and sort keys.
--
-- The ticket keys, KEYS[first .. first + TICKET_KEYS - 1] in this order (ticket_keys):
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
--                seconds to resolution and resolutions (kaizen_ticket_seconds);
--                the count exists, at 0, from the pair's first ticket, so its
--                series are exported before they first count anything
--   ack          hash id -> "acked_by\0acked_at": acknowledged from Slack
--                (ticket_ack.lua), while open; kept apart from the row so that
--                a replica of an older version reads every row unchanged.
--   measures     hash "component\0severity\0<measure>" -> the other Kaizen
--                totals (core/measures.h): 'ttr:<bound>' resolutions per bucket
--                (their sum and count are mttr_sum and mttr_count), 'tta:sum',
--                'tta:count', 'tta:<bound>' first acknowledgements, 'met' and
--                'breached' resolutions by SLA outcome, 'reopened'
--   reopen       hash id -> "<times> <at>": a ticket opened again after a
--                resolution, how often and when last; its SLA and its times to
--                acknowledge and resolve run from then. Apart from the row too.
-- Listings return an acknowledged or reopened ticket's row with
-- "\0acked_by\0acked_at\0reopened" appended (ticket_rows).
-- <age> is 12 hex digits of 2^48-1-updated_at, so lex order is newest change
-- first; <sev> is 0-3 (critical..low); <deadline> is 12 hex digits. Every
-- listing, filter and page is a ZRANGEBYLEX over one prefix: O(page + log n).
-- TICKET_KEYS and ticket_keys(first), the keys by name from KEYS[first] on:
-- written by the build from the one list, GW_TICKET_KEYS in store/keys.h.
--! ticket_keys
--! ticket_buckets

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

-- How often ticket id was reopened and when last (nil, nil: never), from
-- its reopen record.
local function ticket_reopens(T, id)
  local record = redis.call('HGET', T.reopen, id)
  if not record then return nil, nil end
  local times, at = string.match(record, '^(%d+) (%d+)$')
  return tonumber(times), tonumber(at)
end

-- The rows of ids (false where absent), each acknowledged or reopened one
-- with "\0acked_by\0acked_at\0reopened" appended (the ack empty when there
-- is none): what the C side decodes. (Needs lib/rows.lua: the scripts that
-- include this one include it first.)
local function ticket_rows(T, ids)
  local rows, acks = hmget_many(T.ticket, ids), hmget_many(T.ack, ids)
  local reopens = hmget_many(T.reopen, ids)
  for i = 1, #ids do
    if rows[i] and (acks[i] or reopens[i]) then
      rows[i] = rows[i] .. '\0' .. (acks[i] or '\0') .. '\0' ..
                (reopens[i] and string.match(reopens[i], '^%d+') or '0')
    end
  end
  return rows
end

-- The fields after the first five: created_at and resolved_at.
local function ticket_times(row)
  local created, resolved = string.match(row, '^[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z([^%z]*)%z([^%z]*)%z')
  return tonumber(created) or 0, tonumber(resolved) or 0
end

-- row (being stored over old) with its SLA deadline run from the ticket's
-- last reopening, when it was reopened (now, or before): created + SLA is
-- what the C side computed; a reopened ticket gets reopened_at + the same SLA.
local function ticket_sla_restart(T, id, row, old)
  local state, component, severity, updated, deadline = ticket_head(row)
  local since
  if state == 'open' and ticket_head(old) == 'resolved' then
    since = tonumber(updated)
  else
    since = select(2, ticket_reopens(T, id))
  end
  if not since then return row end
  local created = ticket_times(row)
  local restarted = string.format('%d', since + tonumber(deadline) - created)
  if restarted == deadline then return row end
  return table.concat({state, component, severity, updated, restarted}, '\0') ..
         string.sub(row, #state + #component + #severity + #updated + #deadline + 5)
end

-- Adds one observation of seconds to histogram name (ttr|tta) of pair:
-- the bucket count only (the caller keeps the sum and count).
local function measure_bucket(T, pair, name, seconds)
  for _, bound in ipairs(TICKET_BUCKETS) do
    if seconds <= bound then
      redis.call('HINCRBY', T.measures, pair .. '\0' .. name .. ':' .. bound, 1)
      return
    end
  end
end

-- When the current opening of ticket id (stored as row) began: its last
-- reopening, else its creation. Times to acknowledge and resolve run from it.
local function ticket_since(T, id, row)
  local since = select(2, ticket_reopens(T, id))
  return since or ticket_times(row)
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
  redis.call('HDEL', T.reopen, id)
end

-- Stores row for id over old (false for a new ticket); row is the change
-- as ticket_sla_restart left it. Returns 1 when this resolved a ticket that
-- was not resolved before, else 0. With observe set, the change is counted
-- in the Kaizen measures: a resolution (time to resolve, SLA met or
-- breached) and a reopening.
local function ticket_write(T, id, row, old, now, observe)
  local state, component, severity, updated, deadline = ticket_head(row)
  local ostate, ocomponent, oseverity, oupdated, odeadline
  if old then
    ostate, ocomponent, oseverity, oupdated, odeadline = ticket_head(old)
  end
  if old == row then return 0 end
  local pair = component .. '\0' .. severity
  if not old or ocomponent ~= component or oseverity ~= severity then
    redis.call('HSETNX', T.mttr_count, pair, 0)   -- its series exist from its first ticket
  end
  local reopened = old and ostate == 'resolved' and state == 'open'
  if old then
    -- An acknowledgement lasts until the ticket reopens.
    if reopened then
      redis.call('HDEL', T.ack, id)
      redis.call('HSET', T.reopen, id, string.format('%d %s', (ticket_reopens(T, id) or 0) + 1, updated))
      if observe then redis.call('HINCRBY', T.measures, pair .. '\0reopened', 1) end
    end
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
  local resolved = select(2, ticket_times(row))
  local seconds = math.max(0, resolved - ticket_since(T, id, row))
  redis.call('HINCRBY', T.mttr_sum, pair, seconds)
  redis.call('HINCRBY', T.mttr_count, pair, 1)
  measure_bucket(T, pair, 'ttr', seconds)
  redis.call('HINCRBY', T.measures, pair .. (resolved <= tonumber(deadline) and '\0met' or '\0breached'), 1)
  return 1
end
