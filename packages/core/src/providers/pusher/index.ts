import { decodeBody } from '../../http/decode-body.js';
import type { Provider } from '../provider.js';
import { pusherClaimsBody } from './detect.js';
import { pusherKeyring } from './keyring.js';
import { normalisePusher } from './normalise.js';
import type { PusherKey, PusherOptions } from './options.js';
import type { PusherRestConfig } from './rest/client.js';
import { pusherSnapshot } from './rest/client.js';
import { pusherSnapshotAll } from './rest/snapshot-all.js';
import { missingPusherCredential, verifyPusher } from './verify.js';

export type { PusherKey, PusherOptions } from './options.js';
export type { PusherEnumeration, PusherRestConfig } from './rest/client.js';
export type { PusherChannelCount } from './rest/answers.js';
export { pusherEnumerate, pusherSnapshot } from './rest/client.js';

/** What the Pusher provider needs besides its options (resolved by its resolve-options.ts). */
export interface PusherContext {
  restBaseUrl: string;
  restTimeoutMs: number;
  now: () => number;
}

/**
 * The Pusher Channels provider (Soketi and Sockudo send the same webhooks): a request is Pusher's
 * when it carries X-Pusher-Key / X-Pusher-Signature, verified over the raw bytes against every
 * secret of that key; JSON `{ time_ms, events }` bodies. REST: the users of a presence channel,
 * signed with keys[0], when `appId` is configured.
 */
export function createPusherProvider(options: PusherOptions, context: PusherContext): Provider {
  const keyring = pusherKeyring(options.keys);
  const first = options.keys[0];
  const restConfig = (appId: string, credentials: PusherKey): PusherRestConfig => ({
    baseUrl: context.restBaseUrl,
    appId,
    credentials,
    timeoutMs: context.restTimeoutMs,
    now: context.now,
  });
  return {
    name: 'pusher',
    verify: (request) => verifyPusher(request, keyring),
    missingCredential: () => missingPusherCredential(keyring),
    acceptsUnauthenticated: false,
    parse: (request) => decodeBody(request.body, request.contentType, 'a Pusher'),
    claims: (body) => pusherClaimsBody(body),
    normalise: (body, request) => normalisePusher(body, request.body),
    ...(options.appId === undefined || first === undefined
      ? { restMissing: 'Pusher resync reads the REST API of one app: configure pusher.appId' }
      : {
          rest: {
            snapshot: pusherSnapshot(restConfig(options.appId, first)),
            timeoutMs: context.restTimeoutMs,
            snapshotAll: (known, budget, hooks) => pusherSnapshotAll(restConfig(options.appId as string, first), known, budget, hooks),
          },
        }),
  };
}
