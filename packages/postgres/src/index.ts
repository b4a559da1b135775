export {
  PostgresStore,
  DEFAULT_SCHEMA,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_FEED_RETAIN_MS,
  DEFAULT_SESSIONS_RETAIN_MS,
} from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { PostgresUnavailableError } from './errors.js';
export { SCHEMA_VERSION, migrateSchema } from './migrate.js';
export { MIGRATIONS } from './migrations.js';
export type { MigrateResult } from './migrate.js';
