import { setTimeout as sleep } from 'node:timers/promises';
import { optionError, positiveInteger, positiveNumber } from '../option-checks.js';
import type { Lease, PresenceStore } from '../store.js';

export interface RunOncePerFleetOptions {
  /** How long the lease lasts without renewal (ms): a holder that dies is taken over after it. Default 30 s. */
  ttlMs?: number;
  /** How often a waiter reads the lease's status (ms). Default 1000. */
  pollMs?: number;
  /** Aborts the wait (the call rejects with the signal's reason), and is passed on to `work`. */
  signal?: AbortSignal;
}

export type RunOncePerFleetResult<T> =
  /** This instance did the work (`token`: its lease's fencing token, absent without a lease). */
  | { ran: true; value: T; token?: number }
  /** Another instance did it: it finished at `doneAt` (store time) with lease `doneToken`. */
  | { ran: false; doneAt?: number; doneToken?: number };

const DEFAULT_TTL_MS = 30_000;
const DEFAULT_POLL_MS = 1000;

/**
 * Do `work` once per fleet of instances sharing `store`: the instance that gets the store's lease
 * `name` runs it, renewing the lease every ttl/3, and releases it with done = true (false when work
 * throws, which is rethrown). The others wait until the lease's status shows a completion newer than
 * when they started waiting, and answer `{ ran: false }`; when the lease is free again without such
 * a completion (the holder failed, or died and its lease expired), a waiter takes over and runs
 * `work` itself. A store without a lease just runs `work`.
 *
 * `work` gets a signal that aborts when `options.signal` does or when the lease was lost (not
 * renewed in time and taken by another instance): stop early then, another holder does the work.
 */
export async function runOncePerFleet<T>(
  store: Pick<PresenceStore, 'lease'>,
  name: string,
  options: RunOncePerFleetOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<RunOncePerFleetResult<T>> {
  if (typeof name !== 'string' || name === '') throw optionError('lease name', 'a non-empty string', name);
  const ttlMs = positiveInteger(options.ttlMs, 'ttlMs', DEFAULT_TTL_MS);
  const pollMs = positiveNumber(options.pollMs, 'pollMs', DEFAULT_POLL_MS);
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw optionError('signal', 'an AbortSignal', signal);
  signal?.throwIfAborted();
  const lease = store.lease;
  if (lease === undefined) return { ran: true, value: await work(signal ?? new AbortController().signal) };

  // Completions up to this one happened before we started waiting.
  const before = (await lease.status(name)).doneToken ?? 0;
  for (;;) {
    signal?.throwIfAborted();
    const held = await lease.acquire(name, ttlMs);
    if (held !== undefined) {
      // Someone may have finished between our first look and our grant: then the work is done.
      const status = await lease.status(name);
      if (status.doneToken !== undefined && status.doneToken > before) {
        await held.release(false);
        return finished(status);
      }
      return { ran: true, value: await hold(held, ttlMs, signal, work), token: held.token };
    }
    for (;;) {
      await wait(pollMs, signal);
      const status = await lease.status(name);
      if (status.doneToken !== undefined && status.doneToken > before) return finished(status);
      if (!status.held) break; // released without completion, or expired: take over
    }
  }
}

/** Sleep `ms`; an abort rejects with the signal's reason. */
async function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw error;
  }
}

function finished(status: { doneAt?: number; doneToken?: number }): { ran: false; doneAt?: number; doneToken?: number } {
  const result: { ran: false; doneAt?: number; doneToken?: number } = { ran: false };
  if (status.doneAt !== undefined) result.doneAt = status.doneAt;
  if (status.doneToken !== undefined) result.doneToken = status.doneToken;
  return result;
}

/** Run `work` under `lease`, renewing it every ttl/3; release with done = whether work succeeded. */
async function hold<T>(
  lease: Lease,
  ttlMs: number,
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      lease.renew().then(
        (renewed) => {
          renewing = false;
          if (!renewed) controller.abort(new Error(`the lease was lost (not renewed within ${ttlMs} ms and taken by another instance)`));
        },
        () => {
          renewing = false; // the store failed: try again on the next tick (the lease lasts ttlMs)
        },
      );
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  let value: T;
  try {
    value = await work(controller.signal);
  } catch (error) {
    await lease.release(false).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  // A failed release leaves the lease to expire: the waiters then take over and do the work again.
  await lease.release(true).catch(() => undefined);
  return value;
}
