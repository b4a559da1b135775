import type {
  ApplyOptions,
  Change,
  ChangeFeed,
  LeaseCapability,
  Member,
  PresenceEvent,
  PresenceStore,
  ReportedOccupancy,
  UserChange,
  UserLevelOptions,
  UserPresence,
} from '@presence-webhooks/core/store';
import {
  checkKnownKeys,
  checkApplyOptions,
  checkUserLevelOptions,
  compareMembers,
  DEFAULT_TOMBSTONE_HORIZON_MS,
  nonNegativeNumber,
  optionError,
  positiveNumber,
} from '@presence-webhooks/core/store';
import pg from 'pg';
import { decodeMember, encodeMember, idSortKey } from './codec.js';
import { PostgresUnavailableError, isUnavailable } from './errors.js';
import { DEFAULT_FEED_POLL_MS, PostgresFeed } from './feed.js';
import { PostgresLease } from './lease.js';
import type { MigrateResult } from './migrate.js';
import { migrateSchema } from './migrate.js';
import type { ChangeRow } from './rows.js';
import { changeOf } from './rows.js';

export interface PostgresStoreOptions {
  /** Where PostgreSQL is, e.g. `postgres://user@host:5432/db`. The store creates, owns and `close()`s a pool for it. */
  connectionString?: string;
  /** An existing `pg` Pool instead of `connectionString` (never ended by the store). */
  pool?: pg.Pool;
  /** The schema holding the store's tables (lower-case letters, digits, `_`). Default `presence_webhooks`. */
  schema?: string;
  /** How long an absent member's tombstone is kept (ms). Default 10 minutes, as MemoryStore. */
  tombstoneHorizonMs?: number;
  /**
   * Each call must get a connection and its answer within this (ms), else it rejects with
   * PostgresUnavailableError (the pool the store creates also sets it as `statement_timeout`). Default 2000.
   */
  queryTimeoutMs?: number;
  /** Connections of the pool the store creates. Default 10. */
  maxConnections?: number;
  /**
   * The change feed: how long changes are kept (ms, default 24 h), and how often a waiting `read` looks again
   * when no NOTIFY came (ms, default 250); `false`: no feed (no outbox rows written).
   */
  feed?: { retainMs?: number; pollMs?: number } | false;
  /** How long closed `sessions` rows are kept (ms, after `left_at`). Default 30 days; `Infinity`: forever. */
  sessionsRetainMs?: number;
}

export const DEFAULT_SCHEMA = 'presence_webhooks';
export const DEFAULT_QUERY_TIMEOUT_MS = 2000;
export const DEFAULT_FEED_RETAIN_MS = 24 * 3600 * 1000;
export const DEFAULT_SESSIONS_RETAIN_MS = 30 * 24 * 3600 * 1000;
/** How often (ms) one instance's applies collect expired rows (see sweepBudget). */
const SWEEP_EVERY_MS = 50;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;
/** Every option name (a field added to PostgresStoreOptions must be listed: the type says so). */
const KNOWN_OPTIONS: Record<keyof PostgresStoreOptions, true> = {
  connectionString: true,
  pool: true,
  schema: true,
  tombstoneHorizonMs: true,
  queryTimeoutMs: true,
  maxConnections: true,
  feed: true,
  sessionsRetainMs: true,
};

/** The arrays apply() sends, one per event field (one statement whatever the batch size). */
function eventArrays(events: readonly PresenceEvent[]): unknown[][] {
  const n = events.length;
  const cols: unknown[][] = Array.from({ length: 16 }, () => new Array<unknown>(n));
  events.forEach((e, i) => {
    if (typeof e !== 'object' || e === null || typeof e.channel !== 'string' || typeof e.memberKey !== 'string')
      throw optionError(`events[${i}]`, 'a presence event', e);
    const { order, member } = e;
    (cols[0] as unknown[])[i] = e.channel;
    (cols[1] as unknown[])[i] = e.provider;
    (cols[2] as unknown[])[i] = e.memberKey;
    (cols[3] as unknown[])[i] = e.present;
    (cols[4] as unknown[])[i] = e.present ? null : (e.reason ?? 'leave');
    (cols[5] as unknown[])[i] = order.ts;
    (cols[6] as unknown[])[i] = order.serial;
    (cols[7] as unknown[])[i] = order.index;
    (cols[8] as unknown[])[i] = order.rank;
    (cols[9] as unknown[])[i] = idSortKey(order.id);
    (cols[10] as unknown[])[i] = encodeMember(member);
    (cols[11] as unknown[])[i] = member.clientId;
    (cols[12] as unknown[])[i] = member.timestamp;
    (cols[13] as unknown[])[i] = e.userId ?? null;
    (cols[14] as unknown[])[i] = e.reported?.occupancy ?? null;
    (cols[15] as unknown[])[i] = e.reported?.timestamp ?? null;
  });
  return cols;
}

/**
 * The presence set in PostgreSQL: the merge runs in the database, one function call (one statement,
 * one transaction) per batch, the batch's channels locked in order, so any number of receiver
 * instances share one truth. Call `migrate()` once (or run `presence-webhooks migrate`) before use.
 */
export class PostgresStore implements PresenceStore {
  readonly tombstoneHorizonMs: number;
  readonly schema: string;
  readonly lease: LeaseCapability;
  readonly feed?: ChangeFeed;
  /** The pool the store queries through (its own, or the one passed in). */
  readonly pool: pg.Pool;
  private readonly ownPool: boolean;
  private readonly queryTimeoutMs: number;
  private readonly feedRetainMs: number;
  private readonly sessionsRetainMs: number;
  private readonly applyText: string;
  private readonly postgresFeed?: PostgresFeed;
  private closed = false;
  /** Events applied since this instance last collected expired rows, and when it did (see sweepBudget). */
  private sinceSweep = 0;
  private lastSweep = 0;

  constructor(options: PostgresStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw optionError('PostgresStore options', 'an object', options);
    checkKnownKeys(options, KNOWN_OPTIONS, 'PostgresStore');
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema))
      throw optionError('schema', 'lower-case letters, digits and _ (at most 48, not starting with a digit)', schema);
    this.schema = schema;
    this.tombstoneHorizonMs = nonNegativeNumber(options.tombstoneHorizonMs, 'tombstoneHorizonMs', DEFAULT_TOMBSTONE_HORIZON_MS);
    this.queryTimeoutMs = positiveNumber(options.queryTimeoutMs, 'queryTimeoutMs', DEFAULT_QUERY_TIMEOUT_MS);
    this.sessionsRetainMs =
      options.sessionsRetainMs === Infinity
        ? Infinity
        : positiveNumber(options.sessionsRetainMs, 'sessionsRetainMs', DEFAULT_SESSIONS_RETAIN_MS);
    const feed = options.feed;
    if (feed !== undefined && feed !== false && (typeof feed !== 'object' || feed === null))
      throw optionError('feed', 'an object { retainMs } or false', feed);
    this.feedRetainMs = feed === false ? DEFAULT_FEED_RETAIN_MS : positiveNumber(feed?.retainMs, 'feed.retainMs', DEFAULT_FEED_RETAIN_MS);
    if (options.pool !== undefined) {
      if (options.connectionString !== undefined)
        throw optionError('connectionString', 'omitted when pool is given', options.connectionString);
      if (typeof options.pool !== 'object' || options.pool === null || typeof (options.pool as { query?: unknown }).query !== 'function')
        throw optionError('pool', 'a pg Pool', options.pool);
      this.pool = options.pool;
      this.ownPool = false;
    } else {
      if (typeof options.connectionString !== 'string' || options.connectionString === '')
        throw optionError('connectionString', 'a postgres:// URL (or pass pool)', options.connectionString);
      const max = positiveNumber(options.maxConnections, 'maxConnections', 10);
      this.pool = new pg.Pool({
        connectionString: options.connectionString,
        max,
        // Calls are bounded by queryTimeoutMs anyway (see query()); a connection may take longer to open.
        connectionTimeoutMillis: Math.max(this.queryTimeoutMs * 5, 10_000),
        statement_timeout: this.queryTimeoutMs,
        idle_in_transaction_session_timeout: this.queryTimeoutMs * 5,
      });
      this.ownPool = true;
    }
    // An idle connection that dies (server restart) must not crash the process.
    this.pool.on('error', () => undefined);
    this.applyText = `select seq, kind, ord, previous, cur, user_id, channel, provider, at, last_seen from ${schema}.apply(${Array.from(
      { length: 31 },
      (_, i) => `$${i + 1}`,
    ).join(', ')})`;
    this.lease = new PostgresLease(this, schema);
    if (feed !== false) {
      this.postgresFeed = new PostgresFeed(this, schema, positiveNumber(feed?.pollMs, 'feed.pollMs', DEFAULT_FEED_POLL_MS));
      this.feed = this.postgresFeed;
    }
  }

  /** Create or upgrade the store's tables (idempotent, versioned: see README "Migrations"). */
  migrate(): Promise<MigrateResult> {
    return migrateSchema(this.pool, this.schema);
  }

  /**
   * One statement, bounded by `queryTimeoutMs` (the wait for a pool connection included): unavailability
   * becomes PostgresUnavailableError; any other error (bad input) is rethrown as it is.
   */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new PostgresUnavailableError('presence-webhooks: PostgresStore is closed');
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(
          new PostgresUnavailableError(
            `presence-webhooks: PostgreSQL did not answer within queryTimeoutMs (${this.queryTimeoutMs} ms): the pool is exhausted or the server is slow or down`,
          ),
        );
      }, this.queryTimeoutMs);
    });
    // The connection is taken here, not by pool.query: a call that timed out while queued for a connection
    // is dropped when one comes (it never runs late), instead of waiting in the pool's queue.
    const run = this.pool.connect().then(async (client) => {
      if (timedOut) {
        client.release();
        throw new PostgresUnavailableError('presence-webhooks: dropped: timed out waiting for a connection');
      }
      // A checked-out client whose server goes away emits 'error': without a listener that would crash the process.
      const ignore = (): void => undefined;
      client.on('error', ignore);
      try {
        const result = await client.query<R>(name === undefined ? { text, values } : { name, text, values });
        client.release();
        return result;
      } catch (error) {
        // A broken connection is destroyed, not returned to the pool.
        client.release(isUnavailable(error) ? (error as Error) : undefined);
        throw error;
      } finally {
        client.off('error', ignore);
      }
    });
    run.catch(() => undefined); // answered by the timeout already
    try {
      return await Promise.race([run, timeout]);
    } catch (error) {
      if (error instanceof PostgresUnavailableError) throw error;
      if (isUnavailable(error))
        throw new PostgresUnavailableError(`presence-webhooks: PostgreSQL is unavailable: ${(error as Error).message}`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
    if (!Array.isArray(events)) throw optionError('events', 'an array of presence events', events);
    const marks = checkApplyOptions(options); // watermarks, staleBefore, users, notices: as every store checks them
    const staleBefore = options?.staleBefore;
    const users = options?.users;
    const notices = options?.notices ?? [];
    if (events.length === 0 && marks === undefined && notices.length === 0) return [];
    const cols = eventArrays(events);
    const wmChannels = marks === undefined ? [] : [...marks.keys()];
    const wmTimes = marks === undefined ? [] : [...marks.values()];
    const values = [
      ...cols,
      wmChannels,
      wmTimes,
      staleBefore ?? null,
      users !== undefined,
      users?.graceMs ?? 0,
      users?.now ?? 0,
      notices.map((n) => n.type),
      notices.map((n) => n.provider),
      notices.map((n) => n.channel),
      notices.map((n) => n.timestamp),
      this.tombstoneHorizonMs,
      this.feed !== undefined,
      this.feedRetainMs,
      Number.isFinite(this.sessionsRetainMs) ? this.sessionsRetainMs : -1,
      this.sweepBudget(events.length),
    ];
    const { rows } = await this.query<ChangeRow>(this.applyText, values, `pw_apply_${this.schema}`);
    if (rows.length > 0) this.postgresFeed?.changed();
    return rows.map((row) => changeOf(row, events));
  }

  /**
   * How many expired rows (of each kind) this apply collects: none when this instance collected less than
   * SWEEP_EVERY_MS ago, else twice the events applied since plus a margin, so collection keeps up with what
   * applies can create, at one sweep per SWEEP_EVERY_MS per instance whatever the apply rate.
   */
  private sweepBudget(events: number): number {
    this.sinceSweep += events;
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return 0;
    const budget = 2 * this.sinceSweep + 64;
    this.sinceSweep = 0;
    this.lastSweep = now;
    return budget;
  }

  async members(channel: string): Promise<Member[]> {
    const { rows } = await this.query<{ member: Buffer }>(
      `select member from ${this.schema}.members where channel = $1 and present`,
      [channel],
      `pw_members_${this.schema}`,
    );
    return rows.map((r) => decodeMember(r.member)).sort(compareMembers);
  }

  async channels(): Promise<string[]> {
    const { rows } = await this.query<{ channel: string }>(`select channel from ${this.schema}.channels where present > 0`);
    return rows.map((r) => r.channel).sort();
  }

  async occupancy(channel: string): Promise<number> {
    const { rows } = await this.query<{ present: number }>(`select present from ${this.schema}.channels where channel = $1`, [channel]);
    return rows[0]?.present ?? 0;
  }

  async reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined> {
    const { rows } = await this.query<{ o: number | null; t: number | null }>(
      `select reported_occupancy as o, reported_at as t from ${this.schema}.channels where channel = $1`,
      [channel],
    );
    const row = rows[0];
    return row?.o === null || row?.o === undefined || row.t === null ? undefined : { occupancy: row.o, timestamp: row.t };
  }

  async watermark(channel: string): Promise<number | undefined> {
    const { rows } = await this.query<{ w: number | null }>(`select watermark as w from ${this.schema}.channels where channel = $1`, [
      channel,
    ]);
    return rows[0]?.w ?? undefined;
  }

  async users(channel: string): Promise<string[]> {
    const { rows } = await this.query<{ user_id: string }>(
      `select user_id from ${this.schema}.user_channels where channel = $1 and (members > 0 or pending_until is not null)`,
      [channel],
    );
    return rows.map((r) => r.user_id).sort();
  }

  async user(userId: string): Promise<UserPresence | undefined> {
    const { rows } = await this.query<{
      members: number;
      since: number | null;
      last_seen: number | null;
      pending: boolean;
      channels: string[];
    }>(
      `select u.members, u.since, u.last_seen, u.pending_until is not null as pending,
         array(select t.channel from ${this.schema}.user_channels t where t.user_id = u.user_id and (t.members > 0 or t.pending_until is not null)) as channels
       from ${this.schema}.users u where u.user_id = $1`,
      [userId],
    );
    const row = rows[0];
    if (row === undefined || (row.members === 0 && !row.pending && row.last_seen === null)) return undefined;
    const presence: UserPresence = { userId, online: row.members > 0 || row.pending, channels: row.channels.sort(), members: row.members };
    if (presence.online && row.since !== null) presence.since = row.since;
    if (row.members === 0 && row.last_seen !== null) presence.lastSeen = row.last_seen;
    return presence;
  }

  async userCount(): Promise<number> {
    const { rows } = await this.query<{ n: string }>(
      `select count(*) as n from ${this.schema}.users where members > 0 or pending_until is not null`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async expireUsers(options: UserLevelOptions): Promise<UserChange[]> {
    checkUserLevelOptions(options);
    const { rows } = await this.query<ChangeRow>(
      `select seq, kind, ord, previous, cur, user_id, channel, provider, at, last_seen from ${this.schema}.expire_users($1, $2, $3)`,
      [options.now, options.lastSeenMs, this.feed !== undefined],
    );
    if (rows.length > 0) this.postgresFeed?.changed();
    return rows.map((row) => changeOf(row, []) as UserChange);
  }

  /** Closed sessions and present members, for tests and measurements: rows of `<schema>.sessions`. */
  async sessionCount(): Promise<{ open: number; closed: number }> {
    const { rows } = await this.query<{ open: string; closed: string }>(
      `select count(*) filter (where left_at is null) as open, count(*) filter (where left_at is not null) as closed from ${this.schema}.sessions`,
    );
    return { open: Number(rows[0]?.open ?? 0), closed: Number(rows[0]?.closed ?? 0) };
  }

  /** Drop the schema and everything in it (tests; irreversible). */
  async drop(): Promise<void> {
    await this.query(`drop schema if exists ${this.schema} cascade`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.postgresFeed?.close();
    this.closed = true;
    if (this.ownPool) await this.pool.end();
  }
}
