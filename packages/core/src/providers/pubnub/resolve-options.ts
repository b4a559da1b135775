import { objectOption, optionalBoolean, optionalString, positiveInteger } from '../../option-checks.js';
import type { ResolvedProvider } from '../provider.js';
import { checkSecret, restOf, shortSecret } from '../provider-options.js';
import type { MultipartLimits, PubNubOptions, PubNubRestOptions } from './options.js';

const DEFAULT_PUBNUB_REST_URL = 'https://ps.pndsn.com';

/** Every option name of `pubnub` (checkKnownKeys refuses any other); a field added to PubNubOptions fails the type check until listed. */
const PUBNUB_OPTION_NAMES: Record<keyof PubNubOptions, true> = {
  secret: true,
  secretHeader: true,
  insecure: true,
  subscribeKey: true,
  rest: true,
  multipart: true,
};

const PUBNUB_REST_OPTION_NAMES: Record<keyof PubNubRestOptions, true> = {
  baseUrl: true,
  timeoutMs: true,
  uuid: true,
  authKey: true,
};

const MULTIPART_OPTION_NAMES: Record<keyof MultipartLimits, true> = { parts: true, fieldSize: true };

/** `pubnub` of createReceiver, checked: a shared secret or insecure (PubNub signs nothing), the multipart bounds, Here Now's options. */
export function resolvePubNubOptions(value: unknown, warnings: string[]): ResolvedProvider<PubNubOptions> | undefined {
  const pubnub = objectOption(value, 'pubnub', PUBNUB_OPTION_NAMES);
  if (pubnub === undefined) return undefined;
  checkSecret(pubnub.secret, 'pubnub.secret', true);
  shortSecret('pubnub.secret', pubnub.secret, warnings);
  optionalString(pubnub.secretHeader, 'pubnub.secretHeader');
  optionalString(pubnub.subscribeKey, 'pubnub.subscribeKey');
  const insecure = optionalBoolean(pubnub.insecure, 'pubnub.insecure', false);
  if (pubnub.secret === undefined && !insecure) {
    throw new TypeError(
      'presence-webhooks: pubnub needs a shared secret ({ pubnub: { secret } }, sent by PubNub in a custom header or a ?secret= query parameter), or insecure: true to accept unauthenticated requests (PubNub signs nothing)',
    );
  }
  const multipart = objectOption(pubnub.multipart, 'pubnub.multipart', MULTIPART_OPTION_NAMES);
  if (multipart?.parts !== undefined) positiveInteger(multipart.parts, 'pubnub.multipart.parts', 1);
  if (multipart?.fieldSize !== undefined) positiveInteger(multipart.fieldSize, 'pubnub.multipart.fieldSize', 1);
  const rest = objectOption(pubnub.rest, 'pubnub.rest', PUBNUB_REST_OPTION_NAMES);
  optionalString(rest?.uuid, 'pubnub.rest.uuid');
  optionalString(rest?.authKey, 'pubnub.rest.authKey');
  if (insecure && pubnub.secret === undefined)
    warnings.push(
      'presence-webhooks: pubnub.insecure is set: PubNub webhooks without a secret are accepted. Do not run this in production.',
    );
  return { options: pubnub as PubNubOptions, ...restOf(pubnub.rest, 'pubnub.rest', DEFAULT_PUBNUB_REST_URL, PUBNUB_REST_OPTION_NAMES) };
}
