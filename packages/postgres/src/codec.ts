import type { Member } from '@presence-webhooks/core/store';
import { Decoder, Encoder } from '@msgpack/msgpack';

/**
 * Members are stored as MessagePack (bytea): any JSON value and binary data (Uint8Array) round-trip (text
 * and jsonb cannot hold NUL or a lone surrogate), a key whose value is undefined is left out, and every
 * number travels as a float64 (so -0 stays -0).
 */
const encoder = new Encoder({ ignoreUndefined: true, forceIntegerToFloat: true });
const decoder = new Decoder();

export function encodeMember(member: Member): Buffer {
  const bytes = encoder.encode(member);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode a stored member; binary data comes back as a plain Uint8Array (not a view over the reply's Buffer). */
export function decodeMember(blob: Uint8Array): Member {
  return decoder.decode(new Uint8Array(blob)) as Member;
}

/** An order id as UTF-16BE bytes: PostgreSQL's bytea order is then JavaScript's `<` on strings (by UTF-16 code unit). */
export function idSortKey(id: string): Buffer {
  return Buffer.from(id, 'utf16le').swap16();
}
