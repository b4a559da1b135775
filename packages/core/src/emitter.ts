import type { Change, LeaveEvent, PresenceEventMap, PresenceEventName, UpdateEvent } from './events.js';

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

/** The payload a committed change is emitted with, under its type as the event name (one object literal per type: no spreads on this hot path). */
export function changePayload<C extends Change>(change: C): PresenceEventMap[C['type']];
export function changePayload(change: Change): PresenceEventMap[Change['type']] {
  switch (change.type) {
    case 'join': {
      const { provider, channel, member } = change;
      return { provider, channel, member, data: member.data, timestamp: member.timestamp };
    }
    case 'update': {
      const { provider, channel, member } = change;
      return { provider, channel, member, data: member.data, timestamp: member.timestamp, previous: change.previous } satisfies UpdateEvent;
    }
    case 'leave': {
      const { provider, channel, member } = change;
      return { provider, channel, member, data: member.data, timestamp: member.timestamp, reason: change.reason } satisfies LeaveEvent;
    }
    case 'user.join':
      return { userId: change.userId, channel: change.channel, provider: change.provider, at: change.at };
    case 'user.leave': {
      const { userId, channel, provider, at, lastSeen } = change;
      return { userId, channel, provider, at, lastSeen };
    }
    case 'user.online': {
      const { userId, channel, provider, at } = change;
      return { userId, at, channel, provider };
    }
    case 'user.offline':
      return { userId: change.userId, at: change.at, lastSeen: change.lastSeen };
    case 'channel.active':
    case 'channel.inactive':
      return { provider: change.provider, channel: change.channel, timestamp: change.timestamp };
  }
}
