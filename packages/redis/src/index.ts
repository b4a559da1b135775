export {
  RedisStore,
  RedisReadTooLargeError,
  DEFAULT_CIRCUIT_COOLDOWN_MS,
  DEFAULT_CIRCUIT_FAILURES,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_MAX_READ_BYTES,
} from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export { RedisUnavailableError } from './errors.js';
