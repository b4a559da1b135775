import { toError } from './errors.js';

/** The receiver's onError handlers: an error reported goes to each of them, or to console.error when there is none. */
export class ErrorListeners {
  private readonly handlers = new Set<(error: Error) => void>();

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
      console.error('presence-webhooks:', error.message);
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
}
