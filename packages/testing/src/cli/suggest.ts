/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        ((d[i - 1] as number[])[j] as number) + 1,
        (row[j - 1] as number) + 1,
        ((d[i - 1] as number[])[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

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
