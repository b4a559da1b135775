import type { Member } from '@presence-webhooks/core/store';
import { decodeMember, encodeMember as encodeStored, idSortKey } from '@presence-webhooks/core/store';

export { decodeMember, idSortKey };

/** A member as the bytea parameter pg sends (the stores' MessagePack codec, core/store). */
export function encodeMember(member: Member): Buffer {
  const bytes = encodeStored(member);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
