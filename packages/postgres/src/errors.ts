/**
 * What PostgresStore rejects with while PostgreSQL cannot answer in time: no connection from the pool
 * within `queryTimeoutMs`, a statement cancelled by the timeout, a connection lost or refused, the server
 * shutting down. The receiver answers such a delivery 503 in `ack: 'after-store'` mode, so the provider
 * retries; nothing was committed (a statement is one transaction) or, if the reply was lost, a retry is a
 * duplicate the merge ignores.
 */
export class PostgresUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresUnavailableError';
  }
}

/** SQLSTATE classes and codes that mean "the database is not answering", not "this input is wrong". */
const UNAVAILABLE_STATES = /^(08|53|57P0|57014|40001|40P01|55P03|XX)/;
const UNAVAILABLE_MESSAGES = /timeout|terminat|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|Connection|not queryable|ended/i;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof PostgresUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_STATES.test(code)) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}
