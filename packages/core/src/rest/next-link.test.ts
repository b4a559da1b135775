import { describe, expect, it } from 'vitest';
import { nextLink } from './next-link.js';

const PAGE = 'https://rest.example/channels/room%201/presence?limit=1000';

describe('nextLink', () => {
  it("resolves Ably's relative next target against the page URL", () => {
    const header =
      '<./presence?limit=1000&start=2>; rel="first", <./presence?limit=1000&start=2>; rel="current", <./presence?limit=1000&start=4>; rel="next"';
    expect(nextLink(header, PAGE)).toBe('https://rest.example/channels/room%201/presence?limit=1000&start=4');
  });

  it('is undefined without a next link', () => {
    expect(nextLink(undefined, PAGE)).toBeUndefined();
    expect(nextLink('', PAGE)).toBeUndefined();
    expect(nextLink('<./presence?start=0>; rel="first"', PAGE)).toBeUndefined();
  });

  it('refuses a target on another origin (the request carries the API key)', () => {
    expect(() => nextLink('<https://elsewhere.example/presence>; rel="next"', PAGE)).toThrow(/another origin/);
  });
});
