-- presence-webhooks: take a lease if no one holds it (SET NX PX), with a fencing token.
-- KEYS[1] holder key (the holder's token, expiring with the lease)   KEYS[2] state hash: seq (last token), at / tok (last done)
-- ARGV[1] ttl (ms). Returns the new token (strictly increasing per lease), or nil when the lease is held.
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[1])
return token
