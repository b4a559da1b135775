import type { AblyOptions } from './ably/options.js';
import { createAblyProvider } from './ably/index.js';
import type { Provider, ResolvedProvider } from './provider.js';
import type { PubNubOptions } from './pubnub/options.js';
import { createPubNubProvider } from './pubnub/index.js';
import type { PusherOptions } from './pusher/options.js';
import { createPusherProvider } from './pusher/index.js';

export interface ConfiguredProviders {
  ably?: ResolvedProvider<AblyOptions>;
  pubnub?: ResolvedProvider<PubNubOptions>;
  pusher?: ResolvedProvider<PusherOptions>;
}

/** The providers a receiver is configured for, in detection order. */
export function buildProviders(configured: ConfiguredProviders, now: () => number): Provider[] {
  const providers: Provider[] = [];
  if (configured.ably !== undefined) providers.push(createAblyProvider(configured.ably.options, { ...configured.ably, now }));
  if (configured.pubnub !== undefined) providers.push(createPubNubProvider(configured.pubnub.options, { ...configured.pubnub, now }));
  if (configured.pusher !== undefined) providers.push(createPusherProvider(configured.pusher.options, { ...configured.pusher, now }));
  return providers;
}
