/**
 * Issue 25, over real HTTP (Express 5), on MemoryStore and RedisStore: a provider time from the
 * future, a non-number timestamp, an absurd Ably msgSerial, oversized ids / channel names and data
 * too deep or too large are item problems: reported to onError, not applied, and the delivery's
 * other members are applied. A later real leave then removes the member (nothing pinned).
 */
import type { PresenceStore, Receiver } from '@presence-webhooks/core';
import { createReceiver, ItemProblem, MemoryStore } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import type { BuiltRequest, RawAblyPresence } from '@presence-webhooks/testing/builders';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyPresenceItem,
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  pubnubEventItem,
  pubnubEventsRequest,
  pubnubLegacyRequest,
  pusherMemberEvent,
  pusherRequest,
} from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './helpers/express-server.js';
import { postTo, startExpress } from './helpers/express-server.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const KEY = 'hardApp.keyOne:hardening-ably-key-secret-0123456789';
const PUBNUB_SECRET = 'hardening-pubnub-secret-0123';
const YEAR_3000 = Date.UTC(3000, 0, 1);
const MINUTE = 60_000;

const useRedis = await redisAvailable();
const PREFIX = uniquePrefix('hardening-bounds');
let admin: Redis | undefined;

interface Harness {
  receiver: Receiver;
  server: RunningServer;
  errors: Error[];
  store: PresenceStore;
}

let harness: Harness | undefined;

async function start(kind: 'memory' | 'redis', n: number, ack: 'on-receipt' | 'after-store' = 'after-store'): Promise<Harness> {
  const store = kind === 'memory' ? new MemoryStore() : new RedisStore({ url: REDIS_URL, prefix: `${PREFIX}-${n}` });
  const errors: Error[] = [];
  const receiver = createReceiver({
    ably: { keys: [KEY] },
    pubnub: { secret: PUBNUB_SECRET },
    pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }] },
    store,
    ack,
    onError: (error) => errors.push(error),
  });
  const server = await startExpress(receiver);
  harness = { receiver, server, errors, store };
  return harness;
}

afterEach(async () => {
  if (harness === undefined) return;
  await harness.server.close();
  await harness.receiver.close();
  if (harness.store instanceof RedisStore) await harness.store.close();
  harness = undefined;
});

beforeAll(() => {
  if (useRedis) admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  if (admin !== undefined) {
    await deleteKeys(admin, PREFIX);
    admin.disconnect();
  }
});

function enter(connectionId: string, clientId: string, serial: number | string, timestamp: number, data?: unknown): RawAblyPresence {
  const message: RawAblyPresence = { id: `${connectionId}:${serial}:0`, clientId, connectionId, action: ABLY_ACTION.enter, timestamp };
  if (data !== undefined) message.data = data;
  return message;
}

function leave(connectionId: string, clientId: string, serial: number, timestamp: number): RawAblyPresence {
  return { id: `${connectionId}:${serial}:0`, clientId, connectionId, action: ABLY_ACTION.leave, timestamp };
}

async function send(h: Harness, request: BuiltRequest): Promise<number> {
  return (await postTo(h.server.url, request)).status;
}

function ably(channel: string, presence: RawAblyPresence[]): BuiltRequest {
  return ablyBatchRequest([ablyPresenceItem(channel, presence)], { key: KEY });
}

const problems = (h: Harness) => h.errors.filter((e) => e instanceof ItemProblem).map((e) => e.message);
const clients = async (h: Harness, channel: string) => (await h.store.members(channel)).map((m) => m.clientId);

const stores = useRedis ? (['memory', 'redis'] as const) : (['memory'] as const);
let started = 0;

describe.each(stores)('time bounds (%s store)', (kind) => {
  it('an Ably enter from the future is not applied (the rest of its delivery is) and pins nobody', async () => {
    const h = await start(kind, ++started);
    const now = Date.now();
    expect(await send(h, ably('room-a', [enter('cf', 'future', 1, YEAR_3000), enter('cr', 'real', 1, now - MINUTE)]))).toBe(200);
    expect(await clients(h, 'room-a')).toEqual(['real']);
    expect(problems(h).join('\n')).toMatch(/maxClockSkewMs/);
    // A synthesized-id enter at 1e308 (no serial: ordered by time) is refused too.
    const synthetic = { ...enter('cs', 'huge', 1, 1e308), id: 'not-a-serial-id' };
    expect(await send(h, ably('room-a', [synthetic]))).toBe(200);
    expect(await clients(h, 'room-a')).toEqual(['real']);
    // Within the skew: applied (a provider clock a little ahead is fine).
    expect(await send(h, ably('room-a', [enter('ck', 'ahead', 1, Date.now() + MINUTE)]))).toBe(200);
    expect(await clients(h, 'room-a')).toEqual(['ahead', 'real']);
  });

  it('an Ably msgSerial beyond any connection (999999999999999) does not win over the later leave', async () => {
    const h = await start(kind, ++started);
    const now = Date.now();
    expect(await send(h, ably('room-s', [enter('cx', 'ghost', 999999999999999, now - 2 * MINUTE)]))).toBe(200);
    expect(await clients(h, 'room-s')).toEqual(['ghost']);
    expect(await send(h, ably('room-s', [leave('cx', 'ghost', 5, now - MINUTE)]))).toBe(200);
    expect(await clients(h, 'room-s')).toEqual([]);
  });

  it('PubNub joins from the future (E&A precise_timestamp, legacy seconds) are refused; the later leave applies', async () => {
    const h = await start(kind, ++started);
    const now = Date.now();
    const items = [
      pubnubEventItem({ id: 'f1', channel: 'pn-room', userId: 'future', timestampMs: YEAR_3000, occupancy: 1 }),
      pubnubEventItem({ id: 'r1', channel: 'pn-room', userId: 'real', timestampMs: now - MINUTE, occupancy: 2 }),
    ];
    expect(await send(h, pubnubEventsRequest('join', items, { secret: PUBNUB_SECRET }))).toBe(200);
    const legacy = { action: 'join' as const, channel: 'pn-room', uuid: 'legacy', timestamp: YEAR_3000 / 1000, occupancy: 3 };
    expect(await send(h, pubnubLegacyRequest(legacy, { secret: PUBNUB_SECRET }))).toBe(200);
    expect(await clients(h, 'pn-room')).toEqual(['real']);
    expect(problems(h)).toHaveLength(2);
    const leaveItem = pubnubEventItem({ id: 'r2', channel: 'pn-room', userId: 'real', timestampMs: now - 1000, occupancy: 0 });
    expect(await send(h, pubnubEventsRequest('leave', [leaveItem], { secret: PUBNUB_SECRET }))).toBe(200);
    expect(await clients(h, 'pn-room')).toEqual([]);
  });

  it('PubNub string timestamps: decimal digits only ("1e308", " 12 ", "0x10" are no times)', async () => {
    const h = await start(kind, ++started);
    const now = Date.now();
    const item = (id: string, userId: string, timestamp: string) => ({
      id,
      channel: 'pn-str',
      userId,
      data: { timestamp, precise_timestamp: timestamp === 'digits' ? String(now - MINUTE) : timestamp },
    });
    const body = [item('a', 'exp', '1e308'), item('b', 'spaces', ' 12 '), item('c', 'hex', '0x10'), item('d', 'digits', 'digits')];
    expect(await send(h, pubnubEventsRequest('join', body, { secret: PUBNUB_SECRET }))).toBe(200);
    expect(await clients(h, 'pn-str')).toEqual(['digits']);
    expect(problems(h).join('\n')).toMatch(/no valid timestamp/);
  });

  it('a Pusher webhook with time_ms in the year 3000 is refused', async () => {
    const h = await start(kind, ++started);
    expect(await send(h, pusherRequest(YEAR_3000, [pusherMemberEvent('member_added', 'presence-x', 'future')]))).toBe(200);
    expect(await send(h, pusherRequest(Date.now() - MINUTE, [pusherMemberEvent('member_added', 'presence-x', 'real')]))).toBe(200);
    expect(await clients(h, 'presence-x')).toEqual(['real']);
  });
});

const modes = ['after-store', 'on-receipt'] as const;
const storeModes = stores.flatMap((kind) => modes.map((ack) => [kind, ack] as const));

describe.each(storeModes)('size and shape bounds (%s store, %s)', (kind, ack) => {
  it('one member over a bound is refused; the other member of its delivery is applied', async () => {
    const h = await start(kind, ++started, ack);
    const now = Date.now() - MINUTE;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 150; i++) deep = [deep];
    const many = Array.from({ length: 20_000 }, () => ({}));
    let ok: unknown = 'leaf';
    for (let i = 0; i < 31; i++) ok = { n: ok };
    const presence = [
      enter('c1', 'deep', 1, now, deep),
      enter('c2', 'wide', 1, now, many),
      enter('c3', 'x'.repeat(2000), 1, now),
      enter('c4', 'fine', 1, now, ok),
    ];
    expect(await send(h, ably('room-b', presence))).toBe(200);
    await h.receiver.idle();
    expect(await clients(h, 'room-b')).toEqual(['fine']);
    expect((await h.store.members('room-b'))[0]?.data).toEqual(ok);
    const messages = problems(h).join('\n');
    expect(messages).toMatch(/deeper than 32 levels/);
    expect(messages).toMatch(/more than 10000 values/);
    expect(messages).toMatch(/member key over 1024 characters/);
    expect(messages).not.toContain('x'.repeat(100));
  });

  it('a channel name over maxChannelNameLength is refused and not stored; a long real one is fine', async () => {
    const h = await start(kind, ++started, ack);
    const now = Date.now() - MINUTE;
    const long = `room-${'n'.repeat(64 * 1024)}`;
    const fine = `presence-${'p'.repeat(150)}`;
    expect(await send(h, ably(long, [enter('c1', 'a', 1, now)]))).toBe(200);
    expect(await send(h, ably(fine, [enter('c2', 'b', 1, now)]))).toBe(200);
    await h.receiver.idle();
    expect(await h.store.channels()).toEqual([fine]);
    expect(problems(h).join('\n')).toMatch(/maxChannelNameLength: 2048/);
  });
});
