import { fetchJson } from '../../../rest/fetch-json.js';
import { HERE_NOW_CACHE_MS, hereNowMembers, pubnubErrorMessage } from './here-now.js';
import { ResyncError } from '../../../rest/resync-error.js';
import type { SnapshotSource } from '../../snapshot.js';

export interface PubNubSourceOptions {
  subscribeKey: string;
  baseUrl: string;
  timeoutMs: number;
  uuid: string;
  authKey?: string;
  now: () => number;
}

/**
 * PubNub's Here Now: `GET {baseUrl}/v2/presence/sub-key/{sub}/channel/{ch}?state=1`. Its answer can
 * be 3 seconds old (PubNub caches it), so the snapshot stands for the request time minus 3 s.
 */
export function pubnubSource(options: PubNubSourceOptions): SnapshotSource {
  const base = `${options.baseUrl}/v2/presence/sub-key/${encodeURIComponent(options.subscribeKey)}/channel/`;
  return async (channel, signal) => {
    const query = new URLSearchParams({ state: '1', uuid: options.uuid });
    if (options.authKey !== undefined) query.set('auth', options.authKey);
    const time = options.now() - HERE_NOW_CACHE_MS;
    const answer = await fetchJson({
      provider: 'pubnub',
      channel,
      url: `${base}${encodeURIComponent(channel)}?${query.toString()}`,
      headers: {},
      timeoutMs: options.timeoutMs,
      ...(signal === undefined ? {} : { signal }),
      describeError: pubnubErrorMessage,
    });
    const members = hereNowMembers(answer.json, channel, time);
    if (members === undefined)
      throw new ResyncError('pubnub', channel, 'the Here Now answer has no "uuids" array', { status: answer.status });
    return { provider: 'pubnub', channel, time, events: members.events, complete: members.complete, problems: members.problems };
  };
}
