import { Busboy } from '@fastify/busboy';
import type { MultipartLimits } from './options.js';

export const DEFAULT_MULTIPART_LIMITS: Required<MultipartLimits> = { parts: 16, fieldSize: 4096 };

/** Field names longer than this are not PubNub's (they send sub_key, channel, status, timestamp). */
const FIELD_NAME_LIMIT = 64;

/**
 * Parse a multipart/form-data body (PubNub's channel active / inactive webhooks) into its text
 * fields, with @fastify/busboy. Bounded: at most `parts` parts, `fieldSize` bytes per value, no
 * files. Rejects (the receiver answers 400 invalid_body) on a malformed body, a wrong boundary,
 * a file part, too many parts or an oversized field. The first value of a repeated name wins; the
 * result has no prototype, so a field named `__proto__` is only data.
 */
export function parseMultipart(body: Uint8Array, boundary: string, limits: MultipartLimits = {}): Promise<Record<string, string>> {
  const parts = limits.parts ?? DEFAULT_MULTIPART_LIMITS.parts;
  const fieldSize = limits.fieldSize ?? DEFAULT_MULTIPART_LIMITS.fieldSize;
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      reject(new Error(message));
    };
    let parser;
    try {
      parser = Busboy({
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        limits: { parts, fields: parts, files: 0, fieldSize, fieldNameSize: FIELD_NAME_LIMIT, headerPairs: 8, headerSize: 1024 },
      });
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
      return;
    }
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (nameTruncated || name.length > FIELD_NAME_LIMIT) return fail(`a field name is longer than ${FIELD_NAME_LIMIT} bytes`);
      if (valueTruncated) return fail(`field "${name}" is larger than ${fieldSize} bytes`);
      if (!(name in fields)) fields[name] = value;
    });
    parser.on('partsLimit', () => fail(`more than ${parts} parts`));
    parser.on('fieldsLimit', () => fail(`more than ${parts} fields`));
    parser.on('filesLimit', () => fail('file parts are not accepted'));
    parser.on('error', (error: unknown) => fail(error instanceof Error ? error.message : String(error)));
    parser.on('finish', () => {
      if (failed) return;
      if (Object.keys(fields).length === 0) return fail('no form fields');
      resolve(fields);
    });
    parser.end(body);
  });
}
