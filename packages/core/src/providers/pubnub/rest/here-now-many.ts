import type { RequestBudget } from '../../../rest/budget.js';
import { chunkNames } from '../../../rest/chunk-names.js';
import type { NameChunk } from '../../../rest/chunk-names.js';
import { ResyncError } from '../../../rest/resync-error.js';
import type { ChannelFailure } from '../../../rest/channel-failure.js';
import { asResyncError, describeChannels, inPool } from '../../../rest/channel-failure.js';
import type { Snapshot } from '../../snapshot.js';
import { hereNowChannels } from './here-now-channels.js';
import { HERE_NOW_CACHE_MS, hereNowMembers, pubnubErrorMessage } from './here-now.js';

export interface PubNubHereNowOptions {
  baseUrl: string;
  subscribeKey: string;
  /** The uuid the requests are made as (PubNub requires one). */
  uuid: string;
  /** Access Manager token, sent as `auth`. */
  authKey?: string;
  /** The clock (ms). */
  now: () => number;
}

export interface PubNubGlobalResult {
  /** The channels the answer listed (each got a snapshot); an unlisted channel has nobody. */
  listed: string[];
  /** The time the snapshots stand for: request time minus PubNub's 3 s cache. */
  time: number;
}

export interface PubNubMultiResult {
  /** Snapshots handed to `onSnapshot`. */
  snapshots: number;
  failures: ChannelFailure[];
}

/** Channels per multi-channel request. */
export const PUBNUB_MULTI_CHANNELS = 100;
/** A bound on the encoded channel list of one request, so that the URL stays well under 8 KB. */
const MAX_ENCODED_LIST = 7000;
/** PubNub lists at most 1000 uuids per channel; a channel with more is reported incomplete (occupancy > listed). */
const MEMBER_LIMIT = 1000;
/** The channel name ResyncErrors of the global request carry. */
const ALL_CHANNELS = '*';

function query(options: PubNubHereNowOptions, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ state: '1', uuid: options.uuid, ...extra });
  if (options.authKey !== undefined) params.set('auth', options.authKey);
  return params.toString();
}

function snapshotOf(channel: string, entry: unknown, time: number): Snapshot | ResyncError {
  const members = hereNowMembers(entry, channel, time);
  if (members === undefined) return new ResyncError('pubnub', channel, 'the Here Now entry for this channel has no "uuids" array');
  return { provider: 'pubnub', channel, time, events: members.events, complete: members.complete, problems: members.problems };
}

/**
 * PubNub's global Here Now: `GET {baseUrl}/v2/presence/sub-key/{sub}?state=1`, one request for the
 * whole key. Every channel the answer lists (`payload.channels.{ch}.{occupancy, uuids}`) gets a
 * Snapshot, handed to `onSnapshot` (awaited), stamped request time - 3 s (PubNub's cache). Channels
 * it does not list have nobody present: the caller looks the store's other channels up with
 * pubnubMultiHereNow, or takes them as empty. Rejects with a ResyncError when the request fails
 * (after the budget's retries) or the answer has another shape.
 */
export async function pubnubGlobalHereNow(
  options: PubNubHereNowOptions,
  budget: RequestBudget,
  onSnapshot: (snapshot: Snapshot) => void | Promise<void>,
): Promise<PubNubGlobalResult> {
  let time = options.now() - HERE_NOW_CACHE_MS;
  const answer = await budget.fetchJson({
    provider: 'pubnub',
    channel: ALL_CHANNELS,
    url: `${options.baseUrl}/v2/presence/sub-key/${encodeURIComponent(options.subscribeKey)}?${query(options)}`,
    headers: {},
    describeError: pubnubErrorMessage,
    onSend: () => void (time = options.now() - HERE_NOW_CACHE_MS),
  });
  const entries = hereNowChannels(answer.json);
  if (entries === undefined)
    throw new ResyncError('pubnub', ALL_CHANNELS, 'the global Here Now answer has no "payload.channels" object', { status: answer.status });
  const listed: string[] = [];
  for (const [channel, entry] of entries) {
    const snapshot = snapshotOf(channel, entry, time);
    if (snapshot instanceof ResyncError) throw snapshot;
    listed.push(channel);
    await onSnapshot(snapshot);
  }
  return { listed, time };
}

/**
 * PubNub's multi-channel Here Now: `GET {baseUrl}/v2/presence/sub-key/{sub}/channel/a,b,c?state=1`
 * (each name percent-encoded, the commas not; at most 100 channels and ~7 KB of names a request).
 * Every channel asked gets a Snapshot (request time - 3 s) handed to `onSnapshot` (awaited); a
 * channel the answer does not list is EMPTY: a complete snapshot with nobody. A failed request
 * fails its channels (`failures`); rejects only when the budget is aborted or `onSnapshot` throws.
 * A name containing a comma, which the path cannot carry, is asked alone (encoded, it is one name).
 */
export async function pubnubMultiHereNow(
  options: PubNubHereNowOptions,
  channels: Iterable<string>,
  budget: RequestBudget,
  onSnapshot: (snapshot: Snapshot) => void | Promise<void>,
): Promise<PubNubMultiResult> {
  const base = `${options.baseUrl}/v2/presence/sub-key/${encodeURIComponent(options.subscribeKey)}/channel/`;
  const result: PubNubMultiResult = { snapshots: 0, failures: [] };
  const plain: string[] = [];
  const comma: string[] = [];
  for (const channel of new Set(channels)) (channel.includes(',') ? comma : plain).push(channel);
  const chunks = [
    ...chunkNames(plain, PUBNUB_MULTI_CHANNELS, MAX_ENCODED_LIST),
    ...comma.map((name) => ({ names: [name], encoded: encodeURIComponent(name) })),
  ];

  const ask = async (chunk: NameChunk) => {
    const label = describeChannels(chunk.names);
    let time = options.now() - HERE_NOW_CACHE_MS;
    let entries: Map<string, unknown> | undefined;
    try {
      const answer = await budget.fetchJson({
        provider: 'pubnub',
        channel: label,
        url: `${base}${chunk.encoded}?${query(options, { limit: String(MEMBER_LIMIT) })}`,
        headers: {},
        describeError: pubnubErrorMessage,
        onSend: () => void (time = options.now() - HERE_NOW_CACHE_MS),
      });
      entries = hereNowChannels(answer.json, chunk.names.length === 1 ? chunk.names[0] : undefined);
      if (entries === undefined)
        throw new ResyncError('pubnub', label, 'the Here Now answer has neither "payload.channels" nor "uuids"', { status: answer.status });
    } catch (error) {
      if (budget.aborted) throw error;
      const failure = asResyncError('pubnub', label, error);
      for (const channel of chunk.names) result.failures.push({ channel, error: failure });
      return;
    }
    for (const channel of chunk.names) {
      const entry = entries.get(channel);
      const snapshot: Snapshot | ResyncError =
        entry === undefined
          ? { provider: 'pubnub', channel, time, events: [], complete: true, problems: [] }
          : snapshotOf(channel, entry, time);
      if (snapshot instanceof ResyncError) {
        result.failures.push({ channel, error: snapshot });
        continue;
      }
      result.snapshots++;
      await onSnapshot(snapshot);
    }
  };

  await inPool(chunks, budget.concurrency, ask);
  return result;
}
