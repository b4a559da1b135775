-- presence-webhooks: the present members of one channel.
-- KEYS[1] channel hash (see apply.lua). Returns the member blobs of the present records; tombstones and the
-- channel's own fields (names starting with byte 0xFE) stay in Redis.
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.byte(all[i], 1) ~= 254 then
    local present, _ts, _serial, _index, _rank, _id, blob = cmsgpack.unpack(all[i + 1])
    if present == 1 then out[#out + 1] = blob end
  end
end
return out
