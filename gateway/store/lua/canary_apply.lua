-- Applies one canary change atomically, with the delivery that carried it.
-- KEYS: 1 canary  2 canaries  3 due  4 sha  5 outbox seq  6 outbox bodies
--       7 outbox dests  8 outbox pending  9 the resolves' queue  10 acks  11 pages
--       12..11+n tomb of each canary named, then the delivery and the edits'
--       queues, found by the indices in ARGV
-- ARGV: 1 op  2 ttl  3 n (canaries named)  4 the resolves' destination  5 now (ms)
--       6 KEYS index of the delivery (0: none, an API request), then by op:
--   start:   7 id  8 row  9 updated_at
--   end:     7 id  8 updated_at  9 tomb (1: remember the end), then its ending
--   promote: 7 "repo@sha"  8 updated_at, then n x {id, its ending}
-- An ending is {resolve id, resolve body, edit destination, KEYS index of its
-- queue, edit id, the id of the page it edits} (ids: core/wire.h): for a
-- canary that was paged the resolve ('' = none) and the edit of its Slack
-- page ("resolved"; '' = none, incoming-webhook mode) are enqueued.
-- Returns {status, paged}: status created|exists|stale|ended|unknown|
-- promoted|ignored|duplicate, or {'retry', 0} when the canaries of the
-- commit are no longer those named (the caller reads them again).
--! include dedup
--! include enqueue
--! include canary
local C = {canary = KEYS[1], canaries = KEYS[2], due = KEYS[3], sha = KEYS[4], ack = KEYS[10],
           page = KEYS[11]}
local op, ttl, n, dest, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local delivery = tonumber(ARGV[6]) > 0 and KEYS[tonumber(ARGV[6])] or nil
if delivery_seen(delivery) then return {'duplicate', 0} end

-- Ends canary id with the ending at ARGV[at ..]; returns whether it had been paged.
local function finish(tomb, id, updated, remember, at)
  local resolve_id, resolve_body, edit_dest = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  local ack = redis.call('HGET', C.ack, id)
  local row = canary_delete(C, id)
  if remember then redis.call('SET', tomb, updated, 'EX', ttl) end
  if not row then return nil end
  local paged = string.sub(row, 1, 1) == '1'
  if paged and resolve_body ~= '' then
    outbox_enqueue(KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], dest, resolve_id, resolve_body, now)
  end
  if paged and edit_dest ~= '' then
    local c = canary_fields(row)
    local t = math.floor(tonumber(now) / 1000)
    outbox_enqueue(KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[tonumber(ARGV[at + 3])], edit_dest,
                   ARGV[at + 4], canary_edit(c, ARGV[at + 5], 'resolved', t, ack), now)
  end
  return paged
end

local status, paged = 'ignored', 0
if op == 'start' then
  local id, row, updated = ARGV[7], ARGV[8], tonumber(ARGV[9])
  local gone = redis.call('GET', KEYS[12])
  if redis.call('HEXISTS', C.canary, id) == 1 then
    status = 'exists'
  elseif gone and updated <= tonumber(gone) then
    status = 'stale'
  else
    canary_write(C, id, row)
    status = 'created'
  end
elseif op == 'end' then
  local was = finish(KEYS[12], ARGV[7], ARGV[8], ARGV[9] == '1', 10)
  if was == nil then status = 'unknown' else status = 'ended' end
  if was then paged = 1 end
elseif op == 'promote' then
  local prefix, updated = ARGV[7] .. '\0', ARGV[8]
  local members = redis.call('ZRANGEBYLEX', C.sha, '[' .. prefix, '(' .. prefix .. '\255')
  if #members ~= n then return {'retry', 0} end
  for i = 1, n do
    if members[i] ~= prefix .. ARGV[9 + 7 * (i - 1)] then return {'retry', 0} end
  end
  for i = 1, n do
    local at = 9 + 7 * (i - 1)
    finish(KEYS[11 + i], ARGV[at], updated, true, at + 1)
  end
  if n > 0 then status = 'promoted' end
else
  return redis.error_reply('canary_apply: unknown op ' .. op)
end
delivery_remember(delivery, ttl)
return {status, paged}
