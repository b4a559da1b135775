import type { RequestHeaders } from '@presence-webhooks/core/adapter';
import { getHeader as header } from '@presence-webhooks/core/adapter';

function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * The bytes a body parser's text copy of the body (`ctx.request.rawBody`, a string from
 * @koa/bodyparser / co-body) stands for, or undefined when they cannot be proven to be exactly the
 * bytes received. A parser decodes with its own charset (co-body: UTF-8 whatever the header says),
 * replaces invalid sequences with U+FFFD, strips a BOM and inflates gzip, so the UTF-8 encoding
 * of the text is the received body only when:
 * - no Content-Encoding changed the bytes;
 * - the text holds no U+FFFD (a lossy decode cannot be told from a real one);
 * - its UTF-8 length equals Content-Length, or, without one (chunked), the declared charset is UTF-8
 *   (or absent).
 * A Uint8Array is taken as it is.
 */
export function exactRawBody(rawBody: unknown, headers: RequestHeaders): Uint8Array | undefined {
  if (rawBody instanceof Uint8Array) return rawBody;
  if (typeof rawBody !== 'string') return undefined;
  const encoding = header(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') return undefined;
  if (rawBody.includes('\uFFFD')) return undefined;
  const bytes = Buffer.from(rawBody, 'utf8');
  const length = header(headers, 'content-length');
  if (length !== undefined) return /^\d+$/.test(length.trim()) && Number(length) === bytes.byteLength ? bytes : undefined;
  const charset = charsetOf(header(headers, 'content-type'));
  return charset === undefined || charset === 'utf-8' || charset === 'utf8' ? bytes : undefined;
}
