import type { Pool } from 'pg';
import { MIGRATIONS } from './migrations.js';

export interface MigrateResult {
  /** The schema's version before the run (0: it had none). */
  from: number;
  /** The schema's version after it. */
  to: number;
  /** The migrations this run applied (none when the schema was already current). */
  applied: number[];
}

/** The version this package's code needs. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Bring `schema` to SCHEMA_VERSION: one transaction, under an advisory lock (two instances migrating at
 * once: the second waits, then finds nothing to do). Each applied migration is recorded in
 * `<schema>.schema_version`.
 */
export async function migrateSchema(pool: Pool, schema: string, migrations = MIGRATIONS): Promise<MigrateResult> {
  const client = await pool.connect();
  const ignore = (): void => undefined; // a lost connection rejects the query below; its 'error' event must not crash
  client.on('error', ignore);
  try {
    await client.query('begin');
    await client.query('set local statement_timeout = 0'); // DDL on a busy server may outlast the store's query timeout
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`presence_webhooks.migrate.${schema}`]);
    await client.query(`create schema if not exists ${schema}`);
    await client.query(
      `create table if not exists ${schema}.schema_version (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const { rows } = await client.query<{ v: number | null }>(`select max(version) as v from ${schema}.schema_version`);
    const from = rows[0]?.v ?? 0;
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await client.query(migration.sql.replaceAll('__S__', schema));
      await client.query(`insert into ${schema}.schema_version (version, name) values ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('commit');
    return { from, to: Math.max(from, ...applied), applied };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', ignore);
    client.release();
  }
}
