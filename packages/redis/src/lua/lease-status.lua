-- presence-webhooks: a lease's status, read at once.
-- KEYS[1] holder key   KEYS[2] state hash. Returns { held (0/1), last done time or false, its token or false }.
local done = redis.call('HMGET', KEYS[2], 'at', 'tok')
return { redis.call('EXISTS', KEYS[1]), done[1], done[2] }
