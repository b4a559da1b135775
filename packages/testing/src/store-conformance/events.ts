import type { Member, PresenceEvent, ProviderName } from '@presence-webhooks/core/store';
import fc from 'fast-check';

/** The members the suite plays with: Ably (connectionId + clientId) and PubNub (uuid), some with non-ASCII names. */
export const SUITE_MEMBERS: readonly { provider: ProviderName; clientId: string; connectionId?: string }[] = [
  { provider: 'ably', clientId: 'alice', connectionId: 'connA' },
  { provider: 'ably', clientId: 'alice', connectionId: 'connB' },
  { provider: 'ably', clientId: 'bob', connectionId: 'conn\u00e9' },
  { provider: 'ably', clientId: '\u{1F600}zo\u00eb', connectionId: 'connZ' },
  { provider: 'pubnub', clientId: 'uuid-7' },
];
export const SUITE_CHANNELS: readonly string[] = ['room-a', 'room-b', '\u30eb\u30fc\u30e0:\u{1F3E0}'];

export function memberKeyOf(m: { clientId: string; connectionId?: string }): string {
  return m.connectionId === undefined ? m.clientId : `${m.connectionId}:${m.clientId}`;
}

export interface EventSpec {
  channel: number;
  member: number;
  /** Logical time: the serial (unless synthetic); the timestamp is tick * 10 + variant. */
  tick: number;
  /** 0 present, 1 update, 2 leave (leave beats the rest on a tie). */
  rank: number;
  /** The message index within the serial (Ably `connId:serial:index`). */
  variant: number;
  /** A synthesized message: no serial, ordered by timestamp. */
  synthetic: boolean;
  data?: unknown;
  reported: boolean;
}

const BASE_TS = 1_700_000_000_000;

/**
 * Build a presence event. Everything the order key holds follows from the spec's identity
 * (channel, member, tick, rank, variant, synthetic) the way Ably's keys follow from the message
 * id (`connId:serial:index`, or a synthesized id ordered by timestamp), so two events with equal
 * keys are the same message, as the providers guarantee; `member.timestamp` is unique per event so that a change
 * can be traced back to the event that caused it.
 */
export function buildEvent(spec: EventSpec, uid: number): PresenceEvent {
  const who = SUITE_MEMBERS[spec.member] ?? SUITE_MEMBERS[0];
  if (who === undefined) throw new RangeError('no members');
  const channel = SUITE_CHANNELS[spec.channel] ?? 'room-a';
  const present = spec.rank !== 2;
  // Timestamps follow serial and index, as Ably's do, so that the order is a total order.
  const ts = BASE_TS + spec.tick * 10 + spec.variant;
  const member: Member = { clientId: who.clientId, timestamp: BASE_TS + uid };
  if (who.connectionId !== undefined) member.connectionId = who.connectionId;
  if (present && spec.data !== undefined) member.data = spec.data;
  const id = spec.synthetic ? `synth${spec.variant}:${spec.tick}` : `${who.connectionId ?? who.clientId}:${spec.tick}:${spec.variant}`;
  const event: PresenceEvent = {
    provider: who.provider,
    channel,
    memberKey: memberKeyOf(who),
    present,
    member,
    order: { ts, serial: spec.synthetic ? -1 : spec.tick, index: spec.synthetic ? -1 : spec.variant, rank: spec.rank, id },
  };
  if (!present) event.reason = spec.synthetic ? 'synthetic' : 'leave';
  // The reported figure follows from the timestamp, so equal timestamps report the same figure.
  if (spec.reported) event.reported = { occupancy: spec.tick % 5, timestamp: ts };
  return event;
}

function hasProtoKey(value: unknown): boolean {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? null : v))?.includes('"__proto__"') ?? false;
}

let data: fc.Arbitrary<unknown> | undefined;
let spec: fc.Arbitrary<EventSpec> | undefined;

/**
 * Member data: any JSON value or bytes (never an own `__proto__` key: the receiver strips those before
 * any store sees them). Built on first use: importing the testing package must stay cheap.
 */
export function dataArbitrary(): fc.Arbitrary<unknown> {
  return (data ??= fc
    .oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 3 }),
      fc.uint8Array({ maxLength: 24 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
    )
    .filter((value) => !hasProtoKey(value)));
}

function specArbitrary(): fc.Arbitrary<EventSpec> {
  return (spec ??= fc.record({
    channel: fc.integer({ min: 0, max: SUITE_CHANNELS.length - 1 }),
    member: fc.integer({ min: 0, max: SUITE_MEMBERS.length - 1 }),
    tick: fc.integer({ min: 0, max: 12 }),
    rank: fc.integer({ min: 0, max: 2 }),
    variant: fc.integer({ min: 0, max: 2 }),
    synthetic: fc.boolean(),
    data: dataArbitrary(),
    reported: fc.boolean(),
  }));
}

function identity(s: EventSpec): string {
  return `${s.channel}/${s.member}/${s.tick}/${s.rank}/${s.variant}/${s.synthetic}`;
}

/** A set of distinct presence messages (a history's worth), in no particular order. */
export function eventsArbitrary(maxLength = 40): fc.Arbitrary<PresenceEvent[]> {
  return fc
    .uniqueArray(specArbitrary(), { minLength: 1, maxLength, selector: identity })
    .map((specs) => specs.map((spec, uid) => buildEvent(spec, uid)));
}

/** One simple event, for the hand-written cases. */
export function simpleEvent(
  member: number,
  tick: number,
  kind: 'enter' | 'update' | 'leave',
  options: { channel?: number; data?: unknown; synthetic?: boolean; uid?: number } = {},
): PresenceEvent {
  const rank = kind === 'enter' ? 0 : kind === 'update' ? 1 : 2;
  return buildEvent(
    {
      channel: options.channel ?? 0,
      member,
      tick,
      rank,
      variant: 0,
      synthetic: options.synthetic ?? false,
      data: options.data,
      reported: false,
    },
    options.uid ?? tick * 100 + member * 10 + rank,
  );
}
