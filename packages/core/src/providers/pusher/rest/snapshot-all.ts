import type { RequestBudget } from '../../../rest/budget.js';
import { asResyncError, inPool } from '../../../rest/channel-failure.js';
import type { ChannelFailure } from '../../../rest/channel-failure.js';
import type { SnapshotAllResult, SnapshotAllHooks } from '../../provider.js';
import type { PusherRestConfig } from './client.js';
import { pusherEnumerate, pusherSnapshot } from './client.js';

/**
 * Pusher's whole-app snapshot (`rest.snapshotAll`): the occupied presence channels (one signed listing), together with the
 * store's, then each channel's users (Pusher has no batch presence: one request a channel, at most
 * `budget.concurrency` at once).
 */
export async function pusherSnapshotAll(
  config: PusherRestConfig,
  known: readonly string[],
  budget: RequestBudget,
  hooks: SnapshotAllHooks,
): Promise<SnapshotAllResult> {
  const through = { ...config, fetch: (input: Parameters<RequestBudget['fetchJson']>[0]) => budget.fetchJson(input) };
  const listing = await pusherEnumerate(through);
  const channels = [...new Set([...listing.channels.map((c) => c.channel), ...known])];
  hooks.onTotal(channels.length);
  const snapshot = pusherSnapshot(through);
  const failures: ChannelFailure[] = [];
  await inPool(channels, budget.concurrency, async (channel) => {
    try {
      await hooks.onSnapshot(await snapshot(channel));
    } catch (error) {
      if (budget.aborted) throw error;
      failures.push({ channel, error: asResyncError('pusher', channel, error) });
    }
  });
  return { listed: listing.channels.length, failures, complete: true };
}
