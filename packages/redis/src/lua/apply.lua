-- presence-webhooks: merge a batch of presence events, one or more channels, each atomically.
-- The same semantics as MemoryStore (core presence/merge.ts mergeEvent + presence/order.ts compareOrder).
-- On a single Redis one call carries every channel of a delivery; on a Cluster one call per slot group
-- (the keys of a channel share a hash slot; the channels of one call share theirs).
--
-- KEYS[1] the call's replay key: the changes this call decided, kept for a minute, so that a resent call
--         (its reply was lost when the connection dropped) answers the same changes instead of none
-- KEYS[2] the shard's change feed (a stream)   KEYS[3] the shard's unacknowledged changes (zset: entry id -> when;
--         'id:i' for one change of an entry acknowledged in part, see feed-ack.lua)
-- KEYS[4..7] the user levels (see "User levels" below; shard 0's keys when the call tracks users)
-- The channels' two keys each are not passed: the script names them from the shard's tag and the channel's
-- name in ARGV[4] (names.ts channelKeys: '{prefix:sN}:c:<name>:h' and ':z'), in the slot of KEYS[1..3]; 50
-- keys fewer to send, parse and turn into Lua strings per call of 25 channels:
--   channel hash    memberKey -> record (see below), and the channel's own fields, whose names start
--                   with byte 0xFE (never the first byte of an encoded member key, see names.ts):
--                   n (present count), o / t (newest reported occupancy and its timestamp),
--                   w (the watermark: time of the newest complete snapshot applied, ms, provider clock),
--                   x ('1' while the hash carries the expiry of an empty channel),
--                   c (Redis time from which a tombstone collection may find something)
--   tombstone zset  memberKey -> expiry (ms, Redis clock): the absent records of the hash, until collected;
--                   it expires a horizon after its last addition (every entry has expired by then)
-- ARGV[1] tombstone horizon (ms)   ARGV[2] replay ttl (ms)   ARGV[3] staleBefore (ms, provider clock; '' none)
-- ARGV[5] feed retention (ms; '' when the store has no feed)
-- ARGV[6] the channel notices for the feed (one MsgPack array, flat: 'a' (before the changes) or 'i' (after), the
--         notice's 4 values of the feed entry packed (type, payload, '', ''), the channel's number in the call
--         (1-based; a channel passed over leaves its notices out); '' none)
-- ARGV[7] the user levels' options ('' none)   ARGV[8] 'expire' for expireUsers (no channel: closes due grace windows)
-- ARGV[9..12] the user outbox's step ('' none, see user-outbox.lua)
-- ARGV[13] the channel index (zset: encoded name -> the writer's time of an apply, names.ts indexKey), on a single
--         Redis ('' or none: the client indexes the channels, a Cluster), ARGV[14] the writer's time (ms). A channel is
--         indexed unless it held someone before the call (and so was in the index, with nothing to prune): its entry
--         is refreshed whenever its hash is made again (first apply, or after expiring), and while it expires.
-- ARGV[4] the events: ONE MsgPack array (src/event-pack.ts), flat: per channel,
--   the watermark this call sets (false for none), the number of events k, the channel's name, then k times 4
--   fields (5 with a feed):
--   memberKey,
--   record (the bytes to store, written by the client: the MsgPack values present (0/1), ts, serial, index,
--     rank, idKey (the id as UTF-16BE bytes, so a byte comparison is JavaScript's string comparison), member
--     (the Member's own MsgPack, kept opaque; '' when absent); an absent record gets its expiry appended as an
--     8th value; the script reads the order key from it with struct.unpack, see ORDER),
--   reported occupancy and its timestamp as one 'occupancy:timestamp' string (false when none),
--   'provider\0userId' when the call tracks users and the event has a user id (false otherwise),
--   with a feed, the feed entry's bytes as they are (the change's payload: MsgPack, opaque here: provider,
--   channel, reason, a leave's member): a present event's payload packed as a str, then the header of its
--   record's str (its type and previous member are the script's to write); an absent event's whole change, the
--   4 values of a leave packed (type 3, payload, '', '': an absent event can only be a leave)
--
-- Watermark: an event with ts below max(the channel's watermark, staleBefore), for a member the channel
-- holds no state for, is stale. A call that sets a watermark at or above the held one merges its own events
-- without the channel's watermark (they are the snapshot's; staleBefore still applies); the watermark is
-- raised (never lowered) after the merge.
--
-- Returns one flat array: the feed entry's id ('' without a feed or without a change), then 3 entries per
-- effective change in event order: event number (0-based, over the whole call), change type (1 join,
-- 2 update, 3 leave), previous member (update) or ''; each followed by the user changes it caused, 3
-- entries each: -1, type (6 user.join, 7 user.leave, 8 user.online, 9 user.offline), MsgPack { userId,
-- channel, provider, at, lastSeen }. A channel whose key holds another type (its HMGET fails) is passed over,
-- untouched: -2, its number in the call's order (1-based), the error's text.
--
-- The feed: one stream entry per call with a change or a notice, written in this script (a committed change
-- is in the feed, and only then): field d = MsgPack flat array, 4 per change: type (1 join, 2 update,
-- 3 leave, 4 channel.active, 5 channel.inactive, 6-9 user changes), payload, record (join / update),
-- previous (update);
-- the notices 'a' first, then the member changes, then the notices 'i'. A change's place: 'entry id:i'
-- (i 0-based in the entry); the entry is added to the unacknowledged set. Entries older than the
-- retention are trimmed (MINID, exact: a cursor past the retention is told apart at once).
--
-- Per channel: one HMGET (its fields and the held records), one HSET (the records written and its fields),
-- a ZADD / ZREM for the tombstones that came or went; expired tombstones are collected at most once per
-- tenth of the horizon per channel, and a held absent record carries its own expiry, so the merge never
-- needs the tombstone set to read.

local horizon = tonumber(ARGV[1])
local replayTtl = tonumber(ARGV[2])
local staleBefore = tonumber(ARGV[3])
local retainMs = tonumber(ARGV[5])
local S = retainMs and 5 or 4 -- fields per event
local collectEvery = math.max(math.floor(horizon / 10), 1)

local saved = redis.call('GET', KEYS[1])
if saved then return cmsgpack.unpack(saved) end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local expiry = now + horizon
local expiryTail = cmsgpack.pack(expiry)
-- Numbers handed to redis.call are formatted with %.17g on every call: the call's times are formatted once.
local expiryText = string.format('%.17g', expiry) -- exact (a fractional horizon too), as redis.call would format it
local ttlEnd = string.format('%d', now + math.max(horizon, 1)) -- when an emptied channel's keys expire (PEXPIREAT: whole ms)

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

-- A record (event-pack.ts packRecord): present (0 / 1), then ts, serial, index, rank (float64 each, after its
-- MsgPack marker byte), the id's length at byte 39 and the id from byte 43, then the member (its length, its
-- bytes); an absent record held in Redis has its expiry appended (cmsgpack). struct.unpack(ORDER, record):
-- present, ts, serial, index, rank, the id's length, in one call and no table (cmsgpack.unpack made 8 values).
local ORDER = '>BxdxdxdxdxI4'
local function idOf(record)
  return string.sub(record, 43, 42 + struct.unpack('>I4', record, 39))
end
local function memberOf(record)
  local idLength = struct.unpack('>I4', record, 39)
  local length, from = struct.unpack('>I4', record, 44 + idLength)
  return string.sub(record, from, from + length - 1)
end
-- An absent record's expiry (ms, Redis clock; math.huge when it has none).
local function expiryOf(record, idLength)
  local length, from = struct.unpack('>I4', record, 44 + idLength)
  if from + length > #record then return math.huge end
  return cmsgpack.unpack(string.sub(record, from + length))
end

-- compareOrder: both serials >= 0 -> serial then index, else ts; then rank; then id (read from the records: a tie is rare).
local function compareOrder(ats, aserial, aindex, arank, arecord, bts, bserial, bindex, brank, brecord)
  if aserial >= 0 and bserial >= 0 then
    if aserial ~= bserial then return aserial < bserial and -1 or 1 end
    if aindex ~= bindex then return aindex < bindex and -1 or 1 end
  elseif ats ~= bts then
    return ats < bts and -1 or 1
  end
  if arank ~= brank then return arank < brank and -1 or 1 end
  return compareBytes(idOf(arecord), idOf(brecord))
end

-- HMGET / HSET / ZADD / ZREM take their arguments through unpack(), which has a stack limit: chunk.
local CHUNK = 1000
-- `n`: the list's length, when it is a reused table longer than its content.
local function callChunked(command, key, list, width, n)
  n = n or #list
  for first = 1, n, CHUNK * width do
    redis.call(command, key, unpack(list, first, math.min(first + CHUNK * width - 1, n)))
  end
end

local N, O, T, W, X, C = '\254n', '\254o', '\254t', '\254w', '\254x', '\254c'
local NEVER = 9007199254740991 -- c when the channel holds no tombstone
local events = cmsgpack.unpack(ARGV[4])
local out = { '' }
-- The feed entry's changes (field d: 4 MsgPack values each, see above), written as bytes and joined once by
-- joinPieces at the end (cmsgpack.pack walked a table of every value: it cost ten XADDs). Each change is a few
-- pieces, none made by joining strings (every string made in Redis's Lua is hashed whole): a join or update, its
-- type's byte, its payload and its record's header (packed by the client), its record, then an empty str (a join)
-- or its previous member's header and member; a leave, one piece (packed whole by the client); a user change, its
-- type's byte, its payload's header, its payload and two empty strs. entryPieces[1] is kept for the array's header and the notices before the changes. The changes are in the order
-- they were decided (channel by channel, each channel's events in the batch's order, each member change followed
-- by the user-level changes it caused), so each level's changes alternate in the feed as they happened.
local EMPTY, EMPTY2 = '\160', '\160\160' -- an empty str, two
local entryCount, entryPieces, npieces = 0, { '' }, 1
local TYPE_BYTE = {}
for t = 1, 9 do TYPE_BYTE[t] = string.char(t) end
-- The smallest MsgPack header of a str of n bytes, of an array of n values (as cmsgpack writes them).
local function strHeader(n)
  if n < 32 then return string.char(0xa0 + n) end
  if n < 0x100 then return string.char(0xd9, n) end
  if n < 0x10000 then return string.char(0xda, math.floor(n / 0x100), n % 0x100) end
  return struct.pack('>BI4', 0xdb, n)
end
local function arrayHeader(n)
  if n < 16 then return string.char(0x90 + n) end
  if n < 0x10000 then return string.char(0xdc, math.floor(n / 0x100), n % 0x100) end
  return struct.pack('>BI4', 0xdd, n)
end
-- A join (previous nil) or an update: its type, its payload and its record's header packed, the record and the
-- previous member.
local function addChange(type, payloadAndHeader, record, previous)
  if retainMs then
    local n = npieces
    entryCount = entryCount + 1
    entryPieces[n + 1] = TYPE_BYTE[type]; entryPieces[n + 2] = payloadAndHeader; entryPieces[n + 3] = record
    if previous then
      entryPieces[n + 4] = strHeader(#previous); entryPieces[n + 5] = previous
      npieces = n + 5
    else
      entryPieces[n + 4] = EMPTY
      npieces = n + 4
    end
  end
end
-- A change packed whole (a leave).
local function addPacked(change)
  if retainMs then
    entryCount = entryCount + 1
    npieces = npieces + 1
    entryPieces[npieces] = change
  end
end
-- The entry's pieces joined with each byte hashed as few times as possible (every string made in Redis's Lua is
-- hashed whole): table.concat joins in an 8 KB buffer, but past it makes a string per 8 KB and joins those again as
-- they pile up (a call's entry of 200 changes had each byte hashed 4-5 times). Up to GROUP pieces (most often under
-- 8 KB) are joined by table.concat, one string; more, in parts of GROUP pieces, then 64 parts at a time by one `..`
-- (one string each: the operands of one concatenation are joined at once).
local GROUP = 128
local function join64(t, i)
  return
    t[i] .. t[i + 1] .. t[i + 2] .. t[i + 3] .. t[i + 4] .. t[i + 5] .. t[i + 6] .. t[i + 7] ..
    t[i + 8] .. t[i + 9] .. t[i + 10] .. t[i + 11] .. t[i + 12] .. t[i + 13] .. t[i + 14] .. t[i + 15] ..
    t[i + 16] .. t[i + 17] .. t[i + 18] .. t[i + 19] .. t[i + 20] .. t[i + 21] .. t[i + 22] .. t[i + 23] ..
    t[i + 24] .. t[i + 25] .. t[i + 26] .. t[i + 27] .. t[i + 28] .. t[i + 29] .. t[i + 30] .. t[i + 31] ..
    t[i + 32] .. t[i + 33] .. t[i + 34] .. t[i + 35] .. t[i + 36] .. t[i + 37] .. t[i + 38] .. t[i + 39] ..
    t[i + 40] .. t[i + 41] .. t[i + 42] .. t[i + 43] .. t[i + 44] .. t[i + 45] .. t[i + 46] .. t[i + 47] ..
    t[i + 48] .. t[i + 49] .. t[i + 50] .. t[i + 51] .. t[i + 52] .. t[i + 53] .. t[i + 54] .. t[i + 55] ..
    t[i + 56] .. t[i + 57] .. t[i + 58] .. t[i + 59] .. t[i + 60] .. t[i + 61] .. t[i + 62] .. t[i + 63]
end
local function joinPieces(list, n)
  if n <= GROUP then return table.concat(list, '', 1, n) end
  local parts, m = {}, 0
  for first = 1, n, GROUP do
    m = m + 1
    parts[m] = table.concat(list, '', first, math.min(first + GROUP - 1, n))
  end
  while m > 1 do
    for i = m + 1, math.ceil(m / 64) * 64 do parts[i] = '' end
    local k = 0
    for i = 1, m, 64 do
      k = k + 1
      parts[k] = join64(parts, i)
    end
    m = k
  end
  return parts[1]
end
-- 'provider\0userId' -> provider, userId
local function splitUser(text)
  local cut = string.find(text, '\0', 1, true)
  return string.sub(text, 1, cut - 1), string.sub(text, cut + 1)
end
local at = 1 -- the next field of `events`
local number = 0 -- the next event's number over the call

-- User levels (ARGV[7]: MsgPack { graceMs, lastSeenMs, now }, '' when the call tracks none). KEYS[4] users hash
-- (userId -> MsgPack { count, lastLeave, pendingUntil, provider, since, lastSeen, offlineAt, channels }),
-- KEYS[5] grace deadlines (zset: MsgPack { userId, channel, channel hash key } -> pendingUntil; channel ''
-- for the app level), KEYS[6] offline users (zset: userId -> when offline, receiver clock), KEYS[7] the count
-- of users online. A channel level lives in its channel's hash: field 0xFD userId -> MsgPack { count,
-- lastLeave, pendingUntil, provider }; the user id recorded with a present member: field 0xFC memberKey.
-- false stands for none in these MsgPack arrays. Same rules as core presence/user-levels.ts.
local usersOn = ARGV[7] ~= nil and ARGV[7] ~= ''
local grace, lastSeenMs, userNow = 0, 0, 0
if usersOn then
  local u = cmsgpack.unpack(ARGV[7])
  grace, lastSeenMs, userNow = u[1], u[2], u[3]
end
-- The user keys hold their types before anything is written (another program's data there fails the call whole).
if usersOn then
  local want = ARGV[9] == 'outbox' and { 'hash', 'zset', 'string', 'zset' } or { 'hash', 'zset', 'zset', 'string' }
  for i = 4, 7 do
    local kind = redis.call('TYPE', KEYS[i])['ok']
    if kind ~= 'none' and kind ~= want[i - 3] then
      return redis.error_reply('WRONGTYPE the user-level key ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a ' .. want[i - 3])
    end
  end
end
-- The channel index holds a zset, before anything is written (its ZADD comes last: it must not fail then).
local indexKey = ARGV[13] ~= nil and ARGV[13] ~= '' and ARGV[13] or nil
if indexKey then
  local kind = redis.call('TYPE', indexKey)['ok']
  if kind ~= 'none' and kind ~= 'zset' then
    return redis.error_reply('WRONGTYPE the channel index ' .. indexKey .. ' holds a ' .. kind .. ', not a zset')
  end
end
local LEVEL, USERF = '\253', '\252'
local apps, appOrder = {}, {}
local onlineDelta = 0
-- The additions to the grace deadlines (KEYS[5]) and the offline users (KEYS[6]): ZADD's arguments, one ZADD
-- each when the call's user levels are saved (and before expireUsers reads the sets).
local deadlineAdds, offlineAdds = {}, {}
local function flushUserAdds()
  if #deadlineAdds > 0 then callChunked('ZADD', KEYS[5], deadlineAdds, 2); deadlineAdds = {} end
  if #offlineAdds > 0 then callChunked('ZADD', KEYS[6], offlineAdds, 2); offlineAdds = {} end
end

-- The app level of a user (made when `provider` is given and there is none; else nil when none).
local function appOf(userId, provider, at)
  local a = apps[userId]
  if a == nil then
    local raw = redis.call('HGET', KEYS[4], userId)
    if raw then
      a = cmsgpack.unpack(raw)
      local set = {}
      for _, ch in ipairs(a[8]) do set[ch] = true end
      a[8] = set
    elseif provider then
      a = { 0, false, false, provider, at, false, false, {} }
    else
      return nil
    end
    apps[userId] = a
    appOrder[#appOrder + 1] = userId
  end
  return a or nil
end

-- The user changes caused since the caller set nchanges to 0: flat, 2 entries each (type, MsgPack), a table
-- reused by the whole call (a table per event cost more than the change itself).
local changes, nchanges = {}, 0
local function userChange(utype, userId, channel, provider, at, lastSeen)
  changes[nchanges + 1] = utype
  changes[nchanges + 2] = cmsgpack.pack({ userId, channel or '', provider or '', at, lastSeen or false })
  nchanges = nchanges + 2
end
-- The user changes caused since nchanges was set to 0, into the reply (-1, type, payload) and the feed entry.
local function takeUserChanges()
  for i = 1, nchanges, 2 do
    local utype, packed = changes[i], changes[i + 1]
    out[#out + 1] = -1; out[#out + 1] = utype; out[#out + 1] = packed
    if retainMs then
      local n = npieces
      entryCount = entryCount + 1
      entryPieces[n + 1] = TYPE_BYTE[utype]; entryPieces[n + 2] = strHeader(#packed); entryPieces[n + 3] = packed
      entryPieces[n + 4] = EMPTY2
      npieces = n + 4
    end
  end
end

local function closeApp(userId, a, now)
  a[3] = false
  a[6] = a[2]
  a[7] = now
  onlineDelta = onlineDelta - 1
  offlineAdds[#offlineAdds + 1] = now; offlineAdds[#offlineAdds + 1] = userId
  userChange(9, userId, nil, nil, a[6], a[6])
end

-- levels[channel hash key][userId] -> { count, lastLeave, pendingUntil, provider } (false: no level), loaded lazily.
local levels = {}
local function levelOf(hashKey, userId)
  local byUser = levels[hashKey]
  if byUser == nil then byUser = {}; levels[hashKey] = byUser end
  local lv = byUser[userId]
  if lv == nil then
    local raw = redis.call('HGET', hashKey, LEVEL .. userId)
    lv = raw and cmsgpack.unpack(raw) or false
    byUser[userId] = lv
  end
  return lv
end

local function closeChannel(hashKey, userId, channel, lv, a)
  levels[hashKey][userId] = false
  a[8][channel] = nil
  userChange(7, userId, channel, lv[4], lv[2], lv[2])
end

local function up(hashKey, userId, channel, provider, at)
  local lv = levelOf(hashKey, userId)
  if not lv then lv = { 0, false, false, provider }; levels[hashKey][userId] = lv end
  lv[1] = lv[1] + 1
  if lv[1] == 1 then
    if lv[3] then lv[3] = false
    else
      lv[2] = false; lv[4] = provider
      userChange(6, userId, channel, provider, at, nil)
    end
  end
  local a = appOf(userId, provider, at)
  a[8][channel] = true
  a[1] = a[1] + 1
  if a[1] == 1 then
    if a[3] then a[3] = false
    else
      a[6] = false; a[7] = false; a[5] = at; a[4] = provider
      onlineDelta = onlineDelta + 1
      userChange(8, userId, channel, provider, at, nil)
      return
    end
  end
  if at < a[5] then a[5] = at end
end

local function seen(userId, provider, at)
  local a = appOf(userId, provider, at)
  if a[2] == false or at > a[2] then a[2] = at end
  if a[1] == 0 and not a[3] then
    if not a[7] then
      a[7] = userNow
      offlineAdds[#offlineAdds + 1] = userNow; offlineAdds[#offlineAdds + 1] = userId
    end
    a[6] = a[2]
  end
end

local function down(hashKey, userId, channel, at)
  local lv = levelOf(hashKey, userId)
  local a = appOf(userId, nil, at)
  if not lv or not a or lv[1] == 0 or a[1] == 0 then return end
  if lv[2] == false or at > lv[2] then lv[2] = at end
  if a[2] == false or at > a[2] then a[2] = at end
  lv[1] = lv[1] - 1
  if lv[1] == 0 then
    if grace > 0 then
      lv[3] = userNow + grace
      deadlineAdds[#deadlineAdds + 1] = lv[3]; deadlineAdds[#deadlineAdds + 1] = cmsgpack.pack({ userId, channel, hashKey })
    else
      closeChannel(hashKey, userId, channel, lv, a)
    end
  end
  a[1] = a[1] - 1
  if a[1] == 0 then
    if grace > 0 then
      a[3] = userNow + grace
      deadlineAdds[#deadlineAdds + 1] = a[3]; deadlineAdds[#deadlineAdds + 1] = cmsgpack.pack({ userId, '', '' })
    else
      closeApp(userId, a, userNow)
    end
  end
end

-- Close the grace windows that ended by userNow (channel levels before the app level of the same deadline),
-- forget users offline since before userNow - lastSeenMs. The changes go to `changes`.
local function expireUsers()
  flushUserAdds()
  -- At most 1000 a call (an outage's backlog is worked off over the next calls, never in one long script).
  local due = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', userNow, 'WITHSCORES', 'LIMIT', 0, 1000)
  local items = {}
  for i = 1, #due, 2 do
    local d = cmsgpack.unpack(due[i])
    items[#items + 1] = { tonumber(due[i + 1]), d[2] == '' and 1 or 0, d[1], d[2], d[3], due[i] }
  end
  table.sort(items, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  for _, item in ipairs(items) do
    local at, userId, channel, hashKey = item[1], item[3], item[4], item[5]
    redis.call('ZREM', KEYS[5], item[6])
    local a = appOf(userId, nil, 0)
    if a then
      if channel == '' then
        if a[1] == 0 and a[3] == at then closeApp(userId, a, userNow) end
      else
        local lv = levelOf(hashKey, userId)
        if lv and lv[1] == 0 and lv[3] == at then closeChannel(hashKey, userId, channel, lv, a) end
      end
    end
  end
  flushUserAdds() -- the users the deadlines just took offline, before the offline set is read
  local old = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', '(' .. (userNow - lastSeenMs), 'WITHSCORES', 'LIMIT', 0, 1000)
  for i = 1, #old, 2 do
    local userId, at = old[i], tonumber(old[i + 1])
    redis.call('ZREM', KEYS[6], userId)
    local a = appOf(userId, nil, 0)
    if a and a[1] == 0 and not a[3] and a[7] == at then apps[userId] = false end
  end
end

-- Write back the user levels this call changed.
local function saveUsers()
  for hashKey, byUser in pairs(levels) do
    for userId, lv in pairs(byUser) do
      if lv then redis.call('HSET', hashKey, LEVEL .. userId, cmsgpack.pack(lv))
      else redis.call('HDEL', hashKey, LEVEL .. userId) end
    end
  end
  local set, forgotten = {}, {}
  for _, userId in ipairs(appOrder) do
    local a = apps[userId]
    if a then
      local list = {}
      for ch in pairs(a[8]) do list[#list + 1] = ch end
      set[#set + 1] = userId
      set[#set + 1] = cmsgpack.pack({ a[1], a[2], a[3], a[4], a[5], a[6], a[7], list })
    else
      forgotten[#forgotten + 1] = userId
    end
  end
  if #set > 0 then callChunked('HSET', KEYS[4], set, 2) end
  if #forgotten > 0 then callChunked('HDEL', KEYS[4], forgotten, 1) end
  flushUserAdds()
  if onlineDelta ~= 0 then redis.call('INCRBY', KEYS[7], onlineDelta) end
end

-- ARGV[9] 'outbox' / 'intents', ARGV[10], ARGV[11]: the user levels on a Cluster with several shards, in two steps.
-- #include user-outbox

-- A member's state while its channel is merged: { present, ts, serial, index, rank, the record in effect (held
-- or written by this call; its id and member are read from it when needed), written by this call (true/false),
-- held as an absent record in Redis (true/nil), the user id recorded with the member ('provider\0userId' as the
-- event carried it, while present) }.
local P, TS, SERIAL, INDEX, RANK, RECORD, WRITTEN, TOMBSTONED, USER = 1, 2, 3, 4, 5, 6, 7, 8, 9

-- Merge one channel's `count` events, which start at events[at]. Few tables per channel (each costs Redis more
-- than a command): the states by member key and the HMGET reply; the HMGET and HSET arguments go in `reads`
-- and `writes`, made once per call and refilled per channel (counted, never cleared).
-- A channel whose keys hold another type (another program's data at our key names): its events are passed
-- over before anything of it is written: applyChannel answers its reason, and its number goes in `skipped`.
local skipped = {}
local reads, writes, nwrites = { N, X, C, W }, {}, 0
local function write(field, value)
  writes[nwrites + 1] = field; writes[nwrites + 2] = value
  nwrites = nwrites + 2
end
-- Whether the channel applyChannel merged held someone before (its hash kept, without expiry).
local heldSomeone = false
local function skipChannel(count, reason)
  at = at + count * S
  number = number + count
  return reason
end

local function applyChannel(hashKey, tombsKey, setting, count, channel)
  -- The channel's fields, the held state of every member of its events (from reads[5]), the recorded user
  -- ids when the call tracks users, and the reported occupancy's timestamp only when an event reports one:
  -- read at once.
  local state, nreads = {}, 4
  local reports = false
  for e = 0, count - 1 do
    local key = events[at + e * S]
    if state[key] == nil then
      nreads = nreads + 1
      reads[nreads] = key
      state[key] = false
    end
    if events[at + e * S + 2] then reports = true end
  end
  local nkeys = nreads - 4
  if usersOn then
    for i = 5, 4 + nkeys do
      nreads = nreads + 1
      reads[nreads] = USERF .. reads[i]
    end
  end
  if reports then
    nreads = nreads + 1
    reads[nreads] = T
  end
  -- The channel's first command: when it fails (its key holds another type: WRONGTYPE) the channel is left
  -- untouched and reported, and the call goes on with the other channels.
  local raws
  if nreads <= CHUNK then
    raws = redis.pcall('HMGET', hashKey, unpack(reads, 1, nreads))
    if raws.err then return skipChannel(count, raws.err) end
  else
    raws = {}
    for first = 1, nreads, CHUNK do
      local part = redis.pcall('HMGET', hashKey, unpack(reads, first, math.min(first + CHUNK - 1, nreads)))
      if part.err then return skipChannel(count, part.err) end
      for i = 1, #part do raws[first + i - 1] = part[i] end
    end
  end
  -- The tombstone key holds a zset or nothing: ZCARD answers a number (TYPE would answer a table), an error otherwise.
  if type(redis.pcall('ZCARD', tombsKey)) == 'table' then
    return skipChannel(count, 'WRONGTYPE the tombstone key holds a ' .. redis.call('TYPE', tombsKey)['ok'])
  end
  local present = tonumber(raws[1] or '0')
  local held = present
  local expiring = raws[2] == '1'
  heldSomeone = present > 0 and not expiring
  local reportedTs = reports and tonumber(raws[nreads] or '') or nil
  local watermark = tonumber(raws[4] or '')
  local collectAt = tonumber(raws[3] or '')
  local newWatermark = tonumber(setting)
  -- The bound this channel's events are checked against: the channel's watermark unless this call sets
  -- one as new or newer, and staleBefore.
  local check = watermark
  if newWatermark ~= nil and (watermark == nil or newWatermark >= watermark) then check = nil end
  if staleBefore ~= nil and (check == nil or staleBefore > check) then check = staleBefore end

  -- The held records (an expired absent one counts as no record, but is still in the tombstone set).
  for i = 5, 4 + nkeys do
    local raw = raws[i]
    if raw then
      local p, ts, serial, index, rank, idLength = struct.unpack(ORDER, raw)
      local user = usersOn and raws[i + nkeys] or nil
      if p == 1 then
        state[reads[i]] = { true, ts, serial, index, rank, raw, false, nil, user }
      elseif expiryOf(raw, idLength) > now then
        state[reads[i]] = { false, ts, serial, index, rank, raw, false, true }
      else
        state[reads[i]] = { nil, 0, 0, 0, 0, nil, false, true }
      end
    end
  end

  local newReported = nil
  for e = 1, count do
    local key, record, reported = events[at], events[at + 1], events[at + 2]
    local p, ts, serial, index, rank = struct.unpack(ORDER, record)
    local isPresent = p == 1

    if reported then
      local t = tonumber(string.match(reported, ':(.*)$'))
      if reportedTs == nil or t >= reportedTs then
        newReported = reported
        reportedTs = t
      end
    end

    local current = state[key]
    local newer, wasPresent = true, false
    if current and current[P] ~= nil then
      newer = compareOrder(ts, serial, index, rank, record, current[TS], current[SERIAL], current[INDEX], current[RANK], current[RECORD]) > 0
      wasPresent = current[P]
    elseif check ~= nil and ts < check then
      newer = false -- older than a complete snapshot that did not list this member, or than staleBefore
    end

    if newer then
      local heldUser, previous = nil, nil
      if current then
        heldUser, previous = current[USER], current[RECORD]
        current[P], current[TS], current[SERIAL], current[INDEX], current[RANK], current[WRITTEN] = isPresent, ts, serial, index, rank, true
      else
        current = { isPresent, ts, serial, index, rank, nil, true, nil, nil }
        state[key] = current
      end
      if isPresent and not wasPresent then current[USER] = events[at + 3] or nil end
      if not isPresent then current[USER] = nil end
      if isPresent then
        if wasPresent then
          previous = memberOf(previous)
          out[#out + 1] = number; out[#out + 1] = 2; out[#out + 1] = previous
          addChange(2, events[at + 4], record, previous)
        else
          present = present + 1
          out[#out + 1] = number; out[#out + 1] = 1; out[#out + 1] = ''
          addChange(1, events[at + 4], record, nil)
        end
        current[RECORD] = record
      else
        if wasPresent then
          present = present - 1
          out[#out + 1] = number; out[#out + 1] = 3; out[#out + 1] = ''
          addPacked(events[at + 4]) -- the client packed the whole leave
        end
        current[RECORD] = record .. expiryTail
      end
      if usersOn then
        nchanges = 0
        if isPresent and not wasPresent and current[USER] then
          local provider, userId = splitUser(current[USER])
          up(hashKey, userId, channel, provider, ts)
        elseif not isPresent and wasPresent and heldUser then
          local _, userId = splitUser(heldUser)
          down(hashKey, userId, channel, ts)
        elseif not isPresent and not wasPresent and events[at + 3] then
          local provider, userId = splitUser(events[at + 3])
          seen(userId, provider, ts)
        end
        takeUserChanges()
      end
    end
    at = at + S
    number = number + 1
  end

  -- Write back every record this batch replaced; a member ending absent is scheduled for collection at
  -- now + horizon, one ending present leaves the tombstone set.
  local absent, back, userGone = nil, nil, nil
  nwrites = 0
  for i = 5, 4 + nkeys do
    local key = reads[i]
    local s = state[key]
    if s and s[WRITTEN] then
      write(key, s[RECORD])
      if usersOn then
        if s[P] and s[USER] then
          write(USERF .. key, s[USER])
        elseif not s[P] and raws[i + nkeys] then
          userGone = userGone or {}
          userGone[#userGone + 1] = USERF .. key
        end
      end
      if s[P] then
        if s[TOMBSTONED] then
          back = back or {}
          back[#back + 1] = key
        end
      else
        absent = absent or {}
        absent[#absent + 1] = expiryText
        absent[#absent + 1] = key
      end
    end
  end
  local wrote = nwrites > 0
  if newReported ~= nil then
    local sep = string.find(newReported, ':', 1, true)
    write(O, string.sub(newReported, 1, sep - 1))
    write(T, string.sub(newReported, sep + 1))
  end
  if newWatermark ~= nil and (watermark == nil or newWatermark > watermark) then write(W, setting) end

  -- Collect expired tombstones (bounded per call), at most once per collectEvery per channel; `c` is
  -- the next time a collection may find something (NEVER: no tombstone).
  local nextCollect = collectAt
  if collectAt ~= nil and collectAt <= now then
    local expired = redis.call('ZRANGEBYSCORE', tombsKey, '-inf', now, 'LIMIT', 0, 500)
    local gone = {}
    for i = 1, #expired do
      local s = state[expired[i]]
      if not (s and s[WRITTEN]) then gone[#gone + 1] = expired[i] end
    end
    if #gone > 0 then
      callChunked('HDEL', hashKey, gone, 1)
      callChunked('ZREM', tombsKey, gone, 1)
    end
    if #expired == 500 then
      nextCollect = now
    else
      local first = redis.call('ZRANGE', tombsKey, 0, 0, 'WITHSCORES')
      if first[2] == nil then nextCollect = NEVER else nextCollect = math.max(tonumber(first[2]), now + collectEvery) end
    end
  end
  if absent and (nextCollect == nil or nextCollect > expiry) then nextCollect = expiry end
  if nextCollect ~= collectAt then write(C, nextCollect == expiry and expiryText or nextCollect) end

  if nwrites == 0 and raws[1] ~= false then return end -- nothing changed (and the channel exists)
  if raws[1] == false or present ~= held then write(N, present) end
  if present > 0 then
    if expiring then write(X, '0') end
  elseif not expiring then
    write(X, '1')
  end
  callChunked('HSET', hashKey, writes, 2, nwrites)
  if back then callChunked('ZREM', tombsKey, back, 1) end
  if userGone then callChunked('HDEL', hashKey, userGone, 1) end
  if absent then
    -- Every tombstone of the set expires by now + horizon: so does the set, whether anyone is present or not.
    callChunked('ZADD', tombsKey, absent, 2)
    redis.call('PEXPIREAT', tombsKey, ttlEnd)
  end

  if present > 0 then
    if expiring then redis.call('PERSIST', hashKey) end
  elseif wrote or not expiring then
    -- No one present: every tombstone is gone by now + horizon, and so is the channel.
    redis.call('PEXPIREAT', hashKey, ttlEnd)
  end
end

-- The channels' keys, named from the shard's tag (KEYS[2] is '{prefix:sN}:feed') as names.ts channelKeys does.
local head = string.sub(KEYS[2], 1, #KEYS[2] - 4) .. 'c:'
-- The array holds no nil (false stands for none): cmsgpack.unpack stores each nil as a key of the table's hash
-- part and rehashes the whole table for it, which made unpacking 2-3x dearer. Each channel's count is never false.
-- c: the channel's number in the call.
local c = 0
local indexed = {} -- ZADD's arguments: the writer's time, the channel's name
while events[at + 1] ~= nil do
  local setting, count, channel = events[at], events[at + 1], events[at + 2]
  at = at + 3
  local name = head .. channel
  c = c + 1
  heldSomeone = false
  local passedOver = applyChannel(name .. ':h', name .. ':z', setting, count, channel)
  if passedOver then
    skipped[c] = true
    out[#out + 1] = -2; out[#out + 1] = c; out[#out + 1] = passedOver
  end
  if indexKey and not heldSomeone then
    indexed[#indexed + 1] = ARGV[14]; indexed[#indexed + 1] = channel
  end
end
if #indexed > 0 then callChunked('ZADD', indexKey, indexed, 2) end
if ARGV[8] == 'expire' then
  nchanges = 0
  expireUsers()
  takeUserChanges()
end
if usersOn then saveUsers() end

if retainMs then
  local notices = ARGV[6] ~= '' and cmsgpack.unpack(ARGV[6]) or {}
  local count = entryCount
  -- The notices of one kind ('a' before the changes, 'i' after), each packed whole by the client.
  local function noticesOf(kind)
    local parts = {}
    for i = 1, #notices, 3 do
      if notices[i] == kind and not skipped[notices[i + 2]] then parts[#parts + 1] = notices[i + 1] end
    end
    count = count + #parts
    return table.concat(parts)
  end
  local before, after = noticesOf('a'), noticesOf('i')
  if count > 0 then
    entryPieces[1] = arrayHeader(4 * count) .. before
    entryPieces[npieces + 1] = after
    local d = joinPieces(entryPieces, npieces + 1)
    local id = redis.call('XADD', KEYS[2], 'MINID', math.max(now - retainMs, 0), '*', 'd', d)
    out[1] = id
    redis.call('ZADD', KEYS[3], now, id)
    -- Nobody acknowledges under emit 'everywhere' (and nobody claims past the retention): drop what the stream dropped.
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. math.max(now - retainMs, 0))
  end
end

if #out > 1 and replayTtl > 0 then
  redis.call('SET', KEYS[1], cmsgpack.pack(out), 'PX', replayTtl)
end
return out
