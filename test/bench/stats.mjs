// Small helpers shared by the benchmark sections.

export function median(xs) {
  return quantile(xs, 0.5);
}

/** The `q` quantile of `xs` (0.25: the first quartile), interpolated between the two nearest values. */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo === at ? s[lo] : s[lo] + (s[lo + 1] - s[lo]) * (at - lo);
}

export function round(x, digits = 0) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds since `t0` (a process.hrtime.bigint()). */
export function msSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
