/**
 * A call's events for apply.lua, packed into ONE script argument that Redis's own
 * `cmsgpack.unpack` reads: one flat array. One argument instead of ten per event keeps the
 * client's cost per delivery low (ioredis handles every argument separately), and a flat array
 * is one Lua table.
 *
 * Written by hand because Redis's cmsgpack reads no MsgPack `bin` type, which a MsgPack library
 * writes for bytes: here bytes travel as `str 32` (Lua strings are bytes), numbers as float64
 * (exact for any JS number), and an absent value as nil.
 */
export type PackedField = string | Buffer | number | boolean | undefined;

function sizeOf(field: PackedField): number {
  if (typeof field === 'number') return 9;
  if (typeof field === 'string') return 5 + Buffer.byteLength(field);
  if (field instanceof Buffer) return 5 + field.length;
  return 1; // boolean, nil
}

/** Pack `fields` as one MsgPack array. */
export function packFlat(fields: readonly PackedField[]): Buffer {
  let size = 5;
  for (const field of fields) size += sizeOf(field);
  const out = Buffer.allocUnsafe(size);
  out[0] = 0xdd; // array 32
  out.writeUInt32BE(fields.length, 1);
  let at = 5;
  for (const field of fields) {
    if (typeof field === 'number') {
      out[at] = 0xcb; // float 64
      out.writeDoubleBE(field, at + 1);
      at += 9;
    } else if (typeof field === 'string' || field instanceof Buffer) {
      out[at] = 0xdb; // str 32
      const length = typeof field === 'string' ? out.write(field, at + 5, 'utf8') : field.copy(out, at + 5);
      out.writeUInt32BE(length, at + 1);
      at += 5 + length;
    } else {
      out[at] = field === undefined ? 0xc0 : field ? 0xc3 : 0xc2;
      at += 1;
    }
  }
  return at === size ? out : out.subarray(0, at);
}

/**
 * A member's stored record (apply.lua writes it as is): the MsgPack values present (0 / 1), ts, serial,
 * index, rank (float64), idKey and the member's own MsgPack (str 32, opaque to Lua; empty when absent).
 */
export function packRecord(
  present: boolean,
  ts: number,
  serial: number,
  index: number,
  rank: number,
  id: Buffer,
  member?: Uint8Array,
): Buffer {
  const memberLength = member === undefined ? 0 : member.byteLength;
  const out = Buffer.allocUnsafe(1 + 36 + 5 + id.length + 5 + memberLength);
  out[0] = present ? 0x01 : 0x00;
  let at = 1;
  for (const value of [ts, serial, index, rank]) {
    out[at] = 0xcb;
    out.writeDoubleBE(value, at + 1);
    at += 9;
  }
  out[at] = 0xdb;
  out.writeUInt32BE(id.length, at + 1);
  id.copy(out, at + 5);
  at += 5 + id.length;
  out[at] = 0xdb;
  out.writeUInt32BE(memberLength, at + 1);
  if (member !== undefined) out.set(member, at + 5);
  return out;
}

/** An item of packArray: a string (str), bytes (bin), null (nil), or MsgPack bytes written as they are. */
export type ArrayItem = string | Uint8Array | null | { packed: Uint8Array };

function headerSize(length: number, bin: boolean): number {
  if (!bin && length < 32) return 1;
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/** A str or bin header of `length` bytes in its smallest form (as @msgpack/msgpack writes it); answers where the bytes go. */
function writeHeader(out: Buffer, at: number, length: number, bin: boolean): number {
  if (!bin && length < 32) {
    out[at] = 0xa0 | length; // fixstr
    return at + 1;
  }
  if (length < 0x100) {
    out[at] = bin ? 0xc4 : 0xd9;
    out[at + 1] = length;
    return at + 2;
  }
  if (length < 0x10000) {
    out[at] = bin ? 0xc5 : 0xda;
    out.writeUInt16BE(length, at + 1);
    return at + 3;
  }
  out[at] = bin ? 0xc6 : 0xdb;
  out.writeUInt32BE(length, at + 1);
  return at + 5;
}

/**
 * A MsgPack array of fewer than 16 items, written directly: the same bytes as @msgpack/msgpack's Encoder writes
 * for it (the feed's change payloads, one per change: the Encoder's generic walk cost more than the rest of the event).
 */
export function packArray(items: readonly ArrayItem[]): Buffer {
  let size = 1;
  for (const item of items) {
    if (item === null) size += 1;
    else if (typeof item === 'string') size += headerSize(Buffer.byteLength(item), false) + Buffer.byteLength(item);
    else if (item instanceof Uint8Array) size += headerSize(item.byteLength, true) + item.byteLength;
    else size += item.packed.byteLength;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x90 | items.length; // fixarray
  let at = 1;
  for (const item of items) {
    if (item === null) {
      out[at++] = 0xc0;
    } else if (typeof item === 'string') {
      at = writeHeader(out, at, Buffer.byteLength(item), false);
      at += out.write(item, at, 'utf8');
    } else if (item instanceof Uint8Array) {
      at = writeHeader(out, at, item.byteLength, true);
      out.set(item, at);
      at += item.byteLength;
    } else {
      out.set(item.packed, at);
      at += item.packed.byteLength;
    }
  }
  return out;
}

/**
 * `parts` as consecutive MsgPack str values (the smallest header each, as Redis's cmsgpack writes a Lua string),
 * after `lead` (a positive fixint) when given, and then the header alone of a str of `nextLength` bytes when given:
 * pieces of the feed entry that apply.lua joins as they are.
 */
export function packStrings(parts: readonly Uint8Array[], lead?: number, nextLength?: number): Buffer {
  let size = (lead === undefined ? 0 : 1) + (nextLength === undefined ? 0 : headerSize(nextLength, false));
  for (const part of parts) size += headerSize(part.byteLength, false) + part.byteLength;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  if (lead !== undefined) out[at++] = lead;
  for (const part of parts) {
    at = writeHeader(out, at, part.byteLength, false);
    out.set(part, at);
    at += part.byteLength;
  }
  if (nextLength !== undefined) writeHeader(out, at, nextLength, false);
  return out;
}
