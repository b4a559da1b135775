import pg from 'pg';

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const START_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/**
 * Whether the PostgreSQL tests can run. Under CI=true an unreachable server is an error (the run fails);
 * elsewhere the tests skip with a line that says how to start it.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    if (process.env.CI === 'true')
      throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL} and CI=true: start it with: ${START_HINT}`);
    console.warn(`PostgreSQL tests skipped: nothing answers at ${POSTGRES_URL} (start it with: ${START_HINT})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let schemas = 0;
/** A schema name of its own for a test (lower case, unique per process and call). */
export function uniqueSchema(tag: string): string {
  return `pwt_${tag}_${process.pid.toString(36)}_${Date.now().toString(36)}_${(schemas++).toString(36)}`.toLowerCase();
}

/** Drop every schema whose name starts with `prefix` (a test's own). */
export async function dropSchemas(pool: pg.Pool, prefix: string): Promise<void> {
  const { rows } = await pool.query<{ nspname: string }>(`select nspname from pg_namespace where starts_with(nspname, $1)`, [prefix]);
  for (const { nspname } of rows) await pool.query(`drop schema if exists ${nspname} cascade`);
}
