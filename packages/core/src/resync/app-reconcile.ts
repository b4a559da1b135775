import type { ProviderName, ReconcileResult } from '../events.js';
import { ReceiverError, toError } from '../errors.js';
import type { Provider } from '../providers/provider.js';
import { ResyncError } from '../rest/resync-error.js';
import { storedChannelsByOwner } from './channel-owner.js';
import { runOncePerFleet } from './lease-runner.js';
import type { ResolvedResyncOptions } from './options.js';
import { reconcileProvider } from './reconcile-provider.js';
import type { ResyncContext, ResyncTarget } from './resyncer.js';

/**
 * The whole-app reconcile: each configured provider (or `target.provider`) lists its channels, and
 * those with the store's channels of that provider are repaired from the provider's snapshots. The
 * store's channels are read, and their owners worked out, once per run. With a shared store only one
 * instance runs it (the store's lease); the others wait for it to finish (ranHere: false). A call
 * while a whole-app run is going on here gets that run. With `resync.everyMs` it also runs periodically.
 */
export class AppReconcile {
  private running: Promise<ReconcileResult> | undefined;
  private periodic: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedResyncOptions,
    private readonly context: ResyncContext,
  ) {
    if (options.detect && options.everyMs > 0) this.every(options.everyMs);
  }

  reconcile(target: ResyncTarget = {}): Promise<ReconcileResult> {
    if (this.context.signal.aborted) return Promise.reject(new ReceiverError('receiver_closed', 'the receiver is closed'));
    if (target.provider === undefined && this.running !== undefined) return this.running;
    const run = this.context.track(this.reconcileOnce(target));
    if (target.provider === undefined) {
      this.running = run;
      const done = () => void (this.running = undefined);
      run.then(done, done);
    }
    return run;
  }

  close(): void {
    if (this.periodic !== undefined) clearInterval(this.periodic);
    this.periodic = undefined;
  }

  /** Reconcile every `everyMs` (a run still going on makes the next tick a no-op); unref'd. */
  private every(everyMs: number): void {
    let running = false;
    this.periodic = setInterval(() => {
      if (running) return;
      running = true;
      this.reconcile()
        .then(
          () => undefined,
          (error: unknown) => void (this.context.signal.aborted || this.context.port.report(toError(error))),
        )
        .finally(() => void (running = false));
    }, everyMs).unref();
  }

  private async reconcileOnce(target: ResyncTarget): Promise<ReconcileResult> {
    const { port, byName, signal } = this.context;
    const started = port.now();
    const providers = port.providers.filter((p) => p.rest !== undefined && (target.provider === undefined || p.name === target.provider));
    if (target.provider !== undefined && providers.length === 0) {
      const provider = byName.get(target.provider);
      throw new ResyncError(target.provider, '*', provider?.restMissing ?? `${target.provider} is not configured`);
    }
    // One lease for every reconcile, whole or of one provider: two never reconcile a provider at once across the fleet.
    const outcome = await runOncePerFleet(port.store, 'reconcile', { signal }, (leaseSignal) => this.reconcileHere(providers, leaseSignal));
    if (outcome.ran) return { ...outcome.value, durationMs: port.now() - started };
    return { ...emptyResult(false), durationMs: port.now() - started };
  }

  private async reconcileHere(providers: readonly Provider[], signal: AbortSignal): Promise<ReconcileResult> {
    const { port, book } = this.context;
    const total = emptyResult(true);
    const { concurrency, maxRequestsPerSecond } = this.options;
    const owned = await storedChannelsByOwner(port.store, book, port.providers, signal);
    for (const provider of providers) {
      const name: ProviderName = provider.name;
      const result = await reconcileProvider(provider, owned.get(name) ?? [], { concurrency, maxRequestsPerSecond, signal }, port, book);
      total.providers[name] = result;
      total.channels += result.channels;
      total.changes += result.changes;
      total.requests += result.requests;
      total.complete &&= result.complete;
      for (const channel of result.failed) total.failed.push(name === providers[0]?.name ? channel : `${name}:${channel}`);
    }
    return total;
  }
}

function emptyResult(ranHere: boolean): ReconcileResult {
  return { channels: 0, changes: 0, requests: 0, complete: true, failed: [], durationMs: 0, providers: {}, ranHere };
}
