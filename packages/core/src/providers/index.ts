import type { AblyOptions } from './ably/index.js';
import { createAblyProvider } from './ably/index.js';
import type { Provider } from './provider.js';
import type { PubNubOptions } from './pubnub/options.js';

export interface ProviderOptions {
  ably?: AblyOptions;
  pubnub?: PubNubOptions;
}

/** The providers a receiver is configured for, in detection order. */
export function buildProviders(options: ProviderOptions, warn: (message: string) => void): Provider[] {
  const providers: Provider[] = [];
  if (options.ably !== undefined) {
    providers.push(createAblyProvider(options.ably));
    if (options.ably.insecure === true) warn('presence-webhooks: ably.insecure is set: unsigned Ably webhooks are accepted. Do not run this in production.');
  }
  if (options.pubnub !== undefined) {
    throw new TypeError('pubnub: the PubNub provider is not available in this build yet');
  }
  if (providers.length === 0) throw new TypeError('createReceiver: configure at least one provider: { ably: { keys } } or { pubnub: { secret } }');
  return providers;
}
