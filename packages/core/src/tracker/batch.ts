import type { Change, Member } from '../events.js';
import { isMemberChange } from '../events.js';
import { PartialApplyError } from '../store.js';
import type { Delivery } from './delivery.js';
import { byChannel, mergeEach, storeUnavailable } from './delivery.js';

/** Presence events one batch gives the store in one call at most (a Redis script of about 10-20 ms). */
export const BATCH_EVENTS = 1024;
/** Deliveries in one batch at most. */
export const BATCH_DELIVERIES = 256;

/** A delivery that only merges presence events (no channel event to emit or write): it can share a store call. */
export function plain(delivery: Delivery): boolean {
  return delivery.channel.length === 0 && delivery.presence.length < BATCH_EVENTS;
}

/**
 * Deliveries that waited in the queue behind the same job, merged when their turn comes as one store call
 * (an asynchronous store: one round trip for all of them instead of one each), then counted delivery by
 * delivery and emitted in the order the store committed them (see DeliveryMerger.merge). Only plain deliveries of the same attempts join, and only while
 * nothing else was queued after the batch, so the queue's order is kept. Each delivery's promise settles
 * with its own outcome: a delivery whose channels all committed resolves even when another one is lost.
 */
export class Batch {
  readonly deliveries: Delivery[] = [];
  private readonly outcomes: { resolve(): void; reject(error: unknown): void }[] = [];
  private events = 0;
  private started = false;
  /** Per delivery, what is left to merge: the delivery, or after a store failure the channels that failed. */
  left: Delivery[][] = [];
  /** Nothing merged yet: the deliveries are tried as one call (again, after the store was unavailable). */
  whole = true;

  constructor(readonly attempts: number | undefined) {}

  /** The delivery can join: not started, the same attempts, within the bounds. */
  takes(delivery: Delivery, attempts: number | undefined): boolean {
    return (
      !this.started &&
      attempts === this.attempts &&
      this.deliveries.length < BATCH_DELIVERIES &&
      this.events + delivery.presence.length <= BATCH_EVENTS
    );
  }

  /** Join; the promise settles with this delivery's outcome. */
  add(delivery: Delivery): Promise<void> {
    this.deliveries.push(delivery);
    this.events += delivery.presence.length;
    return new Promise<void>((resolve, reject) => this.outcomes.push({ resolve, reject }));
  }

  /** Its turn came: nothing joins any more. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.left = this.deliveries.map((delivery) => [delivery]);
  }

  /** The queue job settled (`failed` after its last attempt, with `error`): each delivery with channels left is lost. */
  settle(failed: boolean, error: unknown, lost: (delivery: Delivery, left: readonly Delivery[]) => void): void {
    let thrown: { error: unknown } | undefined;
    this.deliveries.forEach((delivery, i) => {
      const left = this.left[i] ?? [];
      const outcome = this.outcomes[i] as Batch['outcomes'][number];
      if (!failed || left.length === 0) return outcome.resolve();
      try {
        lost(delivery, left);
      } catch (hookError) {
        thrown ??= { error: hookError }; // every delivery is settled first
      }
      outcome.reject(error);
    });
    if (thrown !== undefined) throw thrown.error;
  }
}

/** How a batch is merged: deliveries (all of the batch, or one, or part of one) in one store call. */
export interface BatchSteps {
  merge(deliveries: readonly Delivery[]): Promise<void>;
  /** A call failed and what it held was then merged in smaller calls: nothing lost, but told. */
  recovered(cause: unknown): void;
}

/**
 * One attempt at a batch. While whole it is one store call; when the store committed some channels
 * (PartialApplyError) the rest are left per delivery; when it refused the call for another reason than
 * being unavailable, each delivery is merged alone (mergeEach: by channel if need be). Throws when
 * something is left for the next attempt.
 */
export async function mergeBatch(batch: Batch, steps: BatchSteps): Promise<void> {
  let cause: unknown;
  if (batch.whole && batch.deliveries.length > 1) {
    try {
      await steps.merge(batch.deliveries);
      batch.left = [];
      return;
    } catch (error) {
      if (storeUnavailable(error)) throw error;
      batch.whole = false;
      if (error instanceof PartialApplyError) {
        const failed = new Set(error.channels);
        batch.left = batch.deliveries.map((delivery) => byChannel(delivery, failed));
        throw error;
      }
      cause = error;
    }
  }
  batch.whole = false;
  let failed = false; // not the cause: a store may reject with undefined
  let failedWith: unknown;
  for (let i = 0; i < batch.left.length; i++) {
    const parts = batch.left[i] as Delivery[];
    if (parts.length === 0) continue;
    const merged = await mergeEach(parts, (part) => steps.merge([part]));
    batch.left[i] = merged.failed;
    if (merged.failed.length > 0 && !failed) [failed, failedWith] = [true, merged.cause];
    else cause ??= merged.cause;
  }
  if (failed) throw failedWith;
  if (cause !== undefined) steps.recovered(cause);
}

/**
 * A batch's committed changes, per delivery, for its counts and resync notes (the batch is emitted as the store
 * committed it): a member change goes with the delivery whose event it is (every store answers the event's own
 * member object), and a user-level change with the member change before it (the one that caused it); what comes
 * before any member change goes with the last delivery.
 */
export function changesByDelivery(deliveries: readonly Delivery[], changes: readonly Change[]): Change[][] {
  if (deliveries.length === 0) return [];
  const owner = new Map<Member, number>();
  deliveries.forEach((delivery, i) => {
    for (const event of delivery.presence) owner.set(event.member, i);
  });
  const parts = deliveries.map((): Change[] => []);
  let current = deliveries.length - 1;
  for (const change of changes) {
    if (isMemberChange(change)) current = owner.get(change.member) ?? current;
    (parts[current] as Change[]).push(change);
  }
  return parts;
}
