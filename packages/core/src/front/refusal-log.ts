import type { RejectInfo } from '../options/receiver-options.js';

/** The default onReject logs one warning per code per this many ms, so a flood of forged requests cannot flood the log. */
const REJECT_LOG_INTERVAL_MS = 60_000;

/** The default onReject: one warning per code per minute, never the body nor a secret. */
export function rateLimitedWarning(logger: { warn(message: string): void }): (info: RejectInfo) => void {
  const last = new Map<string, number>();
  return (info) => {
    const now = Date.now();
    const at = last.get(info.code);
    if (at !== undefined && now - at < REJECT_LOG_INTERVAL_MS) return;
    last.set(info.code, now);
    const about = [
      info.provider,
      info.keyName === undefined ? undefined : `key ${info.keyName}`,
      info.remoteAddress === undefined ? undefined : `from ${info.remoteAddress}`,
    ].filter((x) => x !== undefined);
    logger.warn(
      `presence-webhooks: refused a webhook: ${info.status} ${info.code}${about.length > 0 ? ` (${about.join(', ')})` : ''}: ${info.reason} [further ${info.code} refusals are not logged for 60 s]`,
    );
  };
}
