import type { UserChange, UserLevelOptions } from '@presence-webhooks/core/store';
import { decodeValue } from '@presence-webhooks/core/store';
import type { Arg } from './apply-args.js';
import { packFlat } from './event-pack.js';
import { userChangeOf } from './feed-entry.js';
import type { RedisFeed } from './feed.js';
import type { ShardKeys } from './names.js';
import { userLevelsHead } from './names.js';
import type { ScriptCommands } from './scripts.js';

/**
 * The user levels on a Redis Cluster with several shards (src/lua/user-outbox.lua describes the two steps).
 * A channel's script writes, with its commit, intents to its shard's outbox; then the users step (shard 0's
 * slot) applies them idempotently (a version per user and channel) and writes the user changes to shard 0's
 * feed; then the outbox entries are dropped. A crash between the steps leaves the entries: the next apply on
 * that shard, or any instance's `expireUsers`, finishes them, so the levels converge and each user change is
 * committed (and, with the feed, emitted) once.
 */
export interface UserOutboxContext {
  scripts: ScriptCommands;
  prefix: string;
  shards: number;
  /** Each shard's keys (the store's, made once). */
  shardKeys: readonly ShardKeys[];
  /** One round trip through the store's writes' circuit, within commandTimeoutMs. */
  guard<T>(call: () => Promise<T>): Promise<T>;
  feed: RedisFeed | undefined;
  /** The users step: apply.lua on shard 0's keys with the user levels' options (the store's, as its expireUsers calls it). */
  usersStep(token: string, users: UserLevelOptions, expire: boolean, outbox: readonly Arg[]): Promise<(number | Buffer)[]>;
  /** After how long a pending outbox field counts as stranded (its instance died before the users step). */
  strandedAfterMs: number;
}

/** One outbox field a channel step (or a take) handed over: its shard, its bytes and its pending intents. */
interface Field {
  shard: number;
  field: Buffer;
  list: Buffer;
}

/** The outbox fields a batch's channel steps answered, and the event each new intent came from. */
export class PendingIntents {
  readonly fields: Field[] = [];
  /** `shard:version` -> the batch index of the event that made the intent. */
  readonly origins = new Map<string, number>();
  get empty(): boolean {
    return this.fields.length === 0;
  }
}

/** A user change of the users step, with the batch index of the event that caused it (undefined: another call's). */
export interface PlacedUserChange {
  change: UserChange;
  origin: number | undefined;
}

/**
 * The order the users step applies the intents in (the place of each one's field, per intent), and each field's
 * newest version. The batch's order, as MemoryStore applies events (across channels and shards: the app level sees
 * the same sequence); another call's intents (stranded) before this call's. A field's own intents keep their
 * version order: within one channel the versions follow the batch's order.
 */
function applyOrder(pending: PendingIntents): { order: number[]; upTo: number[] } {
  const keyed: { field: number; origin: number; version: number }[] = [];
  const upTo = pending.fields.map(({ shard, list }, field) => {
    const intents = decodeValue(list) as number[];
    let newest = 0;
    for (let i = 0; i < intents.length; i += 4) {
      const version = intents[i] as number;
      keyed.push({ field, origin: pending.origins.get(`${shard}:${version}`) ?? -1, version });
      newest = Math.max(newest, version);
    }
    return newest;
  });
  keyed.sort((a, b) => a.origin - b.origin || a.version - b.version);
  return { order: keyed.map(({ field }) => field), upTo };
}

/** The reply triples of user-outbox.lua (apply.lua's own: -1 a user change, -2 a channel passed over). */
const OUTBOX_FIELD = -5;
const ORIGINS = -6;
const INTENT = -7;
/** A field the users step passed over (its channel level's key holds another type): left in the outbox. */
const PASSED_OVER = -8;

/** Most stranded fields a shard hands over per expireUsers call. */
const TAKE_LIMIT = 200;

export class UserOutbox {
  constructor(private readonly context: UserOutboxContext) {}

  /** KEYS[4..7] of a channel step on `shard` (its outbox, the outbox's times, its version counter; the 4th unused). */
  channelKeys(shard: number): string[] {
    const { intents, times, version } = (this.context.shardKeys[shard] as ShardKeys).outbox;
    return [intents, times, version, times];
  }

  /** ARGV[9..10] of a channel step. */
  channelArgs(): (string | number)[] {
    return ['outbox', this.context.strandedAfterMs];
  }

  /**
   * Take the outbox's triples (-5 field, -6 origins) off a channel step's reply into `pending`; answers the
   * rest, the reply apply.lua gives without them.
   */
  take(reply: (number | Buffer)[], shard: number, indices: readonly number[], pending: PendingIntents): (number | Buffer)[] {
    let end = reply.length;
    while (end >= 4 && (reply[end - 3] === OUTBOX_FIELD || reply[end - 3] === ORIGINS)) end -= 3;
    for (let r = end; r + 2 < reply.length; r += 3) {
      if (reply[r] === OUTBOX_FIELD) {
        pending.fields.push({ shard, field: reply[r + 1] as Buffer, list: reply[r + 2] as Buffer });
        continue;
      }
      const numbers = decodeValue(reply[r + 1] as Buffer) as number[];
      for (let i = 0; i + 1 < numbers.length; i += 2)
        pending.origins.set(`${shard}:${numbers[i] as number}`, indices[numbers[i + 1] as number] as number);
    }
    return end === reply.length ? reply : reply.slice(0, end);
  }

  /**
   * The users step over `pending` (`expire`: then close the due grace windows, as expireUsers), then drop the
   * applied intents from the outboxes. `token`: the call's replay token (a resent step answers the same changes).
   */
  async finish(pending: PendingIntents, users: UserLevelOptions, token: string, expire: boolean): Promise<PlacedUserChange[]> {
    const { prefix, feed } = this.context;
    const given: Buffer[] = [];
    for (const { field, list } of pending.fields) given.push(field, list);
    const { order, upTo } = applyOrder(pending);
    const reply = await this.context.usersStep(`${token}:u`, users, expire, [
      'intents',
      packFlat(given),
      userLevelsHead(prefix),
      packFlat(order),
    ]);
    // The fields passed over, and how many user changes the feed entry holds (their cursors need it): one pass.
    const passedOver = new Set<string>();
    let size = 0;
    for (let r = 1; r + 2 < reply.length; r += 3) {
      if (reply[r] === PASSED_OVER) passedOver.add((reply[r + 1] as Buffer).toString('latin1'));
      else if (reply[r] === -1) size++;
    }
    const entry = String(reply[0] ?? '');
    const out: PlacedUserChange[] = [];
    let origin: number | undefined;
    for (let r = 1; r + 2 < reply.length; r += 3) {
      if (reply[r] === INTENT) {
        const from = pending.fields[reply[r + 1] as number] as Field;
        origin = pending.origins.get(`${from.shard}:${reply[r + 2] as number}`);
        continue;
      }
      if (reply[r] === PASSED_OVER) continue;
      const change = userChangeOf(reply[r + 1] as number, reply[r + 2] as Buffer);
      if (feed !== undefined && entry !== '') change.cursor = feed.cursorOf(0, entry, out.length, size);
      out.push({ change, origin });
    }
    // Not waited for: the changes are committed, and intents left behind are found applied (their versions) later.
    const kept = pending.fields.map(({ field }) => passedOver.has(field.toString('latin1')));
    this.acknowledge(pending, upTo, kept).catch(() => undefined);
    return out;
  }

  /** expireUsers: the stranded intents of every shard applied, the due grace windows closed, in one users step. */
  async expire(users: UserLevelOptions, token: string): Promise<UserChange[]> {
    const { scripts, shards, guard } = this.context;
    const pending = new PendingIntents();
    // Each shard's stranded intents, from the shards that answer: one shard down does not keep grace windows open.
    const taken = await Promise.allSettled(
      Array.from({ length: shards }, (_, shard) => {
        const { intents, times } = (this.context.shardKeys[shard] as ShardKeys).outbox;
        return guard(() => scripts.presenceWebhooksUserOutboxTakeBuffer(intents, times, this.context.strandedAfterMs, TAKE_LIMIT));
      }),
    );
    taken.forEach((result, shard) => {
      if (result.status === 'rejected') return;
      const flat = result.value;
      for (let i = 0; i + 1 < flat.length; i += 2) pending.fields.push({ shard, field: flat[i] as Buffer, list: flat[i + 1] as Buffer });
    });
    return (await this.finish(pending, users, token, true)).map(({ change }) => change);
  }

  /**
   * Drop each field's intents up to the newest the step was given (`upTo`: applied now, or before). A failure here
   * leaves them in the outbox: a later step finds them applied (their versions) and drops them then.
   */
  private async acknowledge(pending: PendingIntents, upTo: readonly number[], kept: readonly boolean[]): Promise<void> {
    const { scripts, guard } = this.context;
    const byShard = new Map<number, (Buffer | number)[]>();
    pending.fields.forEach(({ shard, field }, f) => {
      if (kept[f] === true) return;
      const args = byShard.get(shard) ?? [];
      args.push(field, upTo[f] as number);
      byShard.set(shard, args);
    });
    await Promise.all(
      [...byShard].map(([shard, args]) => {
        const { intents, times } = (this.context.shardKeys[shard] as ShardKeys).outbox;
        return guard(() => scripts.presenceWebhooksUserOutboxAck(intents, times, ...args)).catch(() => undefined);
      }),
    );
  }
}
