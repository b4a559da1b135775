import { createHash, randomUUID } from 'node:crypto';
import type { Member, PresenceChange, PresenceEvent, PresenceStore, ReportedOccupancy } from '@presence-webhooks/core/store';
import { compareMembers, DEFAULT_TOMBSTONE_HORIZON_MS } from '@presence-webhooks/core/store';
import type { Cluster, RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';
import { decodeMember, encodeMember, idSortKey } from './codec.js';
import type { PackedField } from './event-pack.js';
import { packTuples } from './event-pack.js';
import { channelKeys, decodeName, encodeName, indexKey } from './names.js';
import type { ScriptCommands } from './scripts.js';
import { defineScripts } from './scripts.js';

export interface RedisStoreOptions {
  /** Where Redis is, e.g. `redis://127.0.0.1:6379`. The store creates, owns and closes this client. Default: that URL. */
  url?: string;
  /** An existing ioredis client (`Redis` or `Cluster`) to use instead of `url`. The store never closes it. */
  client?: Redis | Cluster;
  /** Options for the client the store creates from `url` (merged over the store's defaults). */
  redisOptions?: RedisOptions;
  /** Every key starts with `{prefix:` (default 'pw'): several stores can share one Redis. */
  prefix?: string;
  /** How long an absent member's tombstone is kept (ms). Default 10 minutes, as MemoryStore. */
  tombstoneHorizonMs?: number;
}

/** How long the changes of one apply call are kept, so that a resent call answers them again. */
const REPLAY_TTL_MS = 60_000;
/** Most failed batches remembered for their retry (each entry: a hash and a token). */
const MAX_FAILED_BATCHES = 10_000;
/** A channel without state is dropped from the index only if not applied to for this long (clock skew between instances). */
const INDEX_PRUNE_MARGIN_MS = 5 * 60_000;
const CHANGE_TYPES = { 1: 'join', 2: 'update', 3: 'leave' } as const;

type ScriptClient = (Redis | Cluster) & ScriptCommands;
type Arg = string | Buffer | number;

/** One event as apply.lua reads it (see the script's header and event-pack.ts). */
function tupleOf(event: PresenceEvent): PackedField[] {
  const { order, reported } = event;
  for (const value of [order.ts, order.serial, order.index, order.rank, ...(reported === undefined ? [] : [reported.occupancy, reported.timestamp])]) {
    if (!Number.isFinite(value)) throw new TypeError(`RedisStore: a presence event of channel ${JSON.stringify(event.channel)} has a non-finite number in its order key or reported occupancy`);
  }
  const blob = event.present ? encodeMember(event.member) : undefined;
  return [
    encodeName(event.memberKey),
    event.present,
    order.ts,
    order.serial,
    order.index,
    order.rank,
    idSortKey(order.id),
    blob === undefined ? '' : Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength),
    reported === undefined ? undefined : String(reported.occupancy),
    reported === undefined ? undefined : String(reported.timestamp),
  ];
}

/** A content hash of a batch's calls, length-prefixed so that no two different batches hash the same bytes. */
function batchHash(calls: readonly { channel: string; events: Buffer }[]): string {
  const hash = createHash('sha1');
  for (const { channel, events } of calls) {
    const name = encodeName(channel);
    hash.update(`${Buffer.byteLength(name)}:`).update(name).update(`${events.length}:`).update(events);
  }
  return hash.digest('base64');
}

function changeOf(event: PresenceEvent, type: 1 | 2 | 3, previous: Buffer): PresenceChange {
  const { provider, channel, member } = event;
  switch (CHANGE_TYPES[type]) {
    case 'join':
      return { type: 'join', provider, channel, member };
    case 'update':
      return { type: 'update', provider, channel, member, previous: decodeMember(previous) };
    case 'leave':
      return { type: 'leave', provider, channel, member, reason: event.reason ?? 'leave' };
  }
}

/**
 * A PresenceStore in Redis, shared by any number of receiver instances. Each delivery runs one
 * Lua script per channel (pipelined: one round trip), which merges the events atomically with
 * MemoryStore's semantics and answers the effective changes, so each change is emitted once,
 * by the instance whose apply made it.
 */
export class RedisStore implements PresenceStore {
  readonly client: Redis | Cluster;
  readonly prefix: string;
  readonly tombstoneHorizonMs: number;
  private readonly ownsClient: boolean;
  private readonly scripts: ScriptClient;
  /**
   * Batches whose apply failed (content hash -> replay token and when to forget it). The same
   * batch again — the receiver's retry, or the provider's retry of the delivery to this instance —
   * reuses the token, so a script that ran but whose reply was lost answers its changes again.
   */
  private readonly failed = new Map<string, { token: string; until: number }>();

  constructor(options: RedisStoreOptions = {}) {
    const horizon = options.tombstoneHorizonMs ?? DEFAULT_TOMBSTONE_HORIZON_MS;
    if (!(horizon >= 0) || !Number.isFinite(horizon)) throw new RangeError('tombstoneHorizonMs must be a finite number >= 0');
    const prefix = options.prefix ?? 'pw';
    if (prefix === '' || /[{}]/.test(prefix)) throw new TypeError('prefix must be a non-empty string without { or }');
    if (options.client !== undefined && options.url !== undefined) throw new TypeError('pass either url or client, not both');
    this.tombstoneHorizonMs = horizon;
    this.prefix = prefix;
    this.ownsClient = options.client === undefined;
    if (options.client !== undefined) {
      this.client = options.client;
    } else {
      const client = new Redis(options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2, ...options.redisOptions });
      // Failures reach the caller as rejected store calls; without a listener ioredis would print each one.
      client.on('error', () => undefined);
      this.client = client;
    }
    defineScripts(this.client);
    this.scripts = this.client as ScriptClient;
  }

  async apply(events: readonly PresenceEvent[]): Promise<PresenceChange[]> {
    if (events.length === 0) return [];
    const byChannel = new Map<string, number[]>();
    for (let i = 0; i < events.length; i++) {
      const channel = (events[i] as PresenceEvent).channel;
      const list = byChannel.get(channel);
      if (list === undefined) byChannel.set(channel, [i]);
      else list.push(i);
    }
    const calls: { channel: string; indices: number[]; events: Buffer }[] = [];
    for (const [channel, indices] of byChannel) calls.push({ channel, indices, events: packTuples(indices.map((i) => tupleOf(events[i] as PresenceEvent))) });
    const now = Date.now();
    // Only a batch whose apply failed is remembered, so the content hash is needed only when some
    // batch is (to find it again) or when this one fails (to remember it).
    const batch = this.failed.size > 0 ? batchHash(calls) : undefined;
    const remembered = batch === undefined ? undefined : this.failed.get(batch);
    const token = remembered !== undefined && remembered.until > now ? remembered.token : randomUUID();

    let replies: (number | Buffer)[][];
    try {
      replies = await this.run(calls, token);
    } catch (error) {
      this.rememberFailure(batch ?? batchHash(calls), token, now);
      throw error;
    }
    if (batch !== undefined) this.failed.delete(batch);

    const found: (PresenceChange | undefined)[] = new Array<PresenceChange | undefined>(events.length);
    calls.forEach((call, c) => {
      const reply = replies[c] as (number | Buffer)[];
      for (let r = 0; r + 2 < reply.length; r += 3) {
        const index = call.indices[reply[r] as number] as number;
        found[index] = changeOf(events[index] as PresenceEvent, reply[r + 1] as 1 | 2 | 3, reply[r + 2] as Buffer);
      }
    });
    return found.filter((change): change is PresenceChange => change !== undefined);
  }

  private rememberFailure(batch: string, token: string, now: number): void {
    this.failed.delete(batch);
    if (this.failed.size >= MAX_FAILED_BATCHES) {
      for (const [key, entry] of this.failed) if (entry.until <= now || this.failed.size >= MAX_FAILED_BATCHES) this.failed.delete(key);
    }
    // Forget a little before Redis does, so a remembered token always finds its replay record if there is one.
    this.failed.set(batch, { token, until: now + REPLAY_TTL_MS - 5_000 });
  }

  /**
   * Index the channels and run the apply script. On a single Redis: one call for every channel,
   * pipelined with the index update (one round trip). On a Cluster: one call per channel (its keys
   * share a slot), sent concurrently. Answers one reply array per channel, in the order of `calls`.
   */
  private async run(calls: readonly { channel: string; events: Buffer }[], token: string): Promise<(number | Buffer)[][]> {
    const now = Date.now();
    const index = indexKey(this.prefix);
    const indexArgs: Arg[] = [];
    for (const { channel } of calls) indexArgs.push(now, encodeName(channel));
    const scriptArgs = (group: readonly { channel: string; events: Buffer }[]): Arg[] => {
      const keys: Arg[] = [];
      for (const { channel } of group) {
        const k = channelKeys(this.prefix, channel);
        keys.push(k.members, k.tombstones, k.info, k.replay(token));
      }
      return [keys.length, ...keys, this.tombstoneHorizonMs, REPLAY_TTL_MS, ...group.map((c) => c.events)];
    };
    if (this.client.isCluster) {
      const [, ...replies] = await Promise.all([this.client.zadd(index, ...indexArgs), ...calls.map((call) => this.scripts.presenceWebhooksApplyBuffer(...scriptArgs([call])))]);
      return replies.map((reply) => (reply as (number | Buffer)[][])[0] as (number | Buffer)[]);
    }
    const pipeline = this.client.pipeline() as ReturnType<Redis['pipeline']> & { presenceWebhooksApplyBuffer(...args: Arg[]): unknown };
    pipeline.zadd(index, ...indexArgs);
    pipeline.presenceWebhooksApplyBuffer(...scriptArgs(calls));
    const results = (await pipeline.exec()) ?? [];
    if (results.length !== 2) throw new Error('RedisStore: the pipeline was aborted');
    for (const [error] of results) if (error) throw error;
    return results[1]?.[1] as (number | Buffer)[][];
  }

  async members(channel: string): Promise<Member[]> {
    const blobs = await this.scripts.presenceWebhooksMembersBuffer(channelKeys(this.prefix, channel).members);
    return blobs.map((blob) => decodeMember(blob)).sort(compareMembers);
  }

  async channels(): Promise<string[]> {
    const index = indexKey(this.prefix);
    const startedAt = Date.now();
    const names = await this.client.zrangeBuffer(index, 0, -1);
    if (names.length === 0) return [];
    const counts = await Promise.all(names.map((name) => this.client.hget(channelKeys(this.prefix, decodeName(name)).info, 'n')));
    const present: string[] = [];
    const gone: Buffer[] = [];
    names.forEach((name, i) => {
      const count = counts[i];
      if (count === null || count === undefined) gone.push(name);
      else if (Number(count) > 0) present.push(decodeName(name));
    });
    if (gone.length > 0) await this.scripts.presenceWebhooksPruneIndex(index, startedAt - INDEX_PRUNE_MARGIN_MS, ...gone);
    return present.sort();
  }

  async occupancy(channel: string): Promise<number> {
    const count = await this.client.hget(channelKeys(this.prefix, channel).info, 'n');
    return count === null ? 0 : Number(count);
  }

  async reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined> {
    const [occupancy, timestamp] = await this.client.hmget(channelKeys(this.prefix, channel).info, 'ro', 'rt');
    if (occupancy === null || occupancy === undefined || timestamp === null || timestamp === undefined) return undefined;
    return { occupancy: Number(occupancy), timestamp: Number(timestamp) };
  }

  /**
   * Delete every channel under this prefix, found through the channel index (no KEYS or SCAN).
   * The replay records of recent applies are left to expire (within a minute).
   */
  async clear(): Promise<void> {
    const index = indexKey(this.prefix);
    const names = await this.client.zrangeBuffer(index, 0, -1);
    await Promise.all(
      names.map((name) => {
        const keys = channelKeys(this.prefix, decodeName(name));
        return this.client.del(keys.members, keys.tombstones, keys.info);
      }),
    );
    await this.client.del(index);
  }

  /** Close the client the store created from `url`; a client passed in stays open. */
  async close(): Promise<void> {
    if (!this.ownsClient) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
