-- Delivery de-duplication (shared): a delivery id is remembered for ttl
-- seconds under its own key, written in the same script as the change it
-- carried, so a delivery is never marked done without its effect.
local function delivery_seen(key)
  return key ~= nil and redis.call('EXISTS', key) == 1
end

local function delivery_remember(key, ttl)
  if key ~= nil then redis.call('SET', key, '1', 'EX', ttl) end
end

-- delivery_seen and delivery_remember in one command, for a script that
-- always applies its change once it got this far: false when the key was
-- there already.
local function delivery_claim(key, ttl)
  return key == nil or redis.call('SET', key, '1', 'NX', 'EX', ttl) ~= false
end
