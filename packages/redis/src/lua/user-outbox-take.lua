-- presence-webhooks: the stranded fields of a shard's user outbox (see user-outbox.lua): pending for at least
-- ARGV[1] ms (Redis time), at most ARGV[2] of them. KEYS[1] the outbox hash, KEYS[2] when each field became pending.
-- Returns a flat list: field, its pending list (packed), ...
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local fields = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, field in ipairs(fields) do
  local raw = redis.call('HGET', KEYS[1], field)
  if raw then
    out[#out + 1] = field; out[#out + 1] = raw
  else
    redis.call('ZREM', KEYS[2], field)
  end
end
return out
