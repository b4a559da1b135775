import type { ReconcileResult } from '../events.js';

/** The start-up reconcile did not complete: logged as a warning and sent to onError (ready() resolves all the same). */
export class StartupError extends Error {
  readonly code = 'resync_failed';

  constructor(
    readonly result: ReconcileResult | undefined,
    cause?: Error,
  ) {
    const failed = result === undefined ? [] : result.failed;
    const listed = failed.slice(0, 5).join(', ') + (failed.length > 5 ? `, ... (${failed.length} in all)` : '');
    const what =
      cause !== undefined
        ? `failed: ${cause.message}`
        : `did not complete (channels failed: ${listed || 'none, but a listing was partial'}; ${result?.changes ?? 0} changes applied)`;
    super(
      `presence-webhooks: the start-up reconcile ${what}. Channels may be wrong until the next reconcile ` +
        "(resync.everyMs, or call receiver.reconcile()); webhooks are taken meanwhile. Check the providers' REST settings (rest.baseUrl, keys) and that they are reachable.",
    );
    this.name = 'StartupError';
  }
}
