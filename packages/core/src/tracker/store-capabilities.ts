import type { PresenceStore } from '../store.js';
import { storeHorizonMs } from '../store.js';
import type { ResolvedTrackerOptions } from './options.js';

/** What the tracker can do with a store, checked once against the receiver's options. */
export interface StoreCapabilities {
  /** The receiver tracks user levels (`users` not false, and the store has them). */
  usersOn: boolean;
  /** The store merges synchronously (`applySync`, defined beside its `apply`: a subclass that overrides only `apply` does not count). */
  synchronous: boolean;
  /**
   * A store in this process with emit 'once': the receiver emits what it applies before anything could claim it,
   * so the store writes those changes acknowledged (`ApplyOptions.emitted`) and nothing is acknowledged after.
   */
  emitsOwn: boolean;
  /** The store's tombstone horizon (ms). */
  horizonMs: number;
}

/** The store's capabilities; a TypeError that says what to do when the options ask for what it cannot. */
export function storeCapabilities(store: PresenceStore, options: ResolvedTrackerOptions): StoreCapabilities {
  const capable = typeof store.users === 'function' && typeof store.expireUsers === 'function' && store.userLevels !== false;
  if (options.usersRequired && !capable)
    throw new TypeError(
      store.userLevels === false
        ? 'presence-webhooks: users: this store says it cannot keep user levels (userLevels: false); pass users: false'
        : 'presence-webhooks: users needs a store with user levels (users(), user(), userCount(), expireUsers()): MemoryStore, RedisStore and PostgresStore have them; pass users: false to turn them off',
    );
  const usersOn = options.users !== undefined && capable;
  const horizonMs = storeHorizonMs(store);
  if (usersOn && (options.users as NonNullable<ResolvedTrackerOptions['users']>).graceMs >= horizonMs)
    throw new TypeError(
      `presence-webhooks: users.graceMs must be shorter than the store's tombstone horizon (${horizonMs} ms): a level pending longer than the store keeps a channel's state would be lost`,
    );
  const synchronous = typeof store.applySync === 'function' && definedBy(store, 'apply') === definedBy(store, 'applySync');
  return { usersOn, synchronous, emitsOwn: synchronous && options.emit === 'once', horizonMs };
}

/** The object of `value`'s prototype chain that defines `name` itself. */
function definedBy(value: object, name: string): object | null {
  let at: object | null = value;
  while (at !== null && !Object.prototype.hasOwnProperty.call(at, name)) at = Object.getPrototypeOf(at) as object | null;
  return at;
}
