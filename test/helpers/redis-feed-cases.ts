// RedisStore's change feed against contract.md / store.ts ChangeFeed, for any RedisStore (single Redis
// with one or several shards, Cluster). Each case gets a fresh store (its own prefix) from `make`.
import type { ChannelChange, Change, PresenceEvent } from '@presence-webhooks/core/store';
import type { RedisStore } from '@presence-webhooks/redis';
import { expect } from 'vitest';
import { presenceEvent } from './presence-event.js';

export type MakeFeedStore = (options: { retainMs?: number; namespace: string; second?: boolean }) => RedisStore;

const minutesAgo = (n: number) => Date.now() - n * 60_000;

/** An event of three minutes ago (plus `serial` ms). */
export function feedEvent(channel: string, clientId: string, serial: number, present: boolean, data?: unknown): PresenceEvent {
  return presenceEvent(channel, clientId, serial, present, minutesAgo(3) + serial, data);
}

const strip = (changes: Change[]) => changes.map(({ cursor, ...change }) => change);
/** The channel of a change (user.offline has none). */
const channelOf = (change: Change) => ('channel' in change ? change.channel : undefined);

export function redisFeedCases(make: MakeFeedStore): { name: string; run: () => Promise<void> }[] {
  return [
    {
      name: 'apply answers each change with a cursor; read after head answers the same changes, in order per channel, notices where they belong',
      run: async () => {
        const store = make({ namespace: 'read' });
        const feed = store.feed!;
        const head = await feed.head();
        const active: ChannelChange = { type: 'channel.active', provider: 'ably', channel: 'room-a', timestamp: minutesAgo(3) };
        const inactive: ChannelChange = { type: 'channel.inactive', provider: 'ably', channel: 'room-b', timestamp: minutesAgo(3) };
        const first = await store.apply(
          [feedEvent('room-a', 'alice', 0, true, { mood: 'ok', bytes: new Uint8Array([1, 2]) }), feedEvent('room-b', 'bob', 0, true)],
          { notices: [inactive, active] },
        );
        expect(first.map((c) => c.type)).toEqual(['channel.active', 'join', 'join', 'channel.inactive']);
        const second = await store.apply([feedEvent('room-a', 'alice', 1, true, { mood: 'great' }), feedEvent('room-b', 'bob', 1, false)]);
        expect(second.map((c) => c.type)).toEqual(['update', 'leave']);
        const applied = [...first, ...second];
        for (const change of applied) expect(typeof change.cursor).toBe('string');
        expect(new Set(applied.map((c) => c.cursor)).size).toBe(applied.length);

        const read = await feed.read(head, { limit: 100, waitMs: 0 });
        expect(read).toHaveLength(applied.length);
        // The same changes (a store with several shards may interleave shards; per channel the order holds).
        for (const channel of ['room-a', 'room-b'])
          expect(strip(read.filter((c) => channelOf(c) === channel))).toEqual(strip(applied.filter((c) => channelOf(c) === channel)));
        // From any cursor read returned: exactly the rest, no gap, no duplicate.
        for (let i = 0; i < read.length; i++) {
          const rest = await feed.read(read[i]!.cursor!, { limit: 100, waitMs: 0 });
          expect(strip(rest)).toEqual(strip(read.slice(i + 1)));
        }
        // limit
        const two = await feed.read(head, { limit: 2, waitMs: 0 });
        expect(strip(two)).toEqual(strip(read.slice(0, 2)));
        expect(await feed.read(await feed.head(), { limit: 10, waitMs: 0 })).toEqual([]);
      },
    },
    {
      name: 'a call of 2000 changes (its entry joined in parts, a member over 8 KB among them) reads back the changes apply answered',
      run: async () => {
        const store = make({ namespace: 'large' });
        const feed = store.feed!;
        const head = await feed.head();
        const events: PresenceEvent[] = [];
        for (let i = 0; i < 700; i++)
          events.push(feedEvent(`big-${i % 40}`, `m${i}`, 0, true, i === 350 ? { blob: 'x'.repeat(9000) } : { i }));
        for (let i = 0; i < 700; i++) events.push(feedEvent(`big-${i % 40}`, `m${i}`, 1, true, { i, again: true }));
        for (let i = 0; i < 600; i++) events.push(feedEvent(`big-${i % 40}`, `m${i}`, 2, false));
        const applied = await store.apply(events);
        expect(applied).toHaveLength(2000);
        const read = await feed.read(head, { limit: 5000, waitMs: 0 });
        expect(read).toHaveLength(2000);
        for (let c = 0; c < 40; c++) {
          const channel = `big-${c}`;
          expect(strip(read.filter((x) => channelOf(x) === channel))).toEqual(strip(applied.filter((x) => channelOf(x) === channel)));
        }
      },
    },
    {
      name: 'read waits for a change committed later (on its own connection), and an aborted signal ends the wait',
      run: async () => {
        const store = make({ namespace: 'wait' });
        const feed = store.feed!;
        const head = await feed.head();
        const waiting = feed.read(head, { limit: 10, waitMs: 5000 });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await store.apply([feedEvent('room-w', 'carol', 0, true)]);
        const got = await waiting;
        expect(got.map((c) => [c.type, channelOf(c)])).toEqual([['join', 'room-w']]);

        const controller = new AbortController();
        const aborted = feed.read(await feed.head(), { limit: 10, waitMs: 60_000, signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        expect(await aborted).toEqual([]);
      },
    },
    {
      name: 'claim: an unacknowledged change goes to one caller once per window; an acknowledged one never',
      run: async () => {
        const a = make({ namespace: 'claim' });
        const b = make({ namespace: 'claim', second: true });
        const applied = await a.apply([feedEvent('room-c', 'dave', 0, true), feedEvent('room-d', 'erin', 0, true)]);
        await a.feed!.ack([applied[0]!.cursor!]); // emitted by a; the other's reply was "lost"
        const claimed = await b.feed!.claim(0, 10);
        expect(strip(claimed)).toEqual(strip([applied[1]!]));
        expect(await a.feed!.claim(60_000, 10)).toEqual([]); // claimed by b for the window
        await b.feed!.ack(claimed.map((c) => c.cursor!));
        expect(await a.feed!.claim(0, 10)).toEqual([]);
      },
    },
    {
      name: 'ack: damaged cursors (a place past its entry) acknowledge nothing: the entry stays claimable',
      run: async () => {
        const store = make({ namespace: 'ack-damaged' });
        const feed = store.feed!;
        const applied = await store.apply([
          feedEvent('room-z', 'ivy', 0, true),
          feedEvent('room-z', 'jon', 0, true),
          feedEvent('room-z', 'kim', 0, true),
        ]);
        const first = applied[0]!.cursor!;
        // The same entry's places 0 and 1, and a forged place 7: three places for a size of 3, one of them not in it.
        const forged = first.replace(/\/0\/3(~*)$/, '/7/3$1');
        expect(forged).not.toBe(first);
        await feed.ack([first, applied[1]!.cursor!, forged]);
        expect(strip(await feed.claim(0, 10))).toEqual(strip([applied[2]!]));
      },
    },
    {
      name: 'ack: an entry acknowledged in part, then in full in one call, is never claimed; one acknowledged in full at once neither',
      run: async () => {
        const store = make({ namespace: 'ack' });
        const feed = store.feed!;
        const applied = await store.apply([
          feedEvent('room-e', 'fay', 0, true),
          feedEvent('room-e', 'gus', 0, true),
          feedEvent('room-e', 'hal', 0, true),
        ]);
        await feed.ack([applied[1]!.cursor!]);
        expect(strip(await feed.claim(0, 10))).toEqual(strip([applied[0]!, applied[2]!]));
        await feed.ack(applied.map((c) => c.cursor!));
        expect(await feed.claim(0, 10)).toEqual([]);
        const whole = await store.apply([feedEvent('room-e', 'fay', 1, false), feedEvent('room-e', 'gus', 1, false)]);
        await feed.ack(whole.map((c) => c.cursor!));
        expect(await feed.claim(0, 10)).toEqual([]);
      },
    },
    {
      name: 'a cursor older than the retention, or from another store, is feed_cursor_expired',
      run: async () => {
        const store = make({ namespace: 'expire', retainMs: 1 });
        const feed = store.feed!;
        const old = await feed.head();
        // Enough entries for the approximate trim (whole stream nodes) to drop some.
        for (let i = 0; i < 300; i++) await store.apply([feedEvent(`room-${i % 7}`, `u${i}`, 0, true)]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (let i = 0; i < 50; i++) await store.apply([feedEvent(`room-${i % 7}`, `v${i}`, 0, true)]);
        await expect(feed.read(old, { limit: 10, waitMs: 0 })).rejects.toMatchObject({
          name: 'ReceiverError',
          code: 'feed_cursor_expired',
        });
        await expect(feed.read('not-a-cursor', { limit: 10, waitMs: 0 })).rejects.toMatchObject({ code: 'feed_cursor_expired' });
      },
    },
  ];
}
