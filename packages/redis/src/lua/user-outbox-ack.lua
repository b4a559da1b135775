-- presence-webhooks: drop the intents a users step applied from a shard's user outbox (see user-outbox.lua).
-- KEYS[1] the outbox hash, KEYS[2] when each field became pending. ARGV: field, version, ...: the field's
-- intents up to that version are gone; a field left empty is deleted. Returns the fields deleted.
local done = 0
for i = 1, #ARGV, 2 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local list, upTo, kept = cmsgpack.unpack(raw), tonumber(ARGV[i + 1]), {}
    for k = 1, #list, 4 do
      if list[k] > upTo then
        for j = k, k + 3 do kept[#kept + 1] = list[j] end
      end
    end
    if #kept == 0 then
      redis.call('HDEL', KEYS[1], ARGV[i])
      redis.call('ZREM', KEYS[2], ARGV[i])
      done = done + 1
    elseif #kept < #list then
      redis.call('HSET', KEYS[1], ARGV[i], cmsgpack.pack(kept))
    end
  end
end
return done
