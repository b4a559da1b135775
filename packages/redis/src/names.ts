/**
 * How channel names and member keys travel to Redis, losslessly. Well-formed strings go as
 * UTF-8; a string with a lone surrogate (which UTF-8 cannot carry: it would become U+FFFD and
 * collide with a real U+FFFD) goes as a 0xFF marker byte, never the first byte of UTF-8, then
 * its UTF-16LE code units.
 */
const MARKER = 0xff;

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

export function encodeName(text: string): string | Buffer {
  if (isWellFormed(text)) return text;
  const units = Buffer.from(text, 'utf16le');
  const out = Buffer.allocUnsafe(units.length + 1);
  out[0] = MARKER;
  units.copy(out, 1);
  return out;
}

export function decodeName(bytes: Buffer): string {
  if (bytes.length > 0 && bytes[0] === MARKER) return bytes.subarray(1).toString('utf16le');
  return bytes.toString('utf8');
}

/**
 * The keys of one channel. Channels are grouped into shards: every key of a shard is hash-tagged
 * `{prefix:sN}`, so that one script can write a channel, its shard's change feed and the call's
 * replay record (Redis Cluster: one slot per shard).
 */
export interface ChannelKeys {
  shard: number;
  /**
   * The channel hash: each member key's record, and the channel's own fields (CHANNEL_FIELDS), whose
   * names start with byte 0xFE, which no encoded name starts with (UTF-8 never holds 0xFE; the marker is 0xFF).
   */
  members: string | Buffer;
  /** The tombstone set: absent member key -> expiry (ms, Redis clock). */
  tombstones: string | Buffer;
}

/** The keys of one shard: its change feed (a stream), the changes not acknowledged yet, an apply call's replay record. */
export interface ShardKeys {
  feed: string;
  unacked: string;
  replay(token: string): string;
  /** The user levels (kept in shard 0's slot): users hash, grace deadlines, offline users, online count. */
  users: { levels: string; deadlines: string; offline: string; online: string };
  /**
   * The shard's user outbox (a Cluster with several shards, see user-outbox.lua): the intents per (user, channel),
   * when each became pending, the shard's intent version counter.
   */
  outbox: { intents: string; times: string; version: string };
  /** The version applied per (user, channel) by a Cluster's users step, and when (user-outbox.lua: KEYS[4] .. '-versions', '-versions-t'). */
  versions: { applied: string; times: string };
}

/** The channel's own fields in its hash (see apply.lua). */
export const CHANNEL_FIELDS = {
  /** The present count. */
  count: Buffer.from([0xfe, 0x6e]),
  /** The newest reported occupancy, and its timestamp. */
  reportedOccupancy: Buffer.from([0xfe, 0x6f]),
  reportedTimestamp: Buffer.from([0xfe, 0x74]),
  /** The watermark. */
  watermark: Buffer.from([0xfe, 0x77]),
} as const;

/** CRC16/XMODEM, as Redis Cluster hashes keys. */
function crc16(bytes: Buffer, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= (bytes[i] as number) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The shard of a channel (0 .. shards - 1). */
export function shardOf(channel: string, shards: number): number {
  if (shards === 1) return 0;
  const name = encodeName(channel);
  const bytes = typeof name === 'string' ? Buffer.from(name) : name;
  return crc16(bytes, 0, bytes.length) % shards;
}

export function shardKeys(prefix: string, shard: number): ShardKeys {
  const head = `{${prefix}:s${shard}}:`;
  return {
    feed: `${head}feed`,
    unacked: `${head}unacked`,
    replay: (token) => `${head}r:${token}`,
    users: { levels: `${head}users`, deadlines: `${head}user-deadlines`, offline: `${head}users-offline`, online: `${head}users-online` },
    outbox: { intents: `${head}user-outbox`, times: `${head}user-outbox-t`, version: `${head}user-outbox-v` },
    versions: { applied: `${head}users-versions`, times: `${head}users-versions-t` },
  };
}

/**
 * The user levels of one channel when they cannot live in its hash (a Cluster with several shards): a hash in
 * shard 0's slot, field 0xFD userId, as in a channel hash. `userLevelsHead` + the channel's encoded name.
 */
export function userLevelsHead(prefix: string): string {
  return `{${prefix}:s0}:uc:`;
}

export function userLevelsKey(prefix: string, channel: string): string | Buffer {
  const name = encodeName(channel);
  return typeof name === 'string' ? `${userLevelsHead(prefix)}${name}` : Buffer.concat([Buffer.from(userLevelsHead(prefix)), name]);
}

export function channelKeys(prefix: string, channel: string, shards: number): ChannelKeys {
  const shard = shardOf(channel, shards);
  const name = encodeName(channel);
  if (typeof name === 'string') {
    const head = `{${prefix}:s${shard}}:c:${name}:`;
    return { shard, members: `${head}h`, tombstones: `${head}z` };
  }
  const head = Buffer.concat([Buffer.from(`{${prefix}:s${shard}}:c:`), name, Buffer.from(':')]);
  return { shard, members: Buffer.concat([head, Buffer.from('h')]), tombstones: Buffer.concat([head, Buffer.from('z')]) };
}

/** The channel index: every channel applied to recently or holding members (a zset: name -> last apply, ms). */
export function indexKey(prefix: string): string {
  return `{${prefix}}:channels`;
}

/**
 * The keys of a lease: the holder (its token, expiring with the lease) and its state (last token,
 * last completion). Tagged `{prefix}` like the index, never `{prefix:`, so no channel's keys collide.
 */
export function leaseKeys(prefix: string, name: string): { holder: Buffer; state: Buffer } {
  const encoded = encodeName(name);
  const head = Buffer.concat([Buffer.from(`{${prefix}}:lease:`), typeof encoded === 'string' ? Buffer.from(encoded) : encoded]);
  return { holder: Buffer.concat([head, Buffer.from(':h')]), state: Buffer.concat([head, Buffer.from(':s')]) };
}
