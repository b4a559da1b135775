import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseJson, parseJsonChecked } from './safe-json.js';

describe('parseJson', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['plain', '{"a":{"__proto__":{"polluted":true}}}'],
    ['escaped first character', '{"a":{"\\u005f_proto__":{"polluted":true}}}'],
    ['escaped middle character', '{"a":{"__pr\\u006fto__":{"polluted":true}}}'],
    ['escaped in upper-case hex', '{"a":{"\\u005F\\u005Fproto\\u005F\\u005F":{"polluted":true}}}'],
    ['escaped among non-ASCII escapes', '{"n":"caf\\u00e9","a":{"__prot\\u006f__":{"polluted":true}}}'],
  ])('drops a %s __proto__ key', (_name, text) => {
    const value = parseJson(text) as { a: object };
    expect(Object.hasOwn(value.a, '__proto__')).toBe(false);
    expect((Object.assign({}, value.a) as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it.each([
    ['plain', '{"a":{"constructor":{"prototype":{"polluted":true},"name":"x"}}}'],
    ['escaped constructor', '{"a":{"\\u0063onstructor":{"prototype":{"polluted":true},"name":"x"}}}'],
    ['escaped prototype', '{"a":{"constructor":{"prototyp\\u0065":{"polluted":true},"name":"x"}}}'],
  ])('drops the prototype key of a %s constructor object', (_name, text) => {
    const value = parseJson(text) as { a: { constructor: Record<string, unknown> } };
    expect(Object.hasOwn(value.a.constructor, 'prototype')).toBe(false);
    expect(value.a.constructor.name).toBe('x');
  });

  it('keeps everything else, escapes included', () => {
    expect(parseJson('{"x":"caf\\u00e9","y":[1,{"z":null}],"p":"C:\\\\users","constructor":"c","prototype":1}')).toEqual({
      x: 'café',
      y: [1, { z: null }],
      p: 'C:\\users',
      constructor: 'c',
      prototype: 1,
    });
  });

  it('parses without a reviver when no escape can spell a guarded key (non-ASCII escapes, a literal backslash before u)', () => {
    const parse = vi.spyOn(JSON, 'parse');
    parseJson('{"x":"caf\\u00e9 \\ud83d\\ude00","p":"C:\\\\users"}');
    expect(parse.mock.calls[0]).toHaveLength(1);
    parseJson('{"x":"\\u0070"}');
    expect(parse.mock.calls[1]).toHaveLength(2);
  });

  it.each([
    ['{"a":"caf\\u00e9","b":"{\\"x\\":1}"}', true],
    ['{"a":"__proto__"}', false],
    ['{"a":"\\u005cu005f"}', false],
    ['{"a":"\\\\u005f"}', false],
  ])('parseJsonChecked(%s) says whether the text is clean: %s', (text, clean) => {
    expect(parseJsonChecked(text)).toEqual({ value: JSON.parse(text), keysClean: clean });
  });
});
