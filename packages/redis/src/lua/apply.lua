-- presence-webhooks: merge a batch of presence events, one or more channels, each atomically.
-- The same semantics as MemoryStore (core presence/merge.ts mergeEvent + presence/order.ts compareOrder).
-- On a single Redis one call carries every channel of a delivery; on a Cluster one call per channel
-- (the four keys of a channel share a hash slot, two channels may not).
--
-- KEYS: four per channel, channel c (1-based) at KEYS[4c-3 .. 4c]:
--   members hash    memberKey -> cmsgpack(present, ts, serial, index, rank, idKey, memberBlob)
--   tombstone zset  memberKey -> expiry (ms, Redis clock): exactly the absent members of the hash
--   info hash       n (present count), ro / rt (newest reported occupancy and its timestamp),
--                   w (the watermark: time of the newest complete snapshot applied, ms, provider clock),
--                   x ('1' while the keys carry the expiry of an empty channel, '0' once cleared)
--   replay key      the changes this call decided for the channel, kept for a minute: a resent call (its
--                   reply was lost when the connection dropped) answers the same changes instead of none
-- ARGV[1] tombstone horizon (ms)   ARGV[2] replay ttl (ms)
-- then two per channel c: ARGV[1 + 2c] its events, ARGV[2 + 2c] the watermark this call sets ('' for none).
-- The events are one MsgPack array (src/event-pack.ts) with one array per event:
--   { memberKey, present (boolean), ts, serial, index, rank,
--     idKey (the id as UTF-16BE bytes, so a byte comparison is JavaScript's string comparison),
--     memberBlob (MsgPack of the Member, kept opaque; '' when absent),
--     reported occupancy, reported timestamp (decimal strings; nil when none) }
--
-- Watermark: an event with ts below the channel's watermark, for a member the channel holds no state
-- for, is stale. A call that sets a watermark at or above the held one merges its own events without
-- the check (they are the snapshot's); the watermark is raised (never lowered) after the merge.
--
-- Returns one array per channel, in KEYS order, each flat with 3 entries per effective change in
-- input order: event number (0-based), change type (1 join, 2 update, 3 leave), previous member blob
-- (update) or ''.
--
-- The members' states are read with one HMGET and written back with one HSET (and one ZADD / ZREM
-- for the tombstones) per channel, not per event: the merge itself runs on a Lua table.

local horizon = tonumber(ARGV[1])
local replayTtl = tonumber(ARGV[2])

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

-- HMGET / HSET / ZADD / ZREM take their arguments through unpack(), which has a stack limit: chunk.
local CHUNK = 1000
local function callChunked(command, key, list, width)
  for first = 1, #list, CHUNK * width do
    redis.call(command, key, unpack(list, first, math.min(first + CHUNK * width - 1, #list)))
  end
end

-- Merge one channel's events; answers its changes.
local function applyChannel(membersKey, tombsKey, infoKey, replayKey, packed, setting)
  local saved = redis.call('GET', replayKey)
  if saved then return cmsgpack.unpack(saved) end

  local events = cmsgpack.unpack(packed)
  local count = #events

  -- Collect expired tombstones of this channel (bounded per call; the rest go on the next calls).
  local expired = redis.call('ZRANGEBYSCORE', tombsKey, '-inf', now, 'LIMIT', 0, 500)
  if #expired > 0 then
    redis.call('HDEL', membersKey, unpack(expired))
    redis.call('ZREM', tombsKey, unpack(expired))
  end

  -- x: '1' while the channel's keys carry the expiry set when its last member left, '0' once cleared.
  local info = redis.call('HMGET', infoKey, 'n', 'rt', 'x', 'w')
  local present = tonumber(info[1] or '0')
  local reportedTs = tonumber(info[2] or '')
  local expiring = info[3] ~= '0'
  local watermark = tonumber(info[4] or '')
  local newWatermark = tonumber(setting)
  -- The watermark this call's events are checked against: none when the call sets one as new or newer.
  local check = watermark
  if newWatermark ~= nil and (watermark == nil or newWatermark >= watermark) then check = nil end

  -- The held state of every member of the batch, read at once: key -> { present, ts, serial, index, rank, id, blob }.
  local keys, seen = {}, {}
  for e = 1, count do
    local key = events[e][1]
    if not seen[key] then seen[key] = true; keys[#keys + 1] = key end
  end
  local held = {}
  for first = 1, #keys, CHUNK do
    local last = math.min(first + CHUNK - 1, #keys)
    local raws = redis.call('HMGET', membersKey, unpack(keys, first, last))
    for i = first, last do
      local raw = raws[i - first + 1]
      if raw then
        local cpresent, cts, cserial, cindex, crank, cid, cblob = cmsgpack.unpack(raw)
        held[keys[i]] = { cpresent == 1, cts, cserial, cindex, crank, cid, cblob }
      end
    end
    -- The bounded collection above may have left some of this batch's own tombstones expired: they
    -- are absent as well (as in MemoryStore). Every member held as absent here gets written back below
    -- (a first event is always newer than nothing), which replaces its field and its tombstone score.
    local expiries = redis.call('ZMSCORE', tombsKey, unpack(keys, first, last))
    for i = first, last do
      local expiry = expiries[i - first + 1]
      if expiry and tonumber(expiry) <= now then held[keys[i]] = nil end
    end
  end

  local out = {}
  local written = {}
  for e = 1, count do
    local ev = events[e]
    local key, isPresent = ev[1], ev[2]
    local ts, serial, index, rank, id, blob = ev[3], ev[4], ev[5], ev[6], ev[7], ev[8]
    local ro, rt = ev[9], ev[10]

    if ro ~= nil then
      local t = tonumber(rt)
      if reportedTs == nil or t >= reportedTs then
        redis.call('HSET', infoKey, 'ro', ro, 'rt', rt)
        reportedTs = t
      end
    end

    local current = held[key]
    local newer, wasPresent, previous = true, false, ''
    if current then
      newer = compareOrder(ts, serial, index, rank, id, current[2], current[3], current[4], current[5], current[6]) > 0
      wasPresent = current[1]
      previous = current[7]
    elseif check ~= nil and ts < check then
      newer = false -- older than a complete snapshot that did not list this member
    end

    if newer then
      if isPresent then
        held[key] = { true, ts, serial, index, rank, id, blob }
        if wasPresent then
          out[#out + 1] = e - 1; out[#out + 1] = 2; out[#out + 1] = previous
        else
          present = present + 1
          out[#out + 1] = e - 1; out[#out + 1] = 1; out[#out + 1] = ''
        end
      else
        -- A tombstone keeps only the order key: its member is never read back.
        held[key] = { false, ts, serial, index, rank, id, '' }
        if wasPresent then
          present = present - 1
          out[#out + 1] = e - 1; out[#out + 1] = 3; out[#out + 1] = ''
        end
      end
      written[key] = true
    end
  end

  -- Write back every state this batch replaced; a member ending absent is (re)scheduled for collection
  -- at now + horizon, one ending present leaves the tombstone set.
  local fields, absent, presentKeys = {}, {}, {}
  for i = 1, #keys do
    local key = keys[i]
    if written[key] then
      local s = held[key]
      fields[#fields + 1] = key
      if s[1] then
        fields[#fields + 1] = cmsgpack.pack(1, s[2], s[3], s[4], s[5], s[6], s[7])
        presentKeys[#presentKeys + 1] = key
      else
        fields[#fields + 1] = cmsgpack.pack(0, s[2], s[3], s[4], s[5], s[6], '')
        absent[#absent + 1] = now + horizon
        absent[#absent + 1] = key
      end
    end
  end
  if #fields > 0 then callChunked('HSET', membersKey, fields, 2) end
  if #presentKeys > 0 then callChunked('ZREM', tombsKey, presentKeys, 1) end
  if #absent > 0 then callChunked('ZADD', tombsKey, absent, 2) end

  if newWatermark ~= nil and (watermark == nil or newWatermark > watermark) then
    redis.call('HSET', infoKey, 'w', setting)
  end

  if present > 0 then
    redis.call('HSET', infoKey, 'n', present, 'x', '0')
    if expiring then
      redis.call('PERSIST', membersKey)
      redis.call('PERSIST', tombsKey)
      redis.call('PERSIST', infoKey)
    end
  else
    -- No one present: every tombstone is gone by now + horizon, and so is the channel.
    redis.call('HSET', infoKey, 'n', present, 'x', '1')
    local ttl = math.max(horizon, 1)
    redis.call('PEXPIRE', membersKey, ttl)
    redis.call('PEXPIRE', tombsKey, ttl)
    redis.call('PEXPIRE', infoKey, ttl)
  end

  if #out > 0 and replayTtl > 0 then
    redis.call('SET', replayKey, cmsgpack.pack(out), 'PX', replayTtl)
  end
  return out
end

local results = {}
for c = 1, #KEYS / 4 do
  results[c] = applyChannel(KEYS[4 * c - 3], KEYS[4 * c - 2], KEYS[4 * c - 1], KEYS[4 * c], ARGV[1 + 2 * c], ARGV[2 + 2 * c])
end
return results
