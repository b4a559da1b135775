import { Decoder } from '@msgpack/msgpack';
import { WebhookError } from '../errors.js';
import type { ContentType } from './content-type.js';
import { parseJsonChecked } from './safe-json.js';

/** A decoded body: structured for JSON / MsgPack / multipart, raw for Ably's non-enveloped mode. */
export type DecodedBody =
  | {
      kind: 'json' | 'msgpack';
      value: unknown;
      /** JSON only, true when the text spells no guarded key (see CheckedJson): its strings need no guard when parsed again. */
      keysClean?: boolean;
    }
  | { kind: 'multipart'; fields: Record<string, string> }
  | { kind: 'text'; value: string }
  | { kind: 'binary'; value: Uint8Array };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** One reused decoder: building one per request costs more than decoding a small body. */
const msgpack = new Decoder({ useBigInt64: false });

/**
 * Decode JSON, MsgPack, text or binary bodies, synchronously (no promise on the hot path).
 * Multipart is a provider's own format: a provider that receives it parses it itself
 * (`decodeMultipart`); here it is a 415.
 */
export function decodeBody(body: Uint8Array, type: ContentType, provider: string): DecodedBody {
  try {
    switch (type.kind) {
      case 'json':
        return { kind: 'json', ...parseJsonChecked(utf8.decode(body)) };
      case 'msgpack':
        return { kind: 'msgpack', value: msgpack.decode(body) };
      case 'text':
        return { kind: 'text', value: utf8.decode(body) };
      case 'binary':
        return { kind: 'binary', value: body };
      case 'multipart':
        throw new WebhookError(415, 'unsupported_media_type', `multipart/form-data is not a ${provider} webhook body`);
    }
  } catch (error) {
    throw decodeFailure(error, type);
  }
}

/** Multipart fields parsed by a provider's parser, with the same 400 for a body that does not decode. */
export async function decodeMultipart(
  body: Uint8Array,
  type: ContentType,
  parse: (body: Uint8Array, boundary: string) => Promise<Record<string, string>>,
): Promise<DecodedBody> {
  try {
    return { kind: 'multipart', fields: await parse(body, type.boundary ?? '') };
  } catch (error) {
    throw decodeFailure(error, type);
  }
}

/**
 * The 400 for a body that does not decode. The parser's own message is not repeated: JSON.parse quotes
 * part of the input, and a refusal's text reaches logs and onReject, which never carry the body.
 */
function decodeFailure(error: unknown, type: ContentType): WebhookError {
  if (error instanceof WebhookError) return error;
  const at = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
  return new WebhookError(
    400,
    'invalid_body',
    `The ${type.kind} body does not decode${at === undefined ? '' : ` (at byte ${at})`}: send valid ${type.kind === 'msgpack' ? 'MsgPack' : type.kind === 'json' ? 'JSON' : type.kind}`,
  );
}
