import type { ProviderDefinition } from '../provider.js';
import { createPubNubProvider } from './index.js';
import type { PubNubOptions } from './options.js';
import { resolvePubNubOptions } from './resolve-options.js';

/** PubNub, as providers/index.ts registers it. Its members are users (uuid). */
export const pubnub: ProviderDefinition<'pubnub', PubNubOptions> = {
  name: 'pubnub',
  displayName: 'PubNub',
  example: '{ pubnub: { secret } }',
  configure: 'configure pubnub.secret (createReceiver({ pubnub: { secret } }))',
  members: 'users',
  looksLike: {
    // Channel active / inactive webhooks are multipart; the others carry the keyset or a schema URL.
    body: (head, multipart) => multipart || head.includes('"sub_key"') || head.includes('pubnub.com/schemas/'),
  },
  resolve: resolvePubNubOptions,
  create: (resolved, now) => createPubNubProvider(resolved.options, { ...resolved, now }),
};
