import { ResyncError } from './resync-error.js';
import type { ProviderName } from '../events.js';

/** A channel whose snapshot could not be had (after the budget's retries). */
export interface ChannelFailure {
  channel: string;
  error: ResyncError;
}

/** `error` as a ResyncError for `channel` (a ResyncError stays as it is). */
export function asResyncError(provider: ProviderName, channel: string, error: unknown): ResyncError {
  return error instanceof ResyncError
    ? error
    : new ResyncError(provider, channel, error instanceof Error ? error.message : String(error), { cause: error });
}

/** The name ResyncErrors of a many-channel request carry: the first channel and how many more. */
export function describeChannels(names: readonly string[]): string {
  return names.length === 1 ? (names[0] as string) : `${names[0] as string} (+${names.length - 1} more)`;
}

/**
 * Runs `work` over `items` with at most `workers` at a time, each worker taking the next item when
 * done with one (so a slow consumer slows the requests down instead of letting answers pile up).
 * Rejects with the first error (the other workers stop taking items).
 */
export async function inPool<T>(items: readonly T[], workers: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, items.length) }, worker));
}
