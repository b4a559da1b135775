import { createHash } from 'node:crypto';

/**
 * A stable id for an event that carries none (legacy presence webhooks): a digest of the fields
 * that make the event, so that a resend of the same body is recognised as the same event (a
 * duplicate), whatever the order of its keys on the wire.
 */
export function contentId(parts: readonly unknown[]): string {
  return `pn-${createHash('sha256').update(canonicalJson(parts)).digest('base64url').slice(0, 22)}`;
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}
