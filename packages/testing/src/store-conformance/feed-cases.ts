import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Change, ChangeFeed, ChannelChange, PresenceStore } from '@presence-webhooks/core/store';
import fc from 'fast-check';
import { SUITE_CHANNELS, eventsArbitrary, simpleEvent } from './events.js';
import type { StoreConformanceCase, StoreConformanceOptions, StoreFactory } from './types.js';
import { withUser } from './user-cases.js';
import { freshNamespace, withStores } from './with-store.js';

type FeedStore = PresenceStore & { feed: ChangeFeed };

function feedOf(store: PresenceStore): FeedStore {
  if (store.feed === undefined) throw new TypeError('the store has no feed: the change-feed cases need it');
  return store as FeedStore;
}

/** Read everything after `cursor` (pages of `limit`), without waiting. */
async function readAll(feed: ChangeFeed, cursor: string, limit = 7): Promise<Change[]> {
  const out: Change[] = [];
  for (;;) {
    const page = await feed.read(cursor, { limit, waitMs: 0 });
    out.push(...page);
    if (page.length < limit) return out;
    cursor = page[page.length - 1]?.cursor as string;
  }
}

function notice(type: ChannelChange['type'], channel: string): ChannelChange {
  return { type, provider: 'ably', channel, timestamp: Date.now() - 1000 };
}

/** The change-feed cases of the suite: run by stores that have `feed`. */
export function feedConformanceCases(factory: StoreFactory, options: StoreConformanceOptions = {}): StoreConformanceCase[] {
  const numRuns = Math.max(1, Math.floor((options.numRuns ?? 40) / 2));
  const horizon = options.horizonMs ?? 10 * 60 * 1000;
  const fcParams = { numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  const open = (namespace: string) => factory({ tombstoneHorizonMs: horizon, namespace });
  const withFeed = <T>(count: number, fn: (stores: FeedStore[]) => Promise<T>) =>
    withStores(open, count, (stores) => fn(stores.map(feedOf)));
  /** Two handles on one state (two instances of a fleet), each with a feed. */
  const withFleet = (fn: (a: FeedStore, b: FeedStore) => Promise<void>) => {
    const namespace = freshNamespace();
    return withStores(
      () => open(namespace),
      2,
      ([a, b]) => fn(feedOf(a as PresenceStore), feedOf(b as PresenceStore)),
    );
  };

  return [
    {
      name: 'feed: every committed change once, in commit order, with distinct cursors; resumed after any cursor with no gap and no duplicate',
      run: () =>
        fc.assert(
          fc.asyncProperty(eventsArbitrary(30), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (events, cuts) =>
            withFeed(1, async ([store]) => {
              const s = store as FeedStore;
              const start = await s.feed.head();
              const committed: Change[] = [];
              let batch = [];
              for (const [i, event] of events.entries()) {
                batch.push(withUser(event));
                if (cuts[i] === true || i === events.length - 1) {
                  const users = { graceMs: 0, lastSeenMs: 60_000, now: Date.now() };
                  committed.push(...(await s.apply(batch, { users })));
                  batch = [];
                }
              }
              const cursors = committed.map((c) => c.cursor);
              assert.ok(
                cursors.every((c) => typeof c === 'string'),
                'apply answers each change with its cursor',
              );
              assert.equal(new Set(cursors).size, cursors.length, 'cursors are distinct');
              assert.deepStrictEqual(await readAll(s.feed, start), committed);
              for (let i = 0; i < committed.length; i += Math.max(1, Math.floor(committed.length / 5))) {
                assert.deepStrictEqual(await readAll(s.feed, cursors[i] as string), committed.slice(i + 1), `resumed after change ${i}`);
              }
              assert.deepStrictEqual(await s.feed.read(await s.feed.head(), { limit: 10, waitMs: 0 }), [], 'nothing after head');
            }),
          ),
          fcParams,
        ),
    },
    {
      name: 'feed: another handle on the same state reads what one committed; a waiting read wakes for it; grace closes are in the feed',
      run: () =>
        withFleet(async (fa, fb) => {
          const cursor = await fb.feed.head();
          const waiting = fb.feed.read(cursor, { limit: 10, waitMs: 10_000 });
          await sleep(20);
          const now = Date.now();
          const committed = await fa.apply([withUser(simpleEvent(0, 1, 'enter')), withUser(simpleEvent(0, 2, 'leave'))], {
            users: { graceMs: 100, lastSeenMs: 60_000, now },
          });
          const first = await waiting;
          assert.ok(first.length >= 1, 'the waiting read woke');
          const closed = await fa.expireUsers?.({ graceMs: 100, lastSeenMs: 60_000, now: now + 100 });
          assert.deepStrictEqual(
            closed?.map((c) => c.type),
            ['user.leave', 'user.offline'],
          );
          assert.deepStrictEqual(await readAll(fb.feed, cursor), [...committed, ...(closed ?? [])]);
        }),
    },
    {
      name: 'feed: notices go in with their batch (channel.active before its changes, channel.inactive after)',
      run: () =>
        withFeed(1, async ([store]) => {
          const s = store as FeedStore;
          const start = await s.feed.head();
          const channel = SUITE_CHANNELS[0] as string;
          const got = await s.apply([simpleEvent(0, 1, 'enter')], {
            notices: [notice('channel.inactive', 'other'), notice('channel.active', channel)],
          });
          assert.deepStrictEqual(
            got.map((c) => c.type),
            ['channel.active', 'join', 'channel.inactive'],
          );
          const alone = await s.apply([], { notices: [notice('channel.inactive', channel)] });
          assert.deepStrictEqual(
            alone.map((c) => c.type),
            ['channel.inactive'],
          );
          assert.deepStrictEqual(await readAll(s.feed, start), [...got, ...alone]);
        }),
    },
    {
      name: 'feed: emit once — unacknowledged changes are claimed by one caller at a time, acknowledged ones never',
      run: () =>
        withFleet(async (fa, fb) => {
          const acked = await fa.apply([simpleEvent(0, 1, 'enter'), simpleEvent(1, 1, 'enter')]);
          await fa.feed.ack(acked.map((c) => c.cursor as string));
          const lost = await fa.apply([simpleEvent(2, 1, 'enter')]); // the applying instance "died" before emitting
          await sleep(30);
          const [ca, cb] = await Promise.all([fa.feed.claim(20, 100), fb.feed.claim(20, 100)]);
          assert.deepStrictEqual([...ca, ...cb], lost, 'claimed once, by one caller');
          assert.deepStrictEqual(await fb.feed.claim(60_000, 100), [], 'a claimed change is not claimed again at once');
          await fb.feed.ack(lost.map((c) => c.cursor as string));
          await sleep(30);
          assert.deepStrictEqual(await fa.feed.claim(1, 100), [], 'acknowledged: never claimed');
        }),
    },
    {
      name: 'feed: a cursor older than the retention throws feed_cursor_expired',
      run: () =>
        withStores(
          (namespace) => factory({ tombstoneHorizonMs: horizon, namespace, feedRetainMs: 50 }),
          1,
          async ([store]) => {
            const s = feedOf(store as PresenceStore);
            const [first] = await s.apply([simpleEvent(0, 1, 'enter')]);
            await sleep(120);
            await s.apply([simpleEvent(1, 1, 'enter')]);
            await sleep(120);
            await s.apply([simpleEvent(2, 1, 'enter')]);
            await assert.rejects(s.feed.read(first?.cursor as string, { limit: 10, waitMs: 0 }), (error: Error & { code?: string }) => {
              assert.equal(error.code, 'feed_cursor_expired');
              return true;
            });
          },
        ),
    },
  ];
}
