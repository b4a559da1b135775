import type { Transport } from './transport.js';
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
    case 'unavailable':
      return { status: 'unavailable', reason: `the target has no read endpoint (answered ${read.status})` };
    case 'error':
      if (read.network === true)
        return { status: 'unreachable', reason: `nothing answers at ${transport.target}: ${read.message}. Is the server running there?` };
      return { status: 'inconclusive', reason: timeout.aborted ? `the read endpoint did not answer within ${timeoutMs} ms` : read.message };
  }
}
