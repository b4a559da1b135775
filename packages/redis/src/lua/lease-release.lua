-- presence-webhooks: give a lease up, only while it is still held with this token (compare-and-set).
-- KEYS[1] holder key   KEYS[2] state hash   ARGV[1] token   ARGV[2] '1' when the work finished:
-- record when (Redis clock, ms) and by which token, for the waiters. Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '1' then
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  redis.call('HSET', KEYS[2], 'at', now, 'tok', ARGV[1])
end
return 1
