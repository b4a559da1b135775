import { StoreError, toError } from './errors.js';

/** With no onError handler, one line per error code per this many ms reaches console.error. */
const DEFAULT_LOG_INTERVAL_MS = 60_000;

/**
 * The receiver's onError handlers: an error reported goes to each of them. When there is none, to console.error,
 * one line per code a minute (a delivery of a thousand bad items, or a handler failing on every event, would
 * otherwise write a line each).
 */
export class ErrorListeners {
  private readonly handlers = new Set<(error: Error) => void>();
  /** When each code was last logged by default, and how many of it were left out since. */
  private readonly logged = new Map<string, { at: number; left: number }>();

  get size(): number {
    return this.handlers.size;
  }

  /** Add a handler; returns its removal. */
  add(handler: (error: Error) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Tell every handler; a handler that throws is logged, never rethrown. */
  report(error: Error): void {
    if (this.handlers.size === 0) {
      this.logByDefault(error);
      return;
    }
    for (const handler of this.handlers) {
      try {
        handler(error);
      } catch (inner) {
        console.error('presence-webhooks: onError handler threw:', toError(inner).message);
      }
    }
  }

  /** One line per code a minute; a delivery given up after its retries (data lost) always gets its line. */
  private logByDefault(error: Error): void {
    const given = (error as { code?: unknown }).code;
    const code = typeof given === 'string' ? given : 'error';
    const now = Date.now();
    const last = this.logged.get(code);
    const givenUp = error instanceof StoreError && error.details.attempt >= error.details.attempts;
    if (!givenUp && last !== undefined && now - last.at < DEFAULT_LOG_INTERVAL_MS) {
      last.left++;
      return;
    }
    const left = last !== undefined && last.left > 0 ? ` (${last.left} more ${code} since the last line)` : '';
    this.logged.set(code, givenUp && last !== undefined ? { at: last.at, left: 0 } : { at: now, left: 0 });
    console.error(
      'presence-webhooks:',
      `${error.message}${left} [further ${code} errors are not logged for 60 s; pass onError to see each]`,
    );
  }
}
