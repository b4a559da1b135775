/**
 * One channel's events for apply.lua, packed into ONE script argument that Redis's own
 * `cmsgpack.unpack` reads: an array with an array per event. One argument instead of ten per
 * event keeps the client's cost per delivery low (ioredis handles every argument separately).
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

/** Pack `tuples` (each an array of fields) as a MsgPack array of arrays. */
export function packTuples(tuples: readonly (readonly PackedField[])[]): Buffer {
  let size = 5;
  for (const tuple of tuples) {
    size += 5;
    for (const field of tuple) size += sizeOf(field);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const arrayHeader = (length: number) => {
    out[at] = 0xdd; // array 32
    out.writeUInt32BE(length, at + 1);
    at += 5;
  };
  arrayHeader(tuples.length);
  for (const tuple of tuples) {
    arrayHeader(tuple.length);
    for (const field of tuple) {
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
  }
  return at === size ? out : out.subarray(0, at);
}
