import type { AblyOptions } from './ably/index.js';
import { createAblyProvider } from './ably/index.js';
import type { Provider } from './provider.js';
import type { PubNubOptions } from './pubnub/options.js';
import { createPubNubProvider } from './pubnub/index.js';
import { DEFAULT_SECRET_HEADER } from './shared-secret.js';

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
    // The secret header identifies PubNub only when Ably does not send a secret in the same header.
    const header = (h: string | undefined) => (h ?? DEFAULT_SECRET_HEADER).toLowerCase();
    const shared = options.ably?.secret !== undefined && header(options.ably.secretHeader) === header(options.pubnub.secretHeader);
    providers.push(createPubNubProvider(options.pubnub, { ownsSecretHeader: !shared }));
    if (options.pubnub.insecure === true && options.pubnub.secret === undefined) warn('presence-webhooks: pubnub.insecure is set: PubNub webhooks without a secret are accepted. Do not run this in production.');
  }
  if (providers.length === 0) throw new TypeError('createReceiver: configure at least one provider: { ably: { keys } } or { pubnub: { secret } }');
  return providers;
}
