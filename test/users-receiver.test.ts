// People, not connections, through a real receiver over real HTTP (Express, MemoryStore): user-level events,
// the grace window, lastSeen, receiver.users and the read endpoint's user routes.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import type { PresenceEventMap, Receiver } from '@presence-webhooks/core';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, type RawAblyPresence } from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it } from 'vitest';
import { postTo, startExpress, type RunningServer } from './helpers/express-server.js';

const KEY = 'usersApp.usersKey:usersSecretForTests1234';
const T0 = Date.now() - 60_000; // a minute ago: realistic provider times

function presence(clientId: string, connectionId: string, serial: number, action: number, at: number): RawAblyPresence {
  return { id: `${connectionId}:${serial}:0`, clientId, connectionId, action, timestamp: at };
}

type Seen = { name: string; event: Record<string, unknown> };
const USER_EVENTS = ['user.online', 'user.offline', 'user.join', 'user.leave'] as const;

function record(receiver: Receiver): Seen[] {
  const seen: Seen[] = [];
  for (const name of [...USER_EVENTS, 'join', 'leave'] as const)
    receiver.on(
      name,
      (event: PresenceEventMap[typeof name]) => void seen.push({ name, event: event as unknown as Record<string, unknown> }),
    );
  return seen;
}

const open: { receiver: Receiver; server: RunningServer }[] = [];
afterEach(async () => {
  for (const { receiver, server } of open.splice(0)) {
    await server.close();
    await receiver.close();
  }
});

async function start(users?: {
  graceMs?: number;
}): Promise<{ receiver: Receiver; server: RunningServer; send(channel: string, ...p: RawAblyPresence[]): Promise<void> }> {
  const receiver = createReceiver({ ably: { keys: [KEY] }, store: new MemoryStore(), readEndpoint: true, ...(users ? { users } : {}) });
  const server = await startExpress(receiver);
  open.push({ receiver, server });
  return {
    receiver,
    server,
    async send(channel, ...items) {
      const answer = await postTo(server.url, ablyBatchRequest([ablyPresenceItem(channel, items)], { key: KEY }));
      expect(answer.status).toBe(200);
      await receiver.idle();
    },
  };
}

describe('user-level presence through a receiver (Express, MemoryStore)', () => {
  it('two tabs in two rooms are one user: user.join per room, user.online once, user.offline with the latest leave as lastSeen', async () => {
    const { receiver, server, send } = await start();
    const seen = record(receiver);
    await send('room-1', presence('alice', 'tab-a', 1, ABLY_ACTION.enter, T0));
    await send('room-2', presence('alice', 'tab-b', 1, ABLY_ACTION.enter, T0 + 10));
    expect(seen.filter((s) => s.name.startsWith('user.')).map((s) => `${s.name} ${String(s.event.channel ?? '')}`)).toEqual([
      'user.join room-1',
      'user.online room-1',
      'user.join room-2',
    ]);
    expect(await receiver.users.get('alice')).toEqual({
      userId: 'alice',
      online: true,
      channels: ['room-1', 'room-2'],
      members: 2,
      since: T0,
    });
    expect(await receiver.users.count()).toBe(1);
    expect(await receiver.store.users?.('room-2')).toEqual(['alice']);

    const read = await postTo(`${server.url}/users/alice`, { headers: {}, body: new Uint8Array() }, 'GET');
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ userId: 'alice', online: true, members: 2 });
    const roomUsers = await postTo(`${server.url}/channels/room-1/users`, { headers: {}, body: new Uint8Array() }, 'GET');
    expect(roomUsers.json).toEqual({ channel: 'room-1', users: ['alice'] });

    // The later leave arrives first: lastSeen is still the latest leave.
    await send('room-2', presence('alice', 'tab-b', 2, ABLY_ACTION.leave, T0 + 500));
    await send('room-1', presence('alice', 'tab-a', 2, ABLY_ACTION.leave, T0 + 300));
    const offline = seen.find((s) => s.name === 'user.offline');
    expect(offline?.event).toEqual({ userId: 'alice', at: T0 + 500, lastSeen: T0 + 500 });
    expect(await receiver.users.get('alice')).toEqual({ userId: 'alice', online: false, channels: [], members: 0, lastSeen: T0 + 500 });
    expect(await receiver.users.count()).toBe(0);
    const missing = await postTo(`${server.url}/users/nobody`, { headers: {}, body: new Uint8Array() }, 'GET');
    expect(missing.status).toBe(404);
  });

  it('a reload within graceMs emits no user-level event (member join/leave still fire); a real leave only after graceMs', async () => {
    const { receiver, send } = await start({ graceMs: 1500 });
    const seen = record(receiver);
    await send('room-1', presence('bob', 'tab-1', 1, ABLY_ACTION.enter, T0));
    // The reload: the old tab leaves, a new connection enters.
    await send('room-1', presence('bob', 'tab-1', 2, ABLY_ACTION.leave, T0 + 1000));
    await send('room-1', presence('bob', 'tab-2', 1, ABLY_ACTION.enter, T0 + 1200));
    expect(seen.map((s) => s.name)).toEqual(['join', 'user.join', 'user.online', 'leave', 'join']);
    expect((await receiver.users.get('bob'))?.online).toBe(true);

    // A real leave: the member leave at once, the user levels only once the window ended.
    const offline = new Promise<PresenceEventMap['user.offline']>((resolve) => receiver.on('user.offline', resolve));
    await send('room-1', presence('bob', 'tab-2', 2, ABLY_ACTION.leave, T0 + 2000));
    expect(seen.map((s) => s.name).slice(-1)).toEqual(['leave']);
    expect(await receiver.users.get('bob')).toMatchObject({ online: true, members: 0, lastSeen: T0 + 2000 });
    expect((await offline).lastSeen).toBe(T0 + 2000);
    expect(seen.map((s) => s.name).slice(-3)).toEqual(['leave', 'user.leave', 'user.offline']);
    expect(receiver.stats().userEvents).toEqual({ 'user.online': 1, 'user.offline': 1, 'user.join': 1, 'user.leave': 1 });
  });

  it('users: false turns the user levels off; users.id maps members of several providers to one user', async () => {
    const off = createReceiver({ ably: { keys: [KEY] }, users: false });
    const seen = record(off);
    const server = await startExpress(off);
    open.push({ receiver: off, server });
    await postTo(server.url, ablyBatchRequest([ablyPresenceItem('r', [presence('carol', 'c1', 1, ABLY_ACTION.enter, T0)])], { key: KEY }));
    await off.idle();
    expect(seen.map((s) => s.name)).toEqual(['join']);
    await expect(off.users.get('carol')).rejects.toThrow(/user levels are off/);

    const mapped = createReceiver({ ably: { keys: [KEY] }, users: { id: (member) => member.clientId.split('#')[0] as string } });
    const seen2 = record(mapped);
    const server2 = await startExpress(mapped);
    open.push({ receiver: mapped, server: server2 });
    await postTo(
      server2.url,
      ablyBatchRequest(
        [
          ablyPresenceItem('r', [
            presence('dave#phone', 'p1', 1, ABLY_ACTION.enter, T0),
            presence('dave#laptop', 'l1', 1, ABLY_ACTION.enter, T0 + 1),
          ]),
        ],
        {
          key: KEY,
        },
      ),
    );
    await mapped.idle();
    expect(seen2.filter((s) => s.name === 'user.online').map((s) => s.event.userId)).toEqual(['dave']);
    expect((await mapped.users.get('dave'))?.members).toBe(2);
  });
});
