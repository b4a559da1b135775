import { optionError } from '../option-checks.js';
import type { ApplyOptions, UserLevelOptions } from '../store.js';

/** The user levels' options of `apply` (`users`) and `expireUsers`, checked as every store checks them. */
export function checkUserLevelOptions(users: UserLevelOptions): void {
  if (typeof users !== 'object' || users === null) throw optionError('users', 'an object { graceMs, lastSeenMs, now }', users);
  // Number.isFinite: false for anything but a finite number (no coercion).
  if (!(Number.isFinite(users.graceMs) && users.graceMs >= 0))
    throw optionError('users.graceMs', 'a finite number >= 0 (ms)', users.graceMs);
  if (!(Number.isFinite(users.lastSeenMs) && users.lastSeenMs > 0))
    throw optionError('users.lastSeenMs', 'a finite number > 0 (ms)', users.lastSeenMs);
  if (!Number.isFinite(users.now)) throw optionError('users.now', 'a finite number (ms)', users.now);
}

/** `apply`'s channel notices, checked as every store checks them. */
function checkNotices(notices: unknown): void {
  if (!Array.isArray(notices)) throw optionError('notices', 'an array of channel notices', notices);
  notices.forEach((notice: unknown, i) => {
    const n = notice as { type?: unknown; channel?: unknown; provider?: unknown; timestamp?: unknown } | null;
    if (
      typeof n !== 'object' ||
      n === null ||
      (n.type !== 'channel.active' && n.type !== 'channel.inactive') ||
      typeof n.channel !== 'string' ||
      typeof n.provider !== 'string' ||
      !Number.isFinite(n.timestamp)
    )
      throw optionError(
        `notices[${i}]`,
        "a channel notice { type: 'channel.active' | 'channel.inactive', provider, channel, timestamp }",
        notice,
      );
  });
}

/**
 * Check `apply`'s options as every store checks them (watermarks, staleBefore, users, notices) before anything
 * is merged (bad options change nothing, with a TypeError that names the option) and answer the watermarks as
 * channel -> time (the largest when a channel is listed twice), or undefined when none.
 */
export function checkApplyOptions(options: ApplyOptions | undefined): Map<string, number> | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw optionError('apply options', 'an object', options);
  const { staleBefore } = options;
  if (staleBefore !== undefined && !Number.isFinite(staleBefore)) throw optionError('staleBefore', 'a finite number (ms)', staleBefore);
  if (options.users !== undefined) checkUserLevelOptions(options.users);
  if (options.notices !== undefined) checkNotices(options.notices);
  const list: unknown = options.watermarks;
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw optionError('watermarks', 'an array of { channel, time }', list);
  if (list.length === 0) return undefined;
  const out = new Map<string, number>();
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw optionError(`watermarks[${i}]`, 'an object { channel, time }', entry);
    const { channel, time } = entry as { channel?: unknown; time?: number };
    if (typeof channel !== 'string') throw optionError(`watermarks[${i}].channel`, 'a string', channel);
    if (time === undefined || !Number.isFinite(time)) throw optionError(`watermarks[${i}].time`, 'a finite number (ms)', time);
    const held = out.get(channel);
    if (held === undefined || time > held) out.set(channel, time);
  });
  return out;
}
