/** A small seeded PRNG (mulberry32), so that histories and deliveries replay from a seed. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, list: readonly T[]): T {
  if (list.length === 0) throw new RangeError('pick from an empty list');
  return list[Math.floor(random() * list.length)] as T;
}

export function shuffle<T>(random: Random, list: readonly T[]): T[] {
  const out = list.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Where a generated history starts when its caller names no `start`: so that it ends about two minutes
 * before now (`meanSpanMs`: the span the generator expects), on a whole second. A receiver treats events
 * older than its horizon (10 minutes) as stale and far-future ones as invalid, so a history replayed at
 * once must carry recent provider times; one longer than the horizon is replayed with `maxEventAgeMs: Infinity`.
 */
export function recentStart(meanSpanMs: number): number {
  return Math.floor((Date.now() - meanSpanMs - 120_000) / 1000) * 1000;
}
