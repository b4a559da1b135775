import { describe, expect, it } from 'vitest';
import { chunkNames } from './chunk-names.js';

describe('chunkNames', () => {
  it('encodes each name, joins with a bare comma, and caps the count', () => {
    const chunks = chunkNames(['a:b', 'c/d', 'e f', 'é', 'x,y'], 2, 8000);
    expect(chunks.map((c) => c.names)).toEqual([['a:b', 'c/d'], ['e f', 'é'], ['x,y']]);
    expect(chunks.map((c) => c.encoded)).toEqual(['a%3Ab,c%2Fd', 'e%20f,%C3%A9', 'x%2Cy']);
  });

  it('keeps each encoded list within the length bound; a name longer than the bound goes alone', () => {
    const names = Array.from({ length: 50 }, (_, i) => `room-${i}`);
    for (const chunk of chunkNames(names, 100, 40)) expect(chunk.encoded.length).toBeLessThanOrEqual(40);
    expect(chunkNames(['x'.repeat(50), 'y'], 100, 40).map((c) => c.names.length)).toEqual([1, 1]);
  });

  it('drops duplicates and gives nothing for nothing', () => {
    expect(chunkNames(['a', 'b', 'a'], 100, 8000).map((c) => c.names)).toEqual([['a', 'b']]);
    expect(chunkNames([], 100, 8000)).toEqual([]);
  });
});
