/**
 * The one way options are checked, in core and in stores: a TypeError whose message names the
 * option and the value received, e.g.
 * `presence-webhooks: retry.attempts must be a positive integer (got NaN)`.
 */

/** How a received value is shown in an option error (never a secret: callers pass only non-secret values). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined || value === null)
    return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function optionError(name: string, expectation: string, got: unknown): TypeError {
  return new TypeError(`presence-webhooks: ${name} must be ${expectation} (got ${describeValue(got)})`);
}

/** `value ?? fallback`, checked to be a safe integer > 0. */
export function positiveInteger(value: unknown, name: string, fallback: number): number {
  const n = value ?? fallback;
  if (!(typeof n === 'number' && Number.isSafeInteger(n) && n > 0)) throw optionError(name, 'a positive integer', value);
  return n;
}

/** `value ?? fallback`, checked to be a finite number > 0. */
export function positiveNumber(value: unknown, name: string, fallback: number): number {
  const n = value ?? fallback;
  if (!(typeof n === 'number' && Number.isFinite(n) && n > 0)) throw optionError(name, 'a positive number', value);
  return n;
}

/** `value ?? fallback`, checked to be a finite number >= 0. */
export function nonNegativeNumber(value: unknown, name: string, fallback: number): number {
  const n = value ?? fallback;
  if (!(typeof n === 'number' && Number.isFinite(n) && n >= 0)) throw optionError(name, 'a number >= 0', value);
  return n;
}

/** `value ?? fallback`, checked to be one of `allowed`. */
export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  const v = value ?? fallback;
  if (!allowed.includes(v as T)) throw optionError(name, allowed.map((a) => `'${a}'`).join(' or '), value);
  return v as T;
}

/** Checked to be a boolean when given. */
export function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') throw optionError(name, 'true or false', value);
  return v;
}

/** Checked to be a non-empty string when given. */
export function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw optionError(name, 'a non-empty string', value);
  return value;
}

/** Checked to be a function when given. */
export function optionalFunction<F>(value: unknown, name: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw optionError(name, 'a function', value);
  return value as F;
}

/** An absolute http(s) URL, without trailing slashes. */
export function httpUrl(value: unknown, name: string, fallback: string): string {
  const text = value ?? fallback;
  if (typeof text === 'string') {
    try {
      const url = new URL(text);
      if (url.protocol === 'http:' || url.protocol === 'https:') return text.replace(/\/+$/, '');
    } catch {
      // reported below
    }
  }
  throw optionError(name, 'an absolute http(s) URL', value);
}

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b` (the did-you-mean of options and of the CLI). */
export function editDistance(x: string, y: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= x.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= y.length; j++) {
      if (i === 0) {
        (rows[0] as number[]).push(j);
        continue;
      }
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
  }
  return (rows[x.length] as number[])[y.length] as number;
}

/** The known name closest to `name`, when it is close enough to be what was meant. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** An options object (or undefined), whose keys must all be in `known` when given. */
export function objectOption(value: unknown, name: string, known?: Readonly<Record<string, true>>): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw optionError(name, 'an object', value);
  if (known !== undefined) checkKnownKeys(value, known, name);
  return value as Record<string, unknown>;
}

/**
 * Every own key of an options object must be a known option name: a misspelt one would otherwise be
 * ignored without a word. Throws `TypeError: presence-webhooks: ably.key is not an option (did you
 * mean ably.keys?) ...`. `known` holds each option name once (`{ keys: true, ... }` typed
 * `Record<keyof TheOptions, true>`, so a new field of the type must be listed too); `where` is the
 * object's name in messages ('ably', 'RedisStore'; '' for createReceiver's own options).
 */
export function checkKnownKeys(value: object, known: Readonly<Record<string, true>>, where: string): void {
  const names = Object.keys(known);
  const prefix = where === '' ? '' : `${where}.`;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const near = closestName(key, names);
    const hint = near === undefined ? '' : ` (did you mean ${prefix}${near}?)`;
    throw new TypeError(
      `presence-webhooks: ${prefix}${describeValue(key).slice(1, -1)} is not an option${hint}; ${where === '' ? 'createReceiver' : where} takes: ${names.join(', ')}`,
    );
  }
}
