import { readFileSync } from 'node:fs';

/** The type names an entry file exports (`export type { A, B } from ...`), sorted. */
export function exportedTypes(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/export type \{([^}]*)\}/g)]
    .flatMap((m) =>
      (m[1] as string)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .sort();
}
