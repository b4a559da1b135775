import assert from 'node:assert/strict';
import type { Change, PresenceEvent, PresenceStore, UserChange, UserLevelOptions } from '@presence-webhooks/core/store';
import { isMemberChange } from '@presence-webhooks/core/store';
import fc from 'fast-check';
import { SUITE_CHANNELS, eventsArbitrary, simpleEvent } from './events.js';
import type { StoreConformanceCase, StoreConformanceOptions, StoreFactory } from './types.js';
import { freshNamespace, withStores } from './with-store.js';

/** The event as a receiver with user-level presence hands it over: the user id is the clientId (the default `users.id`). */
export function withUser(event: PresenceEvent): PresenceEvent {
  return { ...event, userId: event.member.clientId };
}

const DAY = 24 * 60 * 60 * 1000;

type UserStore = PresenceStore & Required<Pick<PresenceStore, 'users' | 'user' | 'userCount' | 'expireUsers'>>;

function usersOf(store: PresenceStore): UserStore {
  for (const name of ['users', 'user', 'userCount', 'expireUsers'] as const)
    if (typeof store[name] !== 'function') throw new TypeError(`the store does not implement ${name}(): the user-level cases need it`);
  return store as UserStore;
}

/** Open `count` handles on one fresh namespace, each checked to implement the user levels. */
function withUserStores<T>(
  open: (namespace: string) => PresenceStore | Promise<PresenceStore>,
  count: number,
  fn: (stores: [UserStore, UserStore]) => Promise<T>,
): Promise<T> {
  return withStores(open, count, (stores) => fn(stores.map(usersOf) as [UserStore, UserStore]));
}

function levels(now: number, graceMs = 0): UserLevelOptions {
  return { graceMs, lastSeenMs: 30 * DAY, now };
}

function isUserChange(change: Change): change is UserChange {
  return change.type.startsWith('user.');
}

/** What the user levels must be, computed from the final member set and the history (the in-order oracle). */
async function expectedUsers(store: PresenceStore, events: readonly PresenceEvent[]) {
  const byChannel = new Map<string, string[]>();
  const online = new Map<string, { channels: Set<string>; members: number }>();
  for (const channel of SUITE_CHANNELS) {
    const members = await store.members(channel);
    byChannel.set(channel, [...new Set(members.map((m) => m.clientId))].sort());
    for (const member of members) {
      const user = online.get(member.clientId) ?? { channels: new Set(), members: 0 };
      user.channels.add(channel);
      user.members++;
      online.set(member.clientId, user);
    }
  }
  // lastSeen of an offline user: the latest provider time among their leaves, whatever order they came in.
  const lastSeen = new Map<string, number>();
  for (const event of events) {
    if (event.present) continue;
    const held = lastSeen.get(event.member.clientId);
    if (held === undefined || event.order.ts > held) lastSeen.set(event.member.clientId, event.order.ts);
  }
  return { byChannel, online, lastSeen };
}

/** Each level's events alternate up, down, up ... and the level ends where the member set says. */
function checkAlternation(changes: readonly Change[]): string | undefined {
  const state = new Map<string, boolean>();
  for (const change of changes.filter(isUserChange)) {
    const key = change.type === 'user.join' || change.type === 'user.leave' ? `${change.userId}@${change.channel}` : change.userId;
    const up = change.type === 'user.join' || change.type === 'user.online';
    if ((state.get(key) ?? false) === up) return `${change.type} of ${key} does not alternate`;
    state.set(key, up);
  }
  return undefined;
}

/** The user-level cases of the suite: run by stores that implement `users`, `user`, `userCount` and `expireUsers`. */
export function userConformanceCases(factory: StoreFactory, options: StoreConformanceOptions = {}): StoreConformanceCase[] {
  const numRuns = options.numRuns ?? 40;
  const horizon = options.horizonMs ?? 10 * 60 * 1000;
  const fcParams = { numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  const open = (namespace: string) => factory({ tombstoneHorizonMs: horizon, namespace });

  return [
    {
      name: 'users: a join is followed by user.join then user.online; the last leave by user.leave then user.offline (lastSeen = the leave)',
      run: () =>
        withUserStores(open, 1, async ([store]) => {
          const now = Date.now();
          const enterA = withUser(simpleEvent(0, 1, 'enter'));
          const enterB = withUser(simpleEvent(1, 2, 'enter')); // alice again, another connection
          const got = await store.apply([enterA, enterB], { users: levels(now) });
          assert.deepStrictEqual(
            got.map((c) => c.type),
            ['join', 'user.join', 'user.online', 'join'],
          );
          const online = got[2];
          assert.ok(online?.type === 'user.online');
          assert.equal(online.userId, 'alice');
          assert.equal(online.at, enterA.order.ts);
          assert.equal(online.channel, enterA.channel);
          assert.deepStrictEqual(await store.users(enterA.channel), ['alice']);
          assert.equal(await store.userCount(), 1);
          assert.deepStrictEqual(await store.user('alice'), {
            userId: 'alice',
            online: true,
            channels: [enterA.channel],
            members: 2,
            since: enterA.order.ts,
          });
          const leaveB = withUser(simpleEvent(1, 4, 'leave'));
          const leaveA = withUser(simpleEvent(0, 3, 'leave'));
          assert.deepStrictEqual(
            (await store.apply([leaveB], { users: levels(now) })).map((c) => c.type),
            ['leave'],
          );
          const last = await store.apply([leaveA], { users: levels(now) });
          assert.deepStrictEqual(
            last.map((c) => c.type),
            ['leave', 'user.leave', 'user.offline'],
          );
          const offline = last[2];
          assert.ok(offline?.type === 'user.offline');
          assert.equal(offline.lastSeen, leaveB.order.ts, 'lastSeen is the latest leave, not the last to arrive');
          assert.equal(offline.at, offline.lastSeen);
          assert.deepStrictEqual(await store.user('alice'), {
            userId: 'alice',
            online: false,
            channels: [],
            members: 0,
            lastSeen: leaveB.order.ts,
          });
          assert.equal(await store.userCount(), 0);
          assert.deepStrictEqual(await store.users(enterA.channel), []);
        }),
    },
    {
      name: "users: a batch that moves a user from one channel to another answers the user-level changes in the order they were decided (a store taking the batch channel by channel answers the channels' changes in that order)",
      run: () =>
        withUserStores(open, 1, async ([store]) => {
          const now = Date.now();
          const all = await store.apply([withUser(simpleEvent(0, 1, 'enter'))], { users: levels(now) }); // alice (connA) in channel 0
          // One batch: bob enters channel 0, alice enters channel 1 on connB, then leaves channel 0 on connA. Taken in
          // input order alice never goes offline; taken channel by channel (0 first) she goes offline, then online.
          const batch = [
            withUser(simpleEvent(2, 2, 'enter')),
            withUser(simpleEvent(1, 3, 'enter', { channel: 1 })),
            withUser(simpleEvent(0, 4, 'leave')),
          ];
          all.push(...(await store.apply(batch, { users: levels(now) })));
          const problem = checkAlternation(all);
          assert.equal(problem, undefined, problem);
          const app = all
            .filter(isUserChange)
            .filter((c) => c.userId === 'alice' && (c.type === 'user.online' || c.type === 'user.offline'));
          assert.equal(app.at(-1)?.type, 'user.online', 'the last app-level change of alice says where she is: online');
          assert.equal((await store.user('alice'))?.online, true);
        }),
    },
    {
      name: 'users: levels equal the member set, and lastSeen the latest leave, under any order, batching and duplicates',
      run: () =>
        fc.assert(
          fc.asyncProperty(
            eventsArbitrary(50).chain((events) =>
              fc.record({
                order: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
                cuts: fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length }),
                again: fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length }),
              }),
            ),
            ({ order, cuts, again }) =>
              withUserStores(open, 1, async ([store]) => {
                const now = Date.now();
                const all: Change[] = [];
                let batch: PresenceEvent[] = [];
                for (const [i, event] of order.entries()) {
                  batch.push(withUser(event));
                  if (cuts[i] === true || i === order.length - 1) {
                    all.push(...(await store.apply(batch, { users: levels(now) })));
                    if (again[i] === true) assert.deepStrictEqual(await store.apply(batch, { users: levels(now) }), []);
                    batch = [];
                  }
                }
                const problem = checkAlternation(all);
                assert.equal(problem, undefined, problem);
                const expected = await expectedUsers(store, order);
                for (const [channel, users] of expected.byChannel) assert.deepStrictEqual(await store.users(channel), users, channel);
                assert.equal(await store.userCount(), expected.online.size);
                for (const userId of new Set(order.map((e) => e.member.clientId))) {
                  const user = await store.user(userId);
                  const online = expected.online.get(userId);
                  if (online !== undefined) {
                    assert.equal(user?.online, true, userId);
                    assert.deepStrictEqual(user.channels, [...online.channels].sort(), userId);
                    assert.equal(user.members, online.members, userId);
                  } else if (expected.lastSeen.has(userId)) {
                    assert.equal(user?.online, false, userId);
                    assert.equal(user.lastSeen, expected.lastSeen.get(userId), `${userId} lastSeen`);
                    assert.deepStrictEqual(user.channels, []);
                  }
                }
              }),
          ),
          fcParams,
        ),
    },
    {
      name: 'users: within graceMs a return emits nothing at the user levels; after it, expireUsers closes the level once (lastSeen kept)',
      run: () =>
        withUserStores(open, 1, async ([store]) => {
          const t0 = Date.now();
          const grace = 5000;
          const types = (changes: readonly Change[]) => changes.map((c) => c.type);
          assert.deepStrictEqual(types(await store.apply([withUser(simpleEvent(0, 1, 'enter'))], { users: levels(t0, grace) })), [
            'join',
            'user.join',
            'user.online',
          ]);
          // A reload: the leave, then a join on a new connection within the window.
          assert.deepStrictEqual(types(await store.apply([withUser(simpleEvent(0, 2, 'leave'))], { users: levels(t0 + 10, grace) })), [
            'leave',
          ]);
          assert.equal((await store.user('alice'))?.online, true, 'pending counts as online');
          assert.deepStrictEqual(await store.users(SUITE_CHANNELS[0] as string), ['alice']);
          assert.deepStrictEqual(types(await store.apply([withUser(simpleEvent(1, 3, 'enter'))], { users: levels(t0 + 20, grace) })), [
            'join',
          ]);
          assert.deepStrictEqual(await store.users(SUITE_CHANNELS[0] as string), ['alice'], 'back within the window: listed');
          assert.deepStrictEqual(await store.expireUsers({ ...levels(t0 + 10 + grace + 1, grace) }), [], 'the return cancelled the window');
          // A real leave: nothing until the window ends, then user.leave and user.offline, once.
          const leave = withUser(simpleEvent(1, 4, 'leave'));
          assert.deepStrictEqual(types(await store.apply([leave], { users: levels(t0 + 30, grace) })), ['leave']);
          assert.deepStrictEqual(await store.expireUsers(levels(t0 + 30 + grace - 1, grace)), []);
          assert.deepStrictEqual(await store.users(SUITE_CHANNELS[0] as string), ['alice'], 'pending: still listed');
          const closed = await store.expireUsers(levels(t0 + 30 + grace, grace));
          assert.deepStrictEqual(types(closed), ['user.leave', 'user.offline']);
          const offline = closed[1];
          assert.ok(offline?.type === 'user.offline');
          assert.equal(offline.lastSeen, leave.order.ts);
          assert.deepStrictEqual(await store.expireUsers(levels(t0 + 60 + grace, grace)), [], 'closed once');
          assert.deepStrictEqual(await store.users(SUITE_CHANNELS[0] as string), [], 'closed: no longer listed');
          assert.deepStrictEqual(await store.user('alice'), {
            userId: 'alice',
            online: false,
            channels: [],
            members: 0,
            lastSeen: leave.order.ts,
          });
          assert.equal(await store.userCount(), 0);
        }),
    },
    {
      name: 'users: bad user-level options (apply, expireUsers) and bad channel notices are refused with a TypeError and change nothing',
      run: () =>
        withUserStores(open, 1, async ([store]) => {
          const now = Date.now();
          const enter = withUser(simpleEvent(0, 1, 'enter'));
          const bad = (users: Record<string, unknown>) => ({ users: { ...levels(now, 0), ...users } as unknown as UserLevelOptions });
          for (const users of [
            { graceMs: -1 },
            { graceMs: Number.NaN },
            { lastSeenMs: 0 },
            { now: '1' },
            { now: Number.POSITIVE_INFINITY },
          ]) {
            await assert.rejects(store.apply([enter], bad(users)), TypeError, JSON.stringify(users));
            await assert.rejects(store.expireUsers(bad(users).users), TypeError, JSON.stringify(users));
          }
          await assert.rejects(store.apply([enter], { users: null as unknown as UserLevelOptions }), TypeError);
          const notice = { type: 'channel.active', provider: 'ably', channel: SUITE_CHANNELS[0], timestamp: now };
          for (const notices of [{}, [{ ...notice, type: 'join' }], [{ ...notice, timestamp: Number.NaN }], [{ ...notice, channel: 7 }]])
            await assert.rejects(store.apply([enter], { users: levels(now, 0), notices: notices as never }), TypeError);
          assert.deepStrictEqual(await store.members(SUITE_CHANNELS[0] as string), []);
          assert.equal(await store.user('alice'), undefined);
          assert.equal(await store.userCount(), 0);
        }),
    },
    {
      name: 'users: a grace window started through one handle is closed once through another (a fleet sharing the store)',
      run: async () => {
        const namespace = freshNamespace();
        await withUserStores(
          () => open(namespace),
          2,
          async ([a, b]) => {
            const t0 = Date.now();
            const grace = 1000;
            await a.apply([withUser(simpleEvent(2, 1, 'enter'))], { users: levels(t0, grace) });
            await a.apply([withUser(simpleEvent(2, 2, 'leave'))], { users: levels(t0 + 1, grace) });
            const [fromA, fromB] = await Promise.all([
              a.expireUsers(levels(t0 + 1 + grace, grace)),
              b.expireUsers(levels(t0 + 1 + grace, grace)),
            ]);
            const all = [...fromA, ...fromB].map((c) => `${c.type} ${c.userId}`);
            assert.deepStrictEqual(all.sort(), ['user.leave bob', 'user.offline bob']);
          },
        );
      },
    },
    {
      name: 'users: an offline user is forgotten lastSeenMs after going offline; members of no user are not counted',
      run: () =>
        withUserStores(open, 1, async ([store]) => {
          const t0 = Date.now();
          const opts = { graceMs: 0, lastSeenMs: 60_000, now: t0 };
          await store.apply([withUser(simpleEvent(3, 1, 'enter')), simpleEvent(4, 1, 'enter')], { users: opts });
          assert.equal(await store.userCount(), 1, 'the event without a userId is tracked under no user');
          await store.apply([withUser(simpleEvent(3, 2, 'leave'))], { users: opts });
          assert.equal((await store.user('\u{1F600}zo\u00eb'))?.online, false);
          await store.expireUsers({ ...opts, now: t0 + 59_000 });
          assert.notEqual(await store.user('\u{1F600}zo\u00eb'), undefined, 'kept within lastSeenMs');
          await store.expireUsers({ ...opts, now: t0 + 60_001 });
          assert.equal(await store.user('\u{1F600}zo\u00eb'), undefined, 'forgotten after lastSeenMs');
        }),
    },
    {
      name: 'users: the user id recorded at the join is the one a leave ends (a leave that names another id changes no level)',
      run: () =>
        withUserStores(open, 1, async ([store]) => {
          const now = Date.now();
          const enter = { ...simpleEvent(0, 1, 'enter'), userId: 'user-42' };
          await store.apply([enter], { users: levels(now) });
          const leave = { ...simpleEvent(0, 2, 'leave'), userId: 'someone-else' };
          const changes = await store.apply([leave], { users: levels(now) });
          assert.deepStrictEqual(
            changes.filter((c) => !isMemberChange(c)).map((c) => `${c.type} ${(c as UserChange).userId}`),
            ['user.leave user-42', 'user.offline user-42'],
          );
        }),
    },
  ];
}
