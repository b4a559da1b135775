-- presence-webhooks: the user levels on a Redis Cluster with several shards (included into apply.lua, where
-- its `-- #include user-outbox` line stands; it sees apply.lua's locals declared above that line).
--
-- A script touches one slot; a user's presence spans channels in other slots, and the user levels (shard 0's
-- slot) cannot be written by a channel's script. So the work is split in two steps, each atomic:
--
-- ARGV[9] 'outbox' (the channel step, in the channel's shard's slot): instead of the user levels, the script
--   keeps each user's present member count in the channel (channel hash field 0xFB userId) and, with the
--   commit, writes an intent per user-level step to its shard's outbox: "user U in channel C now has n present
--   members, version v" (v from the shard's counter: monotonic per channel, so a replay or a reordering is
--   harmless). KEYS[4] the outbox (hash: MsgPack { userId, channel } -> MsgPack flat list, 4 per intent:
--   v, n, at (provider time of the event), provider), KEYS[5] when each outbox field became pending (zset, Redis
--   time), KEYS[6] the shard's version counter. A leave of a member that held no presence (apply.lua `seen`)
--   is an intent of channel '' (it only raises lastSeen: idempotent, not versioned). ARGV[10]: after how many
--   ms a pending field counts as stranded (its instance died before the users step).
--   The reply gets one triple per outbox field this call touched, and per stranded field of the shard (at
--   most 20): -5, field, its pending list (packed); and one triple -6, MsgPack flat { v, event number, ... }
--   (the event of the call each new intent came from), '' .
-- ARGV[9] 'intents' (the users step, in shard 0's slot, KEYS[4..7] the user levels as in apply.lua; no
--   channel): ARGV[10] a flat MsgPack list: field, pending list, ... (as the channel step answered them);
--   ARGV[12] the order to apply the intents in (a field's place per intent). Each intent whose version is
--   above the one applied for (U, C) (hash KEYS[4]..'-versions', and the time of each in zset
--   KEYS[4]..'-versions-t', dropped a horizon (at least 10 minutes) later by 'expire') moves
--   the user's level in C from its count to n through apply.lua's up / down, so the channel level
--   (hash ARGV[11]..channel, field 0xFD userId, as in a channel hash), the app level, the grace deadlines,
--   lastSeen and the online count follow the same rules as on one slot. Before the changes an intent caused:
--   a triple -7, the field's place in ARGV[10] (0-based), v. Its changes go to shard 0's feed with the call.
--   With ARGV[8] 'expire' the due grace windows close after the intents are applied (apply.lua's bottom).
--   A field whose channel-level key holds another type is passed over (a triple -8, field, ''): it stays in the
--   outbox, the others are applied.
do
  local mode = ARGV[9]
  if mode == 'outbox' then
    local COUNT = '\251'
    local replayAfter = tonumber(ARGV[10])
    local counts = {} -- hashKey -> userId -> count (loaded lazily)
    local fields, fieldOrder = {}, {} -- outbox field -> its pending list (unpacked), in the order touched
    local numbers = {} -- flat: version, event number of the call
    local seq

    local function countOf(hashKey, userId)
      local byUser = counts[hashKey]
      if byUser == nil then byUser = {}; counts[hashKey] = byUser end
      local n = byUser[userId]
      if n == nil then
        n = tonumber(redis.call('HGET', hashKey, COUNT .. userId) or '0')
        byUser[userId] = n
      end
      return n
    end

    local function intent(userId, channel, n, provider, at)
      -- Never below the script's clock in µs: a counter lost with its shard's data cannot go back below versions applied.
      if seq == nil then seq = math.max(tonumber(redis.call('GET', KEYS[6]) or '0'), now * 1000) end
      seq = seq + 1
      local field = cmsgpack.pack({ userId, channel })
      local list = fields[field]
      if list == nil then
        local raw = redis.call('HGET', KEYS[4], field)
        list = raw and cmsgpack.unpack(raw) or {}
        fields[field] = list
        fieldOrder[#fieldOrder + 1] = field
      end
      local k = #list
      list[k + 1] = seq; list[k + 2] = n; list[k + 3] = at; list[k + 4] = provider
      numbers[#numbers + 1] = seq; numbers[#numbers + 1] = number
    end

    up = function(hashKey, userId, channel, provider, at)
      local n = countOf(hashKey, userId) + 1
      counts[hashKey][userId] = n
      intent(userId, channel, n, provider, at)
    end
    down = function(hashKey, userId, channel, at)
      local n = countOf(hashKey, userId)
      if n == 0 then return end -- not tracked when it joined
      counts[hashKey][userId] = n - 1
      intent(userId, channel, n - 1, '', at)
    end
    seen = function(userId, provider, at)
      intent(userId, '', 0, provider, at)
    end
    saveUsers = function()
      for hashKey, byUser in pairs(counts) do
        for userId, n in pairs(byUser) do
          if n > 0 then redis.call('HSET', hashKey, COUNT .. userId, n)
          else redis.call('HDEL', hashKey, COUNT .. userId) end
        end
      end
      if seq ~= nil then redis.call('SET', KEYS[6], seq) end
      for _, field in ipairs(fieldOrder) do
        local packed = cmsgpack.pack(fields[field])
        redis.call('HSET', KEYS[4], field, packed)
        redis.call('ZADD', KEYS[5], 'NX', now, field)
        out[#out + 1] = -5; out[#out + 1] = field; out[#out + 1] = packed
      end
      -- Fields an instance left behind (it died between its channel step and its users step): finished by this call's users step.
      local stranded = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now - replayAfter, 'LIMIT', 0, 20)
      for _, field in ipairs(stranded) do
        if fields[field] == nil then
          local raw = redis.call('HGET', KEYS[4], field)
          if raw then
            out[#out + 1] = -5; out[#out + 1] = field; out[#out + 1] = raw
          else
            redis.call('ZREM', KEYS[5], field)
          end
        end
      end
      if #numbers > 0 then
        out[#out + 1] = -6; out[#out + 1] = cmsgpack.pack(numbers); out[#out + 1] = ''
      end
    end
  elseif mode == 'intents' then
    local versions, versionTimes = KEYS[4] .. '-versions', KEYS[4] .. '-versions-t'
    for _, kv in ipairs({ { versions, 'hash' }, { versionTimes, 'zset' } }) do
      local kind = redis.call('TYPE', kv[1])['ok']
      if kind ~= 'none' and kind ~= kv[2] then return redis.error_reply('WRONGTYPE the key ' .. kv[1] .. ' holds a ' .. kind) end
    end
    local given = cmsgpack.unpack(ARGV[10])
    -- Per field k (1-based): who (userId, channel), its intents, the next one to take, the version applied before / now.
    local fields = {}
    for f = 1, #given, 2 do
      local who = cmsgpack.unpack(given[f])
      local channel = who[2]
      local applied = channel ~= '' and tonumber(redis.call('HGET', versions, given[f]) or '0') or 0
      fields[#fields + 1] = { who[1], channel, cmsgpack.unpack(given[f + 1]), 1, applied, applied, given[f] }
    end
    -- ARGV[12]: the field (0-based) of each intent in the order to apply them: the batch's order (as the events
    -- came, across channels and shards), another call's intents first; each field's own intents stay in version order.
    -- A channel level whose key holds another type (another program's data there): its field is passed over,
    -- left in the outbox, and the other fields go on.
    local broken = {}
    for _, field in ipairs(fields) do
      if field[2] ~= '' then
        local kind = redis.call('TYPE', ARGV[11] .. field[2])['ok']
        if kind ~= 'none' and kind ~= 'hash' and not broken[field[7]] then
          broken[field[7]] = true
          out[#out + 1] = -8; out[#out + 1] = field[7]; out[#out + 1] = ''
        end
      end
    end
    for _, k in ipairs(cmsgpack.unpack(ARGV[12])) do
      local field = fields[k + 1]
      if not broken[field[7]] then
        local userId, channel, list, i = field[1], field[2], field[3], field[4]
        field[4] = i + 4
        local v, n, at, provider = list[i], list[i + 1], list[i + 2], list[i + 3]
        local levelKey = ARGV[11] .. channel
        nchanges = 0
        if channel == '' then
          seen(userId, provider, at)
        elseif v > field[6] then
          field[6] = v
          local lv = levelOf(levelKey, userId)
          local held = lv and lv[1] or 0
          for _ = held + 1, n do up(levelKey, userId, channel, provider, at) end
          for _ = n + 1, held do down(levelKey, userId, channel, at) end
        end
        if nchanges > 0 then
          out[#out + 1] = -7; out[#out + 1] = k; out[#out + 1] = v
          takeUserChanges() -- the feed entry lists them in the reply's order
        end
      end
    end
    for _, field in ipairs(fields) do
      if field[6] > field[5] then
        redis.call('HSET', versions, field[7], field[6])
        redis.call('ZADD', versionTimes, now, field[7])
      end
    end
    if ARGV[8] == 'expire' then
      -- Versions unused for a horizon (at least 10 minutes) are dropped: up to 20 000 a call, so the hash follows churn.
      for _ = 1, 20 do
        local old = redis.call('ZRANGEBYSCORE', versionTimes, '-inf', now - math.max(horizon, 600000), 'LIMIT', 0, 1000)
        if #old > 0 then
          callChunked('HDEL', versions, old, 1)
          callChunked('ZREM', versionTimes, old, 1)
        end
        if #old < 1000 then break end
      end
    end
  end
end
