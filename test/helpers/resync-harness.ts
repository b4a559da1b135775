import type {
  DriftEvent,
  JoinEvent,
  LeaveEvent,
  Member,
  PresenceEventMap,
  PresenceEventName,
  PresenceStore,
  Receiver,
  ReceiverOptions,
  UpdateEvent,
} from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import type { TruthMember } from '@presence-webhooks/testing/builders';
import { afterEach, expect } from 'vitest';
import { postTo, startExpress } from './express-server.js';

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
export function nextEvent<K extends PresenceEventName>(
  receiver: Receiver,
  name: K,
  test: (event: PresenceEventMap[K]) => boolean = () => true,
): Promise<void> {
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
  return [...(folded.get(channel)?.values() ?? [])].sort((a, b) =>
    a.clientId !== b.clientId
      ? a.clientId < b.clientId
        ? -1
        : 1
      : (a.connectionId ?? '') < (b.connectionId ?? '')
        ? -1
        : (a.connectionId ?? '') > (b.connectionId ?? '')
          ? 1
          : 0,
  );
}

export function memberKeys(members: readonly { clientId: string; connectionId?: string }[]): Set<string> {
  return new Set(members.map(key));
}

/** Cleanups to run after each test of the file, the last registered first. */
export function cleanupAfterEach(): (() => Promise<void>)[] {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

export interface Rig<F> {
  receiver: Receiver;
  recorded: Recorded;
  fake: F;
  /** POST a built webhook request over real HTTP; expects 200. */
  post: (request: { headers: Record<string, string>; body: Uint8Array }) => Promise<void>;
}

/** A receiver with its events recorded, behind a real Express server; it, the server and `fake` are closed after the test. */
export async function startRig<F extends { close(): Promise<void> }>(
  fake: F,
  options: ReceiverOptions,
  cleanups: (() => Promise<void>)[],
): Promise<Rig<F>> {
  const receiver = createReceiver(options);
  const recorded = record(receiver);
  const server = await startExpress(receiver);
  cleanups.push(
    () => fake.close(),
    () => server.close(),
    () => receiver.close(),
  );
  const post = async (request: { headers: Record<string, string>; body: Uint8Array }) => {
    expect((await postTo(server.url, request)).status).toBe(200);
  };
  return { receiver, recorded, fake, post };
}

/** The store a receiver without resync ends with after `requests`: what lost deliveries leave behind. */
export async function unrepairedStore(
  options: ReceiverOptions,
  requests: Iterable<{ headers: Record<string, string>; body: Uint8Array }>,
): Promise<PresenceStore> {
  const receiver = createReceiver(options);
  for (const request of requests) await receiver.handle({ method: 'POST', headers: request.headers, body: request.body });
  await receiver.idle();
  return receiver.store;
}

/** The channels whose stored count differs from the truth's: those a reported figure shows drifting. */
export async function driftingChannels(
  store: PresenceStore,
  truth: ReadonlyMap<string, readonly TruthMember[]>,
  channels: readonly string[],
): Promise<Set<string>> {
  const drifting = new Set<string>();
  for (const channel of channels) if ((await store.occupancy(channel)) !== (truth.get(channel)?.length ?? 0)) drifting.add(channel);
  expect(drifting.size, 'the lost deliveries make some channel drift').toBeGreaterThan(0);
  return drifting;
}
