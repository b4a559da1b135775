import type { Member, ProviderName } from '../events.js';
import type { Provider } from '../providers/provider.js';
import type { PresenceStore } from '../store.js';
import type { ChannelBook } from './channel-book.js';
import { ownMembers } from './repair.js';

/**
 * The only provider `members` can all belong to (connections: Ably; users: PubNub, Pusher), among
 * `providers`; undefined when none or several fit, or when there are no members. Pure.
 */
export function ownerOfMembers(members: readonly Member[], providers: readonly Provider[]): ProviderName | undefined {
  if (members.length === 0) return undefined;
  const owners = providers.filter((p) => ownMembers(members, p.name).length === members.length);
  return owners.length === 1 ? owners[0]?.name : undefined;
}

/**
 * A channel's provider, the one rule for resync and reconcile: the provider whose events it carried
 * (noted in the book); else the only configured one; else the only provider its stored members can
 * belong to. Undefined when that does not tell (PubNub and Pusher members are both users): such a
 * channel is left alone rather than repaired with the wrong provider's snapshot.
 */
export async function channelOwner(
  channel: string,
  book: ChannelBook,
  providers: readonly Provider[],
  store: Pick<PresenceStore, 'members'>,
): Promise<ProviderName | undefined> {
  const seen = book.get(channel)?.provider;
  if (seen !== undefined) return seen;
  if (providers.length === 1) return providers[0]?.name;
  return ownerOfMembers(await store.members(channel), providers);
}

/**
 * The store's channels by owner, for one reconcile run: `store.channels()` is read once and each
 * channel's owner worked out once (`channelOwner`), then noted in the book. Channels without a
 * clear owner are left out. Stops early (with what it has) once `signal` aborts.
 */
export async function storedChannelsByOwner(
  store: Pick<PresenceStore, 'channels' | 'members'>,
  book: ChannelBook,
  providers: readonly Provider[],
  signal: AbortSignal,
): Promise<Map<ProviderName, string[]>> {
  const byOwner = new Map<ProviderName, string[]>();
  for (const channel of await store.channels()) {
    if (signal.aborted) break;
    const noted = book.get(channel)?.provider;
    const owner = noted ?? (await channelOwner(channel, book, providers, store));
    if (owner === undefined) continue;
    if (noted !== owner) book.note(channel, owner);
    const own = byOwner.get(owner);
    if (own === undefined) byOwner.set(owner, [channel]);
    else own.push(channel);
  }
  return byOwner;
}
