-- SLA-breach notices kept for their edits (Web API mode). N.of is a hash
-- ticket id -> notice (the outbox id of the message that lists it); N.msg
-- a hash notice -> its descriptor (JSON from gateway/breach_check.c: dest,
-- checked_at, count, first, buttons, ids) and notice .. '#' -> how
-- many of its tickets still point at it. Only open tickets point at a
-- notice: one stops when it resolves or is deleted, and the notice goes
-- with the last one, so both hashes hold only breached tickets still open.
-- A notice older than NOTICE_EDIT_DAYS is no longer edited: Slack's ts of
-- its post is kept 7 days (GW_SLACK_POSTED_TTL).
-- O (the outbox side of an edit): seq, bodies, dests, pending, and queue,
-- the breach queue of dest, the notice's destination, so that an edit
-- waits behind its post; edit, the prefix of an edit's id (core/wire.h,
-- passed by the caller).
-- Needs lib/rows.lua, lib/ticket.lua and lib/enqueue.lua.
local NOTICE_EDIT_DAYS = 6

local function notice_keys(first)
  return {of = KEYS[first], msg = KEYS[first + 1]}
end

local function notice_forget(N, id)
  local nid = redis.call('HGET', N.of, id)
  if not nid then return end
  redis.call('HDEL', N.of, id)
  if redis.call('HINCRBY', N.msg, nid .. '#', -1) <= 0 then redis.call('HDEL', N.msg, nid, nid .. '#') end
end

-- A row (with its ack, ticket_rows) as the JSON object gw_render_edit reads.
local function ticket_object(row)
  local f = {}
  for v in string.gmatch(row .. '\0', '([^%z]*)%z') do f[#f + 1] = v end
  local acked = f[12] and f[12] ~= ''
  return {state = f[1], component = f[2], severity = f[3], updated_at = tonumber(f[4]),
          sla_deadline = tonumber(f[5]), created_at = tonumber(f[6]),
          resolved_at = tonumber(f[7]), source = f[8], id = f[9], url = f[10], title = f[11],
          acked_by = acked and f[12] or cjson.null,
          acked_at = acked and tonumber(f[13]) or cjson.null}
end

-- Enqueues the edit of notice nid (descriptor d), showing its tickets as
-- they are now; tag makes the edit's id. Costs O(tickets of the notice).
local function notice_send_edit(T, O, nid, d, tag, now)
  if tonumber(now) / 1000 - (tonumber(d.checked_at) or 0) > NOTICE_EDIT_DAYS * 86400 then
    return false   -- its post's ts is gone, or soon will be: nothing to edit
  end
  local tickets = {}
  for _, row in ipairs(ticket_rows(T, d.ids)) do
    if row then tickets[#tickets + 1] = ticket_object(row) end
  end
  if #tickets == 0 then return false end
  local body = {edit = nid, checked_at = d.checked_at, count = d.count, first = d.first,
                buttons = d.buttons, tickets = tickets}
  return outbox_enqueue(O.seq, O.bodies, O.dests, O.pending, O.queue, O.dest,
                        O.edit .. tag .. ':' .. nid, cjson.encode(body), now)
end

-- Records that notice nid lists the tickets of its descriptor, those still
-- open and unacknowledged. The descriptor's rows were read before this step
-- (another step of the round, or another replica's): a ticket resolved,
-- deleted or acknowledged since then is shown as it is now by an edit
-- enqueued right behind the post.
local function notice_remember(N, T, O, nid, descriptor, now)
  local d = cjson.decode(descriptor)
  local rows, acks = hmget_many(T.ticket, d.ids), hmget_many(T.ack, d.ids)
  local added, changed = 0, false
  for i, id in ipairs(d.ids) do
    if rows[i] and ticket_head(rows[i]) == 'open' then
      if acks[i] then changed = true end
      if redis.call('HGET', N.of, id) ~= nid then
        notice_forget(N, id)   -- a ticket that breached again is on its newest notice
        redis.call('HSET', N.of, id, nid)
        added = added + 1
      end
    else
      changed = true
    end
  end
  if added > 0 then
    redis.call('HSET', N.msg, nid, descriptor)
    redis.call('HINCRBY', N.msg, nid .. '#', added)
  end
  if changed then notice_send_edit(T, O, nid, d, 'changed', now) end
end

-- Enqueues the edit of ticket id's notice (why: 'resolved' or 'acked')
-- when the notice went to O.dest; a notice whose route has changed since
-- is left as it is.
local function notice_edit(N, T, O, id, why, now)
  local nid = redis.call('HGET', N.of, id)
  local raw = nid and redis.call('HGET', N.msg, nid)
  if not raw then return false end
  local d = cjson.decode(raw)
  if d.dest ~= O.dest then return false end
  return notice_send_edit(T, O, nid, d, why .. ':' .. id, now)
end
