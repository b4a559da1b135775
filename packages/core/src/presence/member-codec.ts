import { Decoder, Encoder } from '@msgpack/msgpack';
import type { Member } from '../events.js';

/**
 * How the stores that keep bytes (RedisStore, PostgresStore) write members and their own values: MessagePack.
 * Any JSON value and binary data (Uint8Array) round-trip, a key whose value is undefined is left out, as it is
 * when the member is read from memory, and every number travels as a float64, which holds any JS number
 * exactly (-0 included, which MessagePack's integer encoding would turn into 0). Member data may nest
 * MAX_MEMBER_DEPTH levels (MessagePack's default, 100, failed a whole delivery for one member nested deeper;
 * the receiver bounds data depth far below this).
 */
const MAX_MEMBER_DEPTH = 1000;
const encoder = new Encoder({ ignoreUndefined: true, forceIntegerToFloat: true, maxDepth: MAX_MEMBER_DEPTH });
const decoder = new Decoder();

export function encodeValue(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** Decode stored bytes, copied into a plain Uint8Array first: binary data then comes back as Uint8Array (not a view over a reply's Buffer). */
export function decodeValue(bytes: Uint8Array): unknown {
  return decoder.decode(new Uint8Array(bytes));
}

export function encodeMember(member: Member): Uint8Array {
  return encodeValue(member);
}

export function decodeMember(bytes: Uint8Array): Member {
  return decodeValue(bytes) as Member;
}

/**
 * An order id as UTF-16BE bytes: comparing these bytes (Lua strings, PostgreSQL bytea) orders ids exactly as
 * JavaScript's `<` on strings does (by UTF-16 code unit).
 */
export function idSortKey(id: string): Buffer {
  return Buffer.from(id, 'utf16le').swap16();
}
