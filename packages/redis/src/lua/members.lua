-- presence-webhooks: the present members of one channel.
-- KEYS[1] channel hash (see apply.lua). Returns the member blobs of the present records; tombstones stay in
-- Redis, and the fields that are not member keys (names starting with byte 0xFC, 0xFD or 0xFE) are skipped.
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local first = string.byte(all[i], 1)
  if first == nil or first < 252 or first == 255 then
    local present, _ts, _serial, _index, _rank, _id, blob = cmsgpack.unpack(all[i + 1])
    if present == 1 then out[#out + 1] = blob end
  end
end
return out
