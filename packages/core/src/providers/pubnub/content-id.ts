import { createHash } from 'node:crypto';

/**
 * A stable id for an event that carries none (legacy presence webhooks): a digest of the fields
 * that make the event, so that a resend of the same body is recognised as the same event (a
 * duplicate), whatever the order of its keys on the wire.
 */
export function contentId(parts: readonly unknown[]): string {
  return `pn-${createHash('sha256').update(canonicalJson(parts)).digest('base64url').slice(0, 22)}`;
}

/** Literal text in canonicalJson's work stack (as opposed to a value still to write). */
class Text {
  constructor(readonly text: string) {}
}

/**
 * JSON with object keys sorted, so equal values give equal text. Iterative, so that a deeply
 * nested body (which JSON.parse accepts) cannot exhaust the call stack.
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  const work: unknown[] = [value];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Text) {
      out += item.text;
    } else if (item === undefined) {
      out += 'null';
    } else if (item === null || typeof item !== 'object') {
      out += JSON.stringify(item) ?? 'null';
    } else if (Array.isArray(item)) {
      work.push(new Text(']'));
      for (let i = item.length - 1; i >= 0; i--) work.push(item[i], new Text(i > 0 ? ',' : ''));
      out += '[';
    } else {
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      work.push(new Text('}'));
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        work.push(record[key], new Text(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
      }
      out += '{';
    }
  }
  return out;
}
