import type { RequestBudget } from '../../../rest/budget.js';
import type { SnapshotAllResult, SnapshotAllHooks } from '../../provider.js';
import type { PubNubHereNowOptions } from './here-now-many.js';
import { pubnubGlobalHereNow, pubnubMultiHereNow } from './here-now-many.js';

/**
 * PubNub's whole-app snapshot (`rest.snapshotAll`): one global Here Now for every occupied channel, then the store's other
 * channels by multi-channel Here Now (an empty channel is not listed globally: its members left).
 */
export async function pubnubSnapshotAll(
  options: PubNubHereNowOptions,
  known: readonly string[],
  budget: RequestBudget,
  hooks: SnapshotAllHooks,
): Promise<SnapshotAllResult> {
  let done = 0;
  const global = await pubnubGlobalHereNow(options, budget, async (snapshot) => {
    done++;
    await hooks.onSnapshot(snapshot);
  });
  const listed = new Set(global.listed);
  const rest = known.filter((channel) => !listed.has(channel));
  hooks.onTotal(done + rest.length);
  const multi = await pubnubMultiHereNow(options, rest, budget, (snapshot) => hooks.onSnapshot(snapshot));
  return { listed: global.listed.length, failures: multi.failures, complete: true };
}
