import { describe, expect, it } from 'vitest';
import { OPTIONS } from './args.js';
import { closest, editDistance } from './suggest.js';

describe('did you mean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('channels', 'channels')).toBe(0);
    expect(editDistance('chanels', 'channels')).toBe(1);
    expect(editDistance('chnanels', 'channels')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the option a typo was meant to be, and nothing for a word far from every option', () => {
    const names = Object.keys(OPTIONS);
    expect(closest('chanels', names)).toBe('channels');
    expect(closest('timescale', names)).toBe('time-scale');
    expect(closest('read-tokn', names)).toBe('read-token');
    expect(closest('verify', names)).toBe('no-verify');
    expect(closest('dur', names)).toBe('duration');
    expect(closest('bogus', names)).toBeUndefined();
    expect(closest('x', names)).toBeUndefined();
  });
});
