-- SLA-breach notices, grouped: every ticket that breaches in one check is
-- listed in the round's notice (split in pages by the caller, each page
-- one or a few messages), each breach exactly once however many replicas
-- check. A round lives in Redis, so a replica that dies mid-round is
-- replaced by the next one, which goes on from the first page not sent:
--   take  (repeated) moves tickets due at the round's check time from
--         pending into the round's list, marking them notified, ARGV[6] at
--         a time; once nothing is left it answers 'ready';
--   rows  the rows of one page of the list;
--   emit  enqueues one page's messages and moves the round to the next
--         page, in one step; after the last page the round is over.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua), then: round (hash),
--       listed (list of ids), the two notice keys (lib/notice.lua),
--       then for emit the outbox keys (outbox_enqueue_argv)
-- ARGV: 1 op  2 token of this replica  3 now (ms)  4 lease (ms)
--   take: 5 the check's time (s)  6 how many to move
--   rows: 5 page  6 page size
--   emit: 5 page  6 page size  7 the prefix of an edit's id (core/wire.h)
--         8 m, then m {notice id, descriptor, KEYS
--         index of its destination's breach queue} of the messages to keep
--         for edits (lib/notice.lua), then the messages (outbox_enqueue_argv)
-- take returns {'busy'} (another replica's live round), {'took', n},
-- {'none'} (nothing breached), or {'ready', round id, check time, listed, next page};
-- rows returns the rows (a ticket deleted since is left out);
-- emit returns 1 (more pages), 2 (that was the last: the round is over), or
-- 0 when the round is no longer this replica's.
--! include rows
--! include ticket
--! include enqueue
--! include notice
local T, N = ticket_keys(1), notice_keys(TICKET_KEYS + 3)
local round, listed = KEYS[TICKET_KEYS + 1], KEYS[TICKET_KEYS + 2]
local op, token, now, lease = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local r = redis.call('HMGET', round, 'owner', 'lease_until', 'checked_at', 'id', 'page')

if op == 'rows' then
  local first = tonumber(ARGV[5]) * tonumber(ARGV[6])
  local ids = redis.call('LRANGE', listed, first, first + tonumber(ARGV[6]) - 1)
  local out = {}
  for _, row in ipairs(ticket_rows(T, ids)) do
    if row then out[#out + 1] = row end
  end
  return out
end

if r[1] and r[1] ~= token and tonumber(r[2]) > now then
  if op == 'emit' then return 0 end
  return {'busy'}
end
if op == 'emit' then
  if r[1] ~= token or tonumber(ARGV[5]) ~= tonumber(r[5]) then return 0 end
  local m = tonumber(ARGV[8])
  local ob = 9 + 3 * m   -- the outbox arguments: posts first, so edits go behind them
  outbox_enqueue_argv(ob)
  -- The page's tickets were notified now (where, when the notices are kept).
  local first, to = tonumber(ARGV[5]) * tonumber(ARGV[6]), {}
  for i = 0, m - 1 do
    local d = cjson.decode(ARGV[9 + 3 * i + 1])
    for _, tid in ipairs(d.ids) do to[tid] = d.dest end
  end
  for _, tid in ipairs(redis.call('LRANGE', listed, first, first + tonumber(ARGV[6]) - 1)) do
    if redis.call('HEXISTS', T.ticket, tid) == 1 then
      timeline_add(T, tid, math.floor(now / 1000), 'notified', nil, to[tid])
    end
  end
  for i = 0, m - 1 do
    local at = 9 + 3 * i
    local d = ARGV[at + 1]
    notice_remember(N, T, {seq = KEYS[tonumber(ARGV[ob])], bodies = KEYS[tonumber(ARGV[ob + 1])],
                           dests = KEYS[tonumber(ARGV[ob + 2])],
                           pending = KEYS[tonumber(ARGV[ob + 3])],
                           queue = KEYS[tonumber(ARGV[at + 2])], dest = cjson.decode(d).dest,
                           edit = ARGV[7]},
                    ARGV[at], d, ARGV[3])
  end
  local next_page = tonumber(r[5]) + 1
  if next_page * tonumber(ARGV[6]) >= redis.call('LLEN', listed) then
    redis.call('DEL', round, listed)
    return 2
  end
  redis.call('HSET', round, 'page', next_page, 'lease_until', now + lease)
  return 1
end

-- take: join or take over the round (its check time and id stay).
local checked_at, id, page = r[3] or ARGV[5], r[4] or (token .. '-' .. ARGV[3]), r[5] or '0'
redis.call('HSET', round, 'owner', token, 'lease_until', now + lease, 'checked_at', checked_at,
           'id', id, 'page', page)
local ids = redis.call('ZRANGEBYSCORE', T.pending, '-inf', '(' .. checked_at, 'LIMIT', 0, tonumber(ARGV[6]))
if #ids > 0 then
  -- One command per key for the whole batch.
  local rows = redis.call('HMGET', T.ticket, unpack(ids))
  local notified = redis.call('HMGET', T.notified, unpack(ids))
  local marks, take = {}, {}
  for i, tid in ipairs(ids) do
    if rows[i] then
      local state, _, _, _, deadline = ticket_head(rows[i])
      if state == 'open' and notified[i] ~= deadline then
        marks[#marks + 1] = tid
        marks[#marks + 1] = deadline
        take[#take + 1] = tid
        timeline_add(T, tid, deadline, 'sla_breached')
      end
    end
  end
  redis.call('ZREM', T.pending, unpack(ids))
  if #take > 0 then
    redis.call('HSET', T.notified, unpack(marks))
    redis.call('RPUSH', listed, unpack(take))
  end
  return {'took', #ids}
end
local n = redis.call('LLEN', listed)
if n == 0 then
  redis.call('DEL', round)
  return {'none'}
end
return {'ready', id, checked_at, n, page}
