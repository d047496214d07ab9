-- Every ticket's row, newest change first (filters are applied by the caller).
-- KEYS: 1 tickets  2 ticket
--! include rows
return hmget_many(KEYS[2], redis.call('ZREVRANGE', KEYS[1], 0, -1))
