-- Upgrade: moves first-release keys that expire (delivery ids, tombs,
-- digest window claims) to their new names with what is left of their
-- TTL, and deletes first-release keys with nothing to move (ARGV 'drop').
-- KEYS: pairs {legacy, new} (new is the legacy key again for 'drop')
-- ARGV: per pair 'move' | 'drop'
for i = 1, #ARGV do
  local legacy, new = KEYS[2 * i - 1], KEYS[2 * i]
  if ARGV[i] == 'move' then
    local ttl = redis.call('PTTL', legacy)
    local value = redis.call('GET', legacy)
    if value and ttl > 0 and redis.call('EXISTS', new) == 0 then
      redis.call('SET', new, value, 'PX', ttl)
    end
  end
  redis.call('DEL', legacy)
end
return #ARGV
