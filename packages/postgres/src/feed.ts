import { setTimeout as sleep } from 'node:timers/promises';
import type { Change, ChangeFeed } from '@presence-webhooks/core/store';
import { optionError, positiveInteger } from '@presence-webhooks/core/store';
import { ReceiverError } from '@presence-webhooks/core';
import pg from 'pg';
import type { ChangeRow } from './rows.js';
import { changeOf } from './rows.js';
import type { PostgresStore } from './postgres-store.js';

/** A cursor is `<xid>.<seq>`: the writing transaction's id, then the row's sequence number. */
const CURSOR = /^(\d{1,20})\.(\d{1,20})$/;
/** While waiting, read again at least this often by default (a wake-up can come before an older transaction ends). */
export const DEFAULT_FEED_POLL_MS = 250;
/**
 * A claim holds a change for at least this long (ms), whatever `olderThanMs`: a claimer slowed down (a busy
 * machine) must not see its change claimed again before it could emit and acknowledge it.
 */
const MIN_CLAIM_MS = 1000;
/** Commits within this long (ms) share one NOTIFY. */
const NOTIFY_EVERY_MS = 5;

function parseCursor(cursor: string): [string, string] {
  const m = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
  if (m === null) throw expired(`"${String(cursor)}" is not a cursor of this store`);
  return [m[1] as string, m[2] as string];
}

function expired(what: string): ReceiverError {
  return new ReceiverError(
    'feed_cursor_expired',
    `the change feed cannot resume after this cursor (${what}): it is older than the feed's retention (feed.retainMs) or from another store; reconcile the presence set, then read from head()`,
  );
}

/**
 * The change feed: rows of `<schema>.feed`, written by `apply` in its transaction. Order is (transaction
 * id, sequence); a reader only sees the rows of transactions older than every running one
 * (`pg_snapshot_xmin`), so a transaction that commits late can never slip in before a cursor already
 * read: no gap. `read` waits on LISTEN/NOTIFY on a connection of its own.
 */
export class PostgresFeed implements ChangeFeed {
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly select: string;
  private closed = false;
  private notifying: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PostgresStore,
    private readonly schema: string,
    private readonly pollMs = DEFAULT_FEED_POLL_MS,
  ) {
    this.select = `select f.xid::text || '.' || f.cursor as cur, f.kind, null::integer as ord, f.member, f.previous, f.reason, f.user_id,
      f.channel, f.provider, f.at, f.last_seen from ${schema}.feed f`;
  }

  async head(): Promise<string> {
    const { rows } = await this.store.query<{ x: string }>(`select pg_snapshot_xmin(pg_current_snapshot())::text as x`);
    return `${rows[0]?.x ?? '0'}.0`;
  }

  async read(after: string, options: { limit: number; waitMs: number; signal?: AbortSignal }): Promise<Change[]> {
    const [xid, seq] = parseCursor(after);
    if (typeof options !== 'object' || options === null) throw optionError('read options', 'an object { limit, waitMs }', options);
    const limit = positiveInteger(options.limit, 'limit', 100);
    const waitMs = options.waitMs;
    if (!(typeof waitMs === 'number' && waitMs >= 0)) throw optionError('waitMs', 'a number >= 0 (ms)', waitMs);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const changes = await this.readOnce(xid, seq, limit);
      const left = deadline - Date.now();
      if (changes.length > 0 || left <= 0 || options.signal?.aborted === true || this.closed) return changes;
      await this.wait(Math.min(left, this.pollMs), options.signal);
    }
  }

  private async readOnce(xid: string, seq: string, limit: number): Promise<Change[]> {
    const s = this.schema;
    const { rows } = await this.store.query<ChangeRow & { placed: boolean }>(
      `with t as (select (t.xid, t.cursor) <= ($1::xid8, $2::bigint) and $1::xid8 <= pg_snapshot_xmax(pg_current_snapshot()) as placed from ${s}.feed_trim t)
       select (select placed from t), r.* from (
         ${this.select} where (f.xid, f.cursor) > ($1::xid8, $2::bigint) and f.xid < pg_snapshot_xmin(pg_current_snapshot())
         order by f.xid, f.cursor limit $3) r
       right join (select 1) one on true`,
      [xid, seq, limit],
    );
    if (rows[0]?.placed !== true) throw expired(`${xid}.${seq}`);
    return rows.filter((r) => r.kind !== null).map((r) => changeOf(r, []));
  }

  async claim(olderThanMs: number, limit: number): Promise<Change[]> {
    if (!(typeof olderThanMs === 'number' && olderThanMs >= 0)) throw optionError('olderThanMs', 'a number >= 0 (ms)', olderThanMs);
    const n = positiveInteger(limit, 'limit', 100);
    const s = this.schema;
    const { rows } = await this.store.query<ChangeRow & { xid: string; cursor: string }>(
      `with c as (
         select g.cursor from ${s}.feed g
         where not g.acked and g.committed_at <= now() - $1 * interval '1 millisecond'
           and (g.claimed_until is null or g.claimed_until <= now())
         order by g.xid, g.cursor limit $2 for update skip locked)
       update ${s}.feed f set claimed_until = now() + greatest($1, ${MIN_CLAIM_MS}) * interval '1 millisecond' from c where f.cursor = c.cursor
       returning f.xid::text as xid, f.cursor::text as cursor, f.xid::text || '.' || f.cursor as cur, f.kind, null::integer as ord,
         f.member, f.previous, f.reason, f.user_id, f.channel, f.provider, f.at, f.last_seen`,
      [olderThanMs, n],
    );
    rows.sort((a, b) => compareDecimal(a.xid, b.xid) || compareDecimal(a.cursor, b.cursor));
    return rows.map((r) => changeOf(r, []));
  }

  async ack(cursors: readonly string[]): Promise<void> {
    if (!Array.isArray(cursors)) throw optionError('cursors', 'an array of cursors', cursors);
    const seqs = cursors.map((c) => parseCursor(c)[1]);
    if (seqs.length === 0) return;
    await this.store.query(`update ${this.schema}.feed set acked = true where cursor = any($1::bigint[]) and not acked`, [seqs]);
  }

  /**
   * Wake the readers of every instance: called after a commit that wrote to the feed. NOTIFY runs after the
   * commit, in a statement of its own, at most once per NOTIFY_EVERY_MS per store (a commit that notifies
   * takes a cluster-wide lock: inside apply it would serialise every apply). A lost NOTIFY (the server
   * restarting) costs a reader at most `pollMs`.
   */
  changed(): void {
    if (this.notifying !== undefined || this.closed) return;
    this.notifying = setTimeout(() => {
      this.store
        .query(`select pg_notify($1, '')`, [`${this.schema}_feed`])
        .catch(() => undefined)
        .finally(() => {
          this.notifying = undefined;
        });
    }, NOTIFY_EVERY_MS);
    this.notifying.unref();
  }

  /** Until a NOTIFY of a new change, `ms`, or the signal: whichever first. */
  private async wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    await this.listen().catch(() => undefined); // no listener (the server is down): the poll still ends the wait
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    this.wakers.add(stop);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      await sleep(ms, undefined, { signal: controller.signal });
    } catch {
      // woken
    } finally {
      this.wakers.delete(stop);
      signal?.removeEventListener('abort', stop);
    }
  }

  private listen(): Promise<void> {
    if (this.listening !== undefined) return this.listening;
    const client = new pg.Client(this.store.pool.options);
    this.listener = client;
    const drop = (): void => {
      if (this.listener === client) {
        this.listener = undefined;
        this.listening = undefined;
      }
      client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', () => {
      for (const wake of this.wakers) wake();
    });
    this.listening = client.connect().then(
      () => client.query(`listen ${this.schema}_feed`).then(() => undefined),
      (error: unknown) => {
        drop();
        throw error;
      },
    );
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.notifying);
    for (const wake of this.wakers) wake();
    const client = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    await client?.end().catch(() => undefined);
  }
}

function compareDecimal(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
