import { StoreError, toError } from './errors.js';
import { LogThrottle } from './log-throttle.js';

/**
 * The receiver's onError handlers: an error reported goes to each of them. When there is none, to console.error,
 * one line per code a minute (a delivery of a thousand bad items, or a handler failing on every event, would
 * otherwise write a line each).
 */
export class ErrorListeners {
  private readonly handlers = new Set<(error: Error) => void>();
  /** The default log's lines, one per error code a minute. */
  private readonly logged = new LogThrottle();

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
    const givenUp = error instanceof StoreError && error.details.attempt >= error.details.attempts;
    const left = this.logged.take(code, givenUp);
    if (left === undefined) return;
    const more = left > 0 ? ` (${left} more ${code} since the last line)` : '';
    console.error(
      'presence-webhooks:',
      `${error.message}${more} [further ${code} errors are not logged for 60 s; pass onError to see each]`,
    );
  }
}
