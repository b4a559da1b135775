import { nonNegativeNumber, optionError, positiveInteger, positiveNumber } from '../option-checks.js';
import type { FetchJsonInput, JsonAnswer } from './fetch-json.js';
import { fetchJson } from './fetch-json.js';
import { ResyncError } from './resync-error.js';

export interface RequestBudgetOptions {
  /**
   * Requests open at once (default 2). Two keep one request in flight while the previous answer
   * is decoded, which is all the rate limit leaves room for at 10 req/s with answers of ~100 ms;
   * more only piles requests up against the provider's limit (Ably rate-limits the channel
   * metadata and batch APIs per app, and allows one enumeration in flight).
   */
  concurrency?: number;
  /** Request starts per second, retries included (default 10): starts are spaced 1/rate apart. */
  maxRequestsPerSecond?: number;
  /** The timeout of each request (default 10000 ms). */
  timeoutMs?: number;
  /** Retries of one request after a 429, a 5xx, a timeout or a network error (default 3). */
  retries?: number;
  /** Aborts every request, queued, sleeping or open. */
  signal?: AbortSignal;
  /** The first backoff (default 500 ms); attempt n waits about `backoffMs * 2^n`, with jitter. */
  backoffMs?: number;
  /** The longest wait before a retry, `Retry-After` included (default 60000 ms). */
  maxBackoffMs?: number;
  /** Jitter source in [0, 1) (default Math.random); tests pass a fixed one. */
  random?: () => number;
}

/** fetchJson's input; `timeoutMs` and `signal` default to the budget's (a given signal is added to it). */
export type BudgetFetchInput = Omit<FetchJsonInput, 'timeoutMs' | 'signal'> & {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called just before each attempt is sent (a snapshot's time is the time its request went out). */
  onSend?: () => void;
};

/** What a budget spent so far. */
export interface BudgetCounts {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Of those, the retries. */
  retries: number;
  /** Answers 429 (rate limited). */
  throttled: number;
}

const DEFAULTS = { concurrency: 2, maxRequestsPerSecond: 10, timeoutMs: 10_000, retries: 3, backoffMs: 500, maxBackoffMs: 60_000 };

/**
 * The request budget one reconcile shares across all its requests: at most `concurrency` open at
 * once, starts spaced to `maxRequestsPerSecond` (a token bucket of one token: no burst above the
 * rate), retries with exponential backoff and jitter, `Retry-After` honoured (and applied to every
 * request of the budget: the provider throttles the key, not the request), and one abort signal.
 */
export class RequestBudget {
  readonly concurrency: number;
  readonly maxRequestsPerSecond: number;
  readonly timeoutMs: number;
  readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private readonly signal: AbortSignal | undefined;
  private readonly counts: BudgetCounts = { requests: 0, retries: 0, throttled: 0 };
  private open = 0;
  private readonly queue: (() => void)[] = [];
  /** The earliest time (ms, Date.now) the next request may start. */
  private nextStart = 0;

  constructor(options: RequestBudgetOptions = {}) {
    this.concurrency = positiveInteger(options.concurrency, 'resync.concurrency', DEFAULTS.concurrency);
    this.maxRequestsPerSecond = positiveNumber(options.maxRequestsPerSecond, 'resync.maxRequestsPerSecond', DEFAULTS.maxRequestsPerSecond);
    this.timeoutMs = positiveInteger(options.timeoutMs, 'resync.timeoutMs', DEFAULTS.timeoutMs);
    const retries = options.retries ?? DEFAULTS.retries;
    if (!(typeof retries === 'number' && Number.isSafeInteger(retries) && retries >= 0))
      throw optionError('resync.retries', 'an integer >= 0', options.retries);
    this.retries = retries;
    this.backoffMs = nonNegativeNumber(options.backoffMs, 'resync.backoffMs', DEFAULTS.backoffMs);
    this.maxBackoffMs = nonNegativeNumber(options.maxBackoffMs, 'resync.maxBackoffMs', DEFAULTS.maxBackoffMs);
    this.random = options.random ?? Math.random;
    this.signal = options.signal;
  }

  /** HTTP requests sent so far, retries included. */
  get requests(): number {
    return this.counts.requests;
  }

  /** True once the budget's signal fired: every request of it fails from then on. */
  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Every count (a copy). */
  spent(): BudgetCounts {
    return { ...this.counts };
  }

  /**
   * fetchJson within the budget. Resolves with the first 2xx JSON answer; rejects with the last
   * ResyncError when retries are spent or the answer is not retryable (a 4xx other than 429, a
   * body that is not JSON), and with a ResyncError "aborted" once the signal fires.
   */
  async fetchJson(input: BudgetFetchInput): Promise<JsonAnswer> {
    const signal = this.signalFor(input.signal);
    for (let attempt = 0; ; attempt++) {
      await this.acquire(input, signal);
      let wait: number;
      try {
        input.onSend?.();
        this.counts.requests++;
        if (attempt > 0) this.counts.retries++;
        const { onSend: _onSend, ...rest } = input;
        return await fetchJson({ ...rest, timeoutMs: input.timeoutMs ?? this.timeoutMs, ...(signal === undefined ? {} : { signal }) });
      } catch (error) {
        if (!(error instanceof ResyncError) || signal?.aborted === true || attempt >= this.retries || !retryable(error)) throw error;
        if (error.status === 429) this.counts.throttled++;
        const hinted = retryAfterMs(error.retryAfter, Date.now());
        wait = Math.min(this.maxBackoffMs, hinted ?? this.backoff(attempt));
        // The provider asked the whole key to wait: no request of this budget starts before then.
        if (hinted !== undefined) this.nextStart = Math.max(this.nextStart, Date.now() + wait);
      } finally {
        this.release();
      }
      await sleep(wait, signal, () => aborted(input));
    }
  }

  private backoff(attempt: number): number {
    const ceiling = this.backoffMs * 2 ** attempt;
    return ceiling / 2 + (ceiling / 2) * this.random();
  }

  private signalFor(own: AbortSignal | undefined): AbortSignal | undefined {
    if (own === undefined) return this.signal;
    return this.signal === undefined ? own : AbortSignal.any([this.signal, own]);
  }

  /** A concurrency slot (FIFO), then a start slot on the rate's schedule. */
  private async acquire(input: BudgetFetchInput, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) throw aborted(input);
    if (this.open >= this.concurrency) {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.queue.indexOf(grant);
          if (at >= 0) this.queue.splice(at, 1);
          reject(aborted(input));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.queue.push(grant);
      });
    } else {
      this.open++;
    }
    // The slot is held from here (release() hands it on).
    try {
      const now = Date.now();
      const start = Math.max(now, this.nextStart);
      this.nextStart = start + 1000 / this.maxRequestsPerSecond;
      if (start > now) await sleep(start - now, signal, () => aborted(input));
    } catch (error) {
      this.release();
      throw error;
    }
  }

  private release(): void {
    const next = this.queue.shift();
    if (next === undefined) this.open--;
    else next();
  }
}

function aborted(input: BudgetFetchInput): ResyncError {
  return new ResyncError(input.provider, input.channel, 'the reconcile was aborted');
}

/** 429, 5xx, and no answer at all (timeout, network) are worth another try. */
function retryable(error: ResyncError): boolean {
  return error.status === undefined || error.status === 429 || error.status >= 500;
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (a date in the past is 0).
 * Undefined when absent or unreadable. Pure.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month (Date.parse alone would read "-1" as a year).
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(onAbort());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(onAbort());
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
