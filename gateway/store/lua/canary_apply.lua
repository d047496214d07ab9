-- Applies one canary change atomically, with the delivery that carried it.
-- KEYS: 1 canary  2 canaries  3 due  4 sha  5 outbox seq  6 outbox bodies
--       7 outbox dests  8 outbox pending  9 the resolve's queue
--       10..9+n tomb of each canary named  [10+n delivery: absent for API requests]
-- ARGV: 1 op  2 ttl  3 n (canaries named)  4 the resolve's destination  5 now (ms),
--   then by op:
--   start:   6 id  7 row  8 updated_at
--   end:     6 id  7 updated_at  8 tomb (1: remember the end)  9 resolve id  10 resolve body
--   promote: 6 "repo@sha"  7 updated_at, then n x {id, resolve id, resolve body}
-- A resolve body ('' = none) is enqueued for a canary that was paged.
-- Returns {status, paged}: status created|exists|stale|ended|unknown|
-- promoted|ignored|duplicate, or {'retry', 0} when the canaries of the
-- commit are no longer those named (the caller reads them again).
--! include dedup
--! include enqueue
--! include canary
local C = {canary = KEYS[1], canaries = KEYS[2], due = KEYS[3], sha = KEYS[4]}
local op, ttl, n, dest, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local delivery = KEYS[10 + n]
if delivery_seen(delivery) then return {'duplicate', 0} end

-- Ends canary id; returns whether it had been paged.
local function finish(tomb, id, updated, remember, resolve_id, resolve_body)
  local row = canary_delete(C, id)
  if remember then redis.call('SET', tomb, updated, 'EX', ttl) end
  if not row then return nil end
  local paged = string.sub(row, 1, 1) == '1'
  if paged and resolve_body ~= '' then
    outbox_enqueue(KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], dest, resolve_id, resolve_body, now)
  end
  return paged
end

local status, paged = 'ignored', 0
if op == 'start' then
  local id, row, updated = ARGV[6], ARGV[7], tonumber(ARGV[8])
  local gone = redis.call('GET', KEYS[10])
  if redis.call('HEXISTS', C.canary, id) == 1 then
    status = 'exists'
  elseif gone and updated <= tonumber(gone) then
    status = 'stale'
  else
    canary_write(C, id, row)
    status = 'created'
  end
elseif op == 'end' then
  local was = finish(KEYS[10], ARGV[6], ARGV[7], ARGV[8] == '1', ARGV[9], ARGV[10])
  if was == nil then status = 'unknown' else status = 'ended' end
  if was then paged = 1 end
elseif op == 'promote' then
  local prefix, updated = ARGV[6] .. '\0', ARGV[7]
  local members = redis.call('ZRANGEBYLEX', C.sha, '[' .. prefix, '(' .. prefix .. '\255')
  if #members ~= n then return {'retry', 0} end
  for i = 1, n do
    local at = 8 + 3 * (i - 1)
    if members[i] ~= prefix .. ARGV[at] then return {'retry', 0} end
  end
  for i = 1, n do
    local at = 8 + 3 * (i - 1)
    finish(KEYS[9 + i], ARGV[at], updated, true, ARGV[at + 1], ARGV[at + 2])
  end
  if n > 0 then status = 'promoted' end
else
  return redis.error_reply('canary_apply: unknown op ' .. op)
end
delivery_remember(delivery, ttl)
return {status, paged}
