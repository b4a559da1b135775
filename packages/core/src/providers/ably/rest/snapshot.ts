import type { ItemProblem } from '../../../errors.js';
import type { PresenceEvent } from '../../../events.js';
import type { CipherKey } from '../options.js';
import { basicAuthorization } from './basic-auth.js';
import { ablyErrorMessage, ablyPresencePage } from './presence-page.js';
import type { FetchJsonInput, JsonAnswer } from '../../../rest/fetch-json.js';
import { fetchJson } from '../../../rest/fetch-json.js';
import { nextLink } from '../../../rest/next-link.js';
import { ResyncError } from '../../../rest/resync-error.js';
import type { Snapshot, SnapshotSource } from '../../snapshot.js';

export interface AblySourceOptions {
  /** `appId.keyId:keySecret`: Basic auth for the REST API (the receiver's ably.keys[0]). */
  key: string;
  baseUrl: string;
  timeoutMs: number;
  cipherKey: (channel: string) => CipherKey | undefined;
  /** The clock (ms). */
  now: () => number;
  /** The HTTP edge (default fetchJson); a reconcile passes its RequestBudget's, so these requests count against it. */
  fetch?: (input: FetchJsonInput) => Promise<JsonAnswer>;
}

/** Ably's largest page. */
export const ABLY_PAGE_LIMIT = 1000;
/** A bound on pages per snapshot (a million members), against a Link loop. */
const MAX_PAGES = 1000;

/**
 * Ably's REST presence: `GET {baseUrl}/channels/{id}/presence?limit=1000` with Basic auth, following
 * `Link: <...>; rel="next"` pages. The snapshot time is the time the first request was sent: a member
 * the answer does not list and that is older than that has left.
 */
export function ablySource(options: AblySourceOptions): SnapshotSource {
  const authorization = basicAuthorization(options.key);
  return async (channel, signal) => {
    const time = options.now();
    const problems: ItemProblem[] = [];
    const events: PresenceEvent[] = [];
    const seen = new Set<string>();
    let invalid = 0;
    let url: string | undefined = `${options.baseUrl}/channels/${encodeURIComponent(channel)}/presence?limit=${ABLY_PAGE_LIMIT}`;
    for (let pages = 0; url !== undefined; pages++) {
      if (pages >= MAX_PAGES || seen.has(url)) throw new ResyncError('ably', channel, `the presence set did not end after ${pages} pages`);
      seen.add(url);
      const answer = await (options.fetch ?? fetchJson)({
        provider: 'ably',
        channel,
        url,
        headers: { authorization },
        timeoutMs: options.timeoutMs,
        ...(signal === undefined ? {} : { signal }),
        describeError: ablyErrorMessage,
      });
      const page = ablyPresencePage(answer.json, channel, options.cipherKey, problems);
      if (page === undefined)
        throw new ResyncError('ably', channel, `the presence answer is not an array of presence messages`, { status: answer.status });
      for (const event of page.events) events.push(event);
      invalid += page.invalid;
      try {
        url = nextLink(answer.headers.get('link'), url);
      } catch (error) {
        throw new ResyncError('ably', channel, error instanceof Error ? error.message : String(error), { status: answer.status });
      }
    }
    const snapshot: Snapshot = { provider: 'ably', channel, time, events, complete: invalid === 0, problems };
    return snapshot;
  };
}
