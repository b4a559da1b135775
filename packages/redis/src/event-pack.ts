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
