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
  members: Buffer;
  tombstones: Buffer;
  info: Buffer;
  /** The replay key of one apply call. */
  replay(token: string): Buffer;
}

export function channelKeys(prefix: string, channel: string): ChannelKeys {
  const name = encodeName(channel);
  const head = Buffer.concat([Buffer.from(`{${prefix}:`), typeof name === 'string' ? Buffer.from(name) : name, Buffer.from('}:')]);
  const key = (suffix: string) => Buffer.concat([head, Buffer.from(suffix)]);
  return { members: key('m'), tombstones: key('t'), info: key('i'), replay: (token) => key(`r:${token}`) };
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
