import { describe, expect, it } from 'vitest';
import { canonicalJson, contentId } from './content-id.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: undefined, a: 'x' }], a: null })).toBe('{"a":null,"b":[1,{"a":"x","d":2}]}');
    expect(canonicalJson([undefined, [], {}])).toBe('[null,[],{}]');
    expect(canonicalJson('s')).toBe('"s"');
  });

  it('gives equal ids for equal values whatever the key order', () => {
    expect(contentId([{ x: 1, y: [2, 3] }])).toBe(contentId([{ y: [2, 3], x: 1 }]));
    expect(contentId([{ x: 1 }])).not.toBe(contentId([{ x: 2 }]));
  });

  it('handles nesting deeper than the call stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { k: deep };
    expect(canonicalJson(deep).length).toBeGreaterThan(100_000);
  });
});
