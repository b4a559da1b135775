-- presence-webhooks: the present members of one channel.
-- KEYS[1] channel hash (see apply.lua). ARGV[1] (optional): the most bytes of records to load; a hash
-- holding more answers the error "TOOLARGE <bytes>" after summing the record sizes (HSTRLEN, O(1)
-- each) without loading any. Returns the member blobs of the present records; tombstones stay in Redis,
-- and the fields that are not member keys (names starting with byte 0xFB, 0xFC, 0xFD or 0xFE) are skipped.
local limit = tonumber(ARGV[1])
if limit then
  local bytes = 0
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    bytes = bytes + redis.call('HSTRLEN', KEYS[1], field)
    if bytes > limit then return redis.error_reply('TOOLARGE ' .. bytes) end
  end
end
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local first = string.byte(all[i], 1)
  if first == nil or first < 251 or first == 255 then
    local present, _ts, _serial, _index, _rank, _id, blob = cmsgpack.unpack(all[i + 1])
    if present == 1 then out[#out + 1] = blob end
  end
end
return out
