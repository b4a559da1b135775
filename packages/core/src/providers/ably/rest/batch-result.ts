import { isRecord } from '../../../values.js';
import { ablyErrorMessage } from './presence-page.js';

/** One channel's part of a batch presence answer: its presence messages, or the error Ably gave for it. */
export type AblyBatchItem = { presence: unknown[] } | { error: { message: string; status?: number } };

/**
 * The value `X-Ably-Version` takes in ably-js 2.x (`Defaults.protocolVersion`), the version whose
 * batch presence answer is the BatchResult `{ successCount, failureCount, results }`.
 */
export const ABLY_VERSION = '3';

/**
 * A batch presence answer to channel -> item. Both documented shapes are read: the BatchResult
 * `{ successCount, failureCount, results: [{ channel, presence } | { channel, error }] }` (protocol 2+)
 * and a plain array of those per-channel results (older protocol versions). An entry without a
 * channel name is skipped; an entry with neither `presence` nor `error` becomes an error for its
 * channel. Undefined when the answer has neither shape. Pure.
 */
export function ablyBatchItems(json: unknown): Map<string, AblyBatchItem> | undefined {
  const list = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.results) ? json.results : undefined;
  if (list === undefined) return undefined;
  const items = new Map<string, AblyBatchItem>();
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.channel !== 'string') continue;
    if (Array.isArray(entry.presence)) {
      items.set(entry.channel, { presence: entry.presence });
    } else if (isRecord(entry.error)) {
      const status = typeof entry.error.statusCode === 'number' ? entry.error.statusCode : undefined;
      const message = ablyErrorMessage({ error: entry.error }) ?? 'an error without a message';
      items.set(entry.channel, { error: status === undefined ? { message } : { message, status } });
    } else {
      items.set(entry.channel, { error: { message: 'the batch result for this channel has neither "presence" nor "error"' } });
    }
  }
  return items;
}

/**
 * One page of `GET /channels?by=id` to channel ids. Ably documents an array of names for `by=id`;
 * `{ channelId }` objects (the `by=value` ChannelDetails) and `{ name }` objects are read too.
 * `invalid` counts entries that name no channel. Undefined when the page is not an array. Pure.
 */
export function ablyChannelIds(json: unknown): { ids: string[]; invalid: number } | undefined {
  if (!Array.isArray(json)) return undefined;
  const ids: string[] = [];
  let invalid = 0;
  for (const entry of json) {
    const id =
      typeof entry === 'string'
        ? entry
        : isRecord(entry)
          ? typeof entry.channelId === 'string'
            ? entry.channelId
            : typeof entry.name === 'string'
              ? entry.name
              : undefined
          : undefined;
    if (id === undefined || id === '') invalid++;
    else ids.push(id);
  }
  return { ids, invalid };
}
