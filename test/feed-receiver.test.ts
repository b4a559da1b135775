// The change feed through real receivers over real HTTP (Express, MemoryStore): receiver.changes() from now
// or after a cursor, an expired cursor, and emit 'once' / 'everywhere' for receivers sharing one store.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyLifecycleItem,
  ablyPresenceItem,
  type RawAblyPresence,
} from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it } from 'vitest';
import { postTo, startExpress, type RunningServer } from './helpers/express-server.js';
import { RECENT_MS } from './helpers/recent.js';
import { until } from './helpers/until.js';

const KEY = 'feedApp.feedKey:feedSecretForTheTests5678';

function presence(clientId: string, connectionId: string, serial: number, action: number): RawAblyPresence {
  return { id: `${connectionId}:${serial}:0`, clientId, connectionId, action, timestamp: RECENT_MS + serial };
}

const NAMES = [
  'join',
  'update',
  'leave',
  'user.online',
  'user.offline',
  'user.join',
  'user.leave',
  'channel.active',
  'channel.inactive',
] as const;

/** Every change event a receiver emits, by name, in order. */
function emitted(receiver: Receiver): string[] {
  const seen: string[] = [];
  for (const name of NAMES) receiver.on(name, () => void seen.push(name));
  return seen;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function start(options: Partial<ReceiverOptions> = {}): Promise<{ receiver: Receiver; server: RunningServer }> {
  const receiver = createReceiver({ ably: { keys: [KEY] }, ...options });
  const server = await startExpress(receiver);
  cleanup.push(async () => {
    await server.close();
    await receiver.close();
  });
  return { receiver, server };
}

async function deliver(server: RunningServer, ...items: Parameters<typeof ablyBatchRequest>[0]): Promise<void> {
  expect((await postTo(server.url, ablyBatchRequest(items, { key: KEY }))).status).toBe(200);
}

/** Read changes until `count` arrived (or the signal aborts). */
async function take(receiver: Receiver, count: number, since?: string) {
  const out: { cursor: string; name: string; event: unknown }[] = [];
  const controller = new AbortController();
  for await (const change of receiver.changes({ ...(since === undefined ? {} : { since }), signal: controller.signal })) {
    out.push(change);
    if (out.length === count) controller.abort();
  }
  return out;
}

describe('receiver.changes(): the change feed', () => {
  it('yields every emitted change in order with distinct cursors; a feed resumed after a cursor misses and repeats nothing', async () => {
    const { receiver, server } = await start();
    const seen = emitted(receiver);
    const reading = take(receiver, 11);
    await deliver(
      server,
      ablyLifecycleItem('room-1', true, RECENT_MS),
      ablyPresenceItem('room-1', [presence('ann', 'a1', 1, ABLY_ACTION.enter)]),
    );
    await deliver(
      server,
      ablyPresenceItem('room-1', [presence('ann', 'a1', 2, ABLY_ACTION.update), presence('ben', 'b1', 1, ABLY_ACTION.enter)]),
    );
    await deliver(server, ablyPresenceItem('room-1', [presence('ann', 'a1', 3, ABLY_ACTION.leave)]));
    await receiver.idle();
    const changes = await reading;
    expect(changes.map((c) => c.name)).toEqual(seen);
    expect(seen).toEqual([
      'channel.active',
      'join',
      'user.join',
      'user.online',
      'update',
      'join',
      'user.join',
      'user.online',
      'leave',
      'user.leave',
      'user.offline',
    ]);
    expect(new Set(changes.map((c) => c.cursor)).size).toBe(changes.length);
    expect(changes[1]?.event).toMatchObject({ channel: 'room-1', member: { clientId: 'ann' } });

    // Aborted after the fourth change, resumed with its cursor: the rest, no gap, no duplicate.
    const resumed = await take(receiver, 7, changes[3]?.cursor);
    expect(resumed.map((c) => c.cursor)).toEqual(changes.slice(4).map((c) => c.cursor));
  });

  it('keeps nothing a receiver emitted itself while no one reads the feed; from the first reader on, misses nothing', async () => {
    const store = new MemoryStore();
    const { receiver, server } = await start({ store });
    await deliver(server, ablyPresenceItem('room-1', [presence('ann', 'a1', 1, ABLY_ACTION.enter)]));
    await receiver.idle();
    expect(store.feed.length).toBe(0); // join, user.join, user.online: emitted, not held
    expect(await store.feed.claim(0, 100)).toEqual([]); // and never claimed again
    const reading = take(receiver, 3);
    await deliver(server, ablyPresenceItem('room-1', [presence('ben', 'b1', 1, ABLY_ACTION.enter)]));
    expect((await reading).map((c) => c.name)).toEqual(['join', 'user.join', 'user.online']);
    expect(store.feed.length).toBe(3);
    expect(await store.feed.claim(0, 100)).toEqual([]);
  });

  it('keeps nothing either when async handlers queue the deliveries, or when grace windows end', async () => {
    const store = new MemoryStore();
    const { receiver, server } = await start({ store, users: { graceMs: 50 } });
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    receiver.on('join', async () => {
      await gate; // the deliveries after the first go through the queue meanwhile
      seen.push('join');
    });
    receiver.on('user.offline', () => void seen.push('user.offline'));
    await deliver(server, ablyPresenceItem('room-1', [presence('ann', 'a1', 1, ABLY_ACTION.enter)]));
    await deliver(server, ablyPresenceItem('room-1', [presence('ben', 'b1', 1, ABLY_ACTION.enter)]));
    await deliver(server, ablyPresenceItem('room-1', [presence('ann', 'a1', 2, ABLY_ACTION.leave)]));
    release();
    await until(() => seen.includes('user.offline'), "ann's user.offline"); // ann's grace window ended: user.leave, user.offline
    await receiver.idle();
    expect(seen.filter((name) => name === 'join')).toHaveLength(2);
    expect(store.feed.length).toBe(0);
    expect(await store.feed.claim(0, 100)).toEqual([]);
  });

  it('a cursor past the retention throws feed_cursor_expired', async () => {
    const { receiver, server } = await start({ store: new MemoryStore({ maxChanges: 3 }) });
    const first = take(receiver, 1);
    await deliver(server, ablyPresenceItem('r', [presence('a', 'c1', 1, ABLY_ACTION.enter)]));
    const [change] = await first;
    await deliver(
      server,
      ablyPresenceItem('r', [
        presence('b', 'c2', 1, ABLY_ACTION.enter),
        presence('c', 'c3', 1, ABLY_ACTION.enter),
        presence('d', 'c4', 1, ABLY_ACTION.enter),
      ]),
    );
    await receiver.idle();
    await expect(take(receiver, 1, change?.cursor)).rejects.toMatchObject({ code: 'feed_cursor_expired' });
  });
});

describe("emit 'once' and 'everywhere' with receivers sharing one store", () => {
  it("'everywhere': each of two receivers emits every change once, wherever it was applied", async () => {
    const store = new MemoryStore();
    const a = await start({ store, emit: 'everywhere', users: false });
    const b = await start({ store, emit: 'everywhere', users: false });
    const seenA = emitted(a.receiver);
    const seenB = emitted(b.receiver);
    const bHeard = take(b.receiver, 3); // b's own reader shows when it has caught up
    await deliver(a.server, ablyPresenceItem('r', [presence('a', 'c1', 1, ABLY_ACTION.enter)]));
    await deliver(b.server, ablyPresenceItem('r', [presence('b', 'c2', 1, ABLY_ACTION.enter)]));
    await deliver(a.server, ablyPresenceItem('r', [presence('a', 'c1', 2, ABLY_ACTION.leave)]));
    await bHeard;
    // The other receiver's reader delivers on its own schedule: wait until both heard all three.
    await until(() => seenA.length >= 3 && seenB.length >= 3, 'both receivers heard the three changes');
    await a.receiver.idle();
    await b.receiver.idle();
    expect(seenA).toEqual(['join', 'join', 'leave']);
    expect(seenB).toEqual(['join', 'join', 'leave']);
  });

  it("'once' (the default): only the applying receiver emits; a change whose applier died unemitted is emitted once by another", async () => {
    const store = new MemoryStore();
    const a = await start({ store, users: false, claimAfterMs: 200 });
    const b = await start({ store, users: false, claimAfterMs: 200 });
    const seenA = emitted(a.receiver);
    const seenB = emitted(b.receiver);
    await deliver(a.server, ablyPresenceItem('r', [presence('a', 'c1', 1, ABLY_ACTION.enter)]));
    await a.receiver.idle();
    expect(seenA).toEqual(['join']);
    // An instance that committed a change and died before emitting it: the store holds it unacknowledged.
    const orphan = await store.apply([
      {
        provider: 'ably',
        channel: 'r',
        memberKey: 'c9:zed',
        present: true,
        member: { clientId: 'zed', connectionId: 'c9', timestamp: RECENT_MS },
        order: { ts: RECENT_MS, serial: 1, index: 0, rank: 0, id: 'c9:1:0' },
      },
    ]);
    expect(orphan).toHaveLength(1);
    await until(() => seenA.length + seenB.length >= 2, 'the orphaned change was claimed and emitted');
    await new Promise((resolve) => setTimeout(resolve, 600)); // several claim rounds: nobody emits it twice
    expect([...seenA, ...seenB].sort()).toEqual(['join', 'join']);
  });
});

describe("emit 'everywhere' on a store without a feed", () => {
  it('warns at start, naming how to give the store one', async () => {
    const store = new MemoryStore();
    Object.defineProperty(store, 'feed', { value: undefined }); // a store without a change feed
    const warnings: string[] = [];
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, emit: 'everywhere', logger: { warn: (m) => void warnings.push(m) } });
    expect(warnings.some((w) => /emit: 'everywhere' needs a store with a change feed/.test(w))).toBe(true);
    await receiver.close();
  });
});
