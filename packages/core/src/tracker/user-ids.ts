import type { Member, PresenceEvent, ProviderName } from '../events.js';
import type { ApplyOptions, UserLevelOptions } from '../store.js';
import type { ResolvedTrackerOptions } from './options.js';

/** The user levels' side of a merge: each event's user id (`users.id`) and the levels' options for the store. */
export class UserIds {
  constructor(private readonly users: NonNullable<ResolvedTrackerOptions['users']>) {}

  /** `users.id`'s answer when it is a non-empty string, else the clientId (also when the provider is unknown). */
  userOf(member: Member, provider: ProviderName | undefined): string {
    const id = this.users.id;
    if (id === undefined || provider === undefined) return member.clientId;
    try {
      const userId = id(member, provider);
      return typeof userId === 'string' && userId !== '' ? userId : member.clientId;
    } catch {
      return member.clientId;
    }
  }

  levels(now: number): UserLevelOptions {
    return { graceMs: this.users.graceMs, lastSeenMs: this.users.lastSeenMs, now };
  }

  /** Set each event's user id and the levels' options. */
  set(events: PresenceEvent[], options: ApplyOptions, now: number): void {
    for (const event of events) event.userId = this.userOf(event.member, event.provider);
    options.users = this.levels(now);
  }
}
