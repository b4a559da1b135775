-- presence-webhooks: the present members of one channel.
-- KEYS[1] members hash (see apply.lua). ARGV[1] (optional): the most bytes of records to load; a hash
-- holding more answers the error "TOOLARGE <bytes>" after summing the record sizes (HSTRLEN, O(1)
-- each) without loading any. Returns the member blobs of the present records; tombstones stay in Redis.
local limit = tonumber(ARGV[1])
if limit then
  local bytes = 0
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    bytes = bytes + redis.call('HSTRLEN', KEYS[1], field)
    if bytes > limit then return redis.error_reply('TOOLARGE ' .. bytes) end
  end
end
local out = {}
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local present, _ts, _serial, _index, _rank, _id, blob = cmsgpack.unpack(raw)
  if present == 1 then out[#out + 1] = blob end
end
return out
