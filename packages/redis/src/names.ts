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

/** The keys of one channel, all hash-tagged `{prefix:channel}` so that they share a Cluster slot. */
export interface ChannelKeys {
  /**
   * The channel hash: each member key's record, and the channel's own fields (CHANNEL_FIELDS), whose
   * names start with byte 0xFE, which no encoded name starts with (UTF-8 never holds 0xFE; the marker is 0xFF).
   */
  members: string | Buffer;
  /** The tombstone set: absent member key -> expiry (ms, Redis clock). */
  tombstones: string | Buffer;
  /** The replay key of one apply call (its changes), in the channel's slot. */
  replay(token: string): string | Buffer;
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

/** Whether a field of a channel hash is one of the channel's own (not a member key). */
export function isChannelField(field: Buffer): boolean {
  return field.length > 0 && field[0] === 0xfe;
}

export function channelKeys(prefix: string, channel: string): ChannelKeys {
  const name = encodeName(channel);
  if (typeof name === 'string') {
    const head = `{${prefix}:${name}}:`;
    return { members: `${head}h`, tombstones: `${head}z`, replay: (token) => `${head}r:${token}` };
  }
  const head = Buffer.concat([Buffer.from(`{${prefix}:`), name, Buffer.from('}:')]);
  const key = (suffix: string) => Buffer.concat([head, Buffer.from(suffix)]);
  return { members: key('h'), tombstones: key('z'), replay: (token) => key(`r:${token}`) };
}

/** The Redis Cluster hash slot of a key (CRC16/XMODEM of its hash tag, mod 16384). */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= (bytes[i] as number) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
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
