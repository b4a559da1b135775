import type { CliIo } from './run.js';
import { parseMigrateArgs, UsageError } from './args.js';

export const MIGRATE_USAGE = `Usage: presence-webhooks migrate --url <postgres URL> [--schema <name>] [--json]

Creates PostgresStore's tables in the schema, or upgrades them to this version (the same as
'await store.migrate()'). Idempotent: a second run finds the schema current and does nothing.
Needs @presence-webhooks/postgres installed (npm install @presence-webhooks/postgres).

  --url <url>       the database, e.g. postgres://app@127.0.0.1:5432/app (default: $DATABASE_URL)
  --schema <name>   the store's schema (default presence_webhooks)
  --json            print the result as JSON: { schema, from, to, applied }
  --help            this text

Exit code: 0 done (or nothing to do), 1 the database failed, 2 a usage error.`;

const POSTGRES_PACKAGE = '@presence-webhooks/postgres';

/** What the command needs of `@presence-webhooks/postgres` (loaded only here: this package does not depend on it). */
interface PostgresModule {
  PostgresStore: new (options: { connectionString: string; schema?: string; queryTimeoutMs?: number }) => {
    migrate(): Promise<{ from: number; to: number; applied: number[] }>;
    close(): Promise<void>;
  };
}

/** The PostgresStore class (`from`: the package to load, for tests); a UsageError when it is not installed. */
export async function postgresModule(from = POSTGRES_PACKAGE): Promise<PostgresModule> {
  try {
    return (await import(from)) as PostgresModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(`install ${POSTGRES_PACKAGE} to use migrate (npm install ${POSTGRES_PACKAGE})`);
    throw error;
  }
}

/** `presence-webhooks migrate`: exit 0 / 1 / 2. */
export async function migrateCommand(argv: readonly string[], io: CliIo, from = POSTGRES_PACKAGE): Promise<number> {
  let command: ReturnType<typeof parseMigrateArgs>;
  try {
    command = parseMigrateArgs(argv, io.env);
    if (command.help) {
      io.stdout.write(`${MIGRATE_USAGE}\n`);
      return 0;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`presence-webhooks migrate: ${error.message}\nRun 'presence-webhooks migrate --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
  const { url, schema, json } = command;
  let store: InstanceType<PostgresModule['PostgresStore']>;
  try {
    const { PostgresStore } = await postgresModule(from);
    store = new PostgresStore({ connectionString: url, queryTimeoutMs: 30_000, ...(schema === undefined ? {} : { schema }) });
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && error.message.startsWith('presence-webhooks:'))) {
      io.stderr.write(
        `presence-webhooks migrate: ${error.message.replace(/^presence-webhooks: /, '')}\nRun 'presence-webhooks migrate --help' for the options.\n`,
      );
      return 2;
    }
    throw error;
  }
  const name = schema ?? 'presence_webhooks';
  try {
    const result = await store.migrate();
    io.stdout.write(
      json
        ? `${JSON.stringify({ schema: name, ...result })}\n`
        : result.applied.length === 0
          ? `schema ${name} is at version ${result.to}: nothing to do\n`
          : `schema ${name}: version ${result.from} -> ${result.to} (applied ${result.applied.join(', ')})\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(`presence-webhooks migrate: the migration failed, nothing was changed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
