/** A key JSON.parse may create that a later merge could turn into prototype pollution. */
function guard(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined;
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) {
    delete (value as Record<string, unknown>).prototype;
  }
  return value;
}

/**
 * The characters of `__proto__`, `constructor` and `prototype` (an escape of any other cannot spell
 * them), and the backslash: `\u005c` + `u005f` decodes to a string holding an escape, and a string
 * of a clean text may be parsed as JSON again without the guard (`parseJsonChecked`).
 */
const KEY_CHARS = new Set('_protcnsuye\\'.split('').map((c) => c.charCodeAt(0)));

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Could the text spell a guarded key? Written plainly (`__proto__`, or `constructor` with
 * `prototype`), or with one of their characters escaped (`"\u005f_proto__"`). Every `\u` is taken
 * for an escape (an escaped backslash before a `u` only makes the check more careful), and only
 * escapes of those characters count: text full of escaped non-ASCII characters (`\u00e9`) is
 * parsed without the reviver.
 */
function mayHoldGuardedKey(text: string): boolean {
  if (text.includes('__proto__') || (text.includes('prototype') && text.includes('constructor'))) return true;
  for (let at = text.indexOf('\\u'); at >= 0; at = text.indexOf('\\u', at + 2)) {
    let code = 0;
    for (let k = at + 2; k < at + 6; k++) {
      const digit = hexDigit(text.charCodeAt(k));
      code = digit < 0 || code < 0 ? -1 : code * 16 + digit;
    }
    // Not four hex digits: a literal backslash before a `u`, or an escape JSON.parse refuses anyway.
    if (code >= 0 && KEY_CHARS.has(code)) return true;
  }
  return false;
}

/**
 * JSON.parse that never yields an own `__proto__` key, nor a `prototype` key inside a
 * `constructor` object (prototype-pollution guard for code that later merges parsed objects).
 * The reviver, which slows parsing, runs only when the text may spell one of those keys.
 */
export function parseJson(text: string): unknown {
  return mayHoldGuardedKey(text) ? JSON.parse(text, guard) : JSON.parse(text);
}

/** A parsed text, and whether the text could spell no guarded key at all. */
export interface CheckedJson {
  value: unknown;
  /**
   * True when the text spells no guarded key, plainly or through any `\u` escape (escaped
   * backslashes included): then a string taken from `value` cannot spell one either, even parsed
   * as JSON again (Ably's `json`-encoded data inside a JSON body), and may go to JSON.parse as is.
   */
  keysClean: boolean;
}

/** parseJson, saying whether the text was clean (one check for the body and the JSON strings inside it). */
export function parseJsonChecked(text: string): CheckedJson {
  const keysClean = !mayHoldGuardedKey(text);
  return { value: keysClean ? JSON.parse(text) : JSON.parse(text, guard), keysClean };
}
