import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/**
 * The Lua scripts ship as `.lua` files in src/lua (the package publishes src). This module sits
 * in src/ or dist/, so `../src/lua/` finds them from both.
 */
function readScript(name: string): string {
  const lua = readFileSync(new URL(`../src/lua/${name}.lua`, import.meta.url), 'utf8');
  // A line `-- #include <name>` stands for that file's text (apply.lua includes user-outbox.lua: one script, its locals shared).
  return lua.replace(/^-- #include ([\w-]+)$/m, (_, included: string) => readScript(included));
}

/** numberOfKeys undefined: the caller passes it first (apply takes two keys per channel, one or more channels). */
type ScriptName =
  | 'presenceWebhooksApply'
  | 'presenceWebhooksMembers'
  | 'presenceWebhooksFeedClaim'
  | 'presenceWebhooksFeedAck'
  | 'presenceWebhooksPruneIndex'
  | 'presenceWebhooksLeaseAcquire'
  | 'presenceWebhooksLeaseRenew'
  | 'presenceWebhooksLeaseRelease'
  | 'presenceWebhooksLeaseStatus'
  | 'presenceWebhooksUserOutboxTake'
  | 'presenceWebhooksUserOutboxAck';
const SCRIPTS: Readonly<Record<ScriptName, { file: string; numberOfKeys: number | undefined; readOnly: boolean }>> = {
  presenceWebhooksApply: { file: 'apply', numberOfKeys: undefined, readOnly: false },
  presenceWebhooksMembers: { file: 'members', numberOfKeys: 1, readOnly: true },
  presenceWebhooksFeedClaim: { file: 'feed-claim', numberOfKeys: 2, readOnly: false },
  presenceWebhooksFeedAck: { file: 'feed-ack', numberOfKeys: 1, readOnly: false },
  presenceWebhooksPruneIndex: { file: 'prune-index', numberOfKeys: 1, readOnly: false },
  presenceWebhooksLeaseAcquire: { file: 'lease-acquire', numberOfKeys: 2, readOnly: false },
  presenceWebhooksLeaseRenew: { file: 'lease-renew', numberOfKeys: 1, readOnly: false },
  presenceWebhooksLeaseRelease: { file: 'lease-release', numberOfKeys: 2, readOnly: false },
  presenceWebhooksLeaseStatus: { file: 'lease-status', numberOfKeys: 2, readOnly: true },
  presenceWebhooksUserOutboxTake: { file: 'user-outbox-take', numberOfKeys: 2, readOnly: false },
  presenceWebhooksUserOutboxAck: { file: 'user-outbox-ack', numberOfKeys: 2, readOnly: false },
};

let sources: Record<keyof typeof SCRIPTS, string> | undefined;

type Arg = string | Buffer | number;

/** The script commands, as ioredis adds them to a client (the `Buffer` variants answer bytes). */
export interface ScriptCommands {
  /** numkeys, the replay key, feed, unacked, 2 keys per channel, horizon, replay ttl, staleBefore, the packed events, retention, notices: one flat reply (see apply.lua). */
  presenceWebhooksApplyBuffer(...args: Arg[]): Promise<(number | Buffer)[]>;
  presenceWebhooksMembersBuffer(...args: Arg[]): Promise<Buffer[]>;
  /** feed, unacked, olderThanMs, limit: 'id:index' and the entry's data per change claimed. */
  presenceWebhooksFeedClaimBuffer(...args: Arg[]): Promise<Buffer[]>;
  /** unacked, then per entry: id, n, k, k indices. */
  presenceWebhooksFeedAck(...args: Arg[]): Promise<number>;
  presenceWebhooksPruneIndex(...args: Arg[]): Promise<number>;
  presenceWebhooksLeaseAcquire(...args: Arg[]): Promise<number | null>;
  presenceWebhooksLeaseRenew(...args: Arg[]): Promise<number>;
  presenceWebhooksLeaseRelease(...args: Arg[]): Promise<number>;
  presenceWebhooksLeaseStatus(...args: Arg[]): Promise<[number, string | null, string | null]>;
  /** outbox, its times, olderThanMs, limit: field and pending list per stranded field (user-outbox-take.lua). */
  presenceWebhooksUserOutboxTakeBuffer(...args: Arg[]): Promise<Buffer[]>;
  /** outbox, its times, then field, version per field applied (user-outbox-ack.lua). */
  presenceWebhooksUserOutboxAck(...args: Arg[]): Promise<number>;
}

/**
 * Define the scripts on a client (EVALSHA, falling back to EVAL once per connection when Redis
 * does not know them yet). Defining them again on a shared client is harmless: same names, same code.
 */
export function defineScripts(client: Redis | Cluster): void {
  sources ??= Object.fromEntries(Object.entries(SCRIPTS).map(([name, s]) => [name, readScript(s.file)])) as Record<
    keyof typeof SCRIPTS,
    string
  >;
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const lua = sources[name as keyof typeof SCRIPTS];
    client.defineCommand(name, { lua, numberOfKeys: script.numberOfKeys, readOnly: script.readOnly });
  }
}
