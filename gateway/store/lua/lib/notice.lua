-- SLA-breach notices kept for their edits (Web API mode). N.of is a hash
-- ticket id -> notice (the outbox id of the message that lists it); N.msg
-- a hash notice -> its descriptor (JSON from gateway/breach_check.c: dest,
-- checked_at, count, first, last, buttons, ids) and notice .. '#' -> how
-- many of its tickets still point at it. A ticket stops pointing at its
-- notice when it resolves or is deleted, and the notice goes with the last
-- one, so both hashes hold only breached tickets that are still open.
-- Needs lib/ticket.lua and lib/enqueue.lua.
local function notice_keys(first)
  return {of = KEYS[first], msg = KEYS[first + 1]}
end

local function notice_forget(N, id)
  local nid = redis.call('HGET', N.of, id)
  if not nid then return end
  redis.call('HDEL', N.of, id)
  if redis.call('HINCRBY', N.msg, nid .. '#', -1) <= 0 then redis.call('HDEL', N.msg, nid, nid .. '#') end
end

-- Records that notice nid lists the tickets of its descriptor.
local function notice_remember(N, nid, descriptor)
  local added = 0
  for _, id in ipairs(cjson.decode(descriptor).ids) do
    if redis.call('HGET', N.of, id) ~= nid then
      notice_forget(N, id)   -- a ticket that breached again is on its newest notice
      redis.call('HSET', N.of, id, nid)
      added = added + 1
    end
  end
  if added > 0 then
    redis.call('HSET', N.msg, nid, descriptor)
    redis.call('HINCRBY', N.msg, nid .. '#', added)
  end
end

-- A row as the JSON object gw_render_edit reads.
local function ticket_object(row)
  local f = {}
  for v in string.gmatch(row .. '\0', '([^%z]*)%z') do f[#f + 1] = v end
  return {state = f[1], component = f[2], severity = f[3], updated_at = tonumber(f[4]),
          sla_deadline = tonumber(f[5]), created_at = tonumber(f[6]),
          resolved_at = tonumber(f[7]), source = f[8], id = f[9], url = f[10], title = f[11],
          acked_by = f[12] or cjson.null, acked_at = tonumber(f[13]) or cjson.null}
end

-- Enqueues the edit of ticket id's notice, showing its tickets as they are
-- now (why: 'resolved' or 'acked'), when the notice went to O.dest (O: the
-- outbox keys, with O.queue the breach queue of that destination, so the
-- edit waits for the post). Costs O(tickets of the notice).
local function notice_edit(N, T, O, id, why, now)
  local nid = redis.call('HGET', N.of, id)
  local raw = nid and redis.call('HGET', N.msg, nid)
  if not raw then return false end
  local d = cjson.decode(raw)
  if d.dest ~= O.dest then return false end   -- its route changed since: left as it is
  local tickets = {}
  for _, row in ipairs(ticket_rows(T, d.ids)) do
    if row then tickets[#tickets + 1] = ticket_object(row) end
  end
  if #tickets == 0 then return false end
  d.ids, d.dest, d.edit, d.tickets = nil, nil, nid, tickets
  return outbox_enqueue(O.seq, O.bodies, O.dests, O.pending, O.queue, O.dest,
                        'edit:' .. why .. ':' .. id .. ':' .. nid, cjson.encode(d), now)
end
