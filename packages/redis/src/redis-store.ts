import { createHash, randomUUID } from 'node:crypto';
import type {
  ApplyOptions,
  Lease,
  LeaseCapability,
  LeaseStatus,
  Member,
  PresenceChange,
  PresenceEvent,
  PresenceStore,
  ReportedOccupancy,
} from '@presence-webhooks/core/store';
import {
  checkApplyOptions,
  checkKnownKeys,
  compareMembers,
  DEFAULT_TOMBSTONE_HORIZON_MS,
  nonNegativeNumber,
  optionError,
  positiveInteger,
  positiveNumber,
} from '@presence-webhooks/core/store';
import type { Cluster, RedisOptions } from 'ioredis';
import { Redis, ReplyError } from 'ioredis';
import { Circuit } from './circuit.js';
import { decodeMember, encodeMember, idSortKey } from './codec.js';
import { RedisUnavailableError } from './errors.js';
import type { PackedField } from './event-pack.js';
import { packTuples } from './event-pack.js';
import { channelKeys, decodeName, encodeName, indexKey, leaseKeys } from './names.js';
import type { ScriptCommands } from './scripts.js';
import { defineScripts } from './scripts.js';

export interface RedisStoreOptions {
  /** Where Redis is, e.g. `redis://127.0.0.1:6379`. The store creates, owns and closes this client. Default: that URL. */
  url?: string;
  /**
   * An existing ioredis client (`Redis` or `Cluster`) to use instead of `url`. The store never closes
   * it (reads go through a duplicate of it, which the store owns and closes).
   */
  client?: Redis | Cluster;
  /** Options for the client the store creates from `url` (merged over the store's defaults). */
  redisOptions?: RedisOptions;
  /** Every key starts with `{prefix:` (default 'pw'): several stores can share one Redis. */
  prefix?: string;
  /** How long an absent member's tombstone is kept (ms). Default 10 minutes, as MemoryStore. */
  tombstoneHorizonMs?: number;
  /** Each round trip to Redis must answer within this (ms), else the call rejects with RedisUnavailableError. Default 1000. */
  commandTimeoutMs?: number;
  /** Consecutive unavailability failures (timeouts, connection errors) that open the circuit. Default 5. */
  circuitFailures?: number;
  /** How long the circuit stays open before one probe call is let through (ms). Default 1000. */
  circuitCooldownMs?: number;
  /**
   * The most bytes of member records one `members()` read may load (default 64 MiB: 10,000 members
   * of 6 KiB each; resync and the inspector read through it too). A heavier channel is refused at
   * once, without loading it (RedisReadTooLargeError, `code: 'payload_too_large'`; the read endpoint
   * answers 413): a read never stalls Redis for the writes.
   */
  maxReadBytes?: number;
  /**
   * How far apart the clocks of the instances sharing this Redis may be (ms). An index entry of an
   * expired channel is dropped only once it is older than this. Default 5 minutes.
   */
  clockSkewMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
export const DEFAULT_CIRCUIT_FAILURES = 5;
export const DEFAULT_CIRCUIT_COOLDOWN_MS = 1000;
export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;

/** How long the changes of one apply call are kept, so that a resent call answers them again. */
const REPLAY_TTL_MS = 60_000;
/** Most failed batches remembered for their retry (each entry: a hash and a token). */
const MAX_FAILED_BATCHES = 10_000;
/** Default clockSkewMs: a channel without state is dropped from the index only if not applied to for this long. */
const INDEX_PRUNE_MARGIN_MS = 5 * 60_000;
/** Index entries read back per round trip (channels(), collect()). */
const INDEX_CHUNK = 1000;
const CHANGE_TYPES = { 1: 'join', 2: 'update', 3: 'leave' } as const;

type ScriptClient = (Redis | Cluster) & ScriptCommands;
type Arg = string | Buffer | number;
/** One channel's part of an apply: its events (packed), their places in the batch, the watermark it sets ('' for none). */
interface Call {
  channel: string;
  indices: number[];
  events: Buffer;
  watermark: string;
}

/** `promise`, or a RedisUnavailableError at `deadline`. */
function withDeadline<T>(promise: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisUnavailableError(`RedisStore: Redis did not answer within ${timeoutMs} ms (commandTimeoutMs)`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  // The call may still settle after the deadline: its outcome is dropped (the apply script is idempotent).
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** One event as apply.lua reads it (see the script's header and event-pack.ts). */
function tupleOf(event: PresenceEvent): PackedField[] {
  const { order, reported } = event;
  for (const value of [
    order.ts,
    order.serial,
    order.index,
    order.rank,
    ...(reported === undefined ? [] : [reported.occupancy, reported.timestamp]),
  ]) {
    if (!Number.isFinite(value))
      throw new TypeError(
        `RedisStore: a presence event of channel ${JSON.stringify(event.channel)} has a non-finite number in its order key or reported occupancy`,
      );
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
function batchHash(calls: readonly Call[]): string {
  const hash = createHash('sha1');
  for (const { channel, events, watermark } of calls) {
    const name = encodeName(channel);
    hash
      .update(`${Buffer.byteLength(name)}:`)
      .update(name)
      .update(`${events.length}:`)
      .update(events)
      .update(`${watermark.length}:${watermark}`);
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
 * Replies that mean "Redis is there but cannot serve now": count as unavailability for the circuit.
 * OOM (`-OOM command not allowed when used memory > 'maxmemory'`, maxmemory with noeviction) too:
 * every write fails until memory is freed, so the circuit opens and callers fail fast (503).
 */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|READONLY|OOM)\b/;

/** The members script's refusal of a read over `maxReadBytes`. */
const TOO_LARGE_REPLY = /^TOOLARGE (\d+)/;

/** A `members()` read refused for its size: the read endpoint answers it 413. */
export class RedisReadTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor(channel: string, bytes: number, limit: number) {
    super(
      `RedisStore: the members of channel ${JSON.stringify(channel.slice(0, 64))} hold ${bytes} bytes, over maxReadBytes (${limit}): not read`,
    );
    this.name = 'RedisReadTooLargeError';
  }
}

/** Whether a failure says that Redis is unavailable (not that it answered, nor that the input was bad). */
function unavailable(error: unknown): boolean {
  if (error instanceof TypeError) return false;
  if (error instanceof ReplyError) return UNAVAILABLE_REPLY.test((error as Error).message);
  return true;
}

/**
 * A PresenceStore in Redis, shared by any number of receiver instances. Each delivery runs the
 * apply script once on a single Redis (one call for all its channels, pipelined with the channel
 * index: one round trip) or once per channel on a Cluster. The script merges each channel's events
 * atomically with MemoryStore's semantics and answers the effective changes, so each change is
 * emitted once, by the instance whose apply made it. While Redis does not answer, every call
 * rejects within `commandTimeoutMs`, and after `circuitFailures` such failures at once
 * (RedisUnavailableError) until a probe gets through.
 */
export class RedisStore implements PresenceStore {
  readonly client: Redis | Cluster;
  readonly prefix: string;
  readonly tombstoneHorizonMs: number;
  readonly commandTimeoutMs: number;
  /** One holder at a time per lease name across every instance on this Redis and prefix. */
  readonly lease: LeaseCapability;
  private readonly clockSkewMs: number;
  private readonly maxReadBytes: number;
  /** The writes' circuit (apply, leases, index pruning). */
  private readonly circuit: Circuit;
  /**
   * The reads' own connection (members, channels, occupancy, reported occupancy, watermark): a heavy
   * or failing read neither queues behind the writes nor opens their circuit (reads have their own).
   * Created by the store (from `url`, or a duplicate of `client`), connected on the first read.
   */
  readonly readClient: Redis | Cluster;
  private readonly reader: ScriptClient;
  private readonly readCircuit: Circuit;
  private readonly ownsClient: boolean;
  private readonly scripts: ScriptClient;
  /**
   * Batches whose apply failed (content hash -> replay token and when to forget it). The same
   * batch again — the receiver's retry, or the provider's retry of the delivery to this instance —
   * reuses the token, so a script that ran but whose reply was lost answers its changes again.
   */
  private readonly failed = new Map<string, { token: string; until: number }>();

  constructor(options: RedisStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw optionError('RedisStore options', 'an object', options);
    // Every option name (a field added to RedisStoreOptions must be listed: the type says so).
    const names: Record<keyof RedisStoreOptions, true> = {
      url: true,
      client: true,
      redisOptions: true,
      prefix: true,
      tombstoneHorizonMs: true,
      commandTimeoutMs: true,
      circuitFailures: true,
      circuitCooldownMs: true,
      maxReadBytes: true,
      clockSkewMs: true,
    };
    checkKnownKeys(options, names, 'RedisStore');
    this.tombstoneHorizonMs = nonNegativeNumber(options.tombstoneHorizonMs, 'tombstoneHorizonMs', DEFAULT_TOMBSTONE_HORIZON_MS);
    this.commandTimeoutMs = positiveNumber(options.commandTimeoutMs, 'commandTimeoutMs', DEFAULT_COMMAND_TIMEOUT_MS);
    const failures = positiveInteger(options.circuitFailures, 'circuitFailures', DEFAULT_CIRCUIT_FAILURES);
    const cooldown = positiveNumber(options.circuitCooldownMs, 'circuitCooldownMs', DEFAULT_CIRCUIT_COOLDOWN_MS);
    this.clockSkewMs = nonNegativeNumber(options.clockSkewMs, 'clockSkewMs', INDEX_PRUNE_MARGIN_MS);
    this.maxReadBytes = positiveInteger(options.maxReadBytes, 'maxReadBytes', DEFAULT_MAX_READ_BYTES);
    const prefix: unknown = options.prefix ?? 'pw';
    if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix))
      throw optionError('prefix', 'a non-empty string without { or }', options.prefix);
    if (options.url !== undefined && typeof options.url !== 'string') throw optionError('url', 'a redis:// URL string', options.url);
    if (options.client !== undefined && options.url !== undefined)
      throw optionError('client', 'omitted when url is given (pass one of them)', options.client);
    if (
      options.client !== undefined &&
      (typeof options.client !== 'object' ||
        options.client === null ||
        typeof (options.client as { defineCommand?: unknown }).defineCommand !== 'function')
    ) {
      throw optionError('client', 'an ioredis Redis or Cluster client', options.client);
    }
    this.prefix = prefix;
    this.circuit = new Circuit(failures, cooldown, unavailable);
    this.readCircuit = new Circuit(failures, cooldown, unavailable);
    this.ownsClient = options.client === undefined;
    let reader: Redis | Cluster;
    if (options.client !== undefined) {
      this.client = options.client;
      // The reads' connection: opened on the first read.
      reader = options.client.isCluster
        ? (options.client as Cluster).duplicate()
        : (options.client as Redis).duplicate({ lazyConnect: true });
    } else {
      // No offline queue: while Redis is down a command fails at once instead of waiting for the
      // reconnect (the store waits for the connection itself, within commandTimeoutMs).
      const clientOptions: RedisOptions = {
        maxRetriesPerRequest: 2,
        enableOfflineQueue: false,
        commandTimeout: this.commandTimeoutMs,
        ...options.redisOptions,
      };
      const url = options.url ?? 'redis://127.0.0.1:6379';
      this.client = new Redis(url, clientOptions);
      reader = new Redis(url, { ...clientOptions, lazyConnect: true });
    }
    // Failures reach the caller as rejected store calls; without a listener ioredis would print each one.
    if (this.ownsClient) this.client.on('error', () => undefined);
    reader.on('error', () => undefined);
    defineScripts(this.client);
    defineScripts(reader);
    this.scripts = this.client as ScriptClient;
    this.readClient = reader;
    this.reader = reader as ScriptClient;
    this.lease = {
      acquire: (name, ttlMs) => this.acquireLease(name, ttlMs),
      status: (name) => this.leaseStatus(name),
    };
  }

  /**
   * Run one round trip to Redis: through the circuit, within commandTimeoutMs (the wait for the
   * connection included, when the client has no offline queue).
   */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    return this.circuit.run(async () => {
      const deadline = Date.now() + this.commandTimeoutMs;
      await this.connected(this.client, deadline);
      return withDeadline(call(), deadline, this.commandTimeoutMs);
    });
  }

  /** A read's round trip: on the reads' connection, through the reads' circuit, within commandTimeoutMs. */
  private async guardRead<T>(call: (client: ScriptClient) => Promise<T>): Promise<T> {
    return this.readCircuit.run(async () => {
      const deadline = Date.now() + this.commandTimeoutMs;
      await this.connected(this.reader, deadline);
      return withDeadline(call(this.reader), deadline, this.commandTimeoutMs);
    });
  }

  /** Wait (until `deadline`) for a client without offline queue to be ready: its commands would fail while it connects. */
  private async connected(of: Redis | Cluster, deadline: number): Promise<void> {
    const client = of as Redis;
    if (client.status === 'ready' || client.options.enableOfflineQueue !== false) return;
    if (client.status === 'end') throw new RedisUnavailableError('RedisStore: the connection to Redis is closed (close() was called)');
    if (client.status === 'wait') client.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onReady = () => done();
      const timer = setTimeout(
        () =>
          done(
            new RedisUnavailableError(
              `RedisStore: not connected to Redis within ${this.commandTimeoutMs} ms (commandTimeoutMs; status ${client.status})`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      client.on('ready', onReady);
    });
  }

  async apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<PresenceChange[]> {
    const marks = checkApplyOptions(options);
    if (events.length === 0 && marks === undefined) return [];
    const byChannel = new Map<string, number[]>();
    for (let i = 0; i < events.length; i++) {
      const channel = (events[i] as PresenceEvent).channel;
      const list = byChannel.get(channel);
      if (list === undefined) byChannel.set(channel, [i]);
      else list.push(i);
    }
    if (marks !== undefined) for (const channel of marks.keys()) if (!byChannel.has(channel)) byChannel.set(channel, []);
    const calls: Call[] = [];
    for (const [channel, indices] of byChannel) {
      const time = marks?.get(channel);
      calls.push({
        channel,
        indices,
        events: packTuples(indices.map((i) => tupleOf(events[i] as PresenceEvent))),
        watermark: time === undefined ? '' : String(time),
      });
    }
    const now = Date.now();
    // Only a batch whose apply failed is remembered, so the content hash is needed only when some
    // batch is (to find it again) or when this one fails (to remember it).
    const batch = this.failed.size > 0 ? batchHash(calls) : undefined;
    const remembered = batch === undefined ? undefined : this.failed.get(batch);
    const token = remembered !== undefined && remembered.until > now ? remembered.token : randomUUID();

    let replies: (number | Buffer)[][];
    try {
      replies = await this.guard(() => this.run(calls, token));
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
  private async run(calls: readonly Call[], token: string): Promise<(number | Buffer)[][]> {
    const now = Date.now();
    const index = indexKey(this.prefix);
    const indexArgs: Arg[] = [];
    for (const { channel } of calls) indexArgs.push(now, encodeName(channel));
    const scriptArgs = (group: readonly Call[]): Arg[] => {
      const keys: Arg[] = [];
      const perChannel: Arg[] = [];
      for (const { channel, events, watermark } of group) {
        const k = channelKeys(this.prefix, channel);
        keys.push(k.members, k.tombstones, k.info, k.replay(token));
        perChannel.push(events, watermark);
      }
      return [keys.length, ...keys, this.tombstoneHorizonMs, REPLAY_TTL_MS, ...perChannel];
    };
    if (this.client.isCluster) {
      const [, ...replies] = await Promise.all([
        this.client.zadd(index, ...indexArgs),
        ...calls.map((call) => this.scripts.presenceWebhooksApplyBuffer(...scriptArgs([call]))),
      ]);
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

  /** The present members; a channel whose records hold more than `maxReadBytes` is refused (RedisReadTooLargeError) without loading it. */
  async members(channel: string): Promise<Member[]> {
    let blobs: Buffer[];
    try {
      blobs = await this.guardRead((reader) =>
        reader.presenceWebhooksMembersBuffer(channelKeys(this.prefix, channel).members, this.maxReadBytes),
      );
    } catch (error) {
      const tooLarge = error instanceof ReplyError ? TOO_LARGE_REPLY.exec((error as Error).message) : null;
      if (tooLarge !== null) throw new RedisReadTooLargeError(channel, Number(tooLarge[1]), this.maxReadBytes);
      throw error;
    }
    return blobs.map((blob) => decodeMember(blob)).sort(compareMembers);
  }

  async channels(): Promise<string[]> {
    return (await this.walkIndex()).present.sort();
  }

  /**
   * Drop the index entries of channels whose keys have expired (their members all left, and the
   * horizon passed), once older than clockSkewMs. `channels()` does the same as it reads. Answers
   * how many entries were dropped.
   */
  async collect(): Promise<number> {
    return (await this.walkIndex()).removed;
  }

  /** Channels in the index (held, or applied to recently and not yet collected). */
  async channelCount(): Promise<number> {
    return this.guardRead((reader) => reader.zcard(indexKey(this.prefix)));
  }

  /** Read the index: the channels with someone present; entries of expired channels are pruned. */
  private async walkIndex(): Promise<{ present: string[]; removed: number }> {
    const index = indexKey(this.prefix);
    const startedAt = Date.now();
    const names = await this.guardRead((reader) => reader.zrangeBuffer(index, 0, -1));
    const present: string[] = [];
    let removed = 0;
    for (let first = 0; first < names.length; first += INDEX_CHUNK) {
      const chunk = names.slice(first, first + INDEX_CHUNK);
      const counts = await this.guardRead(async (reader) => {
        // On a Cluster the channels live in different slots: one command each, sent at once.
        if (reader.isCluster) return Promise.all(chunk.map((name) => reader.hget(channelKeys(this.prefix, decodeName(name)).info, 'n')));
        const pipeline = reader.pipeline();
        for (const name of chunk) pipeline.hget(channelKeys(this.prefix, decodeName(name)).info, 'n');
        const results = (await pipeline.exec()) ?? [];
        return results.map(([error, count]) => {
          if (error) throw error;
          return count as string | null;
        });
      });
      const gone: Buffer[] = [];
      chunk.forEach((name, i) => {
        const count = counts[i];
        if (count === null || count === undefined) gone.push(name);
        else if (Number(count) > 0) present.push(decodeName(name));
      });
      if (gone.length > 0)
        removed += await this.guard(() => this.scripts.presenceWebhooksPruneIndex(index, startedAt - this.clockSkewMs, ...gone));
    }
    return { present, removed };
  }

  async occupancy(channel: string): Promise<number> {
    const count = await this.guardRead((reader) => reader.hget(channelKeys(this.prefix, channel).info, 'n'));
    return count === null ? 0 : Number(count);
  }

  async reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined> {
    const [occupancy, timestamp] = await this.guardRead((reader) => reader.hmget(channelKeys(this.prefix, channel).info, 'ro', 'rt'));
    if (occupancy === null || occupancy === undefined || timestamp === null || timestamp === undefined) return undefined;
    return { occupancy: Number(occupancy), timestamp: Number(timestamp) };
  }

  async watermark(channel: string): Promise<number | undefined> {
    const time = await this.guardRead((reader) => reader.hget(channelKeys(this.prefix, channel).info, 'w'));
    return time === null ? undefined : Number(time);
  }

  private async acquireLease(name: string, ttlMs: number): Promise<Lease | undefined> {
    if (typeof name !== 'string' || name === '') throw optionError('lease name', 'a non-empty string', name);
    const ttl = positiveInteger(ttlMs, 'lease ttlMs', 1);
    const keys = leaseKeys(this.prefix, name);
    const granted = await this.guard(() => this.scripts.presenceWebhooksLeaseAcquire(keys.holder, keys.state, ttl));
    if (granted === null) return undefined;
    const token = Number(granted);
    return {
      token,
      renew: async () => (await this.guard(() => this.scripts.presenceWebhooksLeaseRenew(keys.holder, String(token), ttl))) === 1,
      release: async (done: boolean) => {
        await this.guard(() => this.scripts.presenceWebhooksLeaseRelease(keys.holder, keys.state, String(token), done ? '1' : '0'));
      },
    };
  }

  private async leaseStatus(name: string): Promise<LeaseStatus> {
    if (typeof name !== 'string' || name === '') throw optionError('lease name', 'a non-empty string', name);
    const keys = leaseKeys(this.prefix, name);
    const [held, doneAt, doneToken] = await this.guard(() => this.scripts.presenceWebhooksLeaseStatus(keys.holder, keys.state));
    const status: LeaseStatus = { held: held === 1 };
    if (doneAt !== null && doneToken !== null) {
      status.doneAt = Number(doneAt);
      status.doneToken = Number(doneToken);
    }
    return status;
  }

  /**
   * Delete every channel under this prefix, found through the channel index (no KEYS or SCAN).
   * The replay records of recent applies are left to expire (within a minute).
   */
  async clear(): Promise<void> {
    const index = indexKey(this.prefix);
    const names = await this.guard(() => this.client.zrangeBuffer(index, 0, -1));
    for (let first = 0; first < names.length; first += INDEX_CHUNK) {
      await this.guard(() =>
        Promise.all(
          names.slice(first, first + INDEX_CHUNK).map((name) => {
            const keys = channelKeys(this.prefix, decodeName(name));
            return this.client.del(keys.members, keys.tombstones, keys.info);
          }),
        ),
      );
    }
    await this.guard(() => this.client.del(index));
  }

  /** Close the clients the store created (from `url`, and the reads' connection); a client passed in stays open. */
  async close(): Promise<void> {
    await Promise.all([this.reader, ...(this.ownsClient ? [this.client] : [])].map((client) => quit(client)));
  }
}

/** QUIT a client (a connection never opened is just disconnected). */
async function quit(client: Redis | Cluster): Promise<void> {
  if ((client as Redis).status === 'wait') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
