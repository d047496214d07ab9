-- Retention of the weekly aggregates: deletes the weeks named (each ended
-- before the cutoff the caller chose) and forgets them.
-- KEYS: 1 the weeks kept (label -> start), then each week's hash
-- ARGV: the weeks' labels, in the order of their keys
-- Returns how many were deleted.
for i = 2, #KEYS do redis.call('UNLINK', KEYS[i]) end
if #ARGV > 0 then redis.call('ZREM', KEYS[1], unpack(ARGV)) end
return #ARGV
