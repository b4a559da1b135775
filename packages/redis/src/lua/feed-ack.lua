-- presence-webhooks: acknowledge changes of one shard's feed (they were emitted: never claim them).
-- KEYS[1] the shard's unacknowledged set: entry id (every change of the entry unacknowledged) or 'id:i' (one change)
-- ARGV: per entry: its id, its number of changes n, the number k of acknowledged indices, then those k indices
-- (none when k = n: the whole entry).
-- An entry acknowledged in part is replaced by its other changes, one member each, with the entry's time.
-- An entry is held whole ('id') or in parts ('id:i', after an acknowledgement in part), never both: an entry
-- acknowledged in full costs one ZREM (a receiver acknowledges each delivery's changes at once), not one per change.

-- ZADD / ZREM take their arguments through unpack(), which has a stack limit: chunk.
local function callChunked(command, list)
  for first = 1, #list, 1000 do
    redis.call(command, KEYS[1], unpack(list, first, math.min(first + 999, #list)))
  end
end

local a = 1
while a <= #ARGV do
  local id, n, k = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local acked = {}
  local whole
  if k == n then
    a = a + 3
    whole = redis.call('ZREM', KEYS[1], id) == 1
    if not whole then for i = 0, n - 1 do acked[i] = true end end
  else
    for j = 1, k do acked[tonumber(ARGV[a + 2 + j])] = true end
    a = a + 3 + k
    local score = redis.call('ZSCORE', KEYS[1], id)
    whole = score ~= false
    if whole then
      redis.call('ZREM', KEYS[1], id)
      local rest = {}
      for i = 0, n - 1 do
        if not acked[i] then
          rest[#rest + 1] = score
          rest[#rest + 1] = id .. ':' .. i
        end
      end
      callChunked('ZADD', rest)
    end
  end
  if not whole then
    local parts = {}
    for i in pairs(acked) do parts[#parts + 1] = id .. ':' .. i end
    callChunked('ZREM', parts)
  end
end
return 1
