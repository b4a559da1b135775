import { decodeBody } from '../../http/decode-body.js';
import type { Provider } from '../provider.js';
import { ablyClaimsBody, ablyClaimsHeaders } from './detect.js';
import { normaliseAbly } from './normalise.js';
import type { AblyOptions, CipherKey } from './options.js';
import { ablySource } from './rest/snapshot.js';
import { ablySnapshotAll } from './rest/snapshot-all.js';
import { missingAblyCredential, parseKeyring, verifyAbly } from './verify.js';

export type { AblyOptions, CipherKey } from './options.js';

export function cipherLookup(option: AblyOptions['cipherKeys']): (channel: string) => CipherKey | undefined {
  if (option === undefined) return () => undefined;
  if (typeof option === 'function') return option;
  return (channel) => (Object.hasOwn(option, channel) ? option[channel] : undefined);
}

/** What the Ably provider needs besides its options (resolved by its resolve-options.ts). */
export interface AblyContext {
  restBaseUrl: string;
  restTimeoutMs: number;
  now: () => number;
}

/**
 * The Ably provider: a request is Ably's when it carries X-Ably-Signature (checked against the
 * keyring) or the configured shared secret; decode JSON / MsgPack / text / binary; normalise
 * batches, envelopes, non-enveloped and legacy bodies. REST: presence snapshots with Basic auth by keys[0].
 */
export function createAblyProvider(options: AblyOptions, context: AblyContext): Provider {
  const keyring = parseKeyring(options.keys ?? []);
  const cipherKey = cipherLookup(options.cipherKeys);
  const key = options.keys?.[0];
  return {
    name: 'ably',
    verify: (request) => verifyAbly(request, keyring, options),
    missingCredential: () => missingAblyCredential(keyring.length > 0, options),
    acceptsUnauthenticated: options.insecure === true,
    parse: (request) => decodeBody(request.body, request.contentType, 'an Ably'),
    claims: (body, headers) => ablyClaimsHeaders(headers) || ablyClaimsBody(body),
    normalise: (body, request) => normaliseAbly(body, request.headers, request.body, cipherKey),
    ...(key === undefined
      ? { restMissing: 'Ably resync reads the REST API with Basic auth: configure ably.keys' }
      : {
          rest: {
            snapshot: ablySource({ key, baseUrl: context.restBaseUrl, timeoutMs: context.restTimeoutMs, cipherKey, now: context.now }),
            timeoutMs: context.restTimeoutMs,
            snapshotAll: (known, budget, hooks) =>
              ablySnapshotAll(
                {
                  baseUrl: context.restBaseUrl,
                  key,
                  cipherKey,
                  now: context.now,
                  ...(options.rest?.prefix === undefined ? {} : { prefix: options.rest.prefix }),
                },
                known,
                budget,
                hooks,
              ),
          },
        }),
  };
}
