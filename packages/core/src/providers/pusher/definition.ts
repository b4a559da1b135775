import type { ProviderDefinition } from '../provider.js';
import { createPusherProvider } from './index.js';
import type { PusherOptions } from './options.js';
import { resolvePusherOptions } from './resolve-options.js';

/** Pusher Channels (and Soketi / Sockudo), as providers/index.ts registers it. Its members are users (user_id). */
export const pusher: ProviderDefinition<'pusher', PusherOptions> = {
  name: 'pusher',
  displayName: 'Pusher',
  example: '{ pusher: { keys: [{ key, secret }] } }',
  configure: 'configure pusher.keys (createReceiver({ pusher: { keys: [{ key, secret }] } }))',
  members: 'users',
  looksLike: {
    headers: (headers) => headers['x-pusher-key'] !== undefined || headers['x-pusher-signature'] !== undefined,
  },
  resolve: resolvePusherOptions,
  create: (resolved, now) => createPusherProvider(resolved.options, { ...resolved, now }),
};
