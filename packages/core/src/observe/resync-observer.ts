import type { DriftEvent, ProviderName, ReconcileEvent } from '../events.js';
import type { ResyncResult } from '../resync/resyncer.js';
import type { ResyncOutcome } from './channels.js';
import { publishDrift, publishReconcile, publishResync } from './channels.js';
import type { StatsCounter } from './stats.js';

/** How a resync ended, as the inspector's pages show it. */
export interface ResyncNotice {
  type: 'resync';
  provider: ProviderName;
  channel: string;
  outcome: ResyncOutcome;
  changes: number;
}

/** Where the resync's observations go besides the counters and the diagnostics channels. */
export interface ResyncObserverParts {
  /** The receiver the diagnostics messages name. */
  owner: object;
  counter: StatsCounter;
  /** Emit a local event (the tracker's `emitLocal`). */
  emit(event: { name: 'drift'; payload: DriftEvent } | { name: 'reconcile'; payload: ReconcileEvent }): void;
  /** Show a resync's outcome (the inspector, when on). */
  notify(notice: ResyncNotice): void;
}

/**
 * What the resync tells the receiver, observed: drift is counted, published and emitted; reconcile
 * progress published and emitted; each resync's outcome counted, published and shown.
 */
export function observeResync(parts: ResyncObserverParts): {
  drift(event: DriftEvent): void;
  progress(event: ReconcileEvent): void;
  resynced(provider: ProviderName, channel: string, result: ResyncResult | Error): void;
} {
  const { owner: receiver, counter } = parts;
  return {
    drift: (event) => {
      counter.drifted(event.provider);
      publishDrift({ receiver, ...event });
      parts.emit({ name: 'drift', payload: event });
    },
    progress: (event) => {
      publishReconcile({ receiver, provider: event.provider, phase: event.phase, done: event.done, total: event.total });
      parts.emit({ name: 'reconcile', payload: event });
    },
    resynced: (provider, channel, result) => {
      const outcome: ResyncOutcome = result instanceof Error ? 'failed' : result.complete ? 'complete' : 'incomplete';
      const changes = result instanceof Error ? 0 : result.changes.length;
      counter.resynced(provider, outcome);
      publishResync({ receiver, provider, channel, outcome, changes, ...(result instanceof Error ? { error: result.message } : {}) });
      parts.notify({ type: 'resync', provider, channel, outcome, changes });
    },
  };
}
