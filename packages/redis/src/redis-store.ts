import { createHash, randomUUID } from 'node:crypto';
import type {
  ApplyOptions,
  Change,
  UserChange,
  UserLevelOptions,
  UserPresence,
  ChannelChange,
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
  checkUserLevelOptions,
  checkKnownKeys,
  compareMembers,
  decodeMember,
  decodeValue,
  DEFAULT_TOMBSTONE_HORIZON_MS,
  encodeMember,
  idSortKey,
  nonNegativeNumber,
  optionError,
  PartialApplyError,
  positiveInteger,
  positiveNumber,
} from '@presence-webhooks/core/store';
import type { Cluster, RedisOptions } from 'ioredis';
import { Redis, ReplyError } from 'ioredis';
import { Circuit } from './circuit.js';
import { RedisUnavailableError } from './errors.js';
import type { PackedField } from './event-pack.js';
import { packFlat, packRecord, packStrings } from './event-pack.js';
import type { ShardKeys } from './names.js';
import { CHANNEL_FIELDS, channelKeys, decodeName, encodeName, indexKey, leaseKeys, shardKeys, shardOf, userLevelsKey } from './names.js';
import { eventPayload, nameBytesOf, noticePayload, userChangeOf } from './feed-entry.js';
import { RedisFeed } from './feed.js';
import type { Arg } from './apply-args.js';
import { applyScriptArgs } from './apply-args.js';
import type { ScriptCommands } from './scripts.js';
import { defineScripts } from './scripts.js';
import type { PlacedUserChange } from './user-outbox.js';
import { PendingIntents, UserOutbox } from './user-outbox.js';

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
  /**
   * Channels are grouped into this many shards (each shard's keys share one hash slot, and it has one
   * change feed stream). Default: 1 on a single Redis, 16 on a Cluster (spread over its nodes).
   */
  shards?: number;
  /** The change feed (`store.feed`): every change written with the apply that commits it, kept `retainMs` (default 24 h). Omitted: no feed. */
  feed?: { retainMs?: number };
}

/** The first byte of a channel hash field holding a user's channel level (apply.lua: 0xFD). */
const USER_LEVEL_BYTE = 0xfd;

/** Shards on a Cluster by default. */
const DEFAULT_CLUSTER_SHARDS = 16;

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
export const DEFAULT_CIRCUIT_FAILURES = 5;
export const DEFAULT_CIRCUIT_COOLDOWN_MS = 1000;
export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;

/** How long the changes of one apply call are kept, so that a resent call answers them again. */
const REPLAY_TTL_MS = 60_000;
/** Most failed batches remembered for their retry (each entry: a hash and a token). */
const MAX_FAILED_BATCHES = 10_000;
/** Default feed retention: 24 h. */
const DEFAULT_FEED_RETAIN_MS = 24 * 3600_000;
/** Default clockSkewMs: a channel without state is dropped from the index only if not applied to for this long. */
const INDEX_PRUNE_MARGIN_MS = 5 * 60_000;
/** Index entries read back per round trip (channels(), collect()). */
const INDEX_CHUNK = 1000;
const CHANGE_TYPES = { 1: 'join', 2: 'update', 3: 'leave' } as const;

type ScriptClient = (Redis | Cluster) & ScriptCommands;
/** One script call of an apply: its channels (the script names their keys itself), its events packed, and each event's place in the batch. */
interface Call {
  shard: number;
  /** The call's channels, in the order of its events (apply.lua answers a failed channel by its number in it). */
  channels: string[];
  /** Their names as the script and the channel index take them (names.ts encodeName). */
  names: (string | Buffer)[];
  events: Buffer;
  indices: number[];
  /** The feed's notices of this shard: before the changes, after them (packed for apply.lua, '' none). */
  before: ChannelChange[];
  after: ChannelChange[];
  notices: Buffer | '';
}

/** One apply script call's reply (see apply.lua's header). */
type Reply = (number | Buffer)[];

/**
 * Each call's reply or error. When every call failed the batch failed: that error is thrown (the circuit
 * counts it); when only some did, apply() reports their channels (a call per shard commits on its own).
 */
function callReplies(replies: (Reply | Error)[]): (Reply | Error)[] {
  // A lost connection or a timeout is no answer: the call may have committed (its reply lost), so the batch is
  // retried whole with its replay token; only Redis's own refusal of one call (WRONGTYPE ...) is that call's.
  const lost = replies.find((reply) => reply instanceof Error && unavailable(reply));
  if (lost !== undefined) throw lost;
  const first = replies.find((reply) => reply instanceof Error);
  if (first !== undefined && replies.every((reply) => reply instanceof Error)) throw first;
  return replies;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** ' at host:port' of a single Redis client (never its password); '' for a Cluster. */
function addressOf(client: Redis): string {
  const { host, port, path } = client.options ?? {};
  if (typeof path === 'string' && path !== '') return ` at ${path}`;
  return typeof host === 'string' && typeof port === 'number' ? ` at ${host}:${port}` : '';
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

const NOTHING = new Uint8Array(0);

/** One event's fields as apply.lua reads them (see the script's header and event-pack.ts), appended to `out`; `feedName`: its channel's nameBytes, with a feed. */
function pushEvent(out: PackedField[], event: PresenceEvent, feedName: Uint8Array | undefined, users: boolean): void {
  const { order, reported } = event;
  if (
    !(Number.isFinite(order.ts) && Number.isFinite(order.serial) && Number.isFinite(order.index) && Number.isFinite(order.rank)) ||
    (reported !== undefined && !(Number.isFinite(reported.occupancy) && Number.isFinite(reported.timestamp)))
  )
    throw new TypeError(
      `RedisStore: a presence event of channel ${JSON.stringify(event.channel)} has a non-finite number in its order key or reported occupancy`,
    );
  const blob = event.present ? encodeMember(event.member) : undefined;
  const record = packRecord(event.present, order.ts, order.serial, order.index, order.rank, idSortKey(order.id), blob);
  out.push(
    encodeName(event.memberKey),
    record, // the script reads the order key from it (apply.lua ORDER)
    reported === undefined ? false : `${reported.occupancy}:${reported.timestamp}`,
    users && event.userId !== undefined ? `${event.provider}\0${event.userId}` : false,
  );
  // The feed entry's bytes: a present event's payload (a str) and its record's str header; an absent event's whole
  // leave (type 3, payload, '', ''), the only change it can make.
  if (feedName !== undefined)
    out.push(
      event.present
        ? packStrings([eventPayload(event, feedName)], undefined, record.length)
        : packStrings([eventPayload(event, feedName), NOTHING, NOTHING], 3),
    );
}

/** A notice as the feed entry holds it: its 4 values (type 4 channel.active / 5 channel.inactive, payload, '', ''), packed. */
function noticeEntry(notice: ChannelChange): Buffer {
  return packStrings([noticePayload(notice), NOTHING, NOTHING], notice.type === 'channel.active' ? 4 : 5);
}

/** A content hash of a batch's calls, length-prefixed so that no two different batches hash the same bytes. */
function batchHash(calls: readonly Call[]): string {
  const hash = createHash('sha1');
  // The events name each channel (one MsgPack array: self-delimiting); the shard is the channels'.
  for (const { shard, events } of calls) {
    hash.update(`${shard}:${events.length}:`).update(events);
  }
  return hash.digest('base64');
}

/** A shard's keys that are not a channel's: its feed, its user levels (with a Cluster's users-step versions) and its user outbox. */
function shardOwnKeys(shard: ShardKeys): string[] {
  const { outbox, versions } = shard;
  return [shard.feed, shard.unacked, ...userKeysOf(shard), versions.applied, versions.times, outbox.intents, outbox.times, outbox.version];
}

/** A shard's user-level keys in the order apply.lua takes them (KEYS[4..7]). */
function userKeysOf(shard: ShardKeys): string[] {
  const { levels, deadlines, offline, online } = shard.users;
  return [levels, deadlines, offline, online];
}

function withCursor<T extends Change>(change: T, cursor: string | undefined): T {
  if (cursor !== undefined) change.cursor = cursor;
  return change;
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
 * apply script once on a single Redis (one call for all its channels, which also updates the channel
 * index: one round trip) or once per slot group on a Cluster (the index's ZADD sent alongside). The script merges each channel's events
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
  /** How many shards the channels are grouped into (see RedisStoreOptions.shards). */
  readonly shards: number;
  /** The change feed, when the store was made with `feed`. */
  readonly feed?: RedisFeed;
  /** Per connection of this store's own, the last error it reported since it was last ready (a refused connect, ...). */
  private readonly connectErrors = new WeakMap<object, string>();
  /** The user levels' two steps on a Redis Cluster with several shards (a user spans channels in several slots): user-outbox.ts. */
  private readonly outbox: UserOutbox | undefined;
  private readonly feedRetainMs: number | undefined;
  private readonly clockSkewMs: number;
  private readonly maxReadBytes: number;
  /** Each shard's keys (names.ts shardKeys), made once. */
  private readonly shardKeys: ShardKeys[];
  /** The channel index (names.ts indexKey). */
  private readonly indexKey: string;
  /** The user-level keys (in shard 0's slot): users hash, grace deadlines, offline users, online count. */
  private readonly userKeys: string[];
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
      shards: true,
      feed: true,
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
    this.shards = positiveInteger(options.shards, 'shards', this.client.isCluster ? DEFAULT_CLUSTER_SHARDS : 1);
    this.indexKey = indexKey(this.prefix);
    this.shardKeys = Array.from({ length: this.shards }, (_, shard) => shardKeys(this.prefix, shard));
    this.userKeys = userKeysOf(this.shardKeys[0] as ShardKeys);
    if (options.feed !== undefined) {
      if (typeof options.feed !== 'object' || options.feed === null) throw optionError('feed', 'an object { retainMs? }', options.feed);
      this.feedRetainMs = positiveInteger(options.feed.retainMs, 'feed.retainMs', DEFAULT_FEED_RETAIN_MS);
    }
    // Failures reach the caller as rejected store calls; without a listener ioredis would print each one.
    // The last one is kept for the message of a call that could not wait any longer for the connection.
    for (const connection of this.ownsClient ? [this.client, reader] : [reader]) {
      connection.on('error', (error: Error) => void this.connectErrors.set(connection, error.message));
      connection.on('ready', () => void this.connectErrors.delete(connection));
    }
    defineScripts(this.client);
    defineScripts(reader);
    this.scripts = this.client as ScriptClient;
    this.readClient = reader;
    this.reader = reader as ScriptClient;
    if (this.feedRetainMs !== undefined)
      this.feed = new RedisFeed({
        client: this.client,
        prefix: this.prefix,
        shards: this.shards,
        guard: (call) => this.guard(call),
      });
    if (this.client.isCluster && this.shards > 1)
      this.outbox = new UserOutbox({
        scripts: this.scripts,
        prefix: this.prefix,
        shards: this.shards,
        shardKeys: this.shardKeys,
        guard: (call) => this.guard(call),
        feed: this.feed,
        usersStep: (token, users, expire, outbox) => this.usersStep(token, users, expire, outbox),
        strandedAfterMs: 2 * this.commandTimeoutMs,
      });
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
    return this.circuit
      .run(async () => {
        const deadline = Date.now() + this.commandTimeoutMs;
        await this.connected(this.client, deadline);
        return withDeadline(call(), deadline, this.commandTimeoutMs);
      })
      .catch((error: unknown) => {
        // A dropped connection, a refused one, LOADING, OOM ...: Redis cannot answer (the receiver retries a batch whole).
        if (error instanceof RedisUnavailableError || !unavailable(error)) throw error;
        throw new RedisUnavailableError(`RedisStore: Redis cannot answer now: ${(error as Error).message}`, { cause: error });
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
              `RedisStore: not connected to Redis${addressOf(client)} within ${this.commandTimeoutMs} ms (status ${client.status}` +
                `${this.connectErrors.has(client) ? `; last error: ${this.connectErrors.get(client)}` : ''}): check that Redis runs there and that the url is right`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      client.on('ready', onReady);
    });
  }

  /**
   * Merge a batch. Calls may overlap (several deliveries in flight on one connection): each call's
   * script runs after those of the calls made before it on every channel they share (one connection
   * answers in order; on a Cluster each slot's node does), so a delivery's changes for a channel are
   * decided after those of earlier calls for that channel.
   */
  async apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
    const marks = checkApplyOptions(options); // watermarks, staleBefore, users, notices: as every store checks them
    const staleBefore = options?.staleBefore;
    const notices = this.feed === undefined ? [] : (options?.notices ?? []);
    if (events.length === 0 && marks === undefined && notices.length === 0) return [];
    const byChannel = new Map<string, number[]>();
    for (let i = 0; i < events.length; i++) {
      const channel = (events[i] as PresenceEvent).channel;
      const list = byChannel.get(channel);
      if (list === undefined) byChannel.set(channel, [i]);
      else list.push(i);
    }
    if (marks !== undefined) for (const channel of marks.keys()) if (!byChannel.has(channel)) byChannel.set(channel, []);
    for (const notice of notices) if (!byChannel.has(notice.channel)) byChannel.set(notice.channel, []);
    const users = options?.users;
    const calls = this.callsOf(events, byChannel, marks, notices, users !== undefined);
    const now = Date.now();
    // Only a batch whose apply failed is remembered, so the content hash is needed only when some
    // batch is (to find it again) or when this one fails (to remember it).
    const batch = this.failed.size > 0 ? batchHash(calls) : undefined;
    const remembered = batch === undefined ? undefined : this.failed.get(batch);
    const token = remembered !== undefined && remembered.until > now ? remembered.token : randomUUID();

    let replies: (Reply | Error)[];
    try {
      replies = await this.guard(() => this.run(calls, token, staleBefore, users));
    } catch (error) {
      this.rememberFailure(batch ?? batchHash(calls), token, now);
      throw error;
    }
    if (batch !== undefined) this.failed.delete(batch);
    // Channels not applied: those of a call that failed (another shard's went through), and those a call passed over.
    const failed: string[] = [];
    let cause: Error | undefined;
    // A Cluster with several shards: the channel steps answered intents; the users step applies them (below).
    const outbox = users === undefined ? undefined : this.outbox;
    const pending = new PendingIntents();
    if (outbox !== undefined)
      calls.forEach((call, c) => {
        const reply = replies[c] as Reply | Error;
        if (!(reply instanceof Error)) replies[c] = outbox.take(reply, call.shard, call.indices, pending);
      });

    const found: (Change[] | undefined)[] = new Array<Change[] | undefined>(events.length);
    /** The events with a change, in the order the calls decided them. */
    const decided: number[] = [];
    const before: ChannelChange[] = [];
    const after: ChannelChange[] = [];
    calls.forEach((call, c) => {
      const reply = replies[c] as Reply | Error;
      if (reply instanceof Error) {
        failed.push(...call.channels);
        cause ??= reply;
        return;
      }
      const entry = String(reply[0] ?? '');
      // The channels the script passed over (-2 triples): none of their changes or notices is in the entry.
      const skipped = new Set<string>();
      for (let r = 1; r + 2 < reply.length; r += 3) {
        if (reply[r] !== -2) continue;
        const channel = call.channels[(reply[r + 1] as number) - 1] as string;
        skipped.add(channel);
        failed.push(channel);
        cause ??= new Error(`RedisStore: channel ${JSON.stringify(channel)} could not be applied: ${String(reply[r + 2])}`);
      }
      const kept = (notices: ChannelChange[]) => (skipped.size === 0 ? notices : notices.filter((n) => !skipped.has(n.channel)));
      const [keptBefore, keptAfter] = [kept(call.before), kept(call.after)];
      const size = keptBefore.length + (reply.length - 1) / 3 - skipped.size + keptAfter.length;
      const cursor = (i: number) => (this.feed === undefined || entry === '' ? undefined : this.feed.cursorOf(call.shard, entry, i, size));
      let place = 0;
      for (const notice of keptBefore) before.push(withCursor({ ...notice }, cursor(place++)));
      // Each member change, followed by the user changes it caused, in the order the script decided them (channel by
      // channel), as the feed entry lists them (so each takes the next place): each user level's changes alternate
      // as they happened.
      let last = -1;
      for (let r = 1; r + 2 < reply.length; r += 3) {
        if (reply[r] === -1) {
          (found[last] as Change[]).push(withCursor(userChangeOf(reply[r + 1] as number, reply[r + 2] as Buffer), cursor(place++)));
          continue;
        }
        if (reply[r] === -2) continue; // a channel passed over (above)
        last = call.indices[reply[r] as number] as number;
        const change = changeOf(events[last] as PresenceEvent, reply[r + 1] as 1 | 2 | 3, reply[r + 2] as Buffer);
        found[last] = [withCursor(change, cursor(place++))];
        decided.push(last);
      }
      for (const notice of keptAfter) after.push(withCursor({ ...notice }, cursor(place++)));
    });
    const late: Change[] = [];
    if (outbox !== undefined && !pending.empty) {
      let placed: PlacedUserChange[];
      try {
        placed = await outbox.finish(pending, users as UserLevelOptions, token, false);
      } catch (error) {
        this.rememberFailure(batch ?? batchHash(calls), token, now);
        throw error;
      }
      for (const { change, origin } of placed) (origin === undefined ? late : (found[origin] ?? late)).push(change);
    }
    const changes: Change[] = [...before];
    // The users step of a Cluster with several shards decides the user levels in the batch's order (user-outbox.ts
    // applyOrder): its changes follow their member changes in that order. Otherwise the calls decided them.
    if (outbox !== undefined) {
      for (const list of found) if (list !== undefined) changes.push(...list);
    } else for (const index of decided) changes.push(...(found[index] as Change[]));
    changes.push(...after, ...late);
    if (cause === undefined) return changes;
    // Nothing of the failed channels changed; the rest is committed (a call per shard commits on its own; on a
    // multi-shard Cluster the users step may have finished another call's stranded intents even when all failed).
    if (failed.length === byChannel.size && changes.length === 0) throw cause;
    throw new PartialApplyError(changes, failed, cause);
  }

  /** The script calls of a batch: one per shard (one on a single Redis with one shard). */
  private callsOf(
    events: readonly PresenceEvent[],
    byChannel: Map<string, number[]>,
    marks: Map<string, number> | undefined,
    notices: readonly ChannelChange[],
    users: boolean,
  ): Call[] {
    const feed = this.feed !== undefined;
    const groups = new Map<number, Omit<Call, 'events' | 'notices'> & { fields: PackedField[] }>();
    const groupOf = (shard: number) => {
      let group = groups.get(shard);
      if (group === undefined) {
        group = { shard, channels: [], names: [], fields: [], indices: [], before: [], after: [] };
        groups.set(shard, group);
      }
      return group;
    };
    for (const [channel, indices] of byChannel) {
      // The name is encoded once here, for the script, the channel index and the feed's payloads.
      const name = encodeName(channel);
      const group = groupOf(shardOf(channel, this.shards));
      group.channels.push(channel);
      group.names.push(name);
      group.fields.push(marks?.get(channel) ?? false, indices.length, name);
      const feedName = feed ? nameBytesOf(name) : undefined;
      for (const i of indices) {
        pushEvent(group.fields, events[i] as PresenceEvent, feedName, users);
        group.indices.push(i);
      }
    }
    for (const notice of notices) {
      const group = groupOf(shardOf(notice.channel, this.shards));
      (notice.type === 'channel.active' ? group.before : group.after).push(notice);
    }
    return [...groups.values()].map(({ fields, ...call }) => {
      const packed: PackedField[] = [];
      // Each notice with its channel's number in the call: a channel the script passes over leaves its notices out.
      const numberOf = (notice: ChannelChange) => call.channels.indexOf(notice.channel) + 1;
      for (const notice of call.before) packed.push('a', noticeEntry(notice), numberOf(notice));
      for (const notice of call.after) packed.push('i', noticeEntry(notice), numberOf(notice));
      return { ...call, events: packFlat(fields), notices: packed.length === 0 ? '' : packFlat(packed) };
    });
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
   * Run the apply script and index the channels. On a single Redis: one call for every channel (per shard,
   * pipelined: one round trip), which indexes its channels itself. On a Cluster: one call per slot group (its
   * channels' keys share a slot), sent concurrently with the index update (another slot). Answers one flat reply
   * array per call, in the order of `calls`.
   */
  private async run(
    calls: readonly Call[],
    token: string,
    staleBefore: number | undefined,
    users: UserLevelOptions | undefined,
  ): Promise<(Reply | Error)[]> {
    const now = Date.now();
    const cluster = this.client.isCluster;
    const scriptArgs = ({ shard, events, notices }: Call): Arg[] => {
      const keys = this.shardKeys[shard] as ShardKeys;
      return applyScriptArgs({
        replay: keys.replay(token),
        feed: keys.feed,
        unacked: keys.unacked,
        // The user levels live in shard 0's keys (several shards on a Cluster: the shard's outbox); a call that tracks none passes its own shard's (unused, same slot).
        userKeys: users === undefined ? userKeysOf(keys) : (this.outbox?.channelKeys(shard) ?? this.userKeys),
        tombstoneHorizonMs: this.tombstoneHorizonMs,
        replayTtlMs: REPLAY_TTL_MS,
        staleBefore,
        events,
        feedRetainMs: this.feedRetainMs,
        notices,
        users,
        outbox: users === undefined ? undefined : this.outbox?.channelArgs(),
        index: cluster ? undefined : { key: this.indexKey, now },
      });
    };
    if (cluster) {
      const indexArgs: Arg[] = [];
      for (const { names } of calls) for (const name of names) indexArgs.push(now, name);
      const [, settled] = await Promise.all([
        this.client.zadd(this.indexKey, ...indexArgs),
        Promise.allSettled(calls.map((call) => this.scripts.presenceWebhooksApplyBuffer(...scriptArgs(call)))),
      ]);
      return callReplies(
        settled.map((result) => (result.status === 'fulfilled' ? (result.value as unknown as Reply) : toError(result.reason))),
      );
    }
    if (calls.length === 1) {
      // One call (one shard): no pipeline needed (a Redis error of the call is the call's).
      // (callReplies of one answer is that answer, or throws the call's error)
      return [
        await this.scripts
          .presenceWebhooksApplyBuffer(...scriptArgs(calls[0] as Call))
          .catch((error: unknown) => Promise.reject(toError(error))),
      ];
    }
    const pipeline = this.client.pipeline() as ReturnType<Redis['pipeline']> & { presenceWebhooksApplyBuffer(...args: Arg[]): unknown };
    for (const call of calls) pipeline.presenceWebhooksApplyBuffer(...scriptArgs(call));
    const results = (await pipeline.exec()) ?? [];
    if (results.length !== calls.length) throw new Error('RedisStore: the pipeline was aborted');
    return callReplies(results.map(([error, reply]) => error ?? (reply as Reply)));
  }

  /** User ids present (or pending in their grace window) in a channel, sorted. */
  async users(channel: string): Promise<string[]> {
    const key = this.outbox === undefined ? channelKeys(this.prefix, channel, this.shards).members : userLevelsKey(this.prefix, channel);
    const fields = await this.guardRead((reader) => reader.hkeysBuffer(key));
    return fields
      .filter((field) => field[0] === USER_LEVEL_BYTE)
      .map((field) => field.subarray(1).toString('utf8'))
      .sort();
  }

  /** One user's presence, or undefined when the store holds nothing of them. */
  async user(userId: string): Promise<UserPresence | undefined> {
    const raw = await this.guardRead((reader) => reader.hgetBuffer(this.userKeys[0] as string, userId));
    if (raw === null) return undefined;
    const [count, lastLeave, pending, , since, lastSeen, , channels] = decodeValue(raw) as [
      number,
      number | false,
      number | false,
      string,
      number,
      number | false,
      number | false,
      string[],
    ];
    const online = count > 0 || pending !== false;
    const presence: UserPresence = { userId, online, channels: [...channels].sort(), members: count };
    if (online) presence.since = since;
    const seen = lastSeen !== false ? lastSeen : pending !== false && lastLeave !== false ? lastLeave : undefined;
    if (seen !== undefined) presence.lastSeen = seen;
    return presence;
  }

  /** Users online (present or pending) app-wide. */
  async userCount(): Promise<number> {
    const count = await this.guardRead((reader) => reader.get(this.userKeys[3] as string));
    return count === null ? 0 : Number(count);
  }

  /**
   * Close the grace windows that ended by `options.now` and forget users offline for longer than
   * `lastSeenMs`, in one script (once across every caller), written to the feed with their cursors.
   */
  async expireUsers(options: UserLevelOptions): Promise<UserChange[]> {
    checkUserLevelOptions(options);
    const users = options;
    if (this.outbox !== undefined) return this.outbox.expire(users, randomUUID());
    const reply = await this.usersStep(randomUUID(), users, true);
    const entry = String(reply[0] ?? '');
    const size = (reply.length - 1) / 3;
    const out: UserChange[] = [];
    for (let r = 1; r + 2 < reply.length; r += 3) {
      const change = userChangeOf(reply[r + 1] as number, reply[r + 2] as Buffer);
      if (this.feed !== undefined && entry !== '') change.cursor = this.feed.cursorOf(0, entry, out.length, size);
      out.push(change);
    }
    return out;
  }

  /** apply.lua on shard 0's keys with the user levels' options only: expireUsers, and the users step on a Cluster (with its outbox arguments). */
  private usersStep(token: string, users: UserLevelOptions, expire: boolean, outbox?: readonly Arg[]): Promise<Reply> {
    const shard = this.shardKeys[0] as ShardKeys;
    const args = applyScriptArgs({
      replay: shard.replay(token),
      feed: shard.feed,
      unacked: shard.unacked,
      userKeys: this.userKeys,
      tombstoneHorizonMs: this.tombstoneHorizonMs,
      replayTtlMs: REPLAY_TTL_MS,
      feedRetainMs: this.feedRetainMs,
      users,
      expire,
      ...(outbox === undefined ? {} : { outbox }),
    });
    return this.guard(() => this.scripts.presenceWebhooksApplyBuffer(...args)) as Promise<Reply>;
  }

  /** The present members; a channel whose records hold more than `maxReadBytes` is refused (RedisReadTooLargeError) without loading it. */
  async members(channel: string): Promise<Member[]> {
    let blobs: Buffer[];
    try {
      blobs = await this.guardRead((reader) =>
        reader.presenceWebhooksMembersBuffer(channelKeys(this.prefix, channel, this.shards).members, this.maxReadBytes),
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
        if (reader.isCluster)
          return Promise.all(
            chunk.map((name) => reader.hget(channelKeys(this.prefix, decodeName(name), this.shards).members, CHANNEL_FIELDS.count)),
          );
        const pipeline = reader.pipeline();
        for (const name of chunk) pipeline.hget(channelKeys(this.prefix, decodeName(name), this.shards).members, CHANNEL_FIELDS.count);
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
    const count = await this.guardRead((reader) =>
      reader.hget(channelKeys(this.prefix, channel, this.shards).members, CHANNEL_FIELDS.count),
    );
    return count === null ? 0 : Number(count);
  }

  async reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined> {
    const [occupancy, timestamp] = await this.guardRead((reader) =>
      reader.hmget(
        channelKeys(this.prefix, channel, this.shards).members,
        CHANNEL_FIELDS.reportedOccupancy,
        CHANNEL_FIELDS.reportedTimestamp,
      ),
    );
    if (occupancy === null || occupancy === undefined || timestamp === null || timestamp === undefined) return undefined;
    return { occupancy: Number(occupancy), timestamp: Number(timestamp) };
  }

  async watermark(channel: string): Promise<number | undefined> {
    const time = await this.guardRead((reader) =>
      reader.hget(channelKeys(this.prefix, channel, this.shards).members, CHANNEL_FIELDS.watermark),
    );
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
   * Delete what the store holds under this prefix: every channel (found through the channel index: no KEYS or
   * SCAN), the people (user levels, and on a Cluster their outboxes) and the change feed. The replay records of
   * recent applies are left to expire (within a minute), and leases to their holders.
   */
  async clear(): Promise<void> {
    const index = indexKey(this.prefix);
    const names = await this.guard(() => this.client.zrangeBuffer(index, 0, -1));
    for (let first = 0; first < names.length; first += INDEX_CHUNK) {
      await this.guard(() =>
        Promise.all(
          names.slice(first, first + INDEX_CHUNK).flatMap((name) => {
            const channel = decodeName(name);
            const keys = channelKeys(this.prefix, channel, this.shards);
            const deleted = [this.client.del(keys.members, keys.tombstones)];
            // On a Cluster of several shards a channel's user levels live in shard 0's slot, apart from its hash.
            if (this.outbox !== undefined) deleted.push(this.client.del(userLevelsKey(this.prefix, channel)));
            return deleted;
          }),
        ),
      );
    }
    await this.guard(() => this.client.del(index));
    // Each shard's own keys share its slot: one DEL per shard.
    await this.guard(() => Promise.all(this.shardKeys.map((keys) => this.client.del(...shardOwnKeys(keys)))));
  }

  /** Close the feed's reader connection and the clients the store created (from `url`, and the reads' connection); a client passed in stays open. */
  async close(): Promise<void> {
    this.feed?.close();
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
