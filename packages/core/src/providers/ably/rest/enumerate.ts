import type { RequestBudget } from '../../../rest/budget.js';
import { nextLink } from '../../../rest/next-link.js';
import { ResyncError } from '../../../rest/resync-error.js';
import { ABLY_VERSION, ablyChannelIds } from './batch-result.js';
import { basicAuthorization } from './basic-auth.js';
import { ablyErrorMessage } from './presence-page.js';

export interface AblyEnumerateOptions {
  baseUrl: string;
  /** `appId.keyId:keySecret` (needs the channel-metadata capability). */
  key: string;
  /** Only channels whose name starts with this. */
  prefix?: string;
  /** Channels per page (default and Ably's maximum: 1000). */
  limit?: number;
  /** A bound on pages (default 10000: ten million channels at 1000 a page), against a Link loop. */
  maxPages?: number;
}

export interface AblyEnumeration {
  /** The active channels Ably listed, deduplicated, in the order listed. */
  channels: string[];
  /** Pages fetched (each one request, retries aside). */
  pages: number;
  /** False when the page bound was reached or an entry named no channel: some active channel may be missing. */
  complete: boolean;
}

/** The channel name ResyncErrors of the enumeration carry. */
export const ALL_CHANNELS = '*';

/**
 * Ably's channel enumeration: `GET {baseUrl}/channels?by=id&limit=1000[&prefix=]` with Basic auth,
 * following `Link: <...>; rel="next"` pages one after the other (Ably allows one enumeration in
 * flight per app). Rejects with a ResyncError when a page fails (after the budget's retries), is
 * not an array, or the Link chain loops or leaves the origin.
 */
export async function ablyEnumerate(options: AblyEnumerateOptions, budget: RequestBudget): Promise<AblyEnumeration> {
  const limit = options.limit ?? 1000;
  const maxPages = options.maxPages ?? 10_000;
  const query = new URLSearchParams({ by: 'id', limit: String(limit) });
  if (options.prefix !== undefined) query.set('prefix', options.prefix);
  const headers = { authorization: basicAuthorization(options.key), 'x-ably-version': ABLY_VERSION };
  const channels = new Set<string>();
  const seen = new Set<string>();
  let complete = true;
  let pages = 0;
  let url: string | undefined = `${options.baseUrl}/channels?${query.toString()}`;
  while (url !== undefined) {
    if (pages >= maxPages) {
      complete = false;
      break;
    }
    if (seen.has(url))
      throw new ResyncError('ably', ALL_CHANNELS, `the channel enumeration links back to a page it already gave (after ${pages} pages)`);
    seen.add(url);
    const answer = await budget.fetchJson({ provider: 'ably', channel: ALL_CHANNELS, url, headers, describeError: ablyErrorMessage });
    pages++;
    const page = ablyChannelIds(answer.json);
    if (page === undefined)
      throw new ResyncError('ably', ALL_CHANNELS, 'the channel enumeration answer is not an array', { status: answer.status });
    if (page.invalid > 0) complete = false;
    for (const id of page.ids) channels.add(id);
    try {
      url = nextLink(answer.headers.get('link'), url);
    } catch (error) {
      throw new ResyncError('ably', ALL_CHANNELS, error instanceof Error ? error.message : String(error), { status: answer.status });
    }
  }
  return { channels: [...channels], pages, complete };
}
