-- presence-webhooks: claim changes of one shard's feed that nobody acknowledged (emit once across a fleet).
-- KEYS[1] the shard's feed stream   KEYS[2] its unacknowledged set (entry id, or 'entry id:index' for one change
-- of it -> when written or last claimed, ms, Redis clock)
-- ARGV[1] olderThanMs   ARGV[2] limit. Each change returned is claimed for olderThanMs more (its score set
-- to now), so one caller gets it; one whose entry the retention trimmed is dropped.
-- Returns a flat array: the member ('id' for every change of the entry, 'id:index' for one), the entry's d field.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
local out, entries = {}, {}
for i = 1, #due do
  local place = due[i]
  local id = string.match(place, '^([^:]+)')
  local data = entries[id]
  if data == nil then
    data = false
    local found = redis.call('XRANGE', KEYS[1], id, id)
    if found[1] then
      local fields = found[1][2]
      for f = 1, #fields, 2 do
        if fields[f] == 'd' then data = fields[f + 1] end
      end
    end
    entries[id] = data
  end
  if data then
    redis.call('ZADD', KEYS[2], now, place)
    out[#out + 1] = place
    out[#out + 1] = data
  else
    redis.call('ZREM', KEYS[2], place)
  end
end
return out
