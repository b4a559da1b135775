import type { DriftEvent, JoinEvent, LeaveEvent, Member, PresenceEventMap, PresenceEventName, PresenceStore, Receiver, UpdateEvent } from '@presence-webhooks/core';
import type { TruthMember } from '@presence-webhooks/testing';

/** Every event a receiver emitted, in emission order. */
export interface Recorded {
  presence: { name: 'join' | 'update' | 'leave'; payload: JoinEvent | UpdateEvent | LeaveEvent }[];
  drift: DriftEvent[];
  errors: Error[];
}

export function record(receiver: Receiver): Recorded {
  const recorded: Recorded = { presence: [], drift: [], errors: [] };
  for (const name of ['join', 'update', 'leave'] as const) receiver.on(name, (payload) => void recorded.presence.push({ name, payload }));
  receiver.on('drift', (event) => void recorded.drift.push(event));
  receiver.onError((error) => void recorded.errors.push(error));
  return recorded;
}

/** Resolves with the first event of `name` that satisfies `test`. */
export function nextEvent<K extends PresenceEventName>(receiver: Receiver, name: K, test: (event: PresenceEventMap[K]) => boolean = () => true): Promise<void> {
  return new Promise((resolve) => {
    const off = receiver.on(name, (event) => {
      if (!test(event)) return;
      off();
      resolve();
    });
  });
}

/** Resolves once a drift event has been emitted for each of `channels`. */
export function driftFor(receiver: Receiver, channels: Iterable<string>): Promise<void> {
  const waiting = new Set(channels);
  if (waiting.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const off = receiver.on('drift', (event) => {
      waiting.delete(event.channel);
      if (waiting.size > 0) return;
      off();
      resolve();
    });
  });
}

function key(m: { clientId: string; connectionId?: string }): string {
  return m.connectionId === undefined ? m.clientId : `${m.connectionId}:${m.clientId}`;
}

/** A member as the truth describes it: identity and data only. */
export function plain(m: Member | TruthMember): TruthMember {
  const out: TruthMember = { clientId: m.clientId };
  if (m.connectionId !== undefined) out.connectionId = m.connectionId;
  if (m.data !== undefined) out.data = m.data;
  return out;
}

export async function storedSet(store: PresenceStore, channel: string): Promise<TruthMember[]> {
  return (await store.members(channel)).map(plain);
}

/** Replay the emitted join / update / leave events: the set an application listening to them holds. */
export function foldEvents(recorded: Recorded): Map<string, Map<string, TruthMember>> {
  const sets = new Map<string, Map<string, TruthMember>>();
  for (const { name, payload } of recorded.presence) {
    let set = sets.get(payload.channel);
    if (set === undefined) sets.set(payload.channel, (set = new Map()));
    if (name === 'leave') set.delete(key(payload.member));
    else set.set(key(payload.member), plain(payload.member));
  }
  return sets;
}

/** The folded set of a channel, sorted as stores sort. */
export function foldedSet(folded: Map<string, Map<string, TruthMember>>, channel: string): TruthMember[] {
  return [...(folded.get(channel)?.values() ?? [])].sort((a, b) => (a.clientId !== b.clientId ? (a.clientId < b.clientId ? -1 : 1) : (a.connectionId ?? '') < (b.connectionId ?? '') ? -1 : (a.connectionId ?? '') > (b.connectionId ?? '') ? 1 : 0));
}

export function memberKeys(members: readonly { clientId: string; connectionId?: string }[]): Set<string> {
  return new Set(members.map(key));
}
