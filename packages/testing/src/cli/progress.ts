import type { SimulationProgress } from '../simulator/types.js';
import { formatDuration } from './duration.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const n = (value: number) => value.toLocaleString('en-US');

function done(p: SimulationProgress): number {
  return p.events === 0 ? 1 : (p.delivered + p.dropped) / p.events;
}

/**
 * Progress output: on a terminal one line redrawn in place with a bar; otherwise a plain line
 * every `plainEveryMs` (so logs and CI stay readable). Returns the callback and a `finish` that
 * ends the line.
 */
export function progressPrinter(out: ProgressStream, plainEveryMs = 2000): { onProgress(p: SimulationProgress): void; finish(): void } {
  let lastPlain = -Infinity;
  let drawn = false;
  let previous: { at: number; requests: number } = { at: 0, requests: 0 };
  let rate = 0;
  return {
    onProgress(p) {
      const dt = p.elapsedMs - previous.at;
      if (dt >= 250) {
        rate = ((p.requests - previous.requests) * 1000) / dt;
        previous = { at: p.elapsedMs, requests: p.requests };
      }
      const share = done(p);
      const facts = `${n(p.delivered)}/${n(p.events)} events  ${Math.round(rate)} req/s  retries ${n(p.retries)}  dropped ${n(p.dropped)}  ${formatDuration(p.elapsedMs)}`;
      if (out.isTTY === true) {
        const width = Math.max(10, Math.min(30, (out.columns ?? 80) - facts.length - 10));
        const filled = Math.round(share * width);
        out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${facts}\u001b[K`);
        drawn = true;
      } else if (p.elapsedMs - lastPlain >= plainEveryMs || share === 1) {
        if (share === 1 && lastPlain === Infinity) return;
        lastPlain = share === 1 ? Infinity : p.elapsedMs;
        out.write(`progress ${Math.floor(share * 100)}%: ${facts}\n`);
      }
    },
    finish() {
      if (drawn) out.write('\n');
    },
  };
}
