import { describe, expect, it } from 'vitest';
import type { Member, PresenceChange, PresenceEvent } from '../events.js';
import { isMemberChange } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import { hereNowEvent } from '../providers/pubnub/rest/here-now.js';
import { repairEvents, RESYNC_LEAVE_RANK, visibleChanges } from './repair.js';
import type { Snapshot } from '../providers/snapshot.js';

const S = 1_800_000_000_000;

function ablyMember(clientId: string, connectionId: string, serial: number, ts: number, data?: unknown): PresenceEvent {
  const member: Member = { clientId, connectionId, timestamp: ts };
  if (data !== undefined) member.data = data;
  return {
    provider: 'ably',
    channel: 'c',
    memberKey: `${connectionId}:${clientId}`,
    present: true,
    member,
    order: { ts, serial, index: 0, rank: 0, id: `${connectionId}:${serial}:0` },
  };
}

function snapshot(events: PresenceEvent[], provider: 'ably' | 'pubnub' = 'ably', complete = true): Snapshot {
  return { provider, channel: 'c', time: S, events, complete, problems: [] };
}

describe('repairEvents', () => {
  it('lists the snapshot members and a resync leave for each older stored member of the provider it does not list', () => {
    const a = ablyMember('a', 'c1', 3, S - 100);
    const stored: Member[] = [
      { clientId: 'a', connectionId: 'c1', timestamp: S - 100 },
      { clientId: 'b', connectionId: 'c2', timestamp: S - 50, data: { x: 1 } },
      { clientId: 'n', connectionId: 'c3', timestamp: S + 5 }, // newer than the snapshot: kept
      { clientId: 'p' }, // a PubNub member: not Ably's to judge
    ].map((m) => ({ timestamp: S - 1, ...m }));
    const events = repairEvents(snapshot([a]), stored);
    expect(events[0]).toBe(a);
    expect(events.slice(1)).toEqual([
      {
        provider: 'ably',
        channel: 'c',
        memberKey: 'c2:b',
        present: false,
        reason: 'resync',
        member: { clientId: 'b', connectionId: 'c2', timestamp: S, data: { x: 1 } },
        order: { ts: S, serial: -1, index: -1, rank: RESYNC_LEAVE_RANK, id: `resync:${S}:c2:b` },
      },
    ]);
  });

  it('infers no leave from an incomplete snapshot', () => {
    expect(repairEvents(snapshot([], 'pubnub', false), [{ clientId: 'u', timestamp: 1 }])).toEqual([]);
    expect(repairEvents(snapshot([], 'pubnub', true), [{ clientId: 'u', timestamp: 1 }])).toHaveLength(1);
  });

  it('through the merge: idempotent, newer events win, and a resync leave loses a tie', async () => {
    const store = new MemoryStore();
    await store.apply([ablyMember('a', 'c1', 1, S - 10), ablyMember('b', 'c2', 1, S - 10), ablyMember('t', 'c4', 1, S)]);
    const snap = snapshot([ablyMember('a', 'c1', 1, S - 10), ablyMember('z', 'c9', 7, S - 5, 'zed')]);
    const repair = repairEvents(snap, await store.members('c'));
    const changes = (await store.apply(repair)).filter(isMemberChange);
    expect(changes.map((c) => [c.type, c.member.clientId])).toEqual([
      ['join', 'z'],
      ['leave', 'b'],
    ]);
    expect(await store.apply(repair)).toEqual([]);
    // A real enter at exactly the snapshot time beats a resync leave of the same time.
    const tie = repairEvents(snapshot([]), [{ clientId: 't', connectionId: 'c4', timestamp: S - 1 }]);
    expect(await store.apply(tie)).toEqual([]);
    expect((await store.members('c')).map((m) => m.clientId)).toEqual(['a', 't', 'z']);
  });
});

describe('visibleChanges', () => {
  it('drops an update that restates the stored data (a PubNub snapshot member) and keeps real changes', async () => {
    const store = new MemoryStore();
    const join: PresenceEvent = { ...hereNowEvent('c', 'u1', { mood: 'ok' }, S - 5000) };
    await store.apply([join, hereNowEvent('c', 'u2', 'x', S - 5000)]);
    const changes: PresenceChange[] = (
      await store.apply([hereNowEvent('c', 'u1', { mood: 'ok' }, S), hereNowEvent('c', 'u2', 'y', S)])
    ).filter(isMemberChange);
    expect(changes).toHaveLength(2);
    expect(visibleChanges(changes).map((c) => c.member.clientId)).toEqual(['u2']);
  });
});
