import type { Member } from '@presence-webhooks/core';
import { Decoder, Encoder } from '@msgpack/msgpack';

/**
 * Members are stored as MsgPack: any JSON value and binary data (Uint8Array) round-trip, and
 * a key whose value is undefined is left out, as it is when the member is read from memory.
 * Every number travels as a float64, which holds any JS number exactly (-0 included, which
 * MsgPack's integer encoding would turn into 0).
 */
/**
 * How deep member data may nest. MsgPack's default (100) failed a whole delivery for one member nested
 * deeper; the receiver bounds data depth far below this, and the encoder's recursion stays well within
 * the stack here. Redis never decodes member data (apply.lua keeps it as opaque bytes).
 */
const MAX_MEMBER_DEPTH = 1000;
const encoder = new Encoder({ ignoreUndefined: true, forceIntegerToFloat: true, maxDepth: MAX_MEMBER_DEPTH });
const decoder = new Decoder();

export function encodeMember(member: Member): Uint8Array {
  return encoder.encode(member);
}

/**
 * Decode a stored member. The reply is copied into a plain Uint8Array first: binary data then
 * comes back as Uint8Array (a view over a Buffer would be a Buffer), and holds no pooled reply memory.
 */
export function decodeMember(blob: Uint8Array): Member {
  return decoder.decode(new Uint8Array(blob)) as Member;
}

/**
 * An order id as UTF-16BE bytes: comparing these bytes in Lua orders ids exactly as
 * JavaScript's `<` on strings does (by UTF-16 code unit).
 */
export function idSortKey(id: string): Buffer {
  return Buffer.from(id, 'utf16le').swap16();
}

/** Any value the store writes for itself (feed payloads), as MsgPack. */
export function encodeValue(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return decoder.decode(new Uint8Array(bytes));
}
