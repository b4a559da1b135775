import { LogThrottle } from '../log-throttle.js';
import type { RejectInfo } from '../options/receiver-options.js';

/** The default onReject: one warning per code per minute, never the body nor a secret. */
export function rateLimitedWarning(logger: { warn(message: string): void }): (info: RejectInfo) => void {
  const throttle = new LogThrottle(); // a flood of forged requests cannot flood the log
  return (info) => {
    if (throttle.take(info.code) === undefined) return;
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
