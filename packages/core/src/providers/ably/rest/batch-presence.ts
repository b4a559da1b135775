import type { RequestBudget } from '../../../rest/budget.js';
import { chunkNames } from '../../../rest/chunk-names.js';
import type { NameChunk } from '../../../rest/chunk-names.js';
import type { ChannelFailure } from '../../../rest/channel-failure.js';
import { asResyncError, describeChannels, inPool } from '../../../rest/channel-failure.js';
import { ResyncError } from '../../../rest/resync-error.js';
import type { Snapshot } from '../../snapshot.js';
import type { CipherKey } from '../options.js';
import type { AblyBatchItem } from './batch-result.js';
import { ABLY_VERSION, ablyBatchItems } from './batch-result.js';
import { basicAuthorization } from './basic-auth.js';
import { ablyErrorMessage, ablyPresencePage } from './presence-page.js';
import { ABLY_PAGE_LIMIT, ablySource } from './snapshot.js';

export interface AblyBatchOptions {
  baseUrl: string;
  /** `appId.keyId:keySecret`: Basic auth. */
  key: string;
  cipherKey: (channel: string) => CipherKey | undefined;
  /** The clock (ms): a snapshot's time is the time its request was sent. */
  now: () => number;
}

export interface AblyBatchResult {
  /** Snapshots handed to `onSnapshot`. */
  snapshots: number;
  /** Channels whose batch entry was retried alone (an error entry, a missing entry, a large set, a name with a comma). */
  alone: number;
  failures: ChannelFailure[];
}

/** Ably's bound on channels per batch presence request. */
export const ABLY_BATCH_CHANNELS = 100;
/** A bound on the encoded channel list of one request, so that the URL stays well under 8 KB. */
const MAX_ENCODED_LIST = 7000;
/**
 * Batch presence has no pagination, and Ably documents no member bound for it; its REST presence
 * pages stop at 1000 members. A batch entry listing that many or more may be cut short, so such a
 * channel is fetched again through the paginated single-channel snapshot instead.
 */
export const ABLY_BATCH_MEMBERS_SUSPECT = ABLY_PAGE_LIMIT;

/**
 * Ably's batch presence: `GET {baseUrl}/presence?channels=a,b,...` (at most 100 channels a request,
 * each name percent-encoded, the commas not; `X-Ably-Version` as ably-js sends it; Basic auth),
 * members decoded through the webhook decoder. Each channel's Snapshot goes to `onSnapshot` as soon
 * as it is read (awaited: a slow store slows the requests down instead of piling answers up), with
 * `time` = the time its request was sent. A channel Ably answered with an error, left out, or whose
 * set may be cut short is fetched once more alone with the paginated single-channel snapshot; a
 * name containing a comma (which the list cannot carry) goes that way at once. Failures are per
 * channel; a failed batch request fails its channels. Rejects only when the budget is aborted, or
 * when `onSnapshot` throws.
 */
export async function ablyBatchPresence(
  options: AblyBatchOptions,
  channels: Iterable<string>,
  budget: RequestBudget,
  onSnapshot: (snapshot: Snapshot) => void | Promise<void>,
): Promise<AblyBatchResult> {
  const headers = { authorization: basicAuthorization(options.key), 'x-ably-version': ABLY_VERSION };
  const single = ablySource({
    key: options.key,
    baseUrl: options.baseUrl,
    timeoutMs: budget.timeoutMs,
    cipherKey: options.cipherKey,
    now: options.now,
    fetch: (input) => budget.fetchJson(input),
  });
  const result: AblyBatchResult = { snapshots: 0, alone: 0, failures: [] };
  const batchable: string[] = [];
  const comma: string[] = [];
  for (const channel of new Set(channels)) (channel.includes(',') ? comma : batchable).push(channel);

  const give = (snapshot: Snapshot) => {
    result.snapshots++;
    return onSnapshot(snapshot);
  };
  const alone = async (channel: string) => {
    result.alone++;
    let snapshot: Snapshot;
    try {
      snapshot = await single(channel);
    } catch (error) {
      if (budget.aborted) throw error;
      result.failures.push({ channel, error: asResyncError('ably', channel, error) });
      return;
    }
    await give(snapshot);
  };
  const batch = async (chunk: NameChunk) => {
    let time = options.now();
    let items: Map<string, AblyBatchItem> | undefined;
    try {
      const answer = await budget.fetchJson({
        provider: 'ably',
        channel: describeChannels(chunk.names),
        url: `${options.baseUrl}/presence?channels=${chunk.encoded}`,
        headers,
        describeError: ablyErrorMessage,
        onSend: () => void (time = options.now()),
      });
      items = ablyBatchItems(answer.json);
      if (items === undefined)
        throw new ResyncError(
          'ably',
          describeChannels(chunk.names),
          'the batch presence answer is neither a batch result nor an array of channel results',
          { status: answer.status },
        );
    } catch (error) {
      if (budget.aborted) throw error;
      const failure = asResyncError('ably', describeChannels(chunk.names), error);
      for (const channel of chunk.names) result.failures.push({ channel, error: failure });
      return;
    }
    const retry: string[] = [];
    for (const channel of chunk.names) {
      const item = items.get(channel);
      if (item === undefined || 'error' in item || item.presence.length >= ABLY_BATCH_MEMBERS_SUSPECT) {
        retry.push(channel);
        continue;
      }
      const problems: Parameters<typeof ablyPresencePage>[3] = [];
      const page = ablyPresencePage(item.presence, channel, options.cipherKey, problems);
      if (page === undefined) continue; // unreachable: item.presence is an array
      await give({ provider: 'ably', channel, time, events: page.events, complete: page.invalid === 0, problems });
    }
    for (const channel of retry) await alone(channel);
  };

  // As many workers as the budget lets requests be open: each takes the next chunk when done with one.
  const chunks = chunkNames(batchable, ABLY_BATCH_CHANNELS, MAX_ENCODED_LIST);
  await inPool(chunks, budget.concurrency, batch);
  for (const channel of comma) await alone(channel);
  return result;
}
