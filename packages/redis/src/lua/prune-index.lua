-- presence-webhooks: drop channels whose keys have expired from the channel index.
-- KEYS[1] channel index zset (channel -> time of its last apply, ms, writer's clock)
-- ARGV[1] cutoff (ms): only entries last touched at or before it are removed, so a channel written
-- while the reader was looking (its apply re-adds it with a newer time) is never dropped.
-- ARGV[2..] channel names that the reader found without state.
local cutoff = tonumber(ARGV[1])
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= cutoff then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
