import type { PresenceStore } from '@presence-webhooks/core/store';

let namespaces = 0;

/** A namespace no other case uses: a store's state of its own. */
export function freshNamespace(): string {
  return `conf${process.pid.toString(36)}${Date.now().toString(36)}n${(namespaces++).toString(36)}`;
}

/** Open `count` handles on one fresh namespace (a fleet of one or more), run `fn`, close them all. */
export async function withStores<T>(
  open: (namespace: string) => PresenceStore | Promise<PresenceStore>,
  count: number,
  fn: (stores: PresenceStore[]) => Promise<T>,
): Promise<T> {
  const namespace = freshNamespace();
  const stores: PresenceStore[] = [];
  try {
    for (let i = 0; i < count; i++) stores.push(await open(namespace));
    return await fn(stores);
  } finally {
    await Promise.all(stores.map((store) => store.close?.()));
  }
}

/**
 * The store as the member-level cases see it: `apply` answers its changes without their feed cursors (a
 * store with a feed adds them; the feed cases check them), so the cases compare changes as the merge decides them.
 */
export function withoutCursors(store: PresenceStore): PresenceStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (name === 'apply') {
        return async (...args: Parameters<PresenceStore['apply']>) =>
          (await target.apply(...args)).map((change) => {
            if (change.cursor === undefined) return change;
            const { cursor: _cursor, ...rest } = change;
            return rest as typeof change;
          });
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
