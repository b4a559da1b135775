import { Decoder } from '@msgpack/msgpack';
import { WebhookError } from '../errors.js';
import type { ContentType } from './content-type.js';
import { parseJson } from './safe-json.js';

/** A decoded body: structured for JSON / MsgPack / multipart, raw for Ably's non-enveloped mode. */
export type DecodedBody =
  | { kind: 'json' | 'msgpack'; value: unknown }
  | { kind: 'multipart'; fields: Record<string, string> }
  | { kind: 'text'; value: string }
  | { kind: 'binary'; value: Uint8Array };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** One reused decoder: building one per request costs more than decoding a small body. */
const msgpack = new Decoder({ useBigInt64: false });

/**
 * Multipart is parsed by the PubNub provider's parser, injected here to keep this file free of it.
 * The parser may be asynchronous (a streaming parser): decodeBody then answers a promise. Every
 * other kind decodes synchronously (no promise, no microtask on the hot path).
 */
export type MultipartParser = (body: Uint8Array, boundary: string) => Record<string, string> | Promise<Record<string, string>>;

export function decodeBody(body: Uint8Array, type: ContentType, multipart?: MultipartParser): DecodedBody | Promise<DecodedBody> {
  try {
    switch (type.kind) {
      case 'json':
        return { kind: 'json', value: parseJson(utf8.decode(body)) };
      case 'msgpack':
        return { kind: 'msgpack', value: msgpack.decode(body) };
      case 'text':
        return { kind: 'text', value: utf8.decode(body) };
      case 'binary':
        return { kind: 'binary', value: body };
      case 'multipart':
        if (multipart === undefined) throw new WebhookError(415, 'unsupported_media_type', 'multipart/form-data is accepted only for PubNub webhooks');
        return decodeMultipart(body, type, multipart);
    }
  } catch (error) {
    throw decodeFailure(error, type);
  }
}

async function decodeMultipart(body: Uint8Array, type: ContentType, multipart: MultipartParser): Promise<DecodedBody> {
  try {
    return { kind: 'multipart', fields: await multipart(body, type.boundary ?? '') };
  } catch (error) {
    throw decodeFailure(error, type);
  }
}

function decodeFailure(error: unknown, type: ContentType): WebhookError {
  if (error instanceof WebhookError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new WebhookError(400, 'invalid_body', `The ${type.kind} body does not decode: ${reason}`);
}
