import type { ProviderName } from '../events.js';
import { cipherLookup } from '../providers/ably/index.js';
import type { ProviderOptions } from '../providers/index.js';
import { ablySource } from '../providers/ably/rest/snapshot.js';
import { baseUrlOf, DEFAULT_ABLY_REST_URL, DEFAULT_PUBNUB_REST_URL, DEFAULT_PUBNUB_RESYNC_UUID, timeoutOf } from './options.js';
import { pubnubSource } from '../providers/pubnub/rest/snapshot.js';
import type { SnapshotSource } from '../providers/snapshot.js';

export type SnapshotSources = Partial<Record<ProviderName, SnapshotSource>>;

/** Why a provider has no source, for the error a resync of it gets. */
export const MISSING_SOURCE: Readonly<Record<ProviderName, string>> = {
  ably: 'Ably resync reads the REST API with Basic auth: configure ably.keys',
  pubnub: 'PubNub resync reads Here Now: configure pubnub.subscribeKey',
};

/**
 * The snapshot sources the options allow: Ably when it has a key (Basic auth), PubNub when it has a
 * subscribe key. Validates the REST options (throws a TypeError naming the bad one).
 */
export function buildSources(options: ProviderOptions, now: () => number): SnapshotSources {
  const sources: SnapshotSources = {};
  const ably = options.ably;
  const key = ably?.keys?.[0];
  if (ably !== undefined && key !== undefined) {
    sources.ably = ablySource({
      key,
      baseUrl: baseUrlOf(ably.rest?.baseUrl, DEFAULT_ABLY_REST_URL, 'ably.rest.baseUrl'),
      timeoutMs: timeoutOf(ably.rest, 'ably.rest'),
      cipherKey: cipherLookup(ably.cipherKeys),
      now,
    });
  }
  const pubnub = options.pubnub;
  if (pubnub !== undefined && pubnub.subscribeKey !== undefined) {
    if (typeof pubnub.subscribeKey !== 'string' || pubnub.subscribeKey === '') throw new TypeError('pubnub.subscribeKey must be a non-empty string');
    const rest = pubnub.rest;
    sources.pubnub = pubnubSource({
      subscribeKey: pubnub.subscribeKey,
      baseUrl: baseUrlOf(rest?.baseUrl, DEFAULT_PUBNUB_REST_URL, 'pubnub.rest.baseUrl'),
      timeoutMs: timeoutOf(rest, 'pubnub.rest'),
      uuid: rest?.uuid ?? DEFAULT_PUBNUB_RESYNC_UUID,
      ...(rest?.authKey === undefined ? {} : { authKey: rest.authKey }),
      now,
    });
  }
  return sources;
}
