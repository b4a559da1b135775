-- presence-webhooks: acknowledge changes of one shard's feed (they were emitted: never claim them).
-- KEYS[1] the shard's unacknowledged set: entry id (every change of the entry unacknowledged) or 'id:i' (one change)
-- ARGV: per entry: its id, its number of changes n, the number k of acknowledged indices, then those k indices.
-- An entry acknowledged in part is replaced by its other changes, one member each, with the entry's time.
local a = 1
while a <= #ARGV do
  local id, n, k = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local acked = {}
  for j = 1, k do acked[tonumber(ARGV[a + 2 + j])] = true end
  a = a + 3 + k
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score then
    redis.call('ZREM', KEYS[1], id)
    for i = 0, n - 1 do
      if not acked[i] then redis.call('ZADD', KEYS[1], score, id .. ':' .. i) end
    end
  end
  for i in pairs(acked) do redis.call('ZREM', KEYS[1], id .. ':' .. i) end
end
return 1
