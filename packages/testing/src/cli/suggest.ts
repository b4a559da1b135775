import { editDistance } from '@presence-webhooks/core/store';

export { editDistance };

/** The known name closest to `input` when it is close enough to be a typo (or a prefix or part of exactly one name: `verify` -> `no-verify`). */
export function closest(input: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter((k) => input.length >= 3 && k.startsWith(input));
  if (prefixed.length === 1) return prefixed[0];
  const containing = known.filter((k) => input.length >= 4 && k.includes(input));
  if (containing.length === 1) return containing[0];
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(input, name);
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(input.length / 3)));
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}
