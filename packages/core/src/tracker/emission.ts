import type { ChannelEvent, Change, DriftEvent, ReconcileEvent } from '../events.js';
import type { TypedEmitter } from '../emitter.js';
import { HandlerError } from '../errors.js';
import type { FleetEmission } from './fleet-emission.js';

/** An event that is emitted as it is, not merged: a channel event, a drift or a reconcile progress. */
export type LocalEvent = ChannelEvent | { name: 'drift'; payload: DriftEvent } | { name: 'reconcile'; payload: ReconcileEvent };

/** Where the emission sends what it cannot deliver itself. */
export interface EmissionPort {
  emitter: TypedEmitter;
  report(error: Error): void;
}

/**
 * The emission of committed changes and local events: handler failures go to onError as one HandlerError;
 * the changes this instance applied (`own`) are then acknowledged to the fleet. Under emit 'everywhere' an
 * instance leaves the changes it applied to its feed reader (which emits every change, its own included).
 */
export class Emission {
  constructor(
    private readonly port: EmissionPort,
    private readonly fleet: FleetEmission | undefined,
    /** The store wrote the changes this instance applies acknowledged (`ApplyOptions.emitted`): nothing to acknowledge. */
    private readonly storeAcknowledges = false,
  ) {}

  async emit(changes: readonly Change[], events: readonly LocalEvent[], own: readonly Change[] | false = changes): Promise<void> {
    const emission = this.dispatch(changes, events, own);
    if (emission.pending.length > 0) await Promise.all(emission.pending);
    emission.finish();
  }

  /**
   * Call the handlers now: committed changes (in commit order), then local events; `channel.active` events not in
   * the changes (a store without a feed) go first, as they always did. Handler failures are gathered, async
   * handlers' promises go to `pending` (already caught); `finish`, once they settled: failures reported, `own` acknowledged.
   */
  dispatch(
    changes: readonly Change[],
    events: readonly LocalEvent[],
    own: readonly Change[] | false,
  ): { pending: Promise<void>[]; finish(): void } {
    const failures: unknown[] = [];
    const pending: Promise<void>[] = [];
    const emitsApplied = this.fleet === undefined || this.fleet.mode === 'once';
    const { emitter } = this.port;
    for (const event of events) if (event.name === 'channel.active') emitter.dispatch(event.name, event.payload, failures, pending);
    if (own === false || emitsApplied) emitter.dispatchChanges(changes, failures, pending);
    for (const event of events)
      if (event.name !== 'channel.active') emitter.dispatch(event.name, event.payload as never, failures, pending);
    return {
      pending,
      finish: () => {
        if (failures.length > 0) this.port.report(new HandlerError(failures));
        if (own !== false && own.length > 0 && this.fleet !== undefined && !this.storeAcknowledges) this.fleet.emitted(own);
      },
    };
  }
}
