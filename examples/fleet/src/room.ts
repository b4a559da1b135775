/**
 * A chat room's people, not its tabs: who is here (an online dot), who is online elsewhere, and when the
 * others were last seen ("last seen 5 min ago"). The same code is in the core README ("People").
 */
import type { Receiver } from '@presence-webhooks/core';

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

/**
 * One line per person of the room: the room's roster (from your database) and whoever is present now.
 * `●` here, `◐` online in another room, `○` offline with when they were last seen.
 */
export async function roomList(receiver: Receiver, room: string, roster: readonly string[], now = Date.now()): Promise<string[]> {
  const here = new Set(await receiver.store.users!(room)); // distinct user ids, sorted; a reload within graceMs keeps them
  const lines: string[] = [];
  for (const userId of [...new Set([...roster, ...here])].sort()) {
    const user = await receiver.users.get(userId); // undefined: never seen, or forgotten after users.lastSeenMs
    if (here.has(userId)) lines.push(`● ${userId}`);
    else if (user?.online) lines.push(`◐ ${userId} (in ${user.channels.join(', ')})`);
    else if (user?.lastSeen !== undefined) lines.push(`○ ${userId}, last seen ${ago(now - user.lastSeen)}`);
    else lines.push(`○ ${userId}, not seen yet`);
  }
  return lines;
}
