import type { ProviderDefinition } from '../provider.js';
import { createAblyProvider } from './index.js';
import type { AblyOptions } from './options.js';
import { resolveAblyOptions } from './resolve-options.js';

/** Ably, as providers/index.ts registers it. Its members are connections (connectionId + clientId). */
export const ably: ProviderDefinition<'ably', AblyOptions> = {
  name: 'ably',
  displayName: 'Ably',
  example: '{ ably: { keys } }',
  configure: 'configure ably.keys (createReceiver({ ably: { keys: [ABLY_KEY] } }))',
  members: 'connections',
  looksLike: {
    headers: (headers) => headers['x-ably-signature'] !== undefined || headers['x-ably-key'] !== undefined,
    // Ably sends JSON or MsgPack, never multipart; its integration envelopes name their source.
    body: (head, multipart) => !multipart && (head.includes('"source":"channel.') || head.includes('"source": "channel.')),
  },
  resolve: resolveAblyOptions,
  create: (resolved, now) => createAblyProvider(resolved.options, { ...resolved, now }),
};
