-- presence-webhooks: the present members of one channel.
-- KEYS[1] members hash (see apply.lua). Returns the member blobs of the present records; tombstones stay in Redis.
local out = {}
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local present, _ts, _serial, _index, _rank, _id, blob = cmsgpack.unpack(raw)
  if present == 1 then out[#out + 1] = blob end
end
return out
