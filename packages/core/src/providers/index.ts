import type { AblyOptions } from './ably/options.js';
import { createAblyProvider } from './ably/index.js';
import type { ItemBounds } from './bounds.js';
import { DEFAULT_MAX_CHANNEL_NAME_LENGTH, DEFAULT_MAX_CLOCK_SKEW_MS, withinBounds } from './bounds.js';
import type { Provider, ResolvedProvider } from './provider.js';
import type { PubNubOptions } from './pubnub/options.js';
import { createPubNubProvider } from './pubnub/index.js';
import type { PusherOptions } from './pusher/options.js';
import { createPusherProvider } from './pusher/index.js';

export interface ConfiguredProviders {
  ably?: ResolvedProvider<AblyOptions>;
  pubnub?: ResolvedProvider<PubNubOptions>;
  pusher?: ResolvedProvider<PusherOptions>;
  /** A provider time more than this ahead of `now()` is an item problem. Default DEFAULT_MAX_CLOCK_SKEW_MS. */
  maxClockSkewMs?: number;
  /** Longer channel names are an item problem. Default DEFAULT_MAX_CHANNEL_NAME_LENGTH. */
  maxChannelNameLength?: number;
}

/** A provider whose normalised events are checked against the bounds (providers/bounds.ts). */
function bounded(provider: Provider, bounds: ItemBounds): Provider {
  return { ...provider, normalise: (body, request) => withinBounds(provider.normalise(body, request), bounds) };
}

/** The providers a receiver is configured for, in detection order. `now` is the receiver's clock. */
export function buildProviders(configured: ConfiguredProviders, now: () => number): Provider[] {
  const providers: Provider[] = [];
  if (configured.ably !== undefined) providers.push(createAblyProvider(configured.ably.options, { ...configured.ably, now }));
  if (configured.pubnub !== undefined) providers.push(createPubNubProvider(configured.pubnub.options, { ...configured.pubnub, now }));
  if (configured.pusher !== undefined) providers.push(createPusherProvider(configured.pusher.options, { ...configured.pusher, now }));
  const bounds: ItemBounds = {
    now,
    maxClockSkewMs: configured.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    maxChannelNameLength: configured.maxChannelNameLength ?? DEFAULT_MAX_CHANNEL_NAME_LENGTH,
  };
  return providers.map((provider) => bounded(provider, bounds));
}
