// Small helpers shared by the benchmark sections.

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function round(x, digits = 0) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds since `t0` (a process.hrtime.bigint()). */
export function msSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
