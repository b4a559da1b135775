import type { Transport } from './transport.js';
import { membersUrl } from './transport.js';
import type { Preflight } from './types.js';

/** How long the read endpoint check waits for an answer (real ms) before the load starts anyway. */
export const PREFLIGHT_TIMEOUT_MS = 2000;

/**
 * One read of `channel` before any webhook is sent, so that a refused token or a target where
 * nothing listens fails in a second instead of after the whole run. A missing read endpoint or a
 * slow one does not stop the run (the verification reports it at the end); `signal` (Ctrl-C) ends
 * the wait.
 */
export async function checkReadEndpoint(
  transport: Transport,
  channel: string,
  signal?: AbortSignal,
  timeoutMs = PREFLIGHT_TIMEOUT_MS,
): Promise<Preflight> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const read = await transport.members(channel, signal === undefined ? timeout : AbortSignal.any([signal, timeout]));
  switch (read.kind) {
    case 'members':
      return { status: 'ok' };
    case 'unauthorized':
      return {
        status: 'unauthorized',
        reason: `the read endpoint refused the token (401) before the load: pass the receiver's readEndpoint token (--read-token), or --no-verify`,
      };
    case 'off':
      return {
        status: 'unavailable',
        reason: `the receiver at ${transport.target} has no read endpoint (404 read_endpoint_off): the load runs, nothing will be compared; turn on its readEndpoint option to compare`,
      };
    case 'unavailable':
      if (read.status === 404)
        return {
          status: 'not_mounted',
          reason: `nothing is mounted at ${transport.target}: GET ${membersUrl(transport.target, channel)} answered 404 from something other than a presence-webhooks receiver. Is the path of --url the one the middleware is mounted on (app.use('/webhooks', ...) -> --url http://host/webhooks)? A route that takes POST only (app.post) cannot serve reads: mount it for every method, or pass --no-verify`,
        };
      return {
        status: 'unavailable',
        reason: `GET ${membersUrl(transport.target, channel)} answered 405: something at that path refuses GET (a POST-only route, or a receiver from before read_endpoint_off); the load runs, nothing will be compared`,
      };
    case 'error':
      if (read.network === true)
        return { status: 'unreachable', reason: `nothing answers at ${transport.target}: ${read.message}. Is the server running there?` };
      return { status: 'inconclusive', reason: timeout.aborted ? `the read endpoint did not answer within ${timeoutMs} ms` : read.message };
  }
}

/** Whether a pre-check outcome stops the run before any webhook is sent. */
export function stopsTheRun(preflight: Preflight): preflight is { status: 'unauthorized' | 'not_mounted' | 'unreachable'; reason: string } {
  return preflight.status === 'unauthorized' || preflight.status === 'not_mounted' || preflight.status === 'unreachable';
}
