import type { PresenceEventMap, PresenceEventName } from './events.js';

export type Handler<K extends PresenceEventName> = (event: PresenceEventMap[K]) => void | Promise<void>;

type AnyHandler = (event: never) => void | Promise<void>;

/** A small typed emitter that awaits handlers and returns their failures instead of throwing. */
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

  /** Call every handler of `name`; resolves to the errors they threw or rejected with. */
  async emit<K extends PresenceEventName>(name: K, event: PresenceEventMap[K]): Promise<unknown[]> {
    const set = this.handlers.get(name);
    if (set === undefined || set.size === 0) return [];
    const errors: unknown[] = [];
    const pending: Promise<void>[] = [];
    for (const handler of set) {
      try {
        const result = (handler as Handler<K>)(event);
        if (result instanceof Promise) pending.push(result.catch((error: unknown) => void errors.push(error)));
      } catch (error) {
        errors.push(error);
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    return errors;
  }
}
