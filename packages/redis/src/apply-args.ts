import type { UserLevelOptions } from '@presence-webhooks/core/store';
import { packFlat } from './event-pack.js';

export type Arg = string | Buffer | number;

/** One apply.lua call, by what it is for (see the script's header for each key and argument). */
export interface ApplyScriptCall {
  /** KEYS[1]: the call's replay record. */
  replay: string;
  /** KEYS[2], KEYS[3]: the shard's feed and unacknowledged changes. */
  feed: string;
  unacked: string;
  /** KEYS[4..7]: the user levels (or the shard's outbox on a multi-shard Cluster). */
  userKeys: readonly string[];
  tombstoneHorizonMs: number;
  replayTtlMs: number;
  staleBefore?: number;
  /** The packed events (event-pack.ts packFlat; none: no channel). */
  events?: Buffer;
  feedRetainMs?: number;
  /** The feed's notices, packed ('' none). */
  notices?: Buffer | '';
  users?: UserLevelOptions;
  expire?: boolean;
  /** ARGV[9..12]: the user outbox's step ('outbox' / 'intents' and its arguments, user-outbox.ts). */
  outbox?: readonly Arg[];
  /** ARGV[13], ARGV[14]: the channel index the script updates itself (a single Redis), and the writer's time (ms). */
  index?: { key: string; now: number };
}

const NO_EVENTS = packFlat([]);

/** apply.lua's numkeys, keys and arguments for `call`: made here only, for apply, expireUsers and the users step. */
export function applyScriptArgs(call: ApplyScriptCall): Arg[] {
  const outbox = call.outbox ?? [];
  return [
    7,
    call.replay,
    call.feed,
    call.unacked,
    ...call.userKeys,
    call.tombstoneHorizonMs,
    call.replayTtlMs,
    call.staleBefore ?? '',
    call.events ?? NO_EVENTS,
    call.feedRetainMs ?? '',
    call.notices ?? '',
    call.users === undefined ? '' : packFlat([call.users.graceMs, call.users.lastSeenMs, call.users.now]),
    call.expire === true ? 'expire' : '',
    ...[0, 1, 2, 3].map((i) => outbox[i] ?? ''),
    ...(call.index === undefined ? [] : [call.index.key, call.index.now]),
  ];
}
