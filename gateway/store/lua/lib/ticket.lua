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
--   since        lex zset "component\0severity\0source\0<since>\0id" of open
--                tickets, <since> the start of the current opening (creation or
--                last reopening): how many are open per group, and the oldest
--   timeline     hash id -> the ticket's events, oldest first: records
--                "at\31event\31by\31detail" joined by "\30", at most
--                TIMELINE_MAX (the opening and the latest others)
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

-- row (being stored over old) with the SLA deadline the ticket keeps. The C
-- side computed two with the calendar in force now (core/sla.h): the row's,
-- from created, and restart, from the row's updated_at. A severity change
-- takes the row's, a reopening (resolved -> open) restart; any other change
-- keeps the stored one, so that a calendar or SLA change (a reload) applies
-- to tickets opened after it and a resolution is judged by the deadline the
-- ticket had.
local function ticket_sla_pick(row, old, restart)
  local state, component, severity, updated, deadline = ticket_head(row)
  local ostate, _, oseverity, _, odeadline = ticket_head(old)
  local kept = odeadline
  if state == 'open' and ostate == 'resolved' then
    kept = restart
  elseif severity ~= oseverity then
    kept = deadline
  end
  if kept == deadline then return row end
  return table.concat({state, component, severity, updated, kept}, '\0') ..
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

-- The 8th field: github or alertmanager.
local function ticket_source(row)
  return string.match(row, '^[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z[^%z]*%z([^%z]*)')
end

-- What the weekly aggregates and the since index group tickets by: every
-- field a route matches on.
local function ticket_group(row)
  local _, component, severity = ticket_head(row)
  return component .. '\0' .. severity .. '\0' .. (ticket_source(row) or '')
end

local function since_member(group, since, id)
  return group .. '\0' .. hex48(since) .. '\0' .. id
end

-- Appends an event to ticket id's timeline (its ticket must exist). by and
-- detail may be nil; the separators cannot occur in a field.
local TIMELINE_MAX = 100
local function timeline_add(T, id, at, event, by, detail)
  local function clean(v) return (string.gsub(v or '', '[\30\31]', ' ')) end
  local record = table.concat({string.format('%d', tonumber(at) or 0), event, clean(by),
                               clean(detail)}, '\31')
  local events = redis.call('HGET', T.timeline, id)
  if events then
    local _, seps = string.gsub(events, '\30', '')
    if seps + 1 >= TIMELINE_MAX then
      -- Full: the opening stays, the oldest of the others goes.
      local first = string.find(events, '\30', 1, true)
      local second = string.find(events, '\30', first + 1, true)
      events = second and string.sub(events, 1, first - 1) .. string.sub(events, second)
               or string.sub(events, 1, first - 1)
    end
    record = events .. '\30' .. record
  end
  redis.call('HSET', T.timeline, id, record)
end

local function ticket_changed(T, now)
  redis.call('INCR', T.version)
  redis.call('SET', T.changed, now)
end

-- Removes ticket id (whose stored row is old) and its index entries; R
-- (lib/report.lua, or nil) counts an open one as gone in the week of the
-- change.
local function ticket_delete(T, id, old, now, R)
  local state, component, severity, updated, deadline = ticket_head(old)
  if state == 'open' then
    local since = ticket_since(T, id, old)
    redis.call('ZREM', T.since, since_member(ticket_group(old), since, id))
    if R then R.leave(ticket_group(old), 'updated', since, id) end
  end
  ticket_index(T, id, state, component, severity, updated, deadline, -1)
  ticket_changed(T, now)
  redis.call('HDEL', T.ticket, id)
  redis.call('ZREM', T.sla, id)
  redis.call('ZREM', T.pending, id)
  redis.call('HDEL', T.notified, id)
  redis.call('HDEL', T.ack, id)
  redis.call('HDEL', T.reopen, id)
  redis.call('HDEL', T.timeline, id)
end

-- What a change did to ticket id, beyond its row and listing indexes: its
-- entry in the since index (osince: when the old row's opening began, if it
-- was open), and when observed, its timeline and the weekly aggregates (R,
-- lib/report.lua: in the week of its creation, resolution or change).
local function ticket_track(T, id, row, old, osince, R)
  local state, _, severity, updated, deadline = ticket_head(row)
  local ostate, oseverity
  if old then ostate, _, oseverity = ticket_head(old) end
  local group, ogroup = ticket_group(row), old and ticket_group(old)
  local since = ticket_since(T, id, row)
  local was_open, is_open = ostate == 'open', state == 'open'
  if was_open then redis.call('ZREM', T.since, since_member(ogroup, osince, id)) end
  if is_open then redis.call('ZADD', T.since, 0, since_member(group, since, id)) end
  if not R then return end
  local created, resolved = ticket_times(row)
  if not old then
    R.add(group, 'created', 'opened', 1)
    timeline_add(T, id, created, 'opened', nil, severity)
    -- A ticket first seen resolved was open from its creation to its resolution.
    if not is_open then R.enter(group, 'created') end
  elseif ostate == 'resolved' and is_open then
    R.add(group, 'updated', 'reopened', 1)
    timeline_add(T, id, updated, 'reopened')
  end
  if old and oseverity ~= severity then
    timeline_add(T, id, updated, 'severity_changed', nil, oseverity .. ' \226\134\146 ' .. severity)
  end
  if was_open and (not is_open or ogroup ~= group) then
    R.leave(ogroup, is_open and 'updated' or 'resolved', osince, id)
  end
  if is_open and (not was_open or ogroup ~= group) then
    R.enter(group, old and 'updated' or 'created')
  end
  if state == 'resolved' and ostate ~= 'resolved' then
    local seconds = math.max(0, resolved - since)
    if not old then R.leave(group, 'resolved', since, id) end
    R.add(group, 'resolved', 'resolved', 1)
    R.add(group, 'resolved', 'ttr:sum', seconds)
    R.bucket(group, 'resolved', 'ttr', seconds)
    R.add(group, 'resolved', resolved <= tonumber(deadline) and 'met' or 'breached', 1)
    timeline_add(T, id, resolved, 'resolved')
  end
end

-- Stores row for id over old (false for a new ticket); row is the change
-- as ticket_sla_pick left it. Returns 1 when this resolved a ticket that
-- was not resolved before, else 0. With observe set, the change is counted
-- in the Kaizen measures: a resolution (time to resolve, SLA met or
-- breached) and a reopening; and in its timeline and the weekly
-- aggregates of R (lib/report.lua), when given.
local function ticket_write(T, id, row, old, now, observe, R)
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
  local osince = ostate == 'open' and ticket_since(T, id, old)   -- before a reopen moves it
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
  ticket_track(T, id, row, old, osince, observe and R)
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
