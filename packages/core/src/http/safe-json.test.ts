import { describe, expect, it } from 'vitest';
import { parseJson } from './safe-json.js';

describe('parseJson', () => {
  it.each([
    ['plain', '{"a":{"__proto__":{"polluted":true}}}'],
    ['escaped first character', '{"a":{"\\u005f_proto__":{"polluted":true}}}'],
    ['escaped middle character', '{"a":{"__pr\\u006fto__":{"polluted":true}}}'],
  ])('drops a %s __proto__ key', (_name, text) => {
    const value = parseJson(text) as { a: object };
    expect(Object.hasOwn(value.a, '__proto__')).toBe(false);
    expect((Object.assign({}, value.a) as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('keeps everything else, escapes included', () => {
    expect(parseJson('{"x":"caf\\u00e9","y":[1,{"z":null}]}')).toEqual({ x: 'café', y: [1, { z: null }] });
  });
});
