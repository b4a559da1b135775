import type { PresenceEventMap, PresenceEventName } from './events.js';

export type Handler<K extends PresenceEventName> = (event: PresenceEventMap[K]) => void | Promise<void>;

type AnyHandler = (event: never) => void | Promise<void>;

/** A small typed emitter that hands handler failures back to the caller instead of throwing. */
export class TypedEmitter {
  private readonly handlers = new Map<PresenceEventName, Set<AnyHandler>>();

  on<K extends PresenceEventName>(name: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(name);
    if (set === undefined) this.handlers.set(name, (set = new Set()));
    set.add(handler as AnyHandler);
    return () => this.off(name, handler);
  }

  off<K extends PresenceEventName>(name: K, handler: Handler<K>): void {
    this.handlers.get(name)?.delete(handler as AnyHandler);
  }

  has(name: PresenceEventName): boolean {
    return (this.handlers.get(name)?.size ?? 0) > 0;
  }

  /**
   * Call every handler of `name` now, in subscription order. Errors thrown go to `failures`;
   * the promises of async handlers go to `pending`, already caught into `failures`.
   */
  dispatch<K extends PresenceEventName>(name: K, event: PresenceEventMap[K], failures: unknown[], pending: Promise<void>[]): void {
    const set = this.handlers.get(name);
    if (set === undefined) return;
    for (const handler of set) {
      try {
        const result = (handler as Handler<K>)(event);
        if (result instanceof Promise) pending.push(result.catch((error: unknown) => void failures.push(error)));
      } catch (error) {
        failures.push(error);
      }
    }
  }
}
