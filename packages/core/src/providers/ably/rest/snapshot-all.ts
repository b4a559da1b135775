import type { RequestBudget } from '../../../rest/budget.js';
import type { SnapshotAllResult, SnapshotAllHooks } from '../../provider.js';
import type { CipherKey } from '../options.js';
import { ablyBatchPresence } from './batch-presence.js';
import { ablyEnumerate } from './enumerate.js';

export interface AblySnapshotAllOptions {
  baseUrl: string;
  key: string;
  /** Only channels whose name starts with this (`ably.rest.prefix`). */
  prefix?: string;
  cipherKey: (channel: string) => CipherKey | undefined;
  now: () => number;
}

/**
 * Ably's whole-app snapshot (`rest.snapshotAll`): the active channels (`GET /channels?by=id`, paged), together with the
 * store's, each channel's presence by batch (`GET /presence?channels=`, 100 a request).
 */
export async function ablySnapshotAll(
  options: AblySnapshotAllOptions,
  known: readonly string[],
  budget: RequestBudget,
  hooks: SnapshotAllHooks,
): Promise<SnapshotAllResult> {
  const listing = await ablyEnumerate(
    { baseUrl: options.baseUrl, key: options.key, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) },
    budget,
  );
  const channels = new Set([...listing.channels, ...known]);
  hooks.onTotal(channels.size);
  const batch = await ablyBatchPresence(options, channels, budget, (snapshot) => hooks.onSnapshot(snapshot));
  return { listed: listing.channels.length, failures: batch.failures, complete: listing.complete };
}
