import { decodeBody, decodeMultipart } from '../../http/decode-body.js';
import type { Provider } from '../provider.js';
import { pubnubClaimsBody } from './detect.js';
import { parseMultipart } from './multipart.js';
import { normalisePubNub } from './normalise.js';
import type { PubNubOptions } from './options.js';
import { pubnubSource } from './rest/snapshot.js';
import { pubnubSnapshotAll } from './rest/snapshot-all.js';
import { missingPubNubSecret, verifyPubNub } from './verify.js';

export type { MultipartLimits, PubNubOptions } from './options.js';

export const DEFAULT_PUBNUB_RESYNC_UUID = 'presence-webhooks-resync';

/** What the PubNub provider needs besides its options (resolved by its resolve-options.ts). */
export interface PubNubContext {
  restBaseUrl: string;
  restTimeoutMs: number;
  now: () => number;
}

/**
 * The PubNub provider: PubNub signs nothing, so a request is PubNub's when it presents the shared
 * secret (header or `?secret=`); decode JSON or its multipart channel webhooks; normalise legacy
 * and Events & Actions bodies. REST: Here Now, with the subscribe key.
 */
export function createPubNubProvider(options: PubNubOptions, context: PubNubContext): Provider {
  const limits = { ...options.multipart };
  const multipart = (body: Uint8Array, boundary: string) => parseMultipart(body, boundary, limits);
  const rest = options.rest;
  const hereNow = (subscribeKey: string) => ({
    subscribeKey,
    baseUrl: context.restBaseUrl,
    uuid: rest?.uuid ?? DEFAULT_PUBNUB_RESYNC_UUID,
    ...(rest?.authKey === undefined ? {} : { authKey: rest.authKey }),
    now: context.now,
  });
  return {
    name: 'pubnub',
    verify: (request) => verifyPubNub(request, options),
    missingCredential: () => missingPubNubSecret(options),
    acceptsUnauthenticated: options.secret === undefined && options.insecure === true,
    parse: (request) =>
      request.contentType.kind === 'multipart'
        ? decodeMultipart(request.body, request.contentType, multipart)
        : decodeBody(request.body, request.contentType, 'a PubNub'),
    claims: (body) => pubnubClaimsBody(body),
    normalise: (body) => normalisePubNub(body),
    ...(options.subscribeKey === undefined
      ? { restMissing: 'PubNub resync reads Here Now: configure pubnub.subscribeKey' }
      : {
          rest: {
            snapshot: pubnubSource({ ...hereNow(options.subscribeKey), timeoutMs: context.restTimeoutMs }),
            timeoutMs: context.restTimeoutMs,
            snapshotAll: (known, budget, hooks) => pubnubSnapshotAll(hereNow(options.subscribeKey as string), known, budget, hooks),
          },
        }),
  };
}
