import { describe, expect, it } from 'vitest';
import { exactRawBody } from './exact-raw-body.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('exactRawBody', () => {
  const text = '{"name":"Zoë 🙂"}';
  const length = String(utf8(text).byteLength);

  it('takes bytes as they are', () => {
    const bytes = Uint8Array.from([1, 2, 3]);
    expect(exactRawBody(bytes, {})).toBe(bytes);
  });

  it('re-encodes a UTF-8 text whose length matches Content-Length', () => {
    expect(exactRawBody(text, { 'content-length': length, 'content-type': 'application/json' })).toEqual(utf8(text));
  });

  it('refuses a text whose UTF-8 length differs from Content-Length (a stripped BOM, another decoding)', () => {
    expect(exactRawBody(text, { 'content-length': String(Number(length) + 3) })).toBeUndefined();
    expect(exactRawBody('caf\u00e9', { 'content-length': '4', 'content-type': 'application/json; charset=iso-8859-1' })).toBeUndefined();
  });

  it('refuses a text with U+FFFD: a lossy decode cannot be told from a real one', () => {
    expect(exactRawBody('{"a":"\uFFFDA"}', { 'content-length': String(utf8('{"a":"\uFFFDA"}').byteLength) })).toBeUndefined();
  });

  it('refuses a text the parser inflated', () => {
    expect(exactRawBody(text, { 'content-length': length, 'content-encoding': 'gzip' })).toBeUndefined();
    expect(exactRawBody(text, { 'content-length': length, 'content-encoding': 'identity' })).toEqual(utf8(text));
  });

  it('without Content-Length, accepts only a UTF-8 (or unstated) charset', () => {
    expect(exactRawBody(text, { 'content-type': 'application/json' })).toEqual(utf8(text));
    expect(exactRawBody(text, { 'content-type': 'application/json; charset="UTF-8"' })).toEqual(utf8(text));
    expect(exactRawBody(text, { 'content-type': 'application/json; charset=utf-16le' })).toBeUndefined();
  });

  it('refuses what is neither bytes nor text', () => {
    expect(exactRawBody(undefined, {})).toBeUndefined();
    expect(exactRawBody({ parsed: true }, {})).toBeUndefined();
  });
});
