import type { Lease, LeaseCapability, LeaseStatus } from '@presence-webhooks/core/store';
import { optionError, positiveInteger } from '@presence-webhooks/core/store';
import type { PostgresStore } from './postgres-store.js';

/**
 * The lease as a row of `<schema>.leases` with a fencing token: `acquire` takes a free or expired row and
 * increments its token in one statement; `renew` and `release` are compare-and-set on the token and the
 * expiry, so a holder whose lease expired and was taken changes nothing. Times are the database's clock.
 */
export class PostgresLease implements LeaseCapability {
  constructor(
    private readonly store: PostgresStore,
    private readonly schema: string,
  ) {}

  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    if (typeof name !== 'string' || name === '') throw optionError('lease name', 'a non-empty string', name);
    const ttl = positiveInteger(ttlMs, 'lease ttlMs', 1);
    const s = this.schema;
    const { rows } = await this.store.query<{ token: string }>(
      `insert into ${s}.leases as l (name, token, expires_at) values ($1, 1, now() + $2 * interval '1 millisecond')
       on conflict (name) do update set token = l.token + 1, expires_at = excluded.expires_at where l.expires_at <= now()
       returning token`,
      [name, ttl],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const token = Number(row.token);
    return {
      token,
      renew: async () =>
        (
          await this.store.query(
            `update ${s}.leases set expires_at = now() + $3 * interval '1 millisecond' where name = $1 and token = $2 and expires_at > now()`,
            [name, token, ttl],
          )
        ).rowCount === 1,
      release: async (done: boolean) => {
        await this.store.query(
          `update ${s}.leases set expires_at = now(), done_at = case when $3 then now() else done_at end,
             done_token = case when $3 then token else done_token end
           where name = $1 and token = $2 and expires_at > now()`,
          [name, token, done === true],
        );
      },
    };
  }

  async status(name: string): Promise<LeaseStatus> {
    if (typeof name !== 'string' || name === '') throw optionError('lease name', 'a non-empty string', name);
    const { rows } = await this.store.query<{ held: boolean; done_at: number | null; done_token: string | null }>(
      `select expires_at > now() as held, extract(epoch from done_at)::float8 * 1000 as done_at, done_token from ${this.schema}.leases where name = $1`,
      [name],
    );
    const row = rows[0];
    const status: LeaseStatus = { held: row?.held === true };
    if (row?.done_at != null) status.doneAt = row.done_at;
    if (row?.done_token != null) status.doneToken = Number(row.done_token);
    return status;
  }
}
