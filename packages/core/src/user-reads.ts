import type { UserPresence } from './events.js';
import type { PresenceStore } from './store.js';

/** `receiver.users`: people, not connections. */
export interface UserReads {
  get(userId: string): Promise<UserPresence | undefined>;
  count(): Promise<number>;
}

/** The store's user reads; each call throws a clear error when user levels are off or the store has none. */
export function userReads(store: PresenceStore, on: () => boolean): UserReads {
  const reads = (): Required<Pick<PresenceStore, 'user' | 'userCount'>> => {
    const { user, userCount } = store;
    if (!on() || typeof user !== 'function' || typeof userCount !== 'function')
      throw new TypeError(
        'presence-webhooks: receiver.users: user levels are off (users: false, or a store without them: MemoryStore, RedisStore and PostgresStore have them)',
      );
    return { user: (id) => user.call(store, id), userCount: () => userCount.call(store) };
  };
  return { get: async (userId) => reads().user(userId), count: async () => reads().userCount() };
}
