import type { Change, PresenceEvent, UserChange } from '../events.js';
import { storeApplyTrace, traced } from '../observe/channels.js';
import type { StatsCounter } from '../observe/stats.js';
import type { ApplyOptions, PresenceStore } from '../store.js';
import type { UserIds } from './user-ids.js';

/**
 * How the tracker calls its store: each call's events get their user ids and its options the levels' options
 * (user levels on), and `emitted` when this receiver emits what it applies (`emitsOwn`); `apply` is traced on
 * `presence-webhooks:store.apply`, and a failed call is counted.
 */
export class StoreCalls {
  constructor(
    private readonly store: PresenceStore,
    private readonly users: UserIds | undefined,
    private readonly emitsOwn: boolean,
    private readonly port: { owner: object; counter: StatsCounter; now(): number },
  ) {}

  apply(events: PresenceEvent[], options: ApplyOptions, now: number): Promise<Change[]> {
    this.prepare(events, options, now);
    const apply = () => this.store.apply(events, options);
    const pending = traced(storeApplyTrace)
      ? storeApplyTrace.tracePromise(apply, { receiver: this.port.owner, events: events.length })
      : apply();
    return pending.catch((error: unknown) => {
      this.port.counter.storeFailed();
      throw error;
    });
  }

  /** The synchronous store's merge (it throws only before changing anything). */
  applySync(events: PresenceEvent[], options: ApplyOptions, now: number): Change[] {
    this.prepare(events, options, now);
    return (this.store.applySync as NonNullable<PresenceStore['applySync']>)(events, options);
  }

  /** The grace windows that ended by now, closed (user levels on). */
  expireUsers(): Promise<UserChange[]> {
    const levels = (this.users as UserIds).levels(this.port.now());
    return (this.store.expireUsers as NonNullable<PresenceStore['expireUsers']>)({ ...levels, emitted: this.emitsOwn });
  }

  private prepare(events: PresenceEvent[], options: ApplyOptions, now: number): void {
    this.users?.set(events, options, now);
    if (this.emitsOwn) options.emitted = true;
  }
}
