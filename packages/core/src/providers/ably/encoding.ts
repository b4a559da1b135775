import { createDecipheriv } from 'node:crypto';
import { parseJson } from '../../http/safe-json.js';
import type { CipherKey } from './options.js';

export interface DecodedData {
  data: unknown;
  /** The steps left undone (left part of the chain), when a step could not be applied. */
  encoding?: string;
  /** Why decoding stopped early. */
  problem?: string;
}

const utf8 = new TextDecoder('utf-8');
/** Encoding chains seen so far, split once (a handful of distinct chains occur in practice). */
const chains = new Map<string, readonly string[]>();
const MAX_CACHED_CHAINS = 256;

function stepsOf(encoding: string): readonly string[] {
  let steps = chains.get(encoding);
  if (steps === undefined) {
    steps = encoding.split('/');
    if (chains.size < MAX_CACHED_CHAINS) chains.set(encoding, steps);
  }
  return steps;
}
const CIPHERS: Readonly<Record<string, number>> = { 'aes-128-cbc': 16, 'aes-256-cbc': 32 };

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function toKeyBytes(key: CipherKey): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}

function decrypt(data: unknown, algorithm: string, key: CipherKey | undefined): Buffer {
  if (key === undefined) throw new Error('no cipher key configured for this channel');
  const keyLength = CIPHERS[algorithm];
  if (keyLength === undefined) throw new Error(`unsupported cipher ${algorithm}`);
  const keyBytes = toKeyBytes(key);
  if (keyBytes.length !== keyLength)
    throw new Error(`${algorithm} needs a ${keyLength * 8}-bit key, the channel's key has ${keyBytes.length * 8} bits`);
  if (!isBytes(data) || data.length < 32 || data.length % 16 !== 0)
    throw new Error('ciphertext must be binary: a 16-byte IV and whole blocks');
  const decipher = createDecipheriv(algorithm, keyBytes, data.subarray(0, 16));
  return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
}

function applyStep(data: unknown, step: string, key: () => CipherKey | undefined): unknown {
  const plus = step.indexOf('+');
  switch (plus < 0 ? step : step.slice(0, plus)) {
    case 'base64':
      return Buffer.from(isBytes(data) ? utf8.decode(data) : String(data), 'base64');
    case 'utf-8':
      // As ably-js: the step decodes binary only (a JSON webhook's text data cannot take it).
      if (isBytes(data)) return utf8.decode(data);
      throw new Error('utf-8 step on data that is not binary');
    case 'json':
      return parseJson(isBytes(data) ? utf8.decode(data) : String(data));
    case 'cipher':
      return decrypt(data, plus < 0 ? '' : step.slice(plus + 1), key());
    default:
      throw new Error(`unknown encoding step "${step}"`);
  }
}

/**
 * Undo an Ably `encoding` chain, right to left (`utf-8/cipher+aes-128-cbc/base64`: base64 first).
 * Gives what ably-js `fromEncoded` gives. A step that cannot be applied (unknown, no key, bad
 * input) stops the chain: the data stays as decoded so far, the steps left are returned as the
 * residual encoding, and the reason as `problem`. Never throws.
 */
export function decodeData(data: unknown, encoding: unknown, cipherKey: () => CipherKey | undefined): DecodedData {
  if (typeof encoding !== 'string' || encoding === '') return { data };
  const steps = stepsOf(encoding);
  let value = data;
  for (let i = steps.length - 1; i >= 0; i--) {
    try {
      value = applyStep(value, steps[i] as string, cipherKey);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { data: value, encoding: steps.slice(0, i + 1).join('/'), problem: `cannot apply "${steps[i]}": ${reason}` };
    }
  }
  return { data: value };
}
