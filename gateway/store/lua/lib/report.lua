-- The weekly aggregates of the Kaizen report, counted in the script that
-- applies a change, so each is counted exactly once. A week (an ISO week in
-- KAIZEN_TIMEZONE, or a KAIZEN_REPORT_EVERY period) is a hash
--   "component\0severity\0source\0<measure>" -> value
-- with the measures
--   opened, reopened           openings in the week (creations, reopenings)
--   resolved, ttr:sum,         resolutions in the week, their seconds to
--   ttr:<bound>, met, breached resolve (buckets of TICKET_BUCKETS, the +Inf
--                              one implied) and SLA outcome
--   tta:sum, tta:count         first acknowledgements in the week
--   net                        open tickets gained (+) or lost (-) in the week
--   gone                       "<since> <id>": of the tickets that stopped
--                              being open in the week, the one open the longest
-- The report derives from these "open at the week's end" (open now minus
-- the net of every later week) and the oldest open then.
-- weeks is the zset label -> start of the weeks kept. spec names the week of
-- each role, in the order of roles: "<KEYS index> <start> <label>" each
-- ("0 0 -": none), as store/tickets.c builds it. (Needs TICKET_BUCKETS.)
local function report_context(weeks, spec, roles)
  local week, i = {}, 1
  for key, start, label in string.gmatch(spec, '(%d+) (%-?%d+) (%S+)') do
    if tonumber(key) > 0 and roles[i] then
      week[roles[i]] = {key = KEYS[tonumber(key)], start = start, label = label}
    end
    i = i + 1
  end
  local function hash(role)
    local w = week[role]
    if not w then return nil end
    if not w.kept then
      redis.call('ZADD', weeks, 'NX', w.start, w.label)
      w.kept = true
    end
    return w.key
  end
  local R = {}
  function R.add(group, role, measure, by)
    local h = hash(role)
    if h then redis.call('HINCRBY', h, group .. '\0' .. measure, by) end
  end
  function R.bucket(group, role, name, seconds)
    for _, bound in ipairs(TICKET_BUCKETS) do
      if seconds <= bound then
        R.add(group, role, name .. ':' .. bound, 1)
        return
      end
    end
  end
  function R.enter(group, role) R.add(group, role, 'net', 1) end
  function R.leave(group, role, since, id)
    local h = hash(role)
    if not h then return end
    redis.call('HINCRBY', h, group .. '\0net', -1)
    local field = group .. '\0gone'
    local oldest = redis.call('HGET', h, field)
    if not oldest or since < tonumber(string.match(oldest, '^(%-?%d+)')) then
      redis.call('HSET', h, field, string.format('%d %s', since, id))
    end
  end
  return R
end
