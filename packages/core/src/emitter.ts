import type { Change, PresenceEventMap, PresenceEventName } from './events.js';
import { changePayload } from './events.js';

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

  /**
   * Call every handler of `name` now, in subscription order. Errors thrown go to `failures`;
   * the promises of async handlers go to `pending`, already caught into `failures`.
   */
  dispatch<K extends PresenceEventName>(name: K, event: PresenceEventMap[K], failures: unknown[], pending: Promise<void>[]): void {
    const set = this.handlers.get(name);
    if (set !== undefined) callEach(set, event, failures, pending);
  }

  /**
   * Dispatch committed changes in order, each under its type with its payload (`changePayload`), as
   * `dispatch` does; a change no one listens to costs one lookup, and no payload is built for it.
   */
  dispatchChanges(changes: readonly Change[], failures: unknown[], pending: Promise<void>[]): void {
    for (const change of changes) {
      const set = this.handlers.get(change.type);
      if (set !== undefined && set.size > 0) callEach(set, changePayload(change), failures, pending);
    }
  }
}

/** Call each handler of a set with `event` (see `TypedEmitter.dispatch`). */
function callEach(set: ReadonlySet<AnyHandler>, event: unknown, failures: unknown[], pending: Promise<void>[]): void {
  for (const handler of set) {
    try {
      const result = (handler as (event: unknown) => void | Promise<void>)(event);
      if (result instanceof Promise) pending.push(result.catch((error: unknown) => void failures.push(error)));
    } catch (error) {
      failures.push(error);
    }
  }
}
