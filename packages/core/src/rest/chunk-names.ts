export interface NameChunk {
  names: string[];
  /** The names percent-encoded one by one and joined by a bare `,` (the separator is not encoded). */
  encoded: string;
}

/**
 * Splits channel names into chunks of at most `maxCount` names whose encoded list stays within
 * `maxLength` characters (a URL bound: proxies and providers refuse URLs over ~8 KB). A name too
 * long to fit even alone gets a chunk of its own. Names are deduplicated, order kept. Pure.
 */
export function chunkNames(names: Iterable<string>, maxCount: number, maxLength: number): NameChunk[] {
  const chunks: NameChunk[] = [];
  const seen = new Set<string>();
  let current: NameChunk = { names: [], encoded: '' };
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const encoded = encodeURIComponent(name);
    const length = current.names.length === 0 ? encoded.length : current.encoded.length + 1 + encoded.length;
    if (current.names.length > 0 && (current.names.length >= maxCount || length > maxLength)) {
      chunks.push(current);
      current = { names: [], encoded: '' };
    }
    current.names.push(name);
    current.encoded = current.names.length === 1 ? encoded : `${current.encoded},${encoded}`;
  }
  if (current.names.length > 0) chunks.push(current);
  return chunks;
}
