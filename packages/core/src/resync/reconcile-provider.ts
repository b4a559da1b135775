import type { ProviderName, ProviderReconcileResult } from '../events.js';
import { toError } from '../errors.js';
import { isMemberChange } from '../events.js';
import type { Provider } from '../providers/provider.js';
import type { Snapshot } from '../providers/snapshot.js';
import { RequestBudget } from '../rest/budget.js';
import type { RequestBudgetOptions } from '../rest/budget.js';
import { listedCount } from './repair.js';
import type { ChannelBook } from './channel-book.js';
import type { ResyncPort } from './resyncer.js';

/** What a reconcile of one provider needs of the resync port: its one writer's repair, progress and drift events, errors, the clock. */
export type ReconcilePort = Pick<ResyncPort, 'repair' | 'progress' | 'drift' | 'report' | 'now'>;

/**
 * One provider's part of a whole-app reconcile: the provider lists its channels and, together with
 * `known` (the store's channels of this provider), hands each channel's snapshot over as it is read;
 * each snapshot goes through the same repair as a single resync (the order-aware merge, so
 * deliveries that arrive meanwhile still win), and a complete one sets the channel's watermark. A
 * failure is that channel's (or, for the listing, `'*'`): the rest goes on. Never rejects but on abort.
 */
export async function reconcileProvider(
  provider: Provider,
  known: readonly string[],
  budgetOptions: RequestBudgetOptions,
  port: ReconcilePort,
  book: ChannelBook,
): Promise<ProviderReconcileResult> {
  const started = port.now();
  const name: ProviderName = provider.name;
  const budget = new RequestBudget({ timeoutMs: provider.rest?.timeoutMs, ...budgetOptions });
  const result: ProviderReconcileResult = { channels: 0, changes: 0, requests: 0, complete: true, failed: [], durationMs: 0 };
  let total = known.length;
  port.progress({ provider: name, phase: 'list', done: 0, total });
  const onSnapshot = async (snapshot: Snapshot) => {
    result.channels++;
    for (const problem of snapshot.problems) port.report(problem);
    if (!snapshot.complete) result.complete = false;
    try {
      const { changes, stored } = await port.repair(snapshot);
      const memberChanges = changes.filter(isMemberChange).length;
      result.changes += memberChanges;
      if (snapshot.complete) book.repaired(snapshot.channel, name, snapshot.time);
      if (memberChanges > 0)
        port.drift({ channel: snapshot.channel, provider: name, reported: listedCount(snapshot), stored, timestamp: port.now() });
    } catch (error) {
      // The store failed for this channel: reported, and the channel counts as failed.
      port.report(toError(error));
      result.failed.push(snapshot.channel);
      result.complete = false;
    }
    port.progress({ provider: name, phase: 'snapshot', done: result.channels, total });
  };
  try {
    if (provider.rest === undefined) throw new Error(provider.restMissing ?? `${name} has no REST API configured`);
    const all = await provider.rest.snapshotAll(known, budget, { onSnapshot, onTotal: (n) => void (total = n) });
    for (const failure of all.failures) {
      port.report(failure.error);
      result.failed.push(failure.channel);
    }
    if (all.failures.length > 0 || !all.complete) result.complete = false;
  } catch (error) {
    if (budgetOptions.signal?.aborted === true) throw error;
    port.report(toError(error));
    result.failed.push('*');
    result.complete = false;
  }
  result.requests = budget.requests;
  result.durationMs = port.now() - started;
  port.progress({ provider: name, phase: 'done', done: result.channels, total, result });
  return result;
}
