import type { LatencySummary } from './types.js';
import type { Outcome } from './transport.js';

/** Counters of a run: requests, answers, retries, answer times. */
export class Stats {
  requests = 0;
  deliveries = 0;
  retries = 0;
  duplicates = 0;
  inFlight = 0;
  readonly statuses = new Map<string, number>();
  private readonly latencies: number[] = [];

  /** Count one answered (or failed) request; `retry` when it resends what an earlier request carried. */
  record(outcome: Outcome, retry: boolean): void {
    this.requests++;
    if (retry) this.retries++;
    if (isSuccess(outcome)) this.deliveries++;
    const key = String(outcome.status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (typeof outcome.status === 'number') this.latencies.push(outcome.ms);
  }

  statusRecord(): Record<string, number> {
    return Object.fromEntries([...this.statuses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  latency(): LatencySummary {
    const sorted = Float64Array.from(this.latencies).sort();
    const at = (q: number) =>
      sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.length === 0 ? 0 : round(sorted[sorted.length - 1] as number) };
  }
}

export function isSuccess(outcome: Outcome): boolean {
  return typeof outcome.status === 'number' && outcome.status >= 200 && outcome.status < 300;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
