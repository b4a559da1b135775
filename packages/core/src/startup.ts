import type { ErrorListeners } from './error-listeners.js';
import { toError } from './errors.js';
import type { ReconcileResult } from './events.js';
import { StartupError } from './resync/startup-error.js';

/**
 * The start-up reconcile (`resync.onStart`): a restart (an empty MemoryStore) or an outage (a store
 * holding members who left) is repaired from the providers while deliveries are accepted and applied.
 * One that did not complete is never silent: a loud warning (whether or not anyone awaits ready())
 * and a StartupError to onError when there is one (without, report() would print it again); it
 * still resolves (with complete: false, or undefined when it failed outright), so a provider's REST
 * outage at boot does not stop the server from taking webhooks.
 */
export function startupReconcile(
  reconcile: () => Promise<ReconcileResult>,
  context: { logger: { warn(message: string): void }; errors: ErrorListeners; closing(): boolean },
): Promise<ReconcileResult | undefined> {
  const failed = (error: StartupError): void => {
    if (context.closing()) return;
    context.logger.warn(error.message);
    if (context.errors.size > 0) context.errors.report(error);
  };
  return reconcile().then(
    (result) => {
      if (!result.complete) failed(new StartupError(result));
      return result;
    },
    (error: unknown) => {
      failed(new StartupError(undefined, toError(error)));
      return undefined;
    },
  );
}
