import { MIGRATIONS, migrateSchema, SCHEMA_VERSION } from '@presence-webhooks/postgres';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const prefix = uniqueSchema('mig');

const bin = fileURLToPath(new URL('../packages/testing/bin/presence-webhooks.js', import.meta.url));

/** The built bin, as an operator runs it: exit code, stdout, stderr. */
function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (error, out, err) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out, err });
    });
  });
}

describe.skipIf(!available)('presence-webhooks migrate and store.migrate() on the real PostgreSQL', () => {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  afterAll(async () => {
    await dropSchemas(pool, prefix);
    await pool.end();
  });

  it('creates the schema at the current version, then a second run does nothing', async () => {
    const schema = `${prefix}_cli`;
    const first = await cli(['migrate', '--url', POSTGRES_URL, '--schema', schema, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toEqual({ schema, from: 0, to: SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) });
    const second = await cli(['migrate', '--url', POSTGRES_URL, '--schema', schema]);
    expect(second.code).toBe(0);
    expect(second.out).toBe(`schema ${schema} is at version ${SCHEMA_VERSION}: nothing to do\n`);
    const { rows } = await pool.query(`select version from ${schema}.schema_version order by version`);
    expect(rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('upgrades a schema of this version with a later migration, once, keeping its data', async () => {
    const schema = `${prefix}_up`;
    await migrateSchema(pool, schema);
    await pool.query(`insert into ${schema}.leases (name, token, expires_at) values ('kept', 7, now())`);
    const next = [
      ...MIGRATIONS,
      { version: SCHEMA_VERSION + 1, name: 'test: a column', sql: 'alter table __S__.leases add column note text' },
    ];
    expect(await migrateSchema(pool, schema, next)).toEqual({
      from: SCHEMA_VERSION,
      to: SCHEMA_VERSION + 1,
      applied: [SCHEMA_VERSION + 1],
    });
    expect(await migrateSchema(pool, schema, next)).toEqual({ from: SCHEMA_VERSION + 1, to: SCHEMA_VERSION + 1, applied: [] });
    const { rows } = await pool.query(`select token, note from ${schema}.leases where name = 'kept'`);
    expect(rows).toEqual([{ token: '7', note: null }]);
  });

  it('two instances migrating at once: one applies, the other finds it done', async () => {
    const schema = `${prefix}_race`;
    const results = await Promise.all([migrateSchema(pool, schema), migrateSchema(pool, schema)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, MIGRATIONS.length]);
  });

  it('usage errors exit 2 and never print the URL; an unreachable database exits 1', async () => {
    const none = await cli(['migrate']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--url is required');
    const bad = await cli(['migrate', '--url', 'mysql://u:secret@h/db']);
    expect(bad.code).toBe(2);
    expect(bad.err).not.toContain('secret');
    const down = await cli(['migrate', '--url', 'postgres://postgres@127.0.0.1:1/test', '--schema', `${prefix}_no`]);
    expect(down.code).toBe(1);
    expect(down.err).toContain('the migration failed');
  });
});
