import type { Change, ChannelChange, Member, PresenceChange, PresenceEvent, ProviderName, UserChange } from '@presence-webhooks/core/store';

type LeaveReason = Extract<PresenceChange, { type: 'leave' }>['reason'];
import { Decoder } from '@msgpack/msgpack';
import { decodeMember, decodeValue, encodeMember, encodeValue } from '@presence-webhooks/core/store';
import { packArray } from './event-pack.js';
import { decodeName, encodeName } from './names.js';

/**
 * The change feed's entries (see apply.lua): one stream entry per apply call, field `d` a MsgPack array
 * of 4 values per change: type (1 join, 2 update, 3 leave, 4 channel.active, 5 channel.inactive), payload,
 * record (the stored member record of a join / update), previous (an update's previous member).
 */
const rawDecoder = new Decoder({ rawStrings: true });

/** An encoded channel name (names.ts encodeName: any string, lone surrogates included, round-trips) as bytes. */
export function nameBytesOf(name: ReturnType<typeof encodeName>): Uint8Array {
  return typeof name === 'string' ? Buffer.from(name) : name;
}

function nameBytes(channel: string): Uint8Array {
  return nameBytesOf(encodeName(channel));
}

/**
 * What Lua cannot know of a member change, written by the client: provider, channel (its nameBytes, made once per
 * channel by the caller), a leave's reason and member; the bytes encodeValue would write for that array.
 */
export function eventPayload(event: PresenceEvent, channel: Uint8Array): Buffer {
  if (event.present) return packArray([event.provider, channel, null, null]);
  return packArray([event.provider, channel, event.reason ?? 'leave', { packed: encodeMember(event.member) }]);
}

export function noticePayload(notice: ChannelChange): Uint8Array {
  return encodeValue([notice.type, notice.provider, nameBytes(notice.channel), notice.timestamp]);
}

/** The member of a stored record (event-pack.ts packRecord): after the 37-byte order key and the id. */
export function recordMember(record: Uint8Array): Member {
  const view = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  const idLength = view.readUInt32BE(38);
  const at = 42 + idLength;
  const length = view.readUInt32BE(at + 1);
  return decodeMember(view.subarray(at + 5, at + 5 + length));
}

/** A user change as apply.lua packs it: userId, channel ('' for none), provider, at, lastSeen (false for none). */
export type UserChangeFields = [userId: string, channel: string, provider: string, at: number, lastSeen: number | false];

/** A user change of type code 6 (user.join), 7 (user.leave), 8 (user.online) or 9 (user.offline). */
export function userChangeFrom(type: number, [userId, channel, provider, at, lastSeen]: UserChangeFields): UserChange {
  const p = provider as ProviderName;
  switch (type) {
    case 6:
      return { type: 'user.join', userId, provider: p, channel, at };
    case 7:
      return { type: 'user.leave', userId, provider: p, channel, at, lastSeen: lastSeen as number };
    case 8:
      return { type: 'user.online', userId, provider: p, channel, at };
    default:
      return { type: 'user.offline', userId, at, lastSeen: lastSeen as number };
  }
}

/** A user change as the scripts answer it: its type code and MsgPack { userId, channel, provider, at, lastSeen }. */
export function userChangeOf(type: number, packed: Buffer): UserChange {
  return userChangeFrom(type, decodeValue(packed) as UserChangeFields);
}

/** The changes of one feed entry, in order (without cursors). */
export function decodeEntry(d: Uint8Array): Change[] {
  const values = rawDecoder.decode(d) as (number | Uint8Array)[];
  const out: Change[] = [];
  for (let i = 0; i + 3 < values.length; i += 4) {
    const type = values[i] as number;
    const payload = decodeValue(values[i + 1] as Uint8Array) as unknown[];
    if (type >= 6) {
      out.push(userChangeFrom(type, payload as UserChangeFields));
      continue;
    }
    if (type >= 4) {
      const [kind, provider, channel, timestamp] = payload as [ChannelChange['type'], ProviderName, Uint8Array, number];
      out.push({ type: kind, provider, channel: decodeName(Buffer.from(channel)), timestamp });
      continue;
    }
    const [provider, channelBytes, reason, leaveMember] = payload as [ProviderName, Uint8Array, LeaveReason | null, Member | null];
    const channel = decodeName(Buffer.from(channelBytes));
    let change: PresenceChange;
    if (type === 3) {
      change = { type: 'leave', provider, channel, member: leaveMember as Member, reason: reason ?? 'leave' };
    } else {
      const member = recordMember(values[i + 2] as Uint8Array);
      change =
        type === 1
          ? { type: 'join', provider, channel, member }
          : { type: 'update', provider, channel, member, previous: decodeMember(values[i + 3] as Uint8Array) };
    }
    out.push(change);
  }
  return out;
}
