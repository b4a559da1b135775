import type { ReconcileEvent } from '@presence-webhooks/core';
import type { SimulationProgress } from '../simulator/types.js';
import { formatDuration } from './duration.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const n = (value: number) => value.toLocaleString('en-US');

/** The rate is requests over this much real time (Ably sends in bursts, once a second per site). */
export const RATE_WINDOW_MS = 5000;

/** Share of the events settled (delivered or dropped); below 1 until the run says it is finished. */
function done(p: SimulationProgress): number {
  const share = p.events === 0 ? 1 : (p.delivered + p.dropped) / p.events;
  return p.finished ? 1 : Math.min(share, 0.99);
}

/** Requests per second over the last RATE_WINDOW_MS of samples (over the whole run while it is shorter). */
function rateMeter(): (p: SimulationProgress) => number {
  const samples: { at: number; requests: number }[] = [{ at: 0, requests: 0 }];
  return (p) => {
    samples.push({ at: p.elapsedMs, requests: p.requests });
    while (samples.length > 2 && (samples[1] as { at: number }).at <= p.elapsedMs - RATE_WINDOW_MS) samples.shift();
    const first = samples[0] as { at: number; requests: number };
    const dt = p.elapsedMs - first.at;
    return dt <= 0 ? 0 : ((p.requests - first.requests) * 1000) / dt;
  };
}

function formatRate(rate: number): string {
  return rate >= 10 ? n(Math.round(rate)) : rate.toFixed(1);
}

/** One progress line redrawn in place on a terminal: a bar, the percentage, the facts. */
function drawBar(out: ProgressStream, share: number, facts: string): void {
  const width = Math.max(10, Math.min(30, (out.columns ?? 80) - facts.length - 10));
  const filled = Math.floor(share * width);
  out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${facts}\u001b[K`);
}

/**
 * Progress output: on a terminal one line redrawn in place with a bar; otherwise a plain line
 * every `plainEveryMs` (so logs and CI stay readable). The bar and the percentage reach 100% only
 * on the run's last call (`finished`); the request rate is averaged over the last 5 s. Returns the
 * callback and a `finish` that ends the line.
 */
export function progressPrinter(out: ProgressStream, plainEveryMs = 2000): { onProgress(p: SimulationProgress): void; finish(): void } {
  let lastPlain = -Infinity;
  let drawn = false;
  let ended = false;
  const rate = rateMeter();
  return {
    onProgress(p) {
      if (ended) return;
      const perSecond = rate(p);
      const share = done(p);
      const facts = `${n(p.delivered)}/${n(p.events)} events  ${formatRate(perSecond)} req/s  retries ${n(p.retries)}  dropped ${n(p.dropped)}  ${formatDuration(p.elapsedMs)}`;
      const percent = String(Math.floor(share * 100));
      if (out.isTTY === true) {
        drawBar(out, share, facts);
        drawn = true;
      } else if (p.elapsedMs - lastPlain >= plainEveryMs || p.finished) {
        lastPlain = p.elapsedMs;
        out.write(`progress ${percent}%: ${facts}\n`);
      }
      if (p.finished) ended = true;
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

/**
 * The `reconcile` command's progress from the receiver's `reconcile` events: on a terminal the
 * bar of the provider being reconciled (channels done of those known so far), nothing otherwise
 * (the summary says it all). 100% only on the provider's 'done' event.
 */
export function reconcileProgressPrinter(
  out: ProgressStream,
  now: () => number = Date.now,
): { onProgress(event: ReconcileEvent): void; finish(): void } {
  const started = now();
  let drawn = false;
  return {
    onProgress(event) {
      if (out.isTTY !== true) return;
      const share = event.phase === 'done' ? 1 : event.total === 0 ? 0 : Math.min(event.done / event.total, 0.99);
      drawBar(
        out,
        share,
        `${event.provider} ${event.phase === 'list' ? 'listing' : event.phase}  ${n(event.done)}/${n(event.total)} channels  ${formatDuration(now() - started)}`,
      );
      drawn = true;
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
