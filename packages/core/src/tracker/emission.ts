import type { ChannelEvent, Change, DriftEvent, PresenceEventMap, ReconcileEvent } from '../events.js';
import { changeToEvent } from '../events.js';
import type { TypedEmitter } from '../emitter.js';

/** An event that is emitted as it is, not merged: a channel event, a drift or a reconcile progress. */
export type LocalEvent = ChannelEvent | { name: 'drift'; payload: DriftEvent } | { name: 'reconcile'; payload: ReconcileEvent };

/**
 * Dispatch committed changes (in commit order), then local events, to the emitter's handlers. Handler
 * failures are gathered into `failures`; async handlers' promises into `pending` (already caught).
 * `channel.active` events not in the changes (a store without a feed) go first, as they always did.
 */
export function dispatchAll(
  emitter: TypedEmitter,
  changes: readonly Change[],
  events: readonly LocalEvent[],
  failures: unknown[],
  pending: Promise<void>[],
): void {
  for (const event of events) if (event.name === 'channel.active') emitter.dispatch(event.name, event.payload, failures, pending);
  for (const change of changes) {
    if (!emitter.has(change.type)) continue;
    const { name, payload } = changeToEvent(change);
    emitter.dispatch(name, payload as PresenceEventMap[typeof name], failures, pending);
  }
  for (const event of events) if (event.name !== 'channel.active') emitter.dispatch(event.name, event.payload as never, failures, pending);
}
