-- presence-webhooks: merge a batch of presence events of ONE channel, atomically.
-- The same semantics as MemoryStore (core presence/merge.ts mergeEvent + presence/order.ts compareOrder).
--
-- KEYS[1] members hash    memberKey -> cmsgpack(present, ts, serial, index, rank, idKey, memberBlob)
-- KEYS[2] tombstone zset  memberKey -> expiry (ms, Redis clock): exactly the absent members of KEYS[1]
-- KEYS[3] info hash       n (present count), ro / rt (newest reported occupancy and its timestamp)
-- KEYS[4] replay key      the changes this call decided, kept for a minute: a resent call (its reply was
--                         lost when the connection dropped) answers the same changes instead of none
-- ARGV[1] tombstone horizon (ms)   ARGV[2] replay ttl (ms)   ARGV[3] number of events
-- then 10 fields per event: memberKey, present ('1' | '0'), ts, serial, index, rank,
--   idKey (the id as UTF-16BE bytes, so a byte comparison is JavaScript's string comparison),
--   memberBlob (MsgPack of the Member, kept opaque), reported occupancy, reported timestamp ('' when none)
--
-- Returns a flat array, 3 entries per effective change, in input order:
--   event number (0-based), change type (1 join, 2 update, 3 leave), previous member blob (update) or ''.

local membersKey, tombsKey, infoKey, replayKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local saved = redis.call('GET', replayKey)
if saved then return cmsgpack.unpack(saved) end

local horizon = tonumber(ARGV[1])
local replayTtl = tonumber(ARGV[2])
local count = tonumber(ARGV[3])

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

-- Byte-wise comparison (Lua's < on strings follows the server's locale).
local function compareBytes(a, b)
  if a == b then return 0 end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y and -1 or 1 end
  end
  return #a < #b and -1 or 1
end

-- compareOrder: both serials >= 0 -> serial then index, else ts; then rank; then id.
local function compareOrder(ats, aserial, aindex, arank, aid, bts, bserial, bindex, brank, bid)
  if aserial >= 0 and bserial >= 0 then
    if aserial ~= bserial then return aserial < bserial and -1 or 1 end
    if aindex ~= bindex then return aindex < bindex and -1 or 1 end
  elseif ats ~= bts then
    return ats < bts and -1 or 1
  end
  if arank ~= brank then return arank < brank and -1 or 1 end
  return compareBytes(aid, bid)
end

-- Collect expired tombstones of this channel (bounded per call; the rest go on the next calls).
local expired = redis.call('ZRANGEBYSCORE', tombsKey, '-inf', now, 'LIMIT', 0, 500)
if #expired > 0 then
  redis.call('HDEL', membersKey, unpack(expired))
  redis.call('ZREM', tombsKey, unpack(expired))
end

local present = tonumber(redis.call('HGET', infoKey, 'n') or '0')
local reportedTs = tonumber(redis.call('HGET', infoKey, 'rt') or '')

local out = {}
for e = 0, count - 1 do
  local b = 3 + e * 10
  local key = ARGV[b + 1]
  local isPresent = ARGV[b + 2] == '1'
  local ts, serial, index, rank = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6])
  local id, blob = ARGV[b + 7], ARGV[b + 8]
  local ro, rt = ARGV[b + 9], ARGV[b + 10]

  if ro ~= '' then
    local t = tonumber(rt)
    if reportedTs == nil or t >= reportedTs then
      redis.call('HSET', infoKey, 'ro', ro, 'rt', rt)
      reportedTs = t
    end
  end

  local raw = redis.call('HGET', membersKey, key)
  local newer, wasPresent, previous = true, false, ''
  if raw then
    local cpresent, cts, cserial, cindex, crank, cid, cblob = cmsgpack.unpack(raw)
    newer = compareOrder(ts, serial, index, rank, id, cts, cserial, cindex, crank, cid) > 0
    wasPresent = cpresent == 1
    previous = cblob
  end

  if newer then
    if isPresent then
      redis.call('HSET', membersKey, key, cmsgpack.pack(1, ts, serial, index, rank, id, blob))
      if wasPresent then
        out[#out + 1] = e; out[#out + 1] = 2; out[#out + 1] = previous
      else
        redis.call('ZREM', tombsKey, key)
        present = present + 1
        out[#out + 1] = e; out[#out + 1] = 1; out[#out + 1] = ''
      end
    else
      -- A tombstone keeps only the order key: its member is never read back.
      redis.call('HSET', membersKey, key, cmsgpack.pack(0, ts, serial, index, rank, id, ''))
      redis.call('ZADD', tombsKey, now + horizon, key)
      if wasPresent then
        present = present - 1
        out[#out + 1] = e; out[#out + 1] = 3; out[#out + 1] = ''
      end
    end
  end
end

redis.call('HSET', infoKey, 'n', present)
if present > 0 then
  redis.call('PERSIST', membersKey)
  redis.call('PERSIST', tombsKey)
  redis.call('PERSIST', infoKey)
else
  -- No one present: every tombstone is gone by now + horizon, and so is the channel.
  local ttl = math.max(horizon, 1)
  redis.call('PEXPIRE', membersKey, ttl)
  redis.call('PEXPIRE', tombsKey, ttl)
  redis.call('PEXPIRE', infoKey, ttl)
end

if #out > 0 and replayTtl > 0 then
  redis.call('SET', replayKey, cmsgpack.pack(out), 'PX', replayTtl)
end
return out
