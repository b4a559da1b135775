import { WebhookError } from '../errors.js';

export type BodyKind = 'json' | 'msgpack' | 'multipart' | 'text' | 'binary';

export interface ContentType {
  kind: BodyKind;
  /** The multipart boundary, for multipart bodies. */
  boundary?: string;
}

const KINDS: Readonly<Record<string, BodyKind>> = {
  'application/json': 'json',
  'application/x-msgpack': 'msgpack',
  'application/msgpack': 'msgpack',
  'application/vnd.msgpack': 'msgpack',
  'multipart/form-data': 'multipart',
  // Ably's non-enveloped mode sends the message data itself as the body:
  'text/plain': 'text',
  'application/octet-stream': 'binary',
};

/** The last header parsed and its answer: a provider sends the same Content-Type on every request. */
let last: { header: string; type: ContentType } | undefined;

/** Map a Content-Type header to the body kind we decode, or a 415. */
export function parseContentType(header: string | undefined): ContentType {
  if (header !== undefined && last !== undefined && header === last.header) return last.type;
  const type = parseUncached(header);
  last = { header: header as string, type: Object.freeze(type) };
  return type;
}

function parseUncached(header: string | undefined): ContentType {
  if (header === undefined || header.trim() === '') {
    throw new WebhookError(
      415,
      'unsupported_media_type',
      'Missing Content-Type: send application/json, application/x-msgpack or multipart/form-data',
    );
  }
  const [type = '', ...params] = header.split(';');
  const media = type.trim().toLowerCase();
  const kind = Object.hasOwn(KINDS, media) ? KINDS[media] : media.endsWith('+json') ? 'json' : undefined;
  if (kind === undefined) {
    throw new WebhookError(
      415,
      'unsupported_media_type',
      `Unsupported Content-Type "${media}": send application/json, application/x-msgpack or multipart/form-data`,
    );
  }
  if (kind !== 'multipart') return { kind };
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    const boundary = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (boundary.length > 0 && boundary.length <= 70) return { kind, boundary };
  }
  throw new WebhookError(400, 'invalid_body', 'multipart/form-data without a valid boundary parameter');
}
