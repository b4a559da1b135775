import type { FetchJsonInput, JsonAnswer } from '../../../rest/fetch-json.js';
import { fetchJson } from '../../../rest/fetch-json.js';
import { ResyncError } from '../../../rest/resync-error.js';
import type { SnapshotSource } from '../../snapshot.js';
import type { PusherChannelCount } from './answers.js';
import { pusherChannelCounts, pusherErrorMessage, pusherUsers } from './answers.js';
import type { PusherCredentials } from './sign.js';
import { isPusherChannelName, signedQuery } from './sign.js';

/** What Pusher's REST API needs: where it is, the app, the key that signs, a timeout and a clock. */
export interface PusherRestConfig {
  /** e.g. `https://api-mt1.pusher.com` (no trailing slash). */
  baseUrl: string;
  appId: string;
  /** The key / secret pair that signs requests (the receiver uses `pusher.keys[0]`). */
  credentials: PusherCredentials;
  timeoutMs: number;
  now: () => number;
  /** The HTTP edge (default fetchJson); a reconcile passes its RequestBudget's, so these requests count against it. */
  fetch?: (input: FetchJsonInput) => Promise<JsonAnswer>;
}

/** What the app's presence channels hold, as Pusher counts it. */
export interface PusherEnumeration {
  /** When the listing was requested (ms). */
  time: number;
  /** Every occupied presence channel (`filter_by_prefix=presence-`), with its `user_count`. */
  channels: PusherChannelCount[];
}

const ALL_CHANNELS = '(presence channels)';

async function signedGet(
  config: PusherRestConfig,
  path: string,
  params: Record<string, string>,
  channel: string,
  signal: AbortSignal | undefined,
) {
  const query = signedQuery('GET', path, params, config.credentials, config.now());
  return (config.fetch ?? fetchJson)({
    provider: 'pusher',
    channel,
    url: `${config.baseUrl}${path}?${query}`,
    headers: {},
    timeoutMs: config.timeoutMs,
    ...(signal === undefined ? {} : { signal }),
    describeError: pusherErrorMessage,
  });
}

function appPath(config: PusherRestConfig): string {
  return `/apps/${encodeURIComponent(config.appId)}`;
}

/**
 * One presence channel's users: signed `GET {baseUrl}/apps/{appId}/channels/{channel}/users`,
 * answered `{ users: [{ id }] }`. The snapshot stands for the time of the request. Pusher's users
 * carry no user_info, so neither do the members. Throws ResyncError when there is no usable answer.
 */
export function pusherSnapshot(config: PusherRestConfig): SnapshotSource {
  return async (channel, signal) => {
    if (!isPusherChannelName(channel))
      throw new ResyncError('pusher', channel, 'not a Pusher channel name (letters, digits and _ - = @ , . ; only)');
    const time = config.now();
    const answer = await signedGet(config, `${appPath(config)}/channels/${channel}/users`, {}, channel, signal);
    const users = pusherUsers(answer.json, channel, time);
    if (users === undefined) throw new ResyncError('pusher', channel, 'the users answer has no "users" array', { status: answer.status });
    return { provider: 'pusher', channel, time, events: users.events, complete: users.complete, problems: users.problems };
  };
}

/**
 * The app's occupied presence channels and their user counts (for whole-app reconcile and drift):
 * signed `GET {baseUrl}/apps/{appId}/channels?filter_by_prefix=presence-&info=user_count`,
 * answered `{ channels: { name: { user_count } } }`. Throws ResyncError when there is no usable answer.
 */
export async function pusherEnumerate(config: PusherRestConfig, signal?: AbortSignal): Promise<PusherEnumeration> {
  const time = config.now();
  const answer = await signedGet(
    config,
    `${appPath(config)}/channels`,
    { filter_by_prefix: 'presence-', info: 'user_count' },
    ALL_CHANNELS,
    signal,
  );
  const channels = pusherChannelCounts(answer.json);
  if (channels === undefined)
    throw new ResyncError('pusher', ALL_CHANNELS, 'the channels answer has no "channels" object', { status: answer.status });
  return { time, channels };
}
